#[crux::flow]
enum Stage {
    Plan,
    Act,
}

fn main() {
    let _ = [Stage::Plan, Stage::Act];
}
