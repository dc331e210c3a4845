#[crux::generate(model = "gpt-4o", stop_sequences = "\n\n")]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
