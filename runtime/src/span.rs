//! A handle on the current span, for what only the body knows: usage, finish reasons,
//! cost, extra attributes and events.

use crate::attributes as key;
use crate::response::{ModelResponse, Usage};
use crate::value::AttrValue;
use opentelemetry::trace::TraceContextExt;
use opentelemetry::{Context, KeyValue};
use std::borrow::Cow;

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
            self.cx.span().set_attribute(KeyValue::new(key.into(), v));
        }
    }

    /// Adds an event with attributes.
    pub fn add_event(
        &self,
        name: impl Into<Cow<'static, str>>,
        attributes: impl IntoIterator<Item = KeyValue>,
    ) {
        self.cx
            .span()
            .add_event(name, attributes.into_iter().collect());
    }

    /// Records token usage (`gen_ai.usage.*`).
    pub fn record_usage(&self, usage: &Usage) {
        let span = self.cx.span();
        let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        span.set_attribute(KeyValue::new(
            key::GEN_AI_USAGE_INPUT_TOKENS,
            count(usage.input_tokens),
        ));
        span.set_attribute(KeyValue::new(
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
                span.set_attribute(KeyValue::new(k, count(v)));
            }
        }
    }

    /// Records the finish reasons (`gen_ai.response.finish_reasons`, a string array).
    pub fn record_finish_reasons<S: AsRef<str>>(&self, reasons: impl IntoIterator<Item = S>) {
        let reasons: Vec<String> = reasons.into_iter().map(|s| s.as_ref().to_owned()).collect();
        self.set_attribute(key::GEN_AI_RESPONSE_FINISH_REASONS, &reasons);
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
    }
}
