#[crux::agent(tags("vip", 3, true))]
fn run() {}

fn main() {
    run();
}
