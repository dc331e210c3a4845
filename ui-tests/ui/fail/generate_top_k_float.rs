#[crux::generate(model = "gpt-4o", top_k = 0.5)]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
