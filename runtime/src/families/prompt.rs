//! Prompts (`#[derive(crux::Prompt)]`) and the telemetry of a `use_reason` call: the
//! prompt's identity, attributes and variables as the span records them.

use crate::attributes as key;
use crate::core::attrs::AttrList;
use crate::core::content::{self, CaptureContent};
use crate::core::hooks::{Hooks, PromptIdentity};
use crate::core::value::AttrValue;
use opentelemetry::{KeyValue, Value};

/// A prompt whose identity, attributes and variables crux can record; derive it with
/// `#[derive(crux::Prompt)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a prompt",
    label = "derive it: `#[derive(crux::Prompt)]` on the prompt struct, or implement `crux::Prompt`"
)]
pub trait Prompt {
    /// The prompt's identity.
    fn identity(&self) -> PromptIdentity;
    /// Attributes to record (fields marked `#[prompt(attribute = "app.key")]`).
    fn attributes(&self, out: &mut Vec<KeyValue>) {
        let _ = out;
    }
    /// Template variables, recorded as `gen_ai.prompt.variable.<name>` only when input
    /// content capture is on (fields marked `#[prompt(variable)]`).
    fn variables(&self, out: &mut Vec<(&'static str, Value)>) {
        let _ = out;
    }
}

impl<P: Prompt + ?Sized> Prompt for &P {
    fn identity(&self) -> PromptIdentity {
        (**self).identity()
    }
    fn attributes(&self, out: &mut Vec<KeyValue>) {
        (**self).attributes(out);
    }
    fn variables(&self, out: &mut Vec<(&'static str, Value)>) {
        (**self).variables(out);
    }
}

/// What a prompt recorded: identity, attributes, variables.
#[derive(Clone, Debug, Default)]
pub(crate) struct RecordedPrompt {
    pub identity: PromptIdentity,
    pub attributes: Vec<KeyValue>,
    pub variables: Vec<(&'static str, Value)>,
}

impl RecordedPrompt {
    pub(crate) fn of<P: Prompt + ?Sized>(prompt: &P) -> RecordedPrompt {
        let mut recorded = RecordedPrompt {
            identity: prompt.identity(),
            ..RecordedPrompt::default()
        };
        prompt.attributes(&mut recorded.attributes);
        prompt.variables(&mut recorded.variables);
        recorded
    }
}

/// The telemetry of a `use_reason` call as a value: `#[crux::use_reason(telemetry = t)]`.
///
/// ```
/// let telemetry = crux::ReasonTelemetry::new()
///     .operation("triage")
///     .tag("vip")
///     .metadata("queue", "billing")
///     .capture_content(true);
/// # let _ = telemetry;
/// ```
#[derive(Clone, Debug, Default)]
pub struct ReasonTelemetry {
    pub(crate) operation: Option<String>,
    pub(crate) prompt: Option<RecordedPrompt>,
    pub(crate) tags: Vec<String>,
    pub(crate) metadata: Vec<(String, Value)>,
    pub(crate) capture: Option<CaptureContent>,
}

impl ReasonTelemetry {
    /// Empty telemetry.
    pub fn new() -> ReasonTelemetry {
        ReasonTelemetry::default()
    }

    /// The operation (`gen_ai.operation.name`; default `chat`).
    pub fn operation(mut self, operation: impl Into<String>) -> Self {
        self.operation = Some(operation.into());
        self
    }

    /// The prompt used.
    pub fn prompt<P: Prompt + ?Sized>(mut self, prompt: &P) -> Self {
        self.prompt = Some(RecordedPrompt::of(prompt));
        self
    }

    /// Adds a tag (`crux.trace.tags`).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tags.push(tag.into());
        self
    }

    /// Adds metadata (`crux.trace.metadata.<key>`).
    pub fn metadata<V: AttrValue + ?Sized>(mut self, key: impl Into<String>, value: &V) -> Self {
        if let Some(v) = value.to_value() {
            self.metadata.push((key.into(), v));
        }
        self
    }

    /// Overrides content capture for this call (replacing the builder's setting).
    pub fn capture_content(mut self, capture: impl Into<CaptureContent>) -> Self {
        self.capture = Some(capture.into());
        self
    }
}

impl RecordedPrompt {
    /// Records the prompt on a starting span: its identity under the registry's keys,
    /// what `map_prompt_metadata` adds, its attributes, and (only with input capture) its
    /// variables. Returns whether a variable was cut at `cap`.
    pub(crate) fn record(
        self,
        attrs: &mut AttrList,
        hooks: &Hooks,
        capture: CaptureContent,
        cap: usize,
    ) -> bool {
        let id = &self.identity;
        for (role, keys) in crate::attributes::PROMPT_IDENTITY {
            if let Some(value) = id.part(role) {
                for k in *keys {
                    attrs.upsert(*k, Value::String(value.clone().into()));
                }
            }
        }
        for kv in hooks.prompt_metadata(id) {
            attrs.upsert(kv.key, kv.value);
        }
        for kv in self.attributes {
            attrs.upsert(kv.key, kv.value);
        }
        let mut truncated = false;
        if capture.input {
            for (name, value) in self.variables {
                let (text, cut) = content::capped_text(&value.as_str(), cap);
                truncated |= cut;
                attrs.upsert(
                    format!("{}{name}", key::GEN_AI_PROMPT_VARIABLE),
                    Value::String(text.into()),
                );
            }
        }
        truncated
    }
}
