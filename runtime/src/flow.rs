//! Flows: suspend, resume, signal, cancel, expire.
//!
//! A `#[crux::flow]` puts a scope in the context that the steps and nested flows inside
//! it find again. [`suspend`] ends the flow's span (the process may exit while a human
//! decides) and returns a [`Checkpoint`]; a flow started later — in this process or
//! another, days later — with `#[crux::flow(resume = checkpoint)]` opens a
//! `crux.flow.resume` span with the same flow id and a span link to the suspended span.

use crate::attributes as key;
use crate::checkpoint::Checkpoint;
use opentelemetry::trace::{Link, SpanBuilder, SpanContext, SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use std::sync::Arc;

pub use crate::checkpoint::{CheckpointError, ResumeFrom, CHECKPOINT_VERSION};

/// The enclosing flow, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct FlowScope {
    pub id: Arc<str>,
    pub name: Arc<str>,
    /// A context holding just the flow's span, to reach it from anywhere inside.
    pub span: Context,
    /// The flow's running cost, chained to the enclosing flow's.
    pub cost: Arc<crate::cost::CostTotal>,
}

/// The enclosing flow step, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct StepScope {
    pub id: Arc<str>,
}

/// How a resumed flow relates to the run it was suspended from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResumeMode {
    /// A new trace (or the caller's current one) with a span link to the suspended span.
    #[default]
    Link,
    /// A child of the suspended span, in its trace (plus the link).
    Continue,
}

/// Why a flow operation could not be done.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FlowError {
    /// Called outside a `#[crux::flow]`.
    NotInFlow,
    /// Telemetry is off ([`crate::set_enabled`] or the `disabled` feature): there is no
    /// span to suspend; run the resumed flow without a checkpoint.
    Disabled,
}

impl std::fmt::Display for FlowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FlowError::NotInFlow => f.write_str("not inside a #[crux::flow]"),
            FlowError::Disabled => {
                f.write_str("telemetry is off, so there is no flow span to suspend")
            }
        }
    }
}

impl std::error::Error for FlowError {}

fn current_scope() -> Result<FlowScope, FlowError> {
    if !crate::is_enabled() {
        return Err(FlowError::Disabled);
    }
    Context::current()
        .get::<FlowScope>()
        .cloned()
        .ok_or(FlowError::NotInFlow)
}

/// Suspends the current flow at `point`: adds a `crux.flow.suspended` event to the flow
/// span, ends it (not an error) and returns the checkpoint to store with the
/// application's own state. Outside a flow, or with telemetry off, returns an error and
/// changes nothing; a flow can then be resumed with `resume = None` (no link).
///
/// ```
/// # #[tokio::main] async fn main() {
/// #[crux::flow(name = "refund")]
/// async fn refund(resume: Option<crux::Checkpoint>) -> Option<crux::Checkpoint> {
///     crux::flow::suspend("manager_approval").ok()
/// }
/// let capture = crux::testing::capture();
/// let checkpoint = refund(None).await.unwrap();
/// assert_eq!(checkpoint.suspend_point(), "manager_approval");
/// let json = checkpoint.to_json(); // store it; days later, in another process:
/// let checkpoint = crux::Checkpoint::from_json(&json).unwrap();
/// # drop(capture);
/// # }
/// ```
pub fn suspend(point: &str) -> Result<Checkpoint, FlowError> {
    let scope = current_scope()?;
    let span = scope.span.span();
    span.add_event(
        "crux.flow.suspended",
        vec![KeyValue::new(
            key::CRUX_FLOW_SUSPEND_POINT,
            point.to_owned(),
        )],
    );
    let sc = span.span_context();
    let remote = SpanContext::new(
        sc.trace_id(),
        sc.span_id(),
        sc.trace_flags(),
        true,
        sc.trace_state().clone(),
    );
    span.end();
    crate::run::mark_awaiting_human_input();
    Ok(Checkpoint::new(&scope.id, &scope.name, point, remote))
}

/// Records that the current flow received signal `name` (`crux.flow.signal`). Returns
/// `false` (and records nothing) outside a flow.
pub fn signal(name: &str) -> bool {
    flow_event(
        "crux.flow.signal",
        vec![KeyValue::new(key::CRUX_FLOW_SIGNAL_NAME, name.to_owned())],
    )
}

/// Records that the current flow was cancelled (`crux.flow.cancelled`), optionally why.
/// Returns `false` (and records nothing) outside a flow.
pub fn cancel(reason: Option<&str>) -> bool {
    let attrs = reason
        .map(|r| vec![KeyValue::new(key::CRUX_FLOW_CANCEL_REASON, r.to_owned())])
        .unwrap_or_default();
    flow_event("crux.flow.cancelled", attrs)
}

fn flow_event(name: &'static str, attrs: Vec<KeyValue>) -> bool {
    match current_scope() {
        Ok(scope) => {
            crate::span::Span::from_context(scope.span.clone()).add_event(name, attrs);
            true
        }
        Err(_) => false,
    }
}

/// Records that a suspended flow expired without being resumed: an instant
/// `crux.flow.expired` span linked to the suspended span. (The TypeScript packages add
/// an event to the suspended span, which has already ended, so the expiry is lost.)
pub fn expire(checkpoint: &Checkpoint) {
    if !crate::is_enabled() {
        return;
    }
    let builder = SpanBuilder::from_name("crux.flow.expired")
        .with_kind(SpanKind::Internal)
        .with_attributes(vec![
            KeyValue::new(key::CRUX_FLOW_ID, checkpoint.flow_id().to_owned()),
            KeyValue::new(key::CRUX_FLOW_NAME, checkpoint.flow_name().to_owned()),
            KeyValue::new(
                key::CRUX_FLOW_SUSPEND_POINT,
                checkpoint.suspend_point().to_owned(),
            ),
        ])
        .with_links(vec![link_to(checkpoint, "expire")]);
    crate::cost::instant_with(&Context::current(), builder);
}

pub(crate) fn link_to(checkpoint: &Checkpoint, kind: &'static str) -> Link {
    Link::new(
        checkpoint.span_context().clone(),
        vec![KeyValue::new(key::CRUX_LINK_KIND, kind)],
        0,
    )
}

/// The id of the flow the caller is running in, if any.
///
/// ```
/// # async fn demo() {
/// #[crux::flow(id = "ticket-42")]
/// async fn triage() -> Option<String> {
///     crux::flow::current_id()
/// }
/// let _capture = crux::testing::capture();
/// assert_eq!(triage().await.as_deref(), Some("ticket-42"));
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo());
/// ```
pub fn current_id() -> Option<String> {
    Context::current()
        .get::<FlowScope>()
        .map(|f| f.id.to_string())
}

pub(crate) fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
