#[crux::corpus_sync(id = "docs", dry_run = "yes")]
fn sync() {}

fn main() {
    sync();
}
