#[crux::generate(model = -4)]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {
    complete("hi");
}
