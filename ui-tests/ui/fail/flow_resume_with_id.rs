#[crux::flow(name = "triage", id = "ticket-1", resume = checkpoint)]
fn triage(checkpoint: &crux::Checkpoint) -> u32 {
    let _ = checkpoint;
    1
}

fn main() {}
