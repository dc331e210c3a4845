#[crux::generate(model = "gpt-4o", system = 1)]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
