#[crux::flow_step(lable = "fetch")]
fn fetch(id: u32) -> u32 {
    id
}

fn main() {
    fetch(7);
}
