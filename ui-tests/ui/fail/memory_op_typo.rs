#[crux::memory(op = "raed")]
fn recall() {}

fn main() {
    recall();
}
