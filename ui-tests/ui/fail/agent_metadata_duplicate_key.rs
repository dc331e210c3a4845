#[crux::agent(metadata(plan = "pro", "plan" = "team"))]
fn run() {}

fn main() {
    run();
}
