#[crux::retrieval(retriever = "kb", limit = "three")]
fn search(query: &str) -> Vec<String> {
    vec![query.to_owned()]
}

fn main() {
    search("q");
}
