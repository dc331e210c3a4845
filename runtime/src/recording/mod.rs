//! The orchestrator, and the only layer that names families: the span guard the
//! generated code holds (generic fields only), the dispatch of each phase into the
//! families, the instrumentation of futures and streams, and the probes that read a
//! function's return value.

pub(crate) mod dispatch;
pub(crate) mod guard;
pub(crate) mod instrument;
pub(crate) mod probes;
pub(crate) mod start;
