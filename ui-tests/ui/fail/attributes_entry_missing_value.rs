// Regression of 32092ef (lists parsed later with `syn::parse2`): a parse error at the end
// of a list is reported on the whole `#[crux::tool(..)]` instead of at the `)`.
#[crux::tool(attributes(app.tier))]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
