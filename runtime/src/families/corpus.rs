//! Corpus syncs (`#[crux::corpus_sync]`): one child span per source, the counts of what
//! happened to the sources, and an error status when sources failed. Namespaces and
//! source ids are recorded hashed (see [`crate::hashing`]), never as themselves.

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::attrs::AttrList;
use crate::core::pipeline;
use opentelemetry::trace::{SpanBuilder, SpanKind, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, Value};
use std::sync::{Arc, Mutex, PoisonError};

/// What happened to one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceAction {
    /// New.
    Added,
    /// Re-ingested.
    Changed,
    /// Left as it was.
    Unchanged,
    /// Kept, though stale.
    Stale,
    /// Not looked at.
    Skipped,
    /// Removed.
    Deleted,
    /// Failed.
    Failed,
}

impl SourceAction {
    fn as_str(self) -> &'static str {
        match self {
            SourceAction::Added => "added",
            SourceAction::Changed => "changed",
            SourceAction::Unchanged => "unchanged",
            SourceAction::Stale => "stale",
            SourceAction::Skipped => "skipped",
            SourceAction::Deleted => "deleted",
            SourceAction::Failed => "failed",
        }
    }
}

impl SourceAction {
    /// Every action, in the order of their count keys.
    const ALL: [SourceAction; 7] = [
        SourceAction::Added,
        SourceAction::Changed,
        SourceAction::Unchanged,
        SourceAction::Stale,
        SourceAction::Skipped,
        SourceAction::Deleted,
        SourceAction::Failed,
    ];

    /// The end attribute counting the sources that met this action.
    fn count_key(self) -> &'static str {
        match self {
            SourceAction::Added => key::CRUX_CORPUS_ADDED_COUNT,
            SourceAction::Changed => key::CRUX_CORPUS_CHANGED_COUNT,
            SourceAction::Unchanged => key::CRUX_CORPUS_UNCHANGED_COUNT,
            SourceAction::Stale => key::CRUX_CORPUS_STALE_COUNT,
            SourceAction::Skipped => key::CRUX_CORPUS_SKIPPED_COUNT,
            SourceAction::Deleted => key::CRUX_CORPUS_DELETED_COUNT,
            SourceAction::Failed => key::CRUX_CORPUS_FAILED_COUNT,
        }
    }
}

/// What a sync counted: sources per action, and chunks.
#[derive(Clone, Copy, Debug, Default)]
struct Counts {
    per_action: [i64; SourceAction::ALL.len()],
    chunks: i64,
}

impl Counts {
    fn of(&self, action: SourceAction) -> i64 {
        self.per_action[action as usize]
    }
}

/// The enclosing corpus sync, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct CorpusScope {
    id: Option<String>,
    namespace_hash: Option<String>,
    dry_run: Option<bool>,
    counts: Arc<Mutex<Counts>>,
}

/// Reads the sync's identity from its start attributes.
pub(crate) fn open(attrs: &AttrList) -> CorpusScope {
    CorpusScope {
        id: attrs.text(key::CRUX_CORPUS_ID),
        namespace_hash: attrs.text(key::CRUX_CORPUS_NAMESPACE_HASH),
        dry_run: match attrs.get(key::CRUX_CORPUS_DRY_RUN) {
            Some(Value::Bool(b)) => Some(*b),
            _ => None,
        },
        counts: Arc::default(),
    }
}

/// Puts the sync's scope into its span's context `cx`.
pub(crate) fn enter(scope: &CorpusScope, cx: Context) -> Context {
    cx.with_value(scope.clone())
}

impl CorpusScope {
    /// The end attributes of the sync span (the counts); an error status when sources
    /// failed.
    pub(crate) fn end(&self, cx: &Context, end: &mut AttrList) {
        let counts = *self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        for action in SourceAction::ALL {
            end.push(action.count_key(), counts.of(action));
        }
        end.push(key::CRUX_CORPUS_CHUNK_COUNT, counts.chunks);
        let failed = counts.of(SourceAction::Failed);
        if failed > 0 {
            cx.span()
                .set_status(Status::error(format!("{failed} corpus source(s) failed")));
        }
    }
}

/// One source's outcome, for [`source`].
#[derive(Clone, Debug)]
pub struct SourceReport<'a> {
    /// The source's id (recorded hashed).
    pub source_id: &'a str,
    /// What happened to it.
    pub action: SourceAction,
    /// Why.
    pub reason: Option<&'a str>,
    /// Chunks it produced.
    pub chunk_count: Option<u64>,
}

impl<'a> SourceReport<'a> {
    /// A report for `source_id`.
    pub fn new(source_id: &'a str, action: SourceAction) -> SourceReport<'a> {
        SourceReport {
            source_id,
            action,
            reason: None,
            chunk_count: None,
        }
    }
    /// Why it happened.
    pub fn reason(mut self, reason: &'a str) -> Self {
        self.reason = Some(reason);
        self
    }
    /// Chunks it produced.
    pub fn chunks(mut self, count: u64) -> Self {
        self.chunk_count = Some(count);
        self
    }
}

/// Records one source of the current corpus sync: a child span `crux.corpus.source`
/// (an error when the source failed), counted in the sync's totals. Outside a sync it
/// records nothing.
pub fn source(report: SourceReport<'_>) {
    let cx = Context::current();
    let Some(scope) = cx.get::<CorpusScope>().filter(|_| pipeline::enabled()) else {
        return;
    };
    {
        let mut counts = scope.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.per_action[report.action as usize] += 1;
        let chunks = i64::try_from(report.chunk_count.unwrap_or(0)).unwrap_or(i64::MAX);
        counts.chunks = counts.chunks.saturating_add(chunks);
    }
    let mut attrs = Vec::with_capacity(7);
    if let Some(id) = &scope.id {
        attrs.push(KeyValue::new(key::CRUX_CORPUS_ID, id.clone()));
    }
    if let Some(ns) = &scope.namespace_hash {
        attrs.push(KeyValue::new(key::CRUX_CORPUS_NAMESPACE_HASH, ns.clone()));
    }
    attrs.push(KeyValue::new(
        key::CRUX_CORPUS_SOURCE_ID_HASH,
        crate::core::hashing::identifier(report.source_id),
    ));
    attrs.push(KeyValue::new(
        key::CRUX_CORPUS_ACTION,
        report.action.as_str(),
    ));
    if let Some(dry) = scope.dry_run {
        attrs.push(KeyValue::new(key::CRUX_CORPUS_DRY_RUN, dry));
    }
    if let Some(reason) = report.reason {
        attrs.push(KeyValue::new(key::CRUX_CORPUS_REASON, reason.to_owned()));
    }
    if let Some(chunks) = report.chunk_count {
        attrs.push(KeyValue::new(
            key::CRUX_CORPUS_CHUNK_COUNT,
            i64::try_from(chunks).unwrap_or(i64::MAX),
        ));
    }
    let builder = SpanBuilder::from_name(spans::CORPUS_SOURCE)
        .with_kind(SpanKind::Internal)
        .with_attributes(attrs);
    let cx = pipeline::start_span(builder, &cx);
    if report.action == SourceAction::Failed {
        cx.span().set_status(Status::error(
            report.reason.unwrap_or("source failed").to_owned(),
        ));
    }
    cx.span().end();
}
