#[crux::tool(name = "a_tool_name_that_goes_on_and_on_well_past_what_any_trace_viewer_shows")]
fn search(query: &str) -> usize {
    query.len()
}

fn main() {
    search("rust");
}
