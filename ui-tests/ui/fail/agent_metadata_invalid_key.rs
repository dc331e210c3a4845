#[crux::agent(metadata("plan tier" = "pro", "" = 1))]
fn run() {}

fn main() {
    run();
}
