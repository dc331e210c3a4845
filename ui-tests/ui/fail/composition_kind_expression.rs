const KIND: &str = "parallel";

#[crux::composition(kind = KIND)]
fn fan_out() {}

fn main() {
    fan_out();
}
