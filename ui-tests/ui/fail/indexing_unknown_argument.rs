#[crux::indexing(indexer = "kb", chunks = 12)]
fn index() {}

fn main() {
    index();
}
