const NAME: &str = "triage";

#[derive(crux::Prompt)]
#[prompt(name = NAME, version = env!("CARGO_PKG_VERSION"))]
struct Triage {
    #[prompt(variable)]
    question: String,
}

fn main() {
    let _ = Triage { question: String::new() };
}
