#[crux::generate(model = "gpt-4o", provider = "openai", model = "gpt-4o-mini")]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
