#[crux::generate(model = "gpt-4o", stream = chunks)]
fn complete(prompt: &str, chunks: u32) -> String {
    format!("{prompt} in {chunks}")
}

fn main() {
    complete("hi", 3);
}
