//! One file per family of spans. Each owns its start defaults, the scope it puts in the
//! context, its end attributes, its GenAI name and its public API; `recording/dispatch`
//! calls into them, one arm per family and phase.
//!
//! Adding a family: a file here, its row in the registry (`crux_registry::Kind` and the
//! keys it derives), and one arm in each phase of the dispatch that concerns it.

pub(crate) mod budget;
pub mod cascade;
pub mod checkpoint;
pub mod compact;
pub mod composition;
pub mod constraint;
pub mod context_cache;
pub mod corpus;
pub mod cost;
pub(crate) mod delegate;
pub mod flow;
pub mod generate;
pub mod judge;
pub(crate) mod memory;
pub mod plan;
pub mod prompt;
pub mod rag_eval;
pub(crate) mod reason;
pub mod retrieval;
pub mod router;
pub(crate) mod run;
pub mod semantic_cache;
pub mod skill;
pub mod task;
pub mod tasklist;
pub mod tool;
pub mod validation;
pub(crate) mod workspace;
