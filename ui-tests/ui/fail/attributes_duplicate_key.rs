#[crux::tool(attributes(app.tier = "gold", "app.tier" = "silver"))]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
