#[crux::generate(model = "gpt-4o", stop_sequences = stops)]
fn complete(prompt: &str, stops: &[u32]) -> String {
    format!("{prompt} until {stops:?}")
}

fn main() {
    complete("hi", &[1, 2]);
}
