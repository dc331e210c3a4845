#[crux::tool]
type Query = String;

fn main() {
    let query: Query = "rust".to_owned();
    let _ = query;
}
