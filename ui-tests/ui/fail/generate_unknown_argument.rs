#[crux::generate(provider = "openai", model = "gpt-4o", max_token = 256)]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
