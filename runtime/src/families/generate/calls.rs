//! The model-call methods of the span handle: what only the body of a model call knows
//! (usage, finish reasons, cost, messages), recorded through `crux::Span`.

use super::*;

impl Span {
    fn generate(&self) -> Option<&GenerateScope> {
        let span_id = self.context().span().span_context().span_id();
        self.context()
            .get::<GenerateScope>()
            .filter(|g| g.span_id == span_id)
    }

    /// Records token usage (`gen_ai.usage.*`); on a `#[crux::generate]` span it also
    /// counts toward the enclosing `use_reason` (once, however often it is recorded).
    pub fn record_usage(&self, usage: &Usage) {
        let mut attrs = Vec::new();
        usage_attributes(usage, GENAI_USAGE, &mut attrs);
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
    /// Its answer (the last message's text) also becomes `output.value`, which backends
    /// show as the call's output.
    pub fn record_output_messages(&self, messages: &[Message]) {
        if let Some(g) = self.generate().filter(|g| g.capture.output) {
            self.record_content(key::GEN_AI_OUTPUT_MESSAGES, messages, g.cap);
            if let Ok(json) = serde_json::to_value(messages) {
                let answer = io::from_messages(Side::Output, &json);
                let (mut attrs, cut) = io::attributes(Side::Output, &answer, g.cap);
                if cut {
                    attrs.push(KeyValue::new(key::CRUX_TRUNCATED, true));
                }
                self.put(attrs);
            }
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
        if let Some(fitted) = content::capped_json(value, cap) {
            let mut attrs = vec![KeyValue::new(key, fitted.text)];
            if fitted.cut {
                attrs.push(KeyValue::new(key::CRUX_TRUNCATED, true));
            }
            if fitted.omitted > 0 {
                let omitted = i64::try_from(fitted.omitted).unwrap_or(i64::MAX);
                attrs.push(KeyValue::new(key::CRUX_CONTENT_OMITTED, omitted));
            }
            self.put(attrs);
        }
    }

    /// Records how many warnings the provider returned (`crux.warning.count`, when any).
    pub fn record_warning_count(&self, count: usize) {
        if count > 0 {
            self.set_attribute(key::CRUX_WARNING_COUNT, &count);
        }
    }

    /// Records the model that answered (`gen_ai.response.model`).
    pub fn record_response_model(&self, model: &str) {
        self.set_attribute(key::GEN_AI_RESPONSE_MODEL, model);
        if let Some(g) = self.generate() {
            g.update(|r| r.response_model = Some(model.to_owned()));
        }
    }

    /// Records the provider's response id (`gen_ai.response.id`).
    pub fn record_response_id(&self, id: &str) {
        self.set_attribute(key::GEN_AI_RESPONSE_ID, id);
    }

    /// Records what the call cost in USD (`crux.cost`).
    ///
    /// On a model or embedding call it is also MLflow's `mlflow.llm.cost`.
    pub fn record_cost(&self, usd: f64) {
        self.set_attribute(key::CRUX_COST, &usd);
        if let Some(g) = self.generate() {
            self.put(vec![mlflow_cost(usd)]);
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
        if let Some(raw) = response.raw_finish_reason() {
            self.set_attribute(key::CRUX_FINISH_REASON_RAW, raw);
        }
        self.record_warning_count(response.warning_count());
    }
}
