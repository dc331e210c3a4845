#[crux::generate(model = "gpt-4o", attributes(gen_ai.usage.input_tokens = "ten"))]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
