// An empty key: the reason alone, without quoting the empty key as ``.
#[crux::tool(attributes("" = 1))]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
