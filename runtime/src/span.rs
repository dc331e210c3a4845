//! A handle on the current span, for what only the body knows: usage, finish reasons,
//! cost, extra attributes and events.

use crate::attributes as key;
use crate::content::{self, CaptureContent, Message};
use crate::hooks::Phase;
use crate::reason::PassReport;
use crate::response::{ModelResponse, Usage};
use crate::value::AttrValue;
use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;
use std::sync::{Mutex, PoisonError};

/// A model call's own record of what it reported, so that the enclosing `use_reason`
/// can add it up once, when the call ends.
#[derive(Debug)]
pub(crate) struct GenerateScope {
    span_id: SpanId,
    capture: CaptureContent,
    cap: usize,
    report: Mutex<PassReport>,
}

impl GenerateScope {
    pub(crate) fn new(span_id: SpanId, capture: CaptureContent, cap: usize) -> GenerateScope {
        GenerateScope {
            span_id,
            capture,
            cap,
            report: Mutex::new(PassReport::default()),
        }
    }

    pub(crate) fn take_report(&self) -> PassReport {
        std::mem::take(&mut *self.report.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn update(&self, f: impl FnOnce(&mut PassReport)) {
        f(&mut self.report.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

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

/// Token usage as `gen_ai.usage.*` attributes.
pub(crate) fn usage_attributes(usage: &Usage, out: &mut Vec<KeyValue>) {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    out.push(KeyValue::new(
        key::GEN_AI_USAGE_INPUT_TOKENS,
        count(usage.input_tokens),
    ));
    out.push(KeyValue::new(
        key::GEN_AI_USAGE_OUTPUT_TOKENS,
        count(usage.output_tokens),
    ));
    let optional = [
        (
            key::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
            usage.reasoning_output_tokens,
        ),
        (
            key::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
            usage.cache_read_input_tokens,
        ),
        (
            key::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
            usage.cache_creation_input_tokens,
        ),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            out.push(KeyValue::new(k, count(v)));
        }
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
        if let Some(v) = value.to_value() {
            self.put(vec![KeyValue::new(key.into(), v)]);
        }
    }

    /// Writes end attributes: held for `map_attributes` when this is a crux span and the
    /// hook is set, else straight onto the span.
    fn put(&self, attrs: Vec<KeyValue>) {
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

    fn generate(&self) -> Option<&GenerateScope> {
        let span_id = self.cx.span().span_context().span_id();
        self.cx
            .get::<GenerateScope>()
            .filter(|g| g.span_id == span_id)
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
        crate::pipeline::load()
            .options()
            .hooks
            .map(Phase::Event, &name, &mut attrs);
        self.cx.span().add_event(name, attrs);
    }

    /// Records token usage (`gen_ai.usage.*`); on a `#[crux::generate]` span it also
    /// counts toward the enclosing `use_reason` (once, however often it is recorded).
    pub fn record_usage(&self, usage: &Usage) {
        let mut attrs = Vec::new();
        usage_attributes(usage, &mut attrs);
        self.put(attrs);
        if let Some(g) = self.generate() {
            g.update(|r| r.usage = Some(*usage));
        }
    }

    /// Records the finish reasons (`gen_ai.response.finish_reasons`, a string array).
    pub fn record_finish_reasons<S: AsRef<str>>(&self, reasons: impl IntoIterator<Item = S>) {
        let reasons: Vec<String> = reasons.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.set_attribute(key::GEN_AI_RESPONSE_FINISH_REASONS, &reasons);
        if let Some(g) = self.generate() {
            g.update(|r| r.finish_reasons = reasons);
        }
    }

    /// Records how many tool calls the model asked for in this response (it sizes the
    /// next tool step of the enclosing `use_reason`).
    pub fn record_tool_calls(&self, count: usize) {
        if let Some(g) = self.generate() {
            g.update(|r| r.tool_calls = Some(i64::try_from(count).unwrap_or(i64::MAX)));
        }
    }

    /// Records the model's output messages (`gen_ai.output.messages`), only with output
    /// content capture.
    pub fn record_output_messages(&self, messages: &[Message]) {
        if let Some(g) = self.generate().filter(|g| g.capture.output) {
            self.record_content(key::GEN_AI_OUTPUT_MESSAGES, messages, g.cap);
        }
    }

    /// Records the input messages (`gen_ai.input.messages`), only with input capture.
    pub fn record_input_messages(&self, messages: &[Message]) {
        if let Some(g) = self.generate().filter(|g| g.capture.input) {
            self.record_content(key::GEN_AI_INPUT_MESSAGES, messages, g.cap);
        }
    }

    fn record_content<T: serde::Serialize + ?Sized>(
        &self,
        key: &'static str,
        value: &T,
        cap: usize,
    ) {
        if let Some((text, cut)) = content::capped_json(value, cap) {
            let mut attrs = vec![KeyValue::new(key, text)];
            if cut {
                attrs.push(KeyValue::new(key::CRUX_TRUNCATED, true));
            }
            self.put(attrs);
        }
    }

    /// Records the model that answered (`gen_ai.response.model`).
    pub fn record_response_model(&self, model: &str) {
        self.set_attribute(key::GEN_AI_RESPONSE_MODEL, model);
    }

    /// Records the provider's response id (`gen_ai.response.id`).
    pub fn record_response_id(&self, id: &str) {
        self.set_attribute(key::GEN_AI_RESPONSE_ID, id);
    }

    /// Records what the call cost in USD (`crux.cost`).
    pub fn record_cost(&self, usd: f64) {
        self.set_attribute(key::CRUX_COST, &usd);
        if let Some(g) = self.generate() {
            g.update(|r| r.cost = Some(usd));
        }
    }

    /// Records everything a [`ModelResponse`] knows.
    pub fn record_response<R: ModelResponse + ?Sized>(&self, response: &R) {
        if !self.is_recording() {
            return;
        }
        if let Some(usage) = response.usage() {
            self.record_usage(&usage);
        }
        if let Some(model) = response.response_model() {
            self.record_response_model(model);
        }
        if let Some(id) = response.response_id() {
            self.record_response_id(id);
        }
        let reasons = response.finish_reasons();
        if !reasons.is_empty() {
            self.record_finish_reasons(reasons);
        }
        if let Some(cost) = response.cost_usd() {
            self.record_cost(cost);
        }
        if let Some(calls) = response.tool_calls() {
            self.record_tool_calls(calls);
        }
        let output = response.output_messages();
        if !output.is_empty() {
            self.record_output_messages(&output);
        }
    }
}
