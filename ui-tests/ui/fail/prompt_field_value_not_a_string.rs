#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(variable = question)]
    question: String,
}

fn main() {
    let _ = Triage { question: String::new() };
}
