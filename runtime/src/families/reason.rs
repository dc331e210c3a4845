//! `use_reason`: the scope a reasoning call opens. Model calls inside it report their
//! usage when they end (summed here, once each — a resumed run starts a new sum, so
//! nothing is counted twice); tools run inside it become the tool loop's steps and
//! calls, as events and counts on the `crux.use_reason` span.

use crate::attributes as key;
use crate::attributes::events;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;
use crate::core::content::CaptureContent;
use crate::core::span::Span;
use crate::families::flow::FlowScope;
use crate::families::generate::{usage_attributes, PassReport, Usage, UsageKeys};
use opentelemetry::{Context, KeyValue};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, PoisonError};

/// The GenAI span name: `invoke_agent {id}` (the reasoning call's id, else the fn name),
/// never the `{operation} {model}` of the model calls inside it.
pub(crate) fn genai_name(callsite: &Callsite, attrs: &AttrList) -> String {
    let id = attrs
        .text(key::CRUX_REASON_ID)
        .unwrap_or_else(|| callsite.label.to_owned());
    format!("invoke_agent {id}")
}

/// The capture a `use_reason` inside which a span starts imposes on it, if any.
pub(crate) fn inherited_capture(parent: &Context) -> Option<CaptureContent> {
    parent.get::<ReasonScope>().and_then(|r| r.capture)
}

/// What a `use_reason` reads from its start attributes: its prompt's identity, which
/// the model calls inside it carry too.
#[derive(Debug)]
pub(crate) struct Opening {
    prompt: Arc<[KeyValue]>,
}

/// Reads the prompt identity of a starting `use_reason`.
pub(crate) fn open(attrs: &AttrList) -> Opening {
    let prompt = attrs
        .iter()
        .filter(|kv| {
            crate::attributes::PROMPT_IDENTITY
                .iter()
                .any(|(_, keys)| keys.contains(&kv.key.as_str()))
        })
        .cloned()
        .collect();
    Opening { prompt }
}

/// Opens the scope of a `use_reason` span, with its content-capture override.
pub(crate) fn enter(
    opening: &Opening,
    cx: Context,
    span: &Context,
    capture: Option<CaptureContent>,
) -> Context {
    let mut scope = ReasonScope::new(span.clone(), capture);
    scope.prompt = opening.prompt.clone();
    // The first reasoning call of a resumed flow takes up where the suspended one was
    // cut: it says so, and its first pass is the continuation.
    if let Some(flow) = cx.get::<FlowScope>() {
        if let Some(point) = &flow.resumed_from {
            if !flow.continued.swap(true, Ordering::AcqRel) {
                scope.lock().resumed = true;
                scope.emit(vec![(
                    events::USE_REASON_RESUME,
                    vec![KeyValue::new(
                        key::CRUX_FLOW_SUSPEND_POINT,
                        point.to_string(),
                    )],
                )]);
            }
        }
    }
    cx.with_value(scope)
}

/// The start defaults of a model call, and inside a `use_reason` with a prompt, the
/// prompt's identity.
pub(crate) fn model_call_defaults(parent: &Context, attrs: &mut AttrList) {
    crate::families::generate::start_defaults(attrs);
    if let Some(reason) = parent.get::<ReasonScope>() {
        for kv in reason.prompt.iter() {
            if !attrs.has(kv.key.as_str()) {
                attrs.upsert(kv.key.clone(), kv.value.clone());
            }
        }
    }
}

/// A model call inside the `use_reason` of `cx` ended: its report counts toward the
/// reasoning's sums.
pub(crate) fn pass_ended(cx: &Context, report: PassReport) {
    if let Some(reason) = cx.get::<ReasonScope>() {
        reason.pass_ended(report);
    }
}

