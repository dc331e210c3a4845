// A variable is recorded as `gen_ai.prompt.variable.<name>`: the name must fit a key.
#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(variable = "user question")]
    question: String,
}

fn main() {
    let _ = Triage { question: String::new() };
}
