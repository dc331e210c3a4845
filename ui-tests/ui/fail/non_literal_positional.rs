#[crux::tool(3)]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
