//! The attributes of a span about to start, as the macro's argument closure fills them.

use crate::attributes as key;
use crate::core::attrs::AttrList;
use crate::core::content::{self, CaptureContent, Message};
use crate::core::io::{self, Side};
use crate::core::pipeline::Options;
use crate::core::propagation::RemoteParent;
use crate::core::value::{AttrValue, BoolAttr, DoubleAttr, IntAttr, StrArrayAttr, StrAttr};
use crate::families::checkpoint::{Checkpoint, ResumeFrom};
use crate::families::generate::request::ModelRequest;
use crate::families::prompt::{Prompt, ReasonTelemetry, RecordedPrompt};
use opentelemetry::{Context, Value};

/// The attributes of a span about to start, filled by the macro's argument closure.
#[derive(Debug)]
pub struct Start {
    pub(super) attrs: AttrList,
    pub(super) resume: Option<Checkpoint>,
    pub(super) remote_parent: Option<Context>,
    tags: Vec<String>,
    prompt: Option<RecordedPrompt>,
    /// The content capture in force for this call.
    pub(super) capture: CaptureContent,
    /// Set by `capture_content = ..`: inherited by what runs inside.
    pub(super) capture_override: Option<CaptureContent>,
    cap: usize,
    truncated: bool,
    /// Messages left out of captured content to fit the cap.
    omitted: usize,
}

impl Start {
    pub(super) fn new(capture: CaptureContent, cap: usize) -> Start {
        Start {
            attrs: AttrList::default(),
            resume: None,
            remote_parent: None,
            tags: Vec::new(),
            prompt: None,
            capture,
            capture_override: None,
            cap,
            truncated: false,
            omitted: 0,
        }
    }

    // The generic setters below are instantiated by every annotated function's argument
    // closure: each one only converts its value and calls a setter compiled once here.

