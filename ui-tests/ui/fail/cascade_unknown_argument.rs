#[crux::cascade(tiers = 3)]
fn answer() -> Option<String> {
    None
}

fn main() {
    answer();
}
