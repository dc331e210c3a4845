//! # crux — OpenTelemetry for Rust AI agents
//!
//! Put attribute macros on the functions an agent is made of and every call becomes an
//! OpenTelemetry span with the names and attributes of crux's span contract and the
//! GenAI semantic conventions:
//!
//! | macro | span | wraps |
//! |---|---|---|
//! | [`#[crux::agent]`](macro@agent) | `crux.run` | one run of an agent, with its identity (session, user, tenant, metadata, tags) |
//! | [`#[crux::flow]`](macro@flow) | `crux.flow` (`crux.flow.resume`) | a flow; suspends and resumes across processes |
//! | [`#[crux::flow_step]`](macro@flow_step) | `crux.flow.step` | one step of a flow |
//! | [`#[crux::use_reason]`](macro@use_reason) | `crux.use_reason` | a reasoning call: model passes and their tool loop, with its prompt |
//! | [`#[crux::generate]`](macro@generate) | `crux.generate` (CLIENT) | a model call: request, usage, response, cost |
//! | [`#[crux::tool]`](macro@tool) | `crux.tool.<name>` | a tool the model calls |
//! | [`#[crux::delegate]`](macro@delegate) | `crux.delegate` (CLIENT) | a hand-off to a remote agent |
//! | [`#[crux::composition]`](macro@composition) | `crux.composition.<kind>` | agents run in parallel, as a pipeline, to consensus, or as a swarm |
//! | [`#[crux::memory]`](macro@memory) | `crux.memory.read` / `.write` | a memory read or write |
//! | [`#[crux::embedding]`](macro@embedding) | `crux.embedding` (CLIENT) | a call to an embedding model |
//! | [`#[crux::retrieval]`](macro@retrieval) | `crux.retrieval` (CLIENT) | a query to a retriever |
//! | [`#[crux::corpus_sync]`](macro@corpus_sync) | `crux.corpus.sync` | a corpus brought up to date, source by source |
//! | [`#[crux::indexing]`](macro@indexing) | `crux.indexing` | sources written into an index |
//! | [`#[crux::ingest]`](macro@ingest) | `crux.ingest.parse` | one source parsed |
//! | [`#[crux::compact]`](macro@compact) | `crux.compact` | a context compaction |
//! | [`#[crux::judge]`](macro@judge) | `crux.judge` | an evaluator's score |
//! | [`#[crux::retrieval_stage]`](macro@retrieval_stage) | `crux.retrieval.stage` | one stage of a retrieval pipeline (rewrite, search, rerank, ...) |
//! | [`#[crux::workspace]`](macro@workspace) | `crux.workspace.<op>` | a workspace file operation (paths hashed) |
//! | [`#[crux::semantic_cache]`](macro@semantic_cache) | `crux.semantic_cache.lookup` | a semantic-cache lookup: hit or miss |
//! | [`#[crux::validation_retry]`](macro@validation_retry) | `crux.validation.retry` | a loop retrying until the output validates |
//! | [`#[crux::router]`](macro@router) | `crux.router.select` | the choice of a model |
//! | [`#[crux::cascade]`](macro@cascade) | `crux.cascade.run` | model tiers tried in turn (`crux.cascade.tier.<i>` children) |
//! | [`#[derive(crux::Prompt)]`](derive@Prompt) | — | a prompt's identity, attributes, variables, for `use_reason` |
//!
//! Each macro's page lists its arguments (name, type, the attribute each records), what
//! its span carries and an example. What they share:
//!
//! - **Arguments** are literals or any expression over the function's parameters
//!   (`model = req.model`), borrowed, never moved, and evaluated only when telemetry is
//!   on. `attributes(app.tier = tier, "app.region" = "eu")` adds attributes of your own
//!   namespace, or convention keys crux knows. An unknown argument, a misspelled or
//!   reserved key, a literal of the wrong type are compile errors on your token, all
//!   reported at once, and your function is still emitted.
//! - **Functions**: sync fns, `async fn`, fns returning `impl Future`,
//!   `Pin<Box<dyn Future>>` or (with `#[crux::generate(stream)]`) `impl Stream`, methods,
//!   generic fns, async fns in traits (native and `#[async_trait]`); the wrapped future
//!   stays `Send` when the body is.
//! - **Outcomes**: `Ok` or a plain value leaves the status Unset; an `Err` whose error
//!   implements `Display` (or `Debug`) sets status Error, `error.type` and an `exception`
//!   event; a panic does the same (`error.type = "panic"`) and keeps unwinding; a future
//!   dropped before it finished gets `crux.cancelled = true`.
//! - **Content** (prompts, completions, tool arguments and results, queries) is recorded
//!   only with content capture on ([`TelemetryBuilder::capture_content`]).
//! - With the `disabled` cargo feature every macro compiles to the unchanged function.
//!
//! The context follows `.await`, [`spawn`]ed tasks and threads ([`bind`]); errors,
//! panics and cancellation become the span's outcome; [`Span::current`] records what only
//! the body knows (usage, finish reasons, cost). [`Telemetry::builder`] sends the spans
//! to a console tree, OTLP, any OpenTelemetry exporter, or memory ([`testing`]).
//!
//! ## Design
//!
//! Each macro emits a `static` callsite (its kind, name and location) and a span guard;
//! everything it calls goes through the hidden `__private` module. The runtime is three
//! layers with imports running one way: `recording` (the guard, one thin dispatch per
//! phase of a span's life) calls into `families` (one module per family: its start
//! defaults, the scope it puts in the context, its end attributes), which build on `core`
//! (the callsite, the attribute list, the installed pipeline and hooks, the [`Span`]
//! handle, content, ids, context, propagation). Kinds, keys and span names come from one
//! table, `crux-registry`, shared with the macros. Finished spans cross to an export
//! thread through a bounded queue ([`export`]).
//!
//! ```
//! #[crux::flow(name = "support")]
//! async fn support(question: &str) -> Result<String, std::io::Error> {
//!     let order = lookup_order(question).await?;
//!     Ok(answer(&order))
//! }
//!
//! #[crux::flow_step]
//! async fn lookup_order(question: &str) -> Result<String, std::io::Error> {
//!     Ok(format!("order for {question}"))
//! }
//!
//! /// Writes the reply.
//! #[crux::tool]
//! fn answer(order: &str) -> String {
//!     format!("found {order}")
//! }
//!
//! # #[tokio::main] async fn main() {
//! let capture = crux::testing::capture();
//! support("where is my parcel?").await.unwrap();
//! assert_eq!(capture.spans().len(), 3);
//! # }
//! ```

