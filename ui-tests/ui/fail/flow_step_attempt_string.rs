#[crux::flow_step(attempt = "one")]
fn fetch(id: u32) -> u32 {
    id
}

fn main() {
    fetch(7);
}
