#[crux::memory(op = "read", namespace = 42)]
fn recall() {}

fn main() {
    recall();
}
