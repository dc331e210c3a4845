#[crux::corpus_sync(id = "docs", source_count = 2.5)]
fn sync() {}

fn main() {
    sync();
}
