//! Every argument of `#[crux::indexing]` (`indexer`, `namespace` hashed, `operation`,
//! `source_count`, `chunk_count`, `attributes(..)`) and of `#[crux::ingest]` (`parser`,
//! `format`, `namespace` and `source_id` hashed, `byte_length`, `attributes(..)`), as
//! literals and expressions.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

#[crux::indexing]
fn bare_index() {}

#[crux::indexing(
    indexer = "kb",
    namespace = "tenant-a",
    operation = op,
    source_count = sources.len() as i64,
    chunk_count = 7,
    attributes(app.store = "qdrant"),
)]
async fn reindex(op: &str, sources: &[&str]) -> usize {
    sources.len()
}

#[crux::ingest]
fn bare_parse() {}

#[crux::ingest(
    parser = "pdf",
    format = "application/pdf",
    namespace = tenant,
    source_id = path,
    byte_length = 2048,
    attributes(app.pages = 3),
)]
fn parse(tenant: &str, path: &str) -> Result<Vec<String>, std::io::Error> {
    Ok(vec![path.to_owned()])
}

fn main() {
    let capture = crux::testing::capture();

    bare_index();
    assert_eq!(
        futures::executor::block_on(reindex("upsert", &["a", "b"])),
        2
    );
    bare_parse();
    assert_eq!(parse("tenant-a", "docs/a.pdf").unwrap().len(), 1);

    let indexings = capture.named("crux.indexing");
    let bare = indexings
        .iter()
        .find(|s| s.str_attr("crux.indexer.id").as_deref() == Some("bare_index"))
        .unwrap();
    assert_eq!(bare.attr("crux.index.namespace_hash"), None);
    let kb = indexings
        .iter()
        .find(|s| s.str_attr("crux.indexer.id").as_deref() == Some("kb"))
        .unwrap();
    assert_eq!(
        kb.str_attr("crux.index.namespace_hash").as_deref(),
        Some(crux::hashing::fnv1a("tenant-a").as_str())
    );
    assert_eq!(
        kb.str_attr("crux.index.operation").as_deref(),
        Some("upsert")
    );
    assert_eq!(kb.i64_attr("crux.index.source_count"), Some(2));
    assert_eq!(kb.i64_attr("crux.index.chunk_count"), Some(7));
    assert_eq!(kb.str_attr("app.store").as_deref(), Some("qdrant"));

    let parses = capture.named("crux.ingest.parse");
    let bare = parses
        .iter()
        .find(|s| s.str_attr("crux.ingest.parser").as_deref() == Some("bare_parse"))
        .unwrap();
    assert_eq!(bare.attr("crux.ingest.source_id_hash"), None);
    let pdf = parses
        .iter()
        .find(|s| s.str_attr("crux.ingest.parser").as_deref() == Some("pdf"))
        .unwrap();
    assert_eq!(
        pdf.str_attr("crux.ingest.source_id_hash").as_deref(),
        Some(crux::hashing::fnv1a("docs/a.pdf").as_str())
    );
    assert_eq!(
        pdf.str_attr("crux.ingest.format").as_deref(),
        Some("application/pdf")
    );
    assert_eq!(pdf.i64_attr("crux.ingest.byte_length"), Some(2048));
    assert_eq!(pdf.i64_attr("app.pages"), Some(3));
}
