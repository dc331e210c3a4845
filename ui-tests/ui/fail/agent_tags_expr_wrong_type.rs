#[crux::agent(tags("vip", priority))]
fn run(priority: u32) {}

fn main() {
    run(1);
}
