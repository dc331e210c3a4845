#[crux::flow(nam = "support")]
fn support(question: &str) -> usize {
    question.len()
}

fn main() {
    support("where is my parcel?");
}
