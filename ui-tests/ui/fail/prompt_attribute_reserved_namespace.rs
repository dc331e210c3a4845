#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage {
    #[prompt(attribute = "gen_ai.request.modle")]
    model: String,
    #[prompt(attribute = "crux.queue")]
    queue: String,
}

fn main() {
    let _ = Triage { model: String::new(), queue: String::new() };
}
