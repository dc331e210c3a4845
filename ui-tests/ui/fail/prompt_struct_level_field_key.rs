// `variable` is a field role, not something the struct has.
#[derive(crux::Prompt)]
#[prompt(name = "triage", variable = "question")]
struct Triage {
    question: String,
}

fn main() {
    let _ = Triage { question: String::new() };
}
