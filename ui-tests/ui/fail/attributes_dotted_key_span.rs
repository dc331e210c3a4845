// A dotted key is reported on its first segment only (`gen_ai`), not on the whole key.
#[crux::tool(attributes(gen_ai.request.modle = "x"))]
fn search(query: &str) -> usize {
    query.len()
}

#[crux::generate(model = "gpt-4o", attributes(gen_ai.request.model = "x"))]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

#[crux::flow(attributes(crux.flow.owner_team = "search"))]
fn support(question: &str) -> usize {
    question.len()
}

fn main() {
    search("rust");
    complete("hi");
    support("where is my parcel?");
}
