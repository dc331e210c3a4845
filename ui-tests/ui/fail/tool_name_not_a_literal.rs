const NAME: &str = "search";

#[crux::tool(name = NAME)]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
