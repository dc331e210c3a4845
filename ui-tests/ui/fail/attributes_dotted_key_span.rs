// A dotted key is underlined whole (`gen_ai.request.modle`), not on its first segment.
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
