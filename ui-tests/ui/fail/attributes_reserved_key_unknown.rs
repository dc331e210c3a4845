#[crux::flow(attributes("crux.flow.owner_team" = "search"))]
fn support(question: &str) -> usize {
    question.len()
}

fn main() {
    support("where is my parcel?");
}
