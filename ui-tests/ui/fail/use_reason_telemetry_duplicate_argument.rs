#[crux::use_reason(telemetry(operation = "triage", tags("vip"), operation = "summarize"))]
fn reason() {}

fn main() {
    reason();
}
