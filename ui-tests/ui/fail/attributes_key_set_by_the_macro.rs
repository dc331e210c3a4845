// Keys the runtime derives itself are rejected in `attributes(..)`: the value would be
// silently overwritten when the span starts.
#[crux::tool(name = "search", attributes(gen_ai.tool.name = "lookup", gen_ai.operation.name = "search"))]
fn search(query: &str) -> usize {
    query.len()
}

#[crux::flow(attributes(crux.flow.started_at = 0))]
fn support(question: &str) -> usize {
    question.len()
}

#[crux::flow_step(attributes("code.function.name" = "elsewhere"))]
fn fetch(id: u32) -> u32 {
    id
}

fn main() {
    search("rust");
    support("where is my parcel?");
    fetch(7);
}
