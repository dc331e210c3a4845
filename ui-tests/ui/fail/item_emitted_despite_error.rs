#[crux::tool(nme = "search")]
fn search(query: &str) -> usize {
    query.len()
}

#[crux::generate(model = "gpt-4o", max_tokens = "ten")]
async fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

struct Index;

impl Index {
    #[crux::flow_step(lable = "lookup")]
    fn lookup(&self, id: u32) -> u32 {
        id
    }
}

fn main() {
    let n: usize = search("rust");
    let _future = complete("hi");
    let id: u32 = Index.lookup(n as u32);
    let _ = id;
}
