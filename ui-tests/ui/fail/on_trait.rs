#[crux::tool]
trait Tool {
    fn run(&self, query: &str) -> usize;
}

fn main() {}
