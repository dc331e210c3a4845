//! A handle on the current span, for what only the body knows: extra attributes and
//! events (families add their own methods: usage, finish reasons, cost, ...).

use crate::attributes as key;
use crate::attributes::events;
use crate::core::attrs::AttrList;
use crate::core::hooks::{Hooks, Phase, SpanInfo};
use crate::core::recorder::LeftEnd;
use crate::core::value::AttrValue;
use opentelemetry::trace::{SpanId, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

/// End attributes held back for `map_attributes` (only when that hook is set).
#[derive(Debug)]
pub(crate) struct SpanBuffer {
    span_id: SpanId,
    attrs: Mutex<Vec<KeyValue>>,
}

impl SpanBuffer {
    pub(crate) fn new(span_id: SpanId) -> SpanBuffer {
        SpanBuffer {
            span_id,
            attrs: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn take(&self) -> Vec<KeyValue> {
        std::mem::take(&mut *self.attrs.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

/// The span current where it was taken; every method is a no-op on a span that is not
/// recording.
///
/// ```
/// #[crux::generate(provider = "anthropic", model = "claude-sonnet-4")]
/// fn call_model(prompt: &str) -> String {
///     let span = crux::Span::current();
///     span.record_usage(&crux::Usage::new(42, 7));
///     span.record_finish_reasons(["stop"]);
///     span.record_cost(0.00021);
///     prompt.to_owned()
/// }
/// # call_model("hi");
/// ```
#[derive(Clone, Debug)]
pub struct Span {
    cx: Context,
}

impl Span {
    /// The current span (a crux span or any other OpenTelemetry span).
    pub fn current() -> Span {
        Span {
            cx: Context::current(),
        }
    }

    pub(crate) fn from_context(cx: Context) -> Span {
        Span { cx }
    }

    /// The OpenTelemetry context holding this span.
    pub fn context(&self) -> &Context {
        &self.cx
    }

    /// Whether the span records (it exists and was sampled).
    pub fn is_recording(&self) -> bool {
        self.cx.span().is_recording()
    }

    /// The trace id, 32 hex digits (all zeros when there is no span).
    pub fn trace_id(&self) -> String {
        self.cx.span().span_context().trace_id().to_string()
    }

    /// The span id, 16 hex digits (all zeros when there is no span).
    pub fn span_id(&self) -> String {
        self.cx.span().span_context().span_id().to_string()
    }

    /// Sets an attribute; a `None` value leaves it out.
    pub fn set_attribute<V: AttrValue + ?Sized>(
        &self,
        key: impl Into<opentelemetry::Key>,
        value: &V,
    ) {
        let key = key.into();
        // An empty key is no attribute (a key set twice keeps its last value on export).
        if let (Some(v), false) = (value.to_value(), key.as_str().is_empty()) {
            self.put(vec![KeyValue::new(key, v)]);
        }
    }

    /// Writes end attributes: held for `map_attributes` when this is a crux span and the
    /// hook is set, else straight onto the span.
    pub(crate) fn put(&self, attrs: Vec<KeyValue>) {
        let span_id = self.cx.span().span_context().span_id();
        match self.cx.get::<SpanBuffer>().filter(|b| b.span_id == span_id) {
            Some(buffer) => buffer
                .attrs
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .extend(attrs),
            None => self.cx.span().set_attributes(attrs),
        }
    }

    /// Adds an event with attributes (seen by `map_attributes` as the event phase).
    pub fn add_event(
        &self,
        name: impl Into<Cow<'static, str>>,
        attributes: impl IntoIterator<Item = KeyValue>,
    ) {
        let name = name.into();
        let mut attrs: Vec<KeyValue> = attributes.into_iter().collect();
        // Borrowed from the loaded pipeline: no clone of the hooks per event.
        crate::core::pipeline::load()
            .options()
            .hooks
            .map(Phase::Event, &name, &mut attrs);
        self.cx.span().add_event(name, attrs);
    }

    /// Records an error outcome: `error.type`, an `exception` event and status Error.
    /// The one error path of every crux span (annotated fns, composition agents): the
    /// `Error` phase of `map_attributes` sees the message too, so a hook can redact what
    /// the status description and the exception event say.
    pub(crate) fn record_error(
        &self,
        hooks: &Hooks,
        span_name: &str,
        error_type: &str,
        message: &str,
    ) {
        let mut attrs = vec![
            KeyValue::new(key::ERROR_TYPE, error_type.to_owned()),
            KeyValue::new(key::EXCEPTION_MESSAGE, message.to_owned()),
        ];
        hooks.map(Phase::Error, span_name, &mut attrs);
        let mut attrs = AttrList::from_vec(attrs);
        let message = attrs
            .remove(key::EXCEPTION_MESSAGE)
            .map(|v| v.as_str().into_owned())
            .unwrap_or_default();
        let error_type = attrs.text(key::ERROR_TYPE).unwrap_or_default();
        let span = self.cx.span();
        span.set_attributes(attrs.into_vec());
        self.add_event(
            events::EXCEPTION,
            vec![
                KeyValue::new(key::EXCEPTION_TYPE, error_type),
                KeyValue::new(key::EXCEPTION_MESSAGE, message.clone()),
            ],
        );
        span.set_status(Status::error(message));
    }
}

/// How a span's end attributes reach it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EndPath {
    /// A span of crux's recorder: handed over with the end, in one move.
    Recorder,
    /// Any span (the SDK's, or one whose origin is not known where it ends): through
    /// the `Span` API before the end.
    SpanApi,
}

/// Ends the span in `cx` with its end attributes: the `End` phase of `map_attributes`
/// sees them first, the end hook runs after. The one end path of every annotated span
/// (the guard's, and a flow's when it suspends). `left_end`: end values left to the export,
/// only by a span of the recorder that left its start defaults (no hook reads its
/// attributes). Returns `attrs` emptied, for the caller to reuse.
pub(crate) fn end_span(
    cx: &Context,
    path: EndPath,
    hooks: &Hooks,
    span_name: &str,
    mut attrs: Vec<KeyValue>,
    left_end: Option<LeftEnd>,
) -> Vec<KeyValue> {
    hooks.map(Phase::End, span_name, &mut attrs);
    if hooks.on_end.is_some() {
        hooks.ended(&span_info(span_name, cx));
    }
    let span = cx.span();
    match path {
        EndPath::Recorder => {
            crate::core::recorder::end_with(&span, &mut attrs, left_end);
            attrs
        }
        EndPath::SpanApi => {
            if !attrs.is_empty() {
                span.set_attributes(attrs.drain(..));
            }
            span.end();
            attrs
        }
    }
}

/// What the span start and end hooks are told about the span in `cx`.
pub(crate) fn span_info<'a>(span_name: &'a str, cx: &Context) -> SpanInfo<'a> {
    let sc = cx.span().span_context().clone();
    SpanInfo {
        name: span_name,
        trace_id: sc.trace_id().to_string(),
        span_id: sc.span_id().to_string(),
    }
}
