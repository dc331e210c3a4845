#[crux::generate(model = "gpt-4o", temperature = "hot")]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
