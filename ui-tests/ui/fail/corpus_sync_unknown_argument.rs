#[crux::corpus_sync(id = "docs", source_sets = "help-center")]
fn sync() {}

fn main() {
    sync();
}
