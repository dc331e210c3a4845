#[crux::tool]
struct Search {
    query: String,
}

fn main() {
    let search = Search {
        query: "rust".to_owned(),
    };
    let _ = search.query;
}
