//! # crux — OpenTelemetry for Rust AI agents
//!
//! Put attribute macros on the functions an agent is made of and every call becomes an
//! OpenTelemetry span with the names and attributes of crux's span contract and the
//! GenAI semantic conventions:
//!
//! | macro | span |
//! |---|---|
//! | [`#[crux::flow]`](macro@flow) | `crux.flow` |
//! | [`#[crux::flow_step]`](macro@flow_step) | `crux.flow.step` |
//! | [`#[crux::tool]`](macro@tool) | `crux.tool.<name>` |
//! | [`#[crux::generate]`](macro@generate) | `crux.generate` (CLIENT) |
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
    agent, compact, composition, corpus_sync, delegate, embedding, flow, flow_step, generate,
    indexing, ingest, judge, memory, retrieval, tool, use_reason, Prompt,
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
pub use families::generate::{ModelResponse, Usage};
pub use families::prompt::{Prompt, ReasonTelemetry};
pub use families::tool::{approval, ModelOutput, ToolOutput};
pub use telemetry::{Telemetry, TelemetryBuilder, TelemetryError, TelemetryGuard};

pub use opentelemetry;
pub use opentelemetry_sdk;
pub use opentelemetry_sdk::trace::Sampler;

/// The README's snippets, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
