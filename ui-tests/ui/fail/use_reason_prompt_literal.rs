#[crux::use_reason(telemetry(prompt = "triage"))]
fn reason() {}

fn main() {
    reason();
}
