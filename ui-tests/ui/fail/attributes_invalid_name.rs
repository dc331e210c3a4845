#[crux::tool(attributes("app..x" = 1))]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