pub use crux_macros::{
    agent, cascade, compact, composition, corpus_sync, delegate, embedding, flow, flow_step,
    generate, indexing, ingest, judge, memory, retrieval, retrieval_stage, router, semantic_cache,
    tool, use_reason, validation_retry, workspace, Prompt,
};

/// Every attribute key crux emits, as constants, and the table they come from; the
/// kinds of span, and every span and event name.
pub mod attributes {
    pub use crux_registry::keys::*;
    pub use crux_registry::{events, openinference, spans};
    pub use crux_registry::{lookup, Derived, Key, ValueType, KEYS, PROMPT_IDENTITY};
}

// Three layers, imports running one way: `recording` → `families` → `core`.
mod core;
mod families;
mod recording;

pub mod export;
mod telemetry;
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use crate::core::{hashing, hooks, propagation};
pub use families::generate::usage;
pub use families::{
    cascade, constraint, context_cache, plan, rag_eval, router, semantic_cache, skill, task,
    tasklist, validation,
};
pub use families::{composition, corpus, cost, flow, judge, retrieval};

pub use crate::core::content::{CaptureContent, Message, Part};
pub use crate::core::context::{bind, FutureExt, WithContext};
#[cfg(feature = "tokio")]
pub use crate::core::context::{spawn, spawn_blocking};
pub use crate::core::hooks::PromptIdentity;
pub use crate::core::pipeline::{is_enabled, set_enabled, SpanNaming};
pub use crate::core::span::Span;
pub use crate::core::value::{
    ArrayElement, AttrValue, BoolAttr, DoubleAttr, IntAttr, Ints, Json, StrArrayAttr, StrAttr,
};
pub use families::checkpoint::Checkpoint;
pub use families::flow::ResumeMode;
pub use families::generate::request::ModelRequest;
pub use families::generate::stream::{ModelStreamItem, ToolCallFragment};
pub use families::generate::{ModelResponse, Usage};
pub use families::prompt::{Prompt, ReasonTelemetry};
pub use families::tool::{approval, ModelOutput, ToolOutput};
pub use telemetry::{ShutdownReport, Telemetry, TelemetryBuilder, TelemetryError, TelemetryGuard};

pub use opentelemetry;
pub use opentelemetry_sdk;
pub use opentelemetry_sdk::trace::Sampler;

/// The README's snippets, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
