#[crux::flow(attributes)]
fn support(question: &str) -> usize {
    question.len()
}

fn main() {
    support("where is my parcel?");
}