/// The end attributes of the `use_reason` span of `cx`; a suspend of the enclosing flow
/// while it ran marks it interrupted.
pub(crate) fn end(cx: &Context, end: &mut AttrList) {
    if let Some(reason) = cx.get::<ReasonScope>() {
        let suspended = cx
            .get::<FlowScope>()
            .filter(|f| f.suspended.load(Ordering::Acquire));
        if let Some(flow) = suspended {
            reason.lock().interrupted = true;
            reason.emit(vec![(
                events::USE_REASON_INTERRUPT,
                vec![KeyValue::new(key::CRUX_FLOW_ID, flow.id.to_string())],
            )]);
        }
        reason.end_attributes(end);
    }
}

/// The enclosing `use_reason`, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct ReasonScope {
    /// A context holding just the `use_reason` span, where the tool-loop events go.
    pub span: opentelemetry::Context,
    pub state: Arc<Mutex<ReasonState>>,
    /// The call's content-capture override, inherited by what runs inside it.
    pub capture: Option<CaptureContent>,
    /// The prompt's identity, for the model calls inside.
    prompt: Arc<[KeyValue]>,
}

#[derive(Debug, Default)]
pub(crate) struct ReasonState {
    usage: Option<Usage>,
    cost: Option<f64>,
    finish_reasons: Vec<String>,
    steps: i64,
    calls: i64,
    results: i64,
    /// A model pass ended since the last tool started: the next tool opens a step.
    pass_ended: bool,
    /// Tool calls the last pass asked for, if the response said.
    requested: Option<i64>,
    /// Model passes that ended.
    passes: i64,
    /// Cut by a suspend of the enclosing flow.
    interrupted: bool,
    /// Takes up the reasoning of a resumed flow.
    resumed: bool,
}

/// A tool call inside a `use_reason`: where to report its end.
#[derive(Debug)]
pub(crate) struct ToolCall {
    pub scope: ReasonScope,
    pub name: String,
    pub call_id: String,
    pub step: i64,
}

impl ReasonScope {
    pub(crate) fn new(
        span: opentelemetry::Context,
        capture: Option<CaptureContent>,
    ) -> ReasonScope {
        ReasonScope {
            span,
            state: Arc::new(Mutex::new(ReasonState::default())),
            capture,
            prompt: Arc::new([]),
        }
    }

