#[crux::flow_step(label = label, attempt = label)]
fn fetch(label: &str, id: u32) -> u32 {
    let _ = label;
    id
}

fn main() {
    fetch("fetch", 7);
}
