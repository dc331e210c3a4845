#[crux::composition(kind = "paralel")]
fn fan_out() {}

fn main() {
    fan_out();
}
