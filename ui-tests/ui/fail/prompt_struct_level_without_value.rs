#[derive(crux::Prompt)]
#[prompt(name = "triage", kind)]
struct Triage {
    #[prompt(variable)]
    question: String,
}

fn main() {
    let _ = Triage { question: String::new() };
}
