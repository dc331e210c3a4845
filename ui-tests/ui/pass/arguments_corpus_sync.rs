//! Every argument of `#[crux::corpus_sync]`: `id`, `namespace` (hashed), `mode`,
//! `stale_policy`, `source_set`, `dry_run` (also as a bare flag), `source_count`,
//! `attributes(..)`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::corpus::{SourceAction, SourceReport};
use crux::testing::SpanDataExt;

#[crux::corpus_sync]
fn bare() {}

#[crux::corpus_sync(
    id = "docs",
    namespace = "tenant-a",
    mode = "incremental",
    stale_policy = "keep",
    source_set = "help-center",
    dry_run,
    source_count = 2,
    attributes(app.trigger = "cron"),
)]
fn literals() {
    crux::corpus::source(SourceReport::new("guide.md", SourceAction::Added).chunks(3));
    crux::corpus::source(SourceReport::new("faq.md", SourceAction::Unchanged));
}

#[crux::corpus_sync(
    id = id,
    namespace = namespace,
    mode = Some("full"),
    dry_run = dry_run,
    source_count = sources.len(),
)]
async fn expressions(id: &str, namespace: String, dry_run: bool, sources: &[&str]) {
    futures::future::ready(()).await;
}

fn main() {
    let capture = crux::testing::capture();

    bare();
    literals();
    futures::executor::block_on(expressions(
        "kb",
        "tenant-b".to_owned(),
        false,
        &["a", "b", "c"],
    ));

    let syncs = capture.named("crux.corpus.sync");
    assert_eq!(syncs.len(), 3);
    let by_id = |id: &str| {
        syncs
            .iter()
            .find(|s| s.str_attr("crux.corpus.id").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no sync {id}"))
            .clone()
    };

    let docs = by_id("docs");
    assert_eq!(
        docs.str_attr("crux.corpus.namespace_hash").as_deref(),
        Some(crux::hashing::fnv1a("tenant-a").as_str())
    );
    assert_eq!(
        docs.str_attr("crux.corpus.mode").as_deref(),
        Some("incremental")
    );
    assert_eq!(
        docs.str_attr("crux.corpus.stale_policy").as_deref(),
        Some("keep")
    );
    assert_eq!(
        docs.str_attr("crux.corpus.source_set").as_deref(),
        Some("help-center")
    );
    assert_eq!(docs.bool_attr("crux.corpus.dry_run"), Some(true));
    assert_eq!(docs.i64_attr("crux.corpus.source_count"), Some(2));
    assert_eq!(docs.i64_attr("crux.corpus.added_count"), Some(1));
    assert_eq!(docs.str_attr("app.trigger").as_deref(), Some("cron"));
    let sources = capture.children(&docs);
    assert_eq!(sources.len(), 2);
    assert!(sources.iter().all(|s| s.name == "crux.corpus.source"));

    let kb = by_id("kb");
    assert_eq!(
        kb.str_attr("crux.corpus.namespace_hash").as_deref(),
        Some(crux::hashing::fnv1a("tenant-b").as_str())
    );
    assert_eq!(kb.str_attr("crux.corpus.mode").as_deref(), Some("full"));
    assert_eq!(kb.bool_attr("crux.corpus.dry_run"), Some(false));
    assert_eq!(kb.i64_attr("crux.corpus.source_count"), Some(3));

    assert!(syncs.iter().any(|s| s.attr("crux.corpus.id").is_none()));
}
