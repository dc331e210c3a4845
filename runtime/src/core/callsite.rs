//! The static description of one annotated function.
//!
//! Each crux macro emits one `static` [`Callsite`] per annotated function: what kind of
//! span it opens, the span name, and where the function is. Everything that varies per
//! call (argument values, generated ids) is computed when the span starts; the one thing
//! it keeps is its calls' tally for the metrics (an atomic count, so that counting a call
//! is one add).

pub use crux_registry::Kind;
use std::sync::atomic::{AtomicU32, AtomicU64};

/// The OpenTelemetry span kind of `kind`'s spans: CLIENT for calls that leave the
/// process, else INTERNAL (the registry says which).
pub(crate) fn span_kind(kind: Kind) -> opentelemetry::trace::SpanKind {
    if kind.is_client() {
        opentelemetry::trace::SpanKind::Client
    } else {
        opentelemetry::trace::SpanKind::Internal
    }
}

/// What the macro knows at compile time about one annotated function.
#[derive(Debug)]
pub struct Callsite {
    /// The kind of span.
    pub kind: Kind,
    /// The span name in crux naming (`crux.tool.search`, `crux.flow.step`, ...).
    pub name: &'static str,
    /// The tool name or composition/memory kind when given as a literal, else the fn
    /// name: the default of the kind's name attribute.
    pub label: &'static str,
    /// The first line of the function's doc comment, if any.
    pub doc: Option<&'static str>,
    /// The function's path (`module::path::fn_name`).
    pub function: &'static str,
    /// The source file of the function.
    pub file: &'static str,
    /// The line of the function.
    pub line: u32,
    /// Its calls as the metrics count them, kept here so that counting one is an atomic
    /// add, not a lookup by attributes.
    pub calls: CallTally,
}

/// How many calls of one annotated function the metrics counted (`crux.tool.calls`): a
/// process-wide count, read by the pipeline that lists it when its metrics are collected.
#[derive(Debug, Default)]
pub struct CallTally {
    /// Calls counted since the process started.
    pub(crate) count: AtomicU64,
    /// The number of the metrics pipeline that lists this callsite (0: none yet).
    pub(crate) listed_in: AtomicU32,
}

impl CallTally {
    /// Nothing counted, listed nowhere: what the macros put in every callsite.
    pub const fn new() -> CallTally {
        CallTally {
            count: AtomicU64::new(0),
            listed_in: AtomicU32::new(0),
        }
    }
}
