//! One file per family of spans. Each owns its start defaults, the scope it puts in the
//! context, its end attributes, its GenAI name and its public API; `recording/dispatch`
//! calls into them, one arm per family and phase.
//!
//! Adding a family: a file here, its row in the registry (`crux_registry::Kind` and the
//! keys it derives), and one arm in each phase of the dispatch that concerns it.

pub mod checkpoint;
pub mod compact;
pub mod composition;
pub mod corpus;
pub mod cost;
pub(crate) mod delegate;
pub mod flow;
pub mod generate;
pub mod judge;
pub(crate) mod memory;
pub mod prompt;
pub(crate) mod reason;
pub mod retrieval;
pub(crate) mod run;
pub mod tool;
