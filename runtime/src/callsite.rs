//! The static description of one annotated function.
//!
//! Each crux macro emits one `static` [`Callsite`] per annotated function: what kind of
//! span it opens, the span name, and where the function is. Everything that varies per
//! call (argument values, generated ids) is computed when the span starts.

/// The kind of span a callsite opens; it decides the span's name, kind and defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// `#[crux::flow]`: `crux.flow`.
    Flow,
    /// `#[crux::flow_step]`: `crux.flow.step`.
    FlowStep,
    /// `#[crux::tool]`: `crux.tool.<name>`.
    Tool,
    /// `#[crux::generate]`: `crux.generate`, a model call.
    Generate,
    /// `#[crux::delegate]`: `crux.delegate`, work handed to a remote agent.
    Delegate,
    /// `#[crux::agent]`: `crux.run`, one run of an agent.
    Run,
    /// `#[crux::use_reason]`: `crux.use_reason`, model passes and their tool loop.
    UseReason,
    /// `#[crux::composition]`: `crux.composition.<kind>`.
    Composition,
    /// `#[crux::memory]`: `crux.memory.read` / `crux.memory.write`.
    Memory,
    /// `#[crux::corpus_sync]`: `crux.corpus.sync`.
    CorpusSync,
    /// `#[crux::embedding]`: `crux.embedding`, a call to an embedding model.
    Embedding,
    /// `#[crux::retrieval]`: `crux.retrieval`, a query to a retriever.
    Retrieval,
    /// `#[crux::indexing]`: `crux.indexing`, sources written into an index.
    Indexing,
    /// `#[crux::ingest]`: `crux.ingest.parse`, one source parsed.
    Ingest,
    /// `#[crux::compact]`: `crux.compact`.
    Compact,
    /// `#[crux::judge]`: `crux.judge`.
    Judge,
}

impl Kind {
    /// The OpenTelemetry span kind: calls that leave the process (models, retrievers,
    /// remote agents) are CLIENT, the rest is INTERNAL.
    pub fn span_kind(self) -> opentelemetry::trace::SpanKind {
        match self {
            Kind::Generate | Kind::Delegate | Kind::Embedding | Kind::Retrieval => {
                opentelemetry::trace::SpanKind::Client
            }
            _ => opentelemetry::trace::SpanKind::Internal,
        }
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
