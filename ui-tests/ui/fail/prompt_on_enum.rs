#[derive(crux::Prompt)]
enum Triage {
    Short,
    Long,
}

fn main() {
    let _ = Triage::Short;
    let _ = Triage::Long;
}
