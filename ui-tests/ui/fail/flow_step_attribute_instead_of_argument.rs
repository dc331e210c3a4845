#[crux::flow_step(attributes("crux.step.attempt" = 2))]
fn fetch(id: u32) -> u32 {
    id
}

fn main() {
    fetch(7);
}
