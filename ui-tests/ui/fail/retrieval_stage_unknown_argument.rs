#[crux::retrieval_stage(phse = "hits")]
fn rerank(hits: Vec<String>) -> Vec<String> {
    hits
}

fn main() {
    rerank(vec![]);
}
