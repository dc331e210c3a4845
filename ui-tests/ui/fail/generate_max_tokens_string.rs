#[crux::generate(model = "gpt-4o", max_tokens = "ten")]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
