#[crux::tool(timeout = 30)]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
