#[crux::semantic_cache(version = "v1", threshold = "high")]
fn lookup(question: &str) -> Option<String> {
    Some(question.to_owned())
}

fn main() {
    lookup("hi");
}
