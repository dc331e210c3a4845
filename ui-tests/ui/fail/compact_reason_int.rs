#[crux::compact(reason = 3)]
fn compact() {}

fn main() {
    compact();
}
