#[crux::agent(name = "support", sesion_id = "s-1")]
fn run() {}

fn main() {
    run();
}
