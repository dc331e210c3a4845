#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(variable, metadata)]
    question: String,
    #[prompt(attribute = "app.queue")]
    #[prompt(skip)]
    queue: String,
}

fn main() {
    let _ = Triage { question: String::new(), queue: String::new() };
}
