#[crux::composition(kind = "hierarchy")]
fn fan_out() {}

fn main() {
    fan_out();
}
