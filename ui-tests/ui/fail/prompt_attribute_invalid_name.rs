#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(attribute = "app.user tier")]
    tier: String,
}

fn main() {
    let _ = Triage { tier: String::new() };
}
