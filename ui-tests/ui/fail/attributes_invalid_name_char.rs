#[crux::tool(attributes("app.user tier" = "gold"))]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
