#[crux::tool(name = "")]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
