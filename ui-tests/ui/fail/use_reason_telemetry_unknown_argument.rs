#[crux::use_reason(telemetry(operaton = "triage", model = "gpt-4o"))]
fn reason() {}

fn main() {
    reason();
}
