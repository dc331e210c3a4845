#[crux::memory(op = "read", namespace = tenant)]
fn recall(tenant: u64) {}

fn main() {
    recall(7);
}
