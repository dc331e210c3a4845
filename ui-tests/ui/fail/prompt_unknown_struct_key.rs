#[derive(crux::Prompt)]
#[prompt(nmae = "triage", version = "v1")]
struct Triage {
    #[prompt(variable)]
    question: String,
}

fn main() {
    let _ = Triage { question: String::new() };
}
