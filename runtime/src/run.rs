//! Agent runs (`#[crux::agent]`): the scope a run opens in the context.

use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue};

/// The enclosing agent run, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct RunScope {
    /// A context holding just the run's span.
    pub span: Context,
}

/// Marks the enclosing run (if any) as waiting for a human: a flow inside it suspended.
pub(crate) fn mark_awaiting_human_input() {
    if let Some(run) = Context::current().get::<RunScope>() {
        run.span.span().set_attribute(KeyValue::new(
            crate::attributes::CRUX_RUN_AWAITING_HUMAN_INPUT,
            true,
        ));
    }
}
