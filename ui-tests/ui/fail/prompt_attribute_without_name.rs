#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(attribute)]
    queue: String,
}

fn main() {
    let _ = Triage { queue: String::new() };
}
