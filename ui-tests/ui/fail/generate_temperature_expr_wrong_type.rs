#[crux::generate(model = "gpt-4o", temperature = temperature)]
fn complete(prompt: &str, temperature: &str) -> String {
    format!("{prompt} at {temperature}")
}

fn main() {
    complete("hi", "hot");
}