    /// Records `value` under `key`; a `None` value leaves the key out.
    #[inline]
    pub fn set<V: AttrValue + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.put_some(key, value.to_value());
    }

    /// Records a string literal without copying it.
    pub fn set_static(&mut self, key: &'static str, value: &'static str) {
        self.attrs.upsert_static(key, value);
    }

    /// Records `value` under an application key known only at run time.
    #[inline]
    pub fn set_dynamic<V: AttrValue + ?Sized>(
        &mut self,
        key: impl Into<opentelemetry::Key>,
        value: &V,
    ) {
        self.put_dynamic(key.into(), value.to_value());
    }

    /// Records a string attribute (the macro checks the value's type through this).
    #[inline]
    pub fn set_str<V: StrAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    /// Records an integer attribute.
    #[inline]
    pub fn set_int<V: IntAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    /// Records a float attribute; integers become floats.
    #[inline]
    pub fn set_double<V: DoubleAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.put_double(key, value.to_value());
    }

    /// Records a bool attribute.
    #[inline]
    pub fn set_bool<V: BoolAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    /// Records a string-array attribute.
    #[inline]
    pub fn set_str_array<V: StrArrayAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    fn put_some(&mut self, key: &'static str, value: Option<Value>) {
        if let Some(v) = value {
            self.put(key, v);
        }
    }

    fn put_dynamic(&mut self, key: opentelemetry::Key, value: Option<Value>) {
        if let Some(v) = value {
            self.attrs.upsert(key, v);
        }
    }

    fn put_double(&mut self, key: &'static str, value: Option<Value>) {
        match value {
            #[allow(clippy::cast_precision_loss)]
            Some(Value::I64(i)) => self.put(key, Value::F64(i as f64)),
            Some(v) => self.put(key, v),
            None => {}
        }
    }

    /// The checkpoint a flow resumes from (`resume = ..`); `None` starts a plain flow.
    #[inline]
    pub fn resume<R: ResumeFrom + ?Sized>(&mut self, from: &R) {
        self.resume_from(from.checkpoint());
    }

    fn resume_from(&mut self, checkpoint: Option<&Checkpoint>) {
        self.resume = checkpoint.cloned();
    }

    /// Records `value` under `key` as its hash (FNV-1a, or HMAC with a hashing key): a
    /// namespace or a source id is often a tenant, a customer or a path.
    #[inline]
    pub fn set_hashed<V: StrAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.put_hashed(key, value.to_value());
    }

    fn put_hashed(&mut self, key: &'static str, value: Option<Value>) {
        if let Some(v) = value {
            self.set(key, &crate::core::hashing::identifier(&v.as_str()));
        }
    }

    /// A retrieval's query (`query = ..`), recorded only with input capture.
    #[inline]
    pub fn retrieval_query<V: StrAttr + ?Sized>(&mut self, query: &V) {
        if self.capture.input {
            self.put_retrieval_query(query.to_value());
        }
    }

    fn put_retrieval_query(&mut self, query: Option<Value>) {
        if let Some(v) = query {
            let (text, cut) = content::capped_text(&v.as_str(), self.cap);
            self.truncated |= cut;
            self.put(key::GEN_AI_RETRIEVAL_QUERY_TEXT, Value::String(text.into()));
        }
    }

    /// The remote parent (`parent = headers`); without a valid one, the caller's context.
    pub fn parent<P: RemoteParent + ?Sized>(&mut self, parent: &P) {
        self.remote_parent = parent.remote_context();
    }

    /// Adds a tag (`crux.trace.tags`).
    #[inline]
    pub fn tag<V: StrAttr + ?Sized>(&mut self, tag: &V) {
        self.put_tag(tag.to_value());
    }

    fn put_tag(&mut self, tag: Option<Value>) {
        if let Some(v) = tag {
            self.tags.push(v.as_str().into_owned());
        }
    }

    /// Overrides content capture for this call and what runs inside it.
    #[inline]
    pub fn capture_content<C: Copy + Into<CaptureContent>>(&mut self, capture: &C) {
        self.override_capture((*capture).into());
    }

    fn override_capture(&mut self, capture: CaptureContent) {
        self.capture = capture;
        self.capture_override = Some(capture);
    }

    /// The prompt a `use_reason` uses (`telemetry(prompt = ..)`).
    pub fn prompt<P: Prompt + ?Sized>(&mut self, prompt: &P) {
        self.prompt = Some(RecordedPrompt::of(prompt));
    }

    /// The telemetry of a `use_reason` given as a value (`telemetry = ..`).
    pub fn telemetry(&mut self, telemetry: &ReasonTelemetry) {
        if let Some(capture) = telemetry.capture {
            self.override_capture(capture);
        }
        if let Some(op) = &telemetry.operation {
            self.set(key::CRUX_REASON_OPERATION, op.as_str());
        }
        if let Some(prompt) = &telemetry.prompt {
            self.prompt = Some(prompt.clone());
        }
        self.tags.extend(telemetry.tags.iter().cloned());
        for (k, v) in &telemetry.metadata {
            self.set_dynamic(format!("{}{k}", key::CRUX_TRACE_METADATA), v);
        }
    }

    /// Input messages of a model call (`messages = ..`), recorded only with input capture;
    /// a plain string becomes one user message.
    #[inline]
    pub fn input_messages<M: serde::Serialize + ?Sized>(&mut self, messages: &M) {
        if self.capture.input {
            self.put_input_messages(serde_json::to_value(messages));
        }
    }

    fn put_input_messages(&mut self, messages: serde_json::Result<serde_json::Value>) {
        let messages = match messages {
            Ok(serde_json::Value::String(text)) => {
                serde_json::to_value([Message::user(text)]).unwrap_or_default()
            }
            Ok(other) => other,
            Err(_) => return,
        };
        self.content(key::GEN_AI_INPUT_MESSAGES, &messages);
        self.io(Side::Input, &io::from_messages(Side::Input, &messages));
    }

    /// The arguments of a run or a flow as its `input.value` (what backends show as the
    /// trace's request), only with input capture: one string argument as itself, else
    /// the serializable arguments as one JSON object. `record` adds each of them.
    pub fn input_arguments(
        &mut self,
        record: &mut dyn FnMut(&mut serde_json::Map<String, serde_json::Value>),
    ) {
        if !self.capture.input {
            return;
        }
        let mut args = serde_json::Map::new();
        record(&mut args);
        let value = match args.len() {
            0 => return,
            1 if args.values().all(serde_json::Value::is_string) => {
                args.into_iter().next().map(|(_, v)| v).unwrap_or_default()
            }
            _ => serde_json::Value::Object(args),
        };
        self.io(Side::Input, &value);
    }

    fn io(&mut self, side: Side, value: &serde_json::Value) {
        let (attrs, cut) = io::attributes(side, value, self.cap);
        self.truncated |= cut;
        self.attrs.extend(attrs);
    }

    /// System instructions of a model call (`system = ..`), recorded only with input
    /// capture, as the GenAI conventions' list of parts: a plain string becomes one
    /// text part, system messages contribute their parts, parts are kept as they are.
    #[inline]
    pub fn system_instructions<M: serde::Serialize + ?Sized>(&mut self, instructions: &M) {
        if self.capture.input {
            self.put_system_instructions(serde_json::to_value(instructions));
        }
    }

    fn put_system_instructions(&mut self, instructions: serde_json::Result<serde_json::Value>) {
        use serde_json::Value as Json;
        let parts = match instructions {
            Ok(Json::String(text)) => vec![serde_json::json!({"type": "text", "content": text})],
            Ok(Json::Array(items)) => items
                .into_iter()
                .flat_map(|item| match item {
                    Json::Object(mut message) if message.contains_key("role") => {
                        match message.remove("parts") {
                            Some(Json::Array(parts)) => parts,
                            _ => Vec::new(),
                        }
                    }
                    part => vec![part],
                })
                .collect(),
            Ok(other) => vec![other],
            Err(_) => return,
        };
        self.content(key::GEN_AI_SYSTEM_INSTRUCTIONS, &parts);
    }

    /// A tool's arguments, recorded (as one JSON object) only with input capture;
    /// `record` adds each serializable argument.
    pub fn tool_arguments(
        &mut self,
        record: &mut dyn FnMut(&mut serde_json::Map<String, serde_json::Value>),
    ) {
        if self.capture.input {
            let mut args = serde_json::Map::new();
            record(&mut args);
            self.content(key::GEN_AI_TOOL_CALL_ARGUMENTS, &args);
        }
    }

    /// A model request passed as an argument: the request attributes the macro's own
    /// arguments did not set, and with input capture the messages and system
    /// instructions.
    pub fn model_request<R: ModelRequest + ?Sized>(&mut self, request: &R) {
        let model = request
            .request_model()
            .map(|m| Value::String(m.to_owned().into()));
        #[allow(clippy::cast_possible_wrap)]
        let numbers = [
            (key::GEN_AI_REQUEST_MODEL, model),
            (
                key::GEN_AI_REQUEST_TEMPERATURE,
                request.temperature().map(Value::F64),
            ),
            (
                key::GEN_AI_REQUEST_MAX_TOKENS,
                request
                    .max_tokens()
                    .map(|n| Value::I64(i64::try_from(n).unwrap_or(i64::MAX))),
            ),
            (key::GEN_AI_REQUEST_TOP_P, request.top_p().map(Value::F64)),
            (key::GEN_AI_REQUEST_SEED, request.seed().map(Value::I64)),
            (
                key::GEN_AI_REQUEST_STREAM,
                request.stream().map(Value::Bool),
            ),
        ];
        for (key, value) in numbers {
            if let Some(value) = value {
                self.attrs.default_with(key, || value);
            }
        }
        let stop = request.stop_sequences();
        if !stop.is_empty() && !self.attrs.has(key::GEN_AI_REQUEST_STOP_SEQUENCES) {
            self.set(key::GEN_AI_REQUEST_STOP_SEQUENCES, &stop);
        }
        if !self.attrs.has(key::GEN_AI_TOOL_DEFINITIONS) {
            if let Some(tools) = request.tool_definitions() {
                self.content(key::GEN_AI_TOOL_DEFINITIONS, &tools);
            }
        }
        if !self.capture.input {
            return;
        }
        if !self.attrs.has(key::GEN_AI_INPUT_MESSAGES) {
            let messages = request.input_messages();
            if !messages.is_empty() {
                self.content(key::GEN_AI_INPUT_MESSAGES, &messages);
            }
        }
        if !self.attrs.has(key::GEN_AI_SYSTEM_INSTRUCTIONS) {
            let parts = request.system_instructions();
            if !parts.is_empty() {
                self.content(key::GEN_AI_SYSTEM_INSTRUCTIONS, &parts);
            }
        }
    }

    fn content<T: serde::Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        if let Some(fitted) = content::capped_json(value, self.cap) {
            self.truncated |= fitted.cut;
            self.omitted += fitted.omitted;
            self.put(key, Value::String(fitted.text.into()));
        }
    }

    fn put(&mut self, key: &'static str, value: Value) {
        self.attrs.upsert(key, value);
    }

    /// Records the tags (`crux.trace.tags`), if any.
    pub(super) fn record_tags(&mut self) {
        if !self.tags.is_empty() {
            let tags = std::mem::take(&mut self.tags);
            self.set(key::CRUX_TRACE_TAGS, &tags);
        }
    }

    /// The start defaults of a `use_reason`: the GenAI operation of an agent's loop
    /// (`invoke_agent`: a model call's `chat` would make backends count it as one), its
    /// own operation (`chat` unless given) and the prompt it uses.
    pub(super) fn use_reason_defaults(&mut self, options: &Options) {
        self.attrs
            .upsert_static(key::GEN_AI_OPERATION_NAME, "invoke_agent");
        self.attrs
            .default_static(key::CRUX_REASON_OPERATION, "chat");
        if let Some(prompt) = self.prompt.take() {
            self.truncated |=
                prompt.record(&mut self.attrs, &options.hooks, self.capture, self.cap);
        }
    }

    /// The finished attribute list, marked when content was cut. Taken out rather than
    /// `self` consumed: a `Start` is several hundred bytes a move would copy.
    pub(super) fn take_attributes(&mut self) -> AttrList {
        if self.truncated {
            self.set(key::CRUX_TRUNCATED, &true);
        }
        if self.omitted > 0 {
            let omitted = self.omitted;
            self.set(key::CRUX_CONTENT_OMITTED, &omitted);
        }
        std::mem::take(&mut self.attrs)
    }
}
