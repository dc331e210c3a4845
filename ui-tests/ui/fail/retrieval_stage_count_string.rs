#[crux::retrieval_stage(phase = "hits", input_hit_count = "3")]
fn rerank(hits: Vec<String>) -> Vec<String> {
    hits
}

fn main() {
    rerank(vec![]);
}
