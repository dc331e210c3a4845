#[crux::router(model = "gpt-4o")]
fn route() -> &'static str {
    "gpt-4o"
}

fn main() {
    route();
}
