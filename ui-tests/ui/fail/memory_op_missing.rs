#[crux::memory(kind = "semantic")]
fn recall() {}

fn main() {
    recall();
}
