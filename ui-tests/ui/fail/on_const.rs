#[crux::generate(model = "gpt-4o")]
const MODEL: &str = "gpt-4o";

fn main() {
    let _ = MODEL;
}
