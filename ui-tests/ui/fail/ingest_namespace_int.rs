// A hashed argument takes a string (it is recorded as its hash), never a number.
#[crux::ingest(parser = "pdf", namespace = 42, source_id = path)]
fn parse(path: &str) -> usize {
    path.len()
}

fn main() {
    parse("a.pdf");
}
