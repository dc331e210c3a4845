#[crux::agent(tags = "vip")]
fn run() {}

fn main() {
    run();
}
