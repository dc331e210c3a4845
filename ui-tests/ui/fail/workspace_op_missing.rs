#[crux::workspace(path = path)]
fn read(path: &str) -> String {
    path.to_owned()
}

fn main() {
    read("notes.md");
}
