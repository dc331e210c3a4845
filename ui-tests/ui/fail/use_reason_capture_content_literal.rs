// `capture_content` takes a value decided at run time (a `bool` or a
// `crux::CaptureContent`), not a literal.
#[crux::use_reason(telemetry(capture_content = true))]
fn reason() {}

fn main() {
    reason();
}
