//! Flows: suspend, resume, signal, cancel, expire.
//!
//! A `#[crux::flow]` puts a scope in the context that the steps and nested flows inside
//! it find again. [`suspend`] ends the flow's span (the process may exit while a human
//! decides) and returns a [`Checkpoint`]; a flow started later — in this process or
//! another, days later — with `#[crux::flow(resume = checkpoint)]` opens a
//! `crux.flow.resume` span with the same flow id and a span link to the suspended span.

use crate::attributes as key;
use crate::attributes::{events, spans};
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;
use crate::core::ids::unix_millis;
use crate::core::pipeline::{self, Options};
use crate::core::span::Span;
use crate::core::span::{end_span, EndPath};
use crate::core::total::{self, RunningTotal};
use crate::families::checkpoint::Checkpoint;
use opentelemetry::trace::{Link, SpanBuilder, SpanContext, SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use crate::core::pipeline::ResumeMode;
pub use crate::families::checkpoint::{CheckpointError, ResumeFrom, CHECKPOINT_VERSION};

/// The enclosing flow, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct FlowScope {
    pub id: Arc<str>,
    pub name: Arc<str>,
    /// A context holding just the flow's span, to reach it from anywhere inside.
    pub span: Context,
    /// The flow's span name, for the hooks when a suspend ends it.
    pub span_name: Cow<'static, str>,
    /// The flow's running cost (what its model calls and reported costs added up, plus
    /// what it carried over from the run it resumed), chained to the enclosing total.
    pub cost: Arc<RunningTotal>,
    /// Set when the flow suspended: its span has ended already.
    pub suspended: Arc<AtomicBool>,
    /// Where the run this flow resumes suspended, if it is a resumed flow.
    pub resumed_from: Option<Arc<str>>,
    /// Whether a `use_reason` inside already took up the suspended reasoning.
    pub continued: Arc<AtomicBool>,
}

