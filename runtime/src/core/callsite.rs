//! The static description of one annotated function.
//!
//! Each crux macro emits one `static` [`Callsite`] per annotated function: what kind of
//! span it opens, the span name, and where the function is. Everything that varies per
//! call (argument values, generated ids) is computed when the span starts.

pub use crux_registry::Kind;

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
}
