#[crux::flow(name = "triage", resume = "checkpoint-1")]
fn triage() -> u32 {
    1
}

fn main() {
    triage();
}
