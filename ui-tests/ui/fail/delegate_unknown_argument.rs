#[crux::delegate(target = "billing")]
fn hand_off() {}

fn main() {
    hand_off();
}
