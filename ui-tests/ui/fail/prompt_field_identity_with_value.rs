#[derive(crux::Prompt)]
struct Triage {
    #[prompt(name = "triage")]
    name: String,
    #[prompt(skip = true)]
    secret: String,
}

fn main() {
    let _ = Triage { name: String::new(), secret: String::new() };
}
