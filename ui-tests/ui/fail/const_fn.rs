#[crux::tool]
const fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
