// A parse error at the end of a list argument lands on its `)`, not on the whole
// `#[crux::tool(..)]` (lists are parsed after the arguments, inside their own group).
#[crux::tool(attributes(app.tier))]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
