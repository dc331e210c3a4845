trait Tool {
    #[crux::tool]
    fn run(&self, query: &str) -> usize;
}

struct Search;

impl Tool for Search {
    fn run(&self, query: &str) -> usize {
        query.len()
    }
}

fn main() {
    Search.run("rust");
}
