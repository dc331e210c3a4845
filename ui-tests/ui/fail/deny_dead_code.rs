// tracing#3108: an unused annotated fn is still reported as dead code.
#![deny(dead_code)]

#[crux::tool]
fn unused_tool(query: &str) -> usize {
    query.len()
}

#[crux::flow]
async fn unused_flow() {}

#[crux::generate(model = "gpt-4o")]
fn unused_generate(prompt: &str) -> String {
    prompt.to_uppercase()
}

fn main() {}