/// The enclosing flow step, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct StepScope {
    pub id: Arc<str>,
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
    if !pipeline::enabled() {
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
    // Through the handle, so the `Event` hook sees it like every other event.
    Span::from_context(scope.span.clone()).add_event(
        events::FLOW_SUSPENDED,
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
    // The span ends here, through the one end path: its running total, the `End` phase
    // of `map_attributes`, the end hook. The guard sees it suspended and ends nothing.
    let total = scope.cost.total();
    if !scope.suspended.swap(true, Ordering::AcqRel) {
        let mut end = AttrList::default();
        if let Some(total) = total {
            end.push(key::CRUX_COST_TOTAL, total);
        }
        // Through the `Span` API, right for any span: the pipeline may have changed
        // since the flow started.
        let _ = end_span(
            &scope.span,
            EndPath::SpanApi,
            &pipeline::load().options().hooks,
            &scope.span_name,
            end.into_vec(),
            None,
        );
    }
    crate::families::run::mark_awaiting_human_input();
    Ok(Checkpoint::new(
        &scope.id,
        &scope.name,
        point,
        remote,
        total,
    ))
}

/// Records that the current flow received signal `name` (`crux.flow.signal`). Returns
/// `false` (and records nothing) outside a flow.
pub fn signal(name: &str) -> bool {
    flow_event(
        events::FLOW_SIGNAL,
        vec![KeyValue::new(key::CRUX_FLOW_SIGNAL_NAME, name.to_owned())],
    )
}

/// Records that the current flow was cancelled (`crux.flow.cancelled`), optionally why.
/// Returns `false` (and records nothing) outside a flow.
pub fn cancel(reason: Option<&str>) -> bool {
    let attrs = reason
        .map(|r| vec![KeyValue::new(key::CRUX_FLOW_CANCEL_REASON, r.to_owned())])
        .unwrap_or_default();
    flow_event(events::FLOW_CANCELLED, attrs)
}

fn flow_event(name: &'static str, attrs: Vec<KeyValue>) -> bool {
    match current_scope() {
        Ok(scope) => {
            Span::from_context(scope.span.clone()).add_event(name, attrs);
            true
        }
        Err(_) => false,
    }
}

/// Records that a suspended flow expired without being resumed: an instant
/// `crux.flow.expired` span linked to the suspended span. (The TypeScript packages add
/// an event to the suspended span, which has already ended, so the expiry is lost.)
pub fn expire(checkpoint: &Checkpoint) {
    if !pipeline::enabled() {
        return;
    }
    let builder = SpanBuilder::from_name(spans::FLOW_EXPIRED)
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
    pipeline::instant_with(&Context::current(), builder);
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

/// The start defaults of a flow: a resumed flow keeps its identity (the checkpoint's id
/// and name) and records how long it waited; otherwise a generated id unless given. The
/// enclosing flow, if any, is its parent flow.
pub(crate) fn start_defaults(
    callsite: &Callsite,
    attrs: &mut AttrList,
    resume: Option<&Checkpoint>,
    parent: &Context,
) {
    if let Some(checkpoint) = resume {
        attrs.upsert(key::CRUX_FLOW_ID, checkpoint.flow_id().to_owned().into());
        if !attrs.has(key::CRUX_FLOW_NAME) {
            attrs.upsert(
                key::CRUX_FLOW_NAME,
                checkpoint.flow_name().to_owned().into(),
            );
        }
        attrs.upsert(
            key::CRUX_FLOW_SUSPEND_POINT,
            checkpoint.suspend_point().to_owned().into(),
        );
        let waited = unix_millis().saturating_sub(checkpoint.suspended_at_ms());
        attrs.upsert(key::CRUX_FLOW_SUSPENDED_MS, waited.max(0).into());
    }
    attrs.default_static(key::CRUX_FLOW_NAME, callsite.label);
    attrs.default_with(key::CRUX_FLOW_ID, || {
        crate::core::ids::new_id_value("flow_")
    });
    if let Some(enclosing) = parent.get::<FlowScope>() {
        attrs.upsert(key::CRUX_FLOW_PARENT_ID, enclosing.id.to_string().into());
    }
    attrs.upsert(key::CRUX_FLOW_STARTED_AT, unix_millis().into());
    attrs.upsert_static(key::GEN_AI_OPERATION_NAME, "invoke_workflow");
    attrs.mirror(key::CRUX_FLOW_NAME, key::GEN_AI_WORKFLOW_NAME);
}

/// The start defaults of a flow step: the enclosing flow's id, a generated step id
/// unless given, the label and where the function is.
pub(crate) fn step_defaults(callsite: &Callsite, attrs: &mut AttrList, parent: &Context) {
    if let Some(flow) = parent.get::<FlowScope>() {
        attrs.upsert(key::CRUX_FLOW_ID, flow.id.to_string().into());
    }
    attrs.default_with(key::CRUX_STEP_ID, || {
        crate::core::ids::new_id_value("step_")
    });
    attrs.default_static(key::CRUX_STEP_LABEL, callsite.label);
    attrs.upsert_static(key::CODE_FUNCTION_NAME, callsite.function);
    attrs.upsert_static(key::CODE_FILE_PATH, callsite.file);
    attrs.upsert(key::CODE_LINE_NUMBER, i64::from(callsite.line).into());
}

/// A resumed flow's span: renamed `crux.flow.resume` in crux naming, linked to the
/// suspended span, and with [`ResumeMode::Continue`] a child of it.
pub(crate) fn resume(
    checkpoint: &Checkpoint,
    builder: &mut SpanBuilder,
    parent: &mut Context,
    options: &Options,
) {
    if options.naming == pipeline::SpanNaming::Crux {
        builder.name = Cow::Borrowed(spans::FLOW_RESUME);
    }
    builder
        .links
        .get_or_insert_with(Vec::new)
        .push(link_to(checkpoint, "resume"));
    if options.resume_mode == ResumeMode::Continue {
        *parent = parent.with_remote_span_context(checkpoint.span_context().clone());
    }
}

/// What a flow's scope is made of, read from its start attributes.
#[derive(Debug)]
pub(crate) struct Opening {
    id: Arc<str>,
    name: Arc<str>,
    /// The running total a resumed flow carries over from its suspended run.
    carried: Option<f64>,
    suspended: Arc<AtomicBool>,
    resumed_from: Option<Arc<str>>,
}

/// Reads the flow's identity before the span takes its attributes.
pub(crate) fn open(attrs: &AttrList, resume: Option<&Checkpoint>) -> Opening {
    Opening {
        id: attrs.text(key::CRUX_FLOW_ID).unwrap_or_default().into(),
        name: attrs.text(key::CRUX_FLOW_NAME).unwrap_or_default().into(),
        carried: resume.and_then(Checkpoint::cost_total),
        suspended: Arc::default(),
        resumed_from: resume.map(|c| c.suspend_point().into()),
    }
}

/// Puts the flow's scope into its span's context `cx`, its running total chained to the
/// enclosing flow's (in `parent`).
// A borrowed `Cow` clones without allocating when the name is static (crux naming).
#[allow(clippy::ptr_arg)]
pub(crate) fn enter(
    opening: &Opening,
    cx: Context,
    parent: &Context,
    span_name: &Cow<'static, str>,
) -> Context {
    let span = cx.clone();
    let (cx, cost) = total::open(cx, parent, opening.carried);
    cx.with_value(FlowScope {
        id: opening.id.clone(),
        name: opening.name.clone(),
        span,
        span_name: span_name.clone(),
        cost,
        suspended: opening.suspended.clone(),
        resumed_from: opening.resumed_from.clone(),
        continued: Arc::default(),
    })
}

/// The end attribute of a flow: its running total (`crux.cost.total`), cumulative across
/// resumes. Returns false when a suspend ended the span already.
pub(crate) fn end(opening: &Opening, cx: &Context, end: &mut AttrList) -> bool {
    if opening.suspended.load(Ordering::Acquire) {
        return false;
    }
    if let Some(total) = cx.get::<FlowScope>().and_then(|f| f.cost.total()) {
        end.push(key::CRUX_COST_TOTAL, total);
    }
    true
}

/// Reads the step's id before the span takes its attributes.
pub(crate) fn open_step(attrs: &AttrList) -> Option<StepScope> {
    attrs
        .text(key::CRUX_STEP_ID)
        .map(|id| StepScope { id: id.into() })
}

/// Puts the step's scope into its span's context `cx`.
pub(crate) fn enter_step(step: &StepScope, cx: Context) -> Context {
    cx.with_value(step.clone())
}

/// The GenAI span name: `invoke_workflow {name}`.
pub(crate) fn genai_name(attrs: &AttrList) -> String {
    match attrs.text(key::CRUX_FLOW_NAME) {
        Some(name) if !name.is_empty() => format!("invoke_workflow {name}"),
        _ => "invoke_workflow".to_owned(),
    }
}
