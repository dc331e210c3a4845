#[crux::cascade(budget = "cheap")]
fn answer() -> Option<String> {
    None
}

fn main() {
    answer();
}
