#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(varible)]
    question: String,
    #[prompt(template)]
    body: String,
}

fn main() {
    let _ = Triage { question: String::new(), body: String::new() };
}
