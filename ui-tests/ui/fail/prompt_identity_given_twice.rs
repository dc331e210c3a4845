#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(name)]
    name: String,
    #[prompt(version)]
    version: String,
    #[prompt(version)]
    revision: String,
}

fn main() {
    let _ = Triage { name: String::new(), version: String::new(), revision: String::new() };
}
