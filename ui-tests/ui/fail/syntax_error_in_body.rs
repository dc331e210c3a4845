#[crux::tool(name = "search")]
fn search(query: &str) -> usize {
    let n = ;
    query.len() + n
}

fn main() {
    search("rust");
}
