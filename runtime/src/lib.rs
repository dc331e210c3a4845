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

/// Every attribute key crux emits, as constants, and the table they come from.
pub mod attributes {
    pub use crux_registry::keys::*;
    pub use crux_registry::{Key, ValueType, KEYS};
}

mod callsite;
mod checkpoint;
pub mod composition;
mod content;
mod context;
pub mod corpus;
pub mod cost;
pub mod export;
pub mod flow;
pub mod hashing;
pub mod hooks;
mod ids;
pub mod judge;
mod outcome;
mod pipeline;
mod prompt;
pub mod propagation;
mod reason;
mod recording;
mod response;
pub mod retrieval;
mod run;
mod span;
mod telemetry;
pub mod testing;
mod tool_output;
mod value;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use checkpoint::Checkpoint;
pub use content::{CaptureContent, Message, Part};
pub use context::{bind, FutureExt, WithContext};
#[cfg(feature = "tokio")]
pub use context::{spawn, spawn_blocking};
pub use flow::ResumeMode;
pub use judge::approval;
pub use pipeline::{is_enabled, set_enabled, SpanNaming};
pub use prompt::{Prompt, PromptIdentity, ReasonTelemetry};
pub use response::{ModelResponse, Usage};
pub use span::Span;
pub use telemetry::{ShutdownReport, Telemetry, TelemetryBuilder, TelemetryError, TelemetryGuard};
pub use tool_output::{ModelOutput, ToolOutput};
pub use value::{
    ArrayElement, AttrValue, BoolAttr, DoubleAttr, IntAttr, Ints, Json, StrArrayAttr, StrAttr,
};

pub use opentelemetry;
pub use opentelemetry_sdk;
pub use opentelemetry_sdk::trace::Sampler;

/// The README's snippets, compiled and run as doctests.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
