#[crux::compact(reson = "context_window")]
fn compact() {}

fn main() {
    compact();
}
