#[crux::generate(provider = "openai", attributes("gen_ai.request.model" = "x"))]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