    fn emit(&self, events: Vec<(&'static str, Vec<KeyValue>)>) {
        let span = Span::from_context(self.span.clone());
        for (name, attrs) in events {
            span.add_event(name, attrs);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ReasonState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A model pass ended.
    pub(crate) fn pass_ended(&self, report: PassReport) {
        let mut s = self.lock();
        if let Some(u) = report.usage {
            s.usage = Some(s.usage.map_or(u, |total| total + u));
        }
        if let Some(c) = report.cost {
            s.cost = Some(s.cost.unwrap_or(0.0) + c);
        }
        if !report.finish_reasons.is_empty() {
            s.finish_reasons = report.finish_reasons;
        }
        s.requested = report.tool_calls;
        s.pass_ended = true;
        s.passes += 1;
        let first = (s.passes == 1).then(|| {
            if s.resumed {
                events::CONTINUATION_COMPLETE
            } else {
                events::FIRST_PASS_COMPLETE
            }
        });
        drop(s);
        if let Some(name) = first {
            let attrs = report
                .usage
                .map(|u| {
                    let tokens = i64::try_from(u.output_tokens).unwrap_or(i64::MAX);
                    vec![KeyValue::new(key::GEN_AI_USAGE_OUTPUT_TOKENS, tokens)]
                })
                .unwrap_or_default();
            self.emit(vec![(name, attrs)]);
        }
    }

    /// A tool started: opens a step after a model pass, records the call.
    pub(crate) fn tool_started(&self, name: &str, call_id: &str) -> ToolCall {
        let mut events = Vec::new();
        let mut s = self.lock();
        if s.pass_ended || s.steps == 0 {
            s.pass_ended = false;
            s.steps += 1;
            let index = s.steps - 1;
            let count = s.requested.take().unwrap_or(0);
            events.push((
                events::TOOL_STEP_START,
                vec![
                    KeyValue::new(key::CRUX_TOOL_STEP_INDEX, index),
                    KeyValue::new(key::CRUX_TOOL_COUNT, count),
                ],
            ));
        }
        s.calls += 1;
        let step = s.steps - 1;
        events.push((
            events::TOOL_CALL_START,
            vec![
                KeyValue::new(key::CRUX_TOOL_STEP_INDEX, step),
                KeyValue::new(key::GEN_AI_TOOL_NAME, name.to_owned()),
                KeyValue::new(key::GEN_AI_TOOL_CALL_ID, call_id.to_owned()),
            ],
        ));
        drop(s);
        self.emit(events);
        ToolCall {
            scope: self.clone(),
            name: name.to_owned(),
            call_id: call_id.to_owned(),
            step,
        }
    }

    /// The end attributes of the `use_reason` span.
    pub(crate) fn end_attributes(&self, end: &mut AttrList) {
        let s = self.lock();
        let mut attrs = Vec::new();
        if let Some(u) = s.usage {
            usage_attributes(&u, REASON_USAGE, &mut attrs);
        }
        if let Some(c) = s.cost {
            attrs.push(KeyValue::new(key::CRUX_COST, c));
        }
        if !s.finish_reasons.is_empty() {
            let reasons: Vec<opentelemetry::StringValue> =
                s.finish_reasons.iter().cloned().map(Into::into).collect();
            attrs.push(KeyValue::new(
                key::GEN_AI_RESPONSE_FINISH_REASONS,
                opentelemetry::Value::Array(reasons.into()),
            ));
        }
        if s.interrupted {
            attrs.push(KeyValue::new(key::CRUX_USE_REASON_INTERRUPTED, true));
        }
        if s.resumed {
            attrs.push(KeyValue::new(key::CRUX_USE_REASON_RESUMED, true));
        }
        if s.calls > 0 {
            attrs.push(KeyValue::new(key::CRUX_TOOL_CALL_COUNT, s.calls));
            attrs.push(KeyValue::new(key::CRUX_TOOL_RESULT_COUNT, s.results));
            attrs.push(KeyValue::new(key::CRUX_TOOL_STEP_COUNT, s.steps));
        }
        end.extend(attrs);
    }
}

/// Where a `use_reason` records its sums: crux's own keys, since a backend that adds up
/// every span's `gen_ai.usage.*` would count the model calls inside twice.
const REASON_USAGE: UsageKeys = [
    key::CRUX_REASON_USAGE_INPUT_TOKENS,
    key::CRUX_REASON_USAGE_OUTPUT_TOKENS,
    key::CRUX_REASON_USAGE_REASONING_OUTPUT_TOKENS,
    key::CRUX_REASON_USAGE_CACHE_READ_INPUT_TOKENS,
    key::CRUX_REASON_USAGE_CACHE_CREATION_INPUT_TOKENS,
];

impl ToolCall {
    /// The tool finished: returned (`is_error` for an `Err`) or panicked.
    pub(crate) fn finished(&self, returned: bool, is_error: bool) {
        let mut s = self.scope.lock();
        if returned {
            s.results += 1;
        }
        drop(s);
        let name = if returned && !is_error {
            events::TOOL_CALL_COMPLETE
        } else {
            events::TOOL_CALL_ERROR
        };
        self.scope.emit(vec![(
            name,
            vec![
                KeyValue::new(key::CRUX_TOOL_STEP_INDEX, self.step),
                KeyValue::new(key::GEN_AI_TOOL_NAME, self.name.clone()),
                KeyValue::new(key::GEN_AI_TOOL_CALL_ID, self.call_id.clone()),
                KeyValue::new(key::CRUX_TOOL_IS_ERROR, is_error || !returned),
            ],
        )]);
    }
}
