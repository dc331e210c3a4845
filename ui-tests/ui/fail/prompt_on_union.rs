#[derive(crux::Prompt)]
union Triage {
    version: u32,
    seed: i64,
}

fn main() {
    let _ = Triage { version: 1 };
}
