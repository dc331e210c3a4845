#[crux::use_reason(telemetry("triage"))]
fn reason() {}

fn main() {
    reason();
}
