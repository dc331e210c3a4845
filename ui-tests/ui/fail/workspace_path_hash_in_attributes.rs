#[crux::workspace(op = "read", attributes(crux.workspace.path_hash = "5ac99160"))]
fn read(path: &str) -> String {
    path.to_owned()
}

fn main() {
    read("notes.md");
}
