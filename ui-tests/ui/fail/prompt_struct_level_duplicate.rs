#[derive(crux::Prompt)]
#[prompt(name = "triage", version = 1)]
#[prompt(name = "summarize")]
struct Triage {
    #[prompt(variable)]
    question: String,
}

fn main() {
    let _ = Triage { question: String::new() };
}
