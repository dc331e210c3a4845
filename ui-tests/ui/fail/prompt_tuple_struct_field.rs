#[derive(crux::Prompt)]
#[prompt(name = "triage")]
struct Triage(#[prompt(variable)] String, u32);

fn main() {
    let _ = Triage(String::new(), 1);
}
