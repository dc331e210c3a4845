#[crux::agent(metadata = plan)]
fn run(plan: &str) -> usize {
    plan.len()
}

fn main() {
    run("pro");
}
