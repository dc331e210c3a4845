#[crux::retrieval(retreiver = "kb", limit = 3)]
fn search(query: &str) -> Vec<String> {
    vec![query.to_owned()]
}

fn main() {
    search("q");
}
