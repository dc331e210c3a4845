#[crux::tool("search")]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
