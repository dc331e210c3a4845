#[crux::memory(op = "write", blockid = "persona")]
fn remember() {}

fn main() {
    remember();
}
