// The prompt's identity and variables are recorded by crux under their own keys.
#[derive(crux::Prompt)]
struct Triage {
    #[prompt(attribute = "gen_ai.prompt.name")]
    name: String,
    #[prompt(attribute = "gen_ai.prompt.variable.question")]
    question: String,
}

fn main() {
    let _ = Triage { name: String::new(), question: String::new() };
}
