#[crux::composition]
fn fan_out() {}

#[crux::composition(id = "vote-1")]
fn vote() {}

fn main() {
    fan_out();
    vote();
}
