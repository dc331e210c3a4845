#[crux::tool(attributes("gen_ai.request.modle" = "x"))]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
