#[crux::generate(
    modle = "gpt-4o",
    max_tokens = "ten",
    temperature = "hot",
    provider = "openai",
    provider = "anthropic",
    attributes(app.tier = "gold", "gen_ai.request.modle" = "x", "app..x" = 1),
)]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
