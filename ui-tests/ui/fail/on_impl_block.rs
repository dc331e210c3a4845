struct Search;

#[crux::tool]
impl Search {
    fn run(&self, query: &str) -> usize {
        query.len()
    }
}

fn main() {
    Search.run("rust");
}
