// A `*_hash` key is the hash of an argument: giving it in `attributes(..)` is rejected,
// naming the argument to use.
#[crux::ingest(parser = "pdf", attributes(crux.ingest.source_id_hash = "5ac99160"))]
fn parse() {}

fn main() {
    parse();
}
