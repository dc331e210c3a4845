#[crux::flow_step]
static RETRIES: u32 = 3;

fn main() {
    let _ = RETRIES;
}
