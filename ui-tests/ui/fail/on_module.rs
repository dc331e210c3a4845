#[crux::tool]
mod tools {
    pub fn search(query: &str) -> usize {
        query.len()
    }
}

fn main() {
    tools::search("rust");
}
