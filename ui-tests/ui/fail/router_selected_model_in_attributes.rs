#[crux::router(attributes(crux.router.selected_model = "gpt-4o"))]
fn route() -> &'static str {
    "gpt-4o"
}

fn main() {
    route();
}
