#[crux::generate(model = "gpt-4o", stream = 1)]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
