#[crux::use_reason(telemetry)]
fn reason() {}

fn main() {
    reason();
}
