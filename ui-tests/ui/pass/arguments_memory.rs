//! Every argument of `#[crux::memory]`: `op` (part of the span name), `kind`,
//! `operation`, `block_id`, `block_kind`, `namespace` (recorded hashed, as a literal or
//! an expression), `write_mode`, `proposal_status`, `attributes(..)`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

const TENANT: &str = "tenant-a";

#[crux::memory(op = "read")]
fn bare_read() {}

#[crux::memory(
    op = "read",
    kind = "semantic",
    operation = "search",
    namespace = "tenant-a"
)]
fn search(query: &str) -> Vec<String> {
    vec![query.to_owned()]
}

#[crux::memory(
    op = "write",
    kind = "block",
    operation = format!("upsert-{}", 2),
    block_id = "persona",
    block_kind = block_kind,
    namespace = TENANT,
    write_mode = "propose",
    proposal_status = Some("pending"),
    attributes(app.bytes = 512),
)]
async fn propose(block_kind: &str) -> bool {
    futures::future::ready(true).await
}

fn main() {
    let capture = crux::testing::capture();

    bare_read();
    assert_eq!(search("tea"), ["tea"]);
    assert!(futures::executor::block_on(propose("core")));

    let reads = capture.named("crux.memory.read");
    assert_eq!(reads.len(), 2);
    let bare = reads
        .iter()
        .find(|s| s.attr("crux.memory.type").is_none())
        .unwrap();
    assert_eq!(
        bare.str_attr("crux.memory.operation").as_deref(),
        Some("read")
    );
    let read = reads
        .iter()
        .find(|s| s.attr("crux.memory.type").is_some())
        .unwrap();
    assert_eq!(
        read.str_attr("crux.memory.type").as_deref(),
        Some("semantic")
    );
    assert_eq!(
        read.str_attr("crux.memory.operation").as_deref(),
        Some("search")
    );
    assert_eq!(
        read.str_attr("crux.memory.namespace_hash").as_deref(),
        Some(crux::hashing::fnv1a("tenant-a").as_str())
    );

    let write = capture.one("crux.memory.write");
    assert_eq!(write.str_attr("crux.memory.type").as_deref(), Some("block"));
    assert_eq!(
        write.str_attr("crux.memory.operation").as_deref(),
        Some("upsert-2")
    );
    assert_eq!(
        write.str_attr("crux.memory.block.id").as_deref(),
        Some("persona")
    );
    assert_eq!(
        write.str_attr("crux.memory.block.kind").as_deref(),
        Some("core")
    );
    assert_eq!(
        write.str_attr("crux.memory.namespace_hash").as_deref(),
        Some(crux::hashing::fnv1a(TENANT).as_str())
    );
    assert_eq!(
        write.str_attr("crux.memory.write_mode").as_deref(),
        Some("propose")
    );
    assert_eq!(
        write.str_attr("crux.memory.proposal_status").as_deref(),
        Some("pending")
    );
    assert_eq!(write.i64_attr("app.bytes"), Some(512));
    assert!(
        !write
            .attributes
            .iter()
            .any(|kv| kv.value.as_str() == TENANT),
        "the namespace is recorded hashed only"
    );
}
