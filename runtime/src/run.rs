//! Agent runs (`#[crux::agent]`): the scope a run opens in the context.

use opentelemetry::Context;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The enclosing agent run, carried in the OpenTelemetry context.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunScope {
    awaiting: Arc<AtomicBool>,
    /// The run's session id, for what records it from the context (cost reports).
    pub session: Option<String>,
}

impl RunScope {
    pub(crate) fn new(session: Option<String>) -> RunScope {
        RunScope {
            awaiting: Arc::default(),
            session,
        }
    }

    pub(crate) fn awaiting_human_input(&self) -> bool {
        self.awaiting.load(Ordering::Relaxed)
    }
}

/// Marks the enclosing run (if any) as waiting for a human: a flow inside it suspended.
pub(crate) fn mark_awaiting_human_input() {
    if let Some(run) = Context::current().get::<RunScope>() {
        run.awaiting.store(true, Ordering::Relaxed);
    }
}
