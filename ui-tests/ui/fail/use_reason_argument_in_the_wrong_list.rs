// An argument of `telemetry(..)` given to the macro, and one of the macro given inside
// `telemetry(..)`.
#[crux::use_reason(operation = "triage", tags("vip"), telemetry(model = "gpt-4o"))]
fn reason() {}

fn main() {
    reason();
}
