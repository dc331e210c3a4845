#[crux::semantic_cache(attributes(crux.semantic_cache.status = "hit"))]
fn lookup(question: &str) -> Option<String> {
    Some(question.to_owned())
}

fn main() {
    lookup("hi");
}
