//! The per-call span: started from a [`Callsite`], kept current while the body runs,
//! ended with the body's outcome.
//!
//! A [`SpanGuard`] is a local of the generated code. It is cheap when telemetry is off
//! (`None` inside, every method a branch), it never holds a context guard across an
//! `.await` (futures re-attach the context on every poll), and if it is dropped before
//! [`SpanGuard::end`] ran the body never finished: the span ends marked cancelled.

use crate::attributes as key;
use crate::callsite::{Callsite, Kind};
use crate::checkpoint::{Checkpoint, ResumeFrom};
use crate::content::{self, CaptureContent};
use crate::flow::{FlowScope, ResumeMode};
use crate::hooks::{Hooks, Phase, SpanInfo};
use crate::pipeline::{self, Options, SpanNaming};
use crate::prompt::{Prompt, ReasonTelemetry, RecordedPrompt};
use crate::propagation::RemoteParent;
use crate::reason::{ReasonScope, ToolCall};
use crate::run::RunScope;
use crate::span::{GenerateScope, SpanBuffer};
use crate::value::{AttrValue, BoolAttr, DoubleAttr, IntAttr, StrArrayAttr, StrAttr};
use opentelemetry::trace::{SpanBuilder, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, StringValue, Value};
use std::borrow::Cow;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::Poll;
use std::time::Instant;

/// The attributes of a span about to start, filled by the macro's argument closure.
#[derive(Debug)]
pub struct Start {
    attrs: Vec<KeyValue>,
    resume: Option<Checkpoint>,
    remote_parent: Option<Context>,
    tags: Vec<String>,
    prompt: Option<RecordedPrompt>,
    /// The content capture in force for this call.
    capture: CaptureContent,
    /// Set by `capture_content = ..`: inherited by what runs inside.
    capture_override: Option<CaptureContent>,
    cap: usize,
    truncated: bool,
}

impl Start {
    fn new(capture: CaptureContent, cap: usize) -> Start {
        Start {
            // Room for a typical span's start and end attributes (a tool has 6 + 4), so
            // neither the macro's arguments nor the end attributes reallocate the list.
            attrs: Vec::with_capacity(16),
            resume: None,
            remote_parent: None,
            tags: Vec::new(),
            prompt: None,
            capture,
            capture_override: None,
            cap,
            truncated: false,
        }
    }

    /// Records `value` under `key`; a `None` value leaves the key out.
    #[inline]
    pub fn set<V: AttrValue + ?Sized>(&mut self, key: &'static str, value: &V) {
        if let Some(v) = value.to_value() {
            self.put(key, v);
        }
    }

    /// Records a string literal without copying it.
    #[inline]
    pub fn set_static(&mut self, key: &'static str, value: &'static str) {
        self.put(key, Value::String(StringValue::from(value)));
    }

    /// Records `value` under an application key known only at run time.
    pub fn set_dynamic<V: AttrValue + ?Sized>(
        &mut self,
        key: impl Into<opentelemetry::Key>,
        value: &V,
    ) {
        if let Some(v) = value.to_value() {
            let key = key.into();
            match self.attrs.iter_mut().find(|kv| kv.key == key) {
                Some(kv) => kv.value = v,
                None => self.attrs.push(KeyValue::new(key, v)),
            }
        }
    }

    /// Records a string attribute (the macro checks the value's type through this).
    pub fn set_str<V: StrAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    /// Records an integer attribute.
    pub fn set_int<V: IntAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    /// Records a float attribute; integers become floats.
    pub fn set_double<V: DoubleAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        match value.to_value() {
            #[allow(clippy::cast_precision_loss)]
            Some(Value::I64(i)) => self.put(key, Value::F64(i as f64)),
            Some(v) => self.put(key, v),
            None => {}
        }
    }

    /// Records a bool attribute.
    pub fn set_bool<V: BoolAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    /// Records a string-array attribute.
    pub fn set_str_array<V: StrArrayAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        self.set(key, value);
    }

    /// The checkpoint a flow resumes from (`resume = ..`); `None` starts a plain flow.
    pub fn resume<R: ResumeFrom + ?Sized>(&mut self, from: &R) {
        self.resume = from.checkpoint().cloned();
    }

    /// Records `value` under `key` as its hash (FNV-1a, or HMAC with a hashing key): a
    /// namespace or a source id is often a tenant, a customer or a path.
    pub fn set_hashed<V: StrAttr + ?Sized>(&mut self, key: &'static str, value: &V) {
        if let Some(v) = value.to_value() {
            self.set(key, &crate::hashing::identifier(&v.as_str()));
        }
    }

    /// A retrieval's query (`query = ..`), recorded only with input capture.
    pub fn retrieval_query<V: StrAttr + ?Sized>(&mut self, query: &V) {
        if !self.capture.input {
            return;
        }
        if let Some(v) = query.to_value() {
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
    pub fn tag<V: StrAttr + ?Sized>(&mut self, tag: &V) {
        if let Some(v) = tag.to_value() {
            self.tags.push(v.as_str().into_owned());
        }
    }

    /// Overrides content capture for this call and what runs inside it.
    pub fn capture_content<C: Copy + Into<CaptureContent>>(&mut self, capture: &C) {
        let capture = (*capture).into();
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
            self.capture_content(&capture);
        }
        if let Some(op) = &telemetry.operation {
            self.set(key::GEN_AI_OPERATION_NAME, op.as_str());
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
    pub fn input_messages<M: serde::Serialize + ?Sized>(&mut self, messages: &M) {
        if !self.capture.input {
            return;
        }
        match serde_json::to_value(messages) {
            Ok(serde_json::Value::String(text)) => {
                self.content(key::GEN_AI_INPUT_MESSAGES, &[crate::Message::user(text)]);
            }
            Ok(other) => self.content(key::GEN_AI_INPUT_MESSAGES, &other),
            Err(_) => {}
        }
    }

    /// System instructions of a model call (`system = ..`), recorded only with input
    /// capture, as the GenAI conventions' list of parts: a plain string becomes one
    /// text part, system messages contribute their parts, parts are kept as they are.
    pub fn system_instructions<M: serde::Serialize + ?Sized>(&mut self, instructions: &M) {
        use serde_json::Value as Json;
        if !self.capture.input {
            return;
        }
        let parts = match serde_json::to_value(instructions) {
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
        record: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>),
    ) {
        if self.capture.input {
            let mut args = serde_json::Map::new();
            record(&mut args);
            self.content(key::GEN_AI_TOOL_CALL_ARGUMENTS, &args);
        }
    }

    fn content<T: serde::Serialize + ?Sized>(&mut self, key: &'static str, value: &T) {
        if let Some((text, cut)) = content::capped_json(value, self.cap) {
            self.truncated |= cut;
            self.put(key, Value::String(text.into()));
        }
    }

    #[inline]
    fn put(&mut self, key: &'static str, value: Value) {
        match self.attrs.iter_mut().find(|kv| kv.key.as_str() == key) {
            Some(kv) => kv.value = value,
            None => self.attrs.push(KeyValue::new(key, value)),
        }
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.attrs
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    fn string(&self, key: &str) -> Option<String> {
        self.get(key).map(|v| v.as_str().into_owned())
    }

    /// Records `value` under `key` unless the macro's arguments gave one.
    fn default_static(&mut self, key: &'static str, value: &'static str) {
        if !self.has(key) {
            self.set_static(key, value);
        }
    }

    /// Records a generated id (`prefix` + 16 hex digits) under `key` unless one was given.
    fn default_id(&mut self, key: &'static str, prefix: &str) {
        if !self.has(key) {
            self.put(key, crate::ids::new_id_value(prefix));
        }
    }

    fn mirror(&mut self, from: &'static str, to: &'static str) {
        if let (Some(v), false) = (self.get(from).cloned(), self.has(to)) {
            self.put(to, v);
        }
    }
}

/// The span of one call of an annotated function.
///
/// One pointer wide, so that with telemetry off the generated code moves a single null
/// word around.
#[derive(Debug)]
pub struct SpanGuard {
    active: Option<Box<Active>>,
}

#[derive(Debug)]
struct Active {
    cx: Context,
    kind: Kind,
    name: Cow<'static, str>,
    ended: bool,
    panicked: AtomicBool,
    errored: AtomicBool,
    /// Characters of the error message, for the tool's output metadata.
    error_chars: AtomicUsize,
    hooks: Hooks,
    capture: CaptureContent,
    cap: usize,
    tool_call: Option<ToolCall>,
    /// Output metadata and captured result of a tool: (type, size, result JSON).
    /// A tool's output shape (0 none, 1 text, 2 json) and size, and, with output
    /// capture, the captured result: atomics, not a lock, on the hot path.
    output_kind: AtomicU8,
    output_size: AtomicUsize,
    output_model_size: AtomicUsize,
    output_result: OnceLock<String>,
    /// A judge's parent (where the evaluation event goes) and metric, and its score.
    judged: Option<(Context, String)>,
    score: OnceLock<f64>,
}

impl SpanGuard {
    /// Starts the span of `callsite` under the current context. `args` records the
    /// macro's arguments; it runs only when telemetry is on.
    #[inline]
    pub fn start(callsite: &'static Callsite, args: impl FnOnce(&mut Start)) -> SpanGuard {
        if !pipeline::enabled() {
            return SpanGuard { active: None };
        }
        SpanGuard {
            active: Some(Box::new(Active::start(callsite, args))),
        }
    }

    /// Whether this call is being recorded.
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.active.is_some()
    }

    /// The context holding this span (empty when not recording).
    pub fn context(&self) -> Context {
        self.active
            .as_ref()
            .map_or_else(Context::new, |a| a.cx.clone())
    }

    /// Runs `body` with this span current; a panic is recorded and keeps unwinding.
    #[inline]
    pub fn in_scope<R>(&self, body: impl FnOnce() -> R) -> R {
        match &self.active {
            None => body(),
            Some(active) => {
                let _attached = active.cx.clone().attach();
                match catch_unwind(AssertUnwindSafe(body)) {
                    Ok(out) => out,
                    Err(payload) => {
                        active.record_panic(&*payload);
                        resume_unwind(payload)
                    }
                }
            }
        }
    }

    /// Wraps `future` so that this span is current on every poll.
    #[inline]
    pub fn instrument<F: Future>(&self, future: F) -> Instrumented<'_, F> {
        Instrumented {
            guard: self,
            future,
        }
    }

    /// Records an error outcome: status Error, `error.type`, an `exception` event.
    pub fn record_error(&self, error_type: &str, message: &str) {
        if let Some(active) = &self.active {
            active.record_error(error_type.to_owned(), message.to_owned());
        }
    }

    /// Records a tool's successful output: its privacy-safe metadata always, the value
    /// itself (`gen_ai.tool.call.result`) only with output capture.
    pub fn record_tool_output<T: serde::Serialize + ?Sized>(&self, output: &T) {
        let Some(active) = &self.active else { return };
        if active.kind != Kind::Tool {
            return;
        }
        // The shape and size are measured without building the JSON; the value itself
        // is serialized only when output capture is on.
        let Some((kind, size)) = content::measure(output) else {
            return;
        };
        let captured = if active.capture.output {
            content::capped_json(output, active.cap)
        } else {
            None
        };
        let (captured, cut) = match captured {
            Some((text, cut)) => (Some(text), cut),
            None => (None, false),
        };
        if cut {
            Span::from_context(active.cx.clone()).set_attribute(key::CRUX_TRUNCATED, &true);
        }
        active.output_size.store(size, Ordering::Relaxed);
        active
            .output_kind
            .store(if kind == "text" { 1 } else { 2 }, Ordering::Relaxed);
        if let Some(captured) = captured {
            let _ = active.output_result.set(captured);
        }
    }

    /// Records a judge's score (from the evaluator's return value).
    pub fn record_judge_score(&self, score: f64) {
        if let Some(active) = &self.active {
            let _ = active.score.set(score);
        }
    }

    /// Records a tool's declared outputs: the raw output's size and what the model sees.
    pub fn record_tool_model_output(
        &self,
        output_size: usize,
        model: &crate::tool_output::ModelOutput,
    ) {
        let Some(active) = &self.active else { return };
        active.output_size.store(output_size, Ordering::Relaxed);
        active
            .output_model_size
            .store(model.size(), Ordering::Relaxed);
        active
            .output_kind
            .store(model.kind_code(), Ordering::Relaxed);
    }

    /// Sets an attribute on the span.
    pub fn set_attribute<V: AttrValue + ?Sized>(&self, key: &'static str, value: &V) {
        if let Some(active) = &self.active {
            Span::from_context(active.cx.clone()).set_attribute(key, value);
        }
    }

    /// Ends the span: the body completed (successfully or with an `Err` already recorded).
    #[inline]
    pub fn end(mut self) {
        if let Some(active) = &mut self.active {
            active.finish(true);
        }
    }
}

use crate::span::Span;

impl Drop for SpanGuard {
    #[inline]
    fn drop(&mut self) {
        if let Some(active) = &mut self.active {
            if !active.ended {
                // The body never completed: its own panic was recorded where it was
                // caught; anything else (a dropped future, a panic elsewhere unwinding
                // through us) is a cancellation.
                active.finish(false);
            }
        }
    }
}

impl Active {
    fn start(callsite: &'static Callsite, args: impl FnOnce(&mut Start)) -> Active {
        let current = Context::current();
        let loaded = pipeline::load();
        let options = loaded.options();
        let inherited = current.get::<ReasonScope>().and_then(|r| r.capture);
        let mut start = Start::new(
            inherited.unwrap_or_else(|| options.capture()),
            options.max_content_length,
        );
        args(&mut start);
        let flow = complete(callsite, &mut start, &current, options);
        let capture = start.capture;
        let capture_override = start.capture_override;
        let resume = start.resume.take();
        let mut parent = start.remote_parent.take().unwrap_or(current);
        let mut builder = builder(callsite, start, options);
        if let Some(checkpoint) = &resume {
            if options.naming == SpanNaming::Crux {
                builder.name = Cow::Borrowed("crux.flow.resume");
            }
            builder = builder.with_links(vec![crate::flow::link_to(checkpoint, "resume")]);
            if options.resume_mode == ResumeMode::Continue {
                parent = parent.with_remote_span_context(checkpoint.span_context().clone());
            }
        }
        let name = builder.name.clone();
        // Scopes that children read (step id, composition id, corpus identity) copy what
        // they need from the start attributes; only those kinds pay for the copy.
        let span_attrs: Vec<KeyValue> = match callsite.kind {
            Kind::FlowStep | Kind::Composition | Kind::CorpusSync | Kind::Run | Kind::Judge => {
                builder.attributes.clone().unwrap_or_default()
            }
            _ => Vec::new(),
        };
        let tool_call = (callsite.kind == Kind::Tool)
            .then(|| {
                let reason = parent.get::<ReasonScope>()?;
                let attr = |k: &str| {
                    builder
                        .attributes
                        .as_ref()
                        .and_then(|a| a.iter().find(|kv| kv.key.as_str() == k))
                        .map(|kv| kv.value.as_str().into_owned())
                        .unwrap_or_default()
                };
                Some(reason.tool_started(
                    &attr(key::GEN_AI_TOOL_NAME),
                    &attr(key::GEN_AI_TOOL_CALL_ID),
                ))
            })
            .flatten();
        let parent_for_judge = parent.clone();
        let span_cx = loaded.start(builder, &parent);
        let span_id = span_cx.span().span_context().span_id();
        let mut cx = span_cx.clone();
        let attr = |k: &str| {
            span_attrs
                .iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.clone())
        };
        let text = |k: &str| attr(k).map(|v| v.as_str().into_owned());
        match callsite.kind {
            Kind::Flow => {
                if let Some((id, name)) = flow {
                    let enclosing = parent_for_judge.get::<FlowScope>().map(|f| f.cost.clone());
                    cx = cx.with_value(FlowScope {
                        id: id.into(),
                        name: name.into(),
                        span: span_cx.clone(),
                        cost: crate::cost::CostTotal::child_of(enclosing),
                    });
                }
            }
            Kind::FlowStep => {
                if let Some(id) = text(key::CRUX_STEP_ID) {
                    cx = cx.with_value(crate::flow::StepScope { id: id.into() });
                }
            }
            Kind::Composition => {
                cx = cx.with_value(crate::composition::CompositionScope {
                    id: text(key::CRUX_COMPOSITION_ID).unwrap_or_default().into(),
                    state: Arc::default(),
                });
            }
            Kind::CorpusSync => {
                cx = cx.with_value(crate::corpus::CorpusScope {
                    id: text(key::CRUX_CORPUS_ID),
                    namespace_hash: text(key::CRUX_CORPUS_NAMESPACE_HASH),
                    dry_run: match attr(key::CRUX_CORPUS_DRY_RUN) {
                        Some(Value::Bool(b)) => Some(b),
                        _ => None,
                    },
                    counts: Arc::default(),
                });
            }
            Kind::Run => cx = cx.with_value(RunScope::new(text(key::SESSION_ID))),
            Kind::UseReason => {
                cx = cx.with_value(ReasonScope::new(span_cx.clone(), capture_override))
            }
            // An embedding call reports usage and cost the way a model call does.
            Kind::Generate | Kind::Embedding => {
                cx = cx.with_value(GenerateScope::new(
                    span_id,
                    capture,
                    options.max_content_length,
                ))
            }
            _ => {}
        }
        if options.hooks.map_attributes.is_some() {
            cx = cx.with_value(SpanBuffer::new(span_id));
        }
        if let Some(on_start) = &options.hooks.on_start {
            on_start(&info(&name, &span_cx));
        }
        Active {
            cx,
            kind: callsite.kind,
            name,
            ended: false,
            panicked: AtomicBool::new(false),
            errored: AtomicBool::new(false),
            error_chars: AtomicUsize::new(0),
            hooks: options.hooks.clone(),
            capture,
            cap: options.max_content_length,
            tool_call,
            output_kind: AtomicU8::new(0),
            output_size: AtomicUsize::new(0),
            output_model_size: AtomicUsize::new(usize::MAX),
            output_result: OnceLock::new(),
            judged: (callsite.kind == Kind::Judge).then(|| {
                (
                    parent_for_judge.clone(),
                    text(key::CRUX_JUDGE_METRIC).unwrap_or_default(),
                )
            }),
            score: OnceLock::new(),
        }
    }

    fn record_panic(&self, payload: &(dyn std::any::Any + Send)) {
        self.panicked.store(true, Ordering::Relaxed);
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".to_owned());
        self.record_error("panic".to_owned(), message);
    }

    fn record_error(&self, error_type: String, message: String) {
        self.errored.store(true, Ordering::Relaxed);
        self.error_chars
            .store(message.chars().count(), Ordering::Relaxed);
        // The error phase sees the message too, so a hook can redact what the status
        // description and the exception event will say.
        let mut attrs = vec![
            KeyValue::new(key::ERROR_TYPE, error_type),
            KeyValue::new(key::EXCEPTION_MESSAGE, message),
        ];
        self.hooks.map(Phase::Error, &self.name, &mut attrs);
        let take = |attrs: &mut Vec<KeyValue>, k: &str| {
            attrs
                .iter()
                .position(|kv| kv.key.as_str() == k)
                .map(|i| attrs.remove(i).value.as_str().into_owned())
        };
        let message = take(&mut attrs, key::EXCEPTION_MESSAGE).unwrap_or_default();
        let error_type = attrs
            .iter()
            .find(|kv| kv.key.as_str() == key::ERROR_TYPE)
            .map(|kv| kv.value.as_str().into_owned())
            .unwrap_or_default();
        let span = self.cx.span();
        span.set_attributes(attrs);
        Span::from_context(self.cx.clone()).add_event(
            "exception",
            vec![
                KeyValue::new(key::EXCEPTION_TYPE, error_type),
                KeyValue::new(key::EXCEPTION_MESSAGE, message.clone()),
            ],
        );
        span.set_status(Status::error(message));
    }

    /// Ends the span: `completed` is false when the body never finished.
    fn finish(&mut self, completed: bool) {
        self.ended = true;
        let panicked = self.panicked.load(Ordering::Relaxed);
        let errored = self.errored.load(Ordering::Relaxed);
        let mut end: Vec<KeyValue> = match self.hooks.map_attributes {
            Some(_) => self
                .cx
                .get::<SpanBuffer>()
                .map(SpanBuffer::take)
                .unwrap_or_default(),
            None => Vec::new(),
        };
        if !completed && !panicked {
            end.push(KeyValue::new(key::CRUX_CANCELLED, true));
        }
        match self.kind {
            Kind::Generate => {
                if let Some(generate) = self.cx.get::<GenerateScope>() {
                    let report = generate.take_report();
                    if let Some(cost) = report.cost {
                        crate::cost::add(&self.cx, cost, crate::cost::CostSource::Actual);
                    }
                    if let Some(reason) = self.cx.get::<ReasonScope>() {
                        reason.pass_ended(report);
                    }
                }
            }
            // Its cost feeds the flow's total; its usage is not a reasoning pass.
            Kind::Embedding => {
                if let Some(cost) = self
                    .cx
                    .get::<GenerateScope>()
                    .and_then(|g| g.take_report().cost)
                {
                    crate::cost::add(&self.cx, cost, crate::cost::CostSource::Actual);
                }
            }
            Kind::Flow => {
                if let Some(total) = self.cx.get::<FlowScope>().and_then(|f| f.cost.total()) {
                    end.push(KeyValue::new(key::CRUX_COST_TOTAL, total));
                }
            }
            Kind::Composition => {
                if let Some(scope) = self.cx.get::<crate::composition::CompositionScope>() {
                    end.extend(scope.state.end_attributes());
                }
            }
            Kind::CorpusSync => {
                if let Some(scope) = self.cx.get::<crate::corpus::CorpusScope>() {
                    let (counts, failure) = scope.end();
                    end.extend(counts);
                    if let Some(message) = failure {
                        self.cx.span().set_status(Status::error(message));
                    }
                }
            }
            Kind::Judge => {
                if let (Some(score), Some((parent, metric))) = (self.score.get(), &self.judged) {
                    end.push(KeyValue::new(key::CRUX_JUDGE_SCORE, *score));
                    crate::judge::evaluation_event(parent, metric, *score);
                }
            }
            Kind::UseReason => {
                if let Some(reason) = self.cx.get::<ReasonScope>() {
                    end.extend(reason.end_attributes());
                }
            }
            Kind::Run
                if self
                    .cx
                    .get::<RunScope>()
                    .is_some_and(RunScope::awaiting_human_input) =>
            {
                end.push(KeyValue::new(key::CRUX_RUN_AWAITING_HUMAN_INPUT, true));
            }
            Kind::Tool => self.tool_metadata(&mut end, errored),
            _ => {}
        }
        if let Some(call) = &self.tool_call {
            call.finished(completed && !panicked, errored);
        }
        self.hooks.map(Phase::End, &self.name, &mut end);
        let span = self.cx.span();
        if !end.is_empty() {
            span.set_attributes(end);
        }
        if let Some(on_end) = &self.hooks.on_end {
            on_end(&info(&self.name, &self.cx));
        }
        span.end();
    }

    /// `crux.tool.model_output.type`, the sizes and the savings estimate; the result
    /// itself only with output capture.
    fn tool_metadata(&self, end: &mut Vec<KeyValue>, errored: bool) {
        let declared = self.output_kind.load(Ordering::Relaxed);
        let (kind, size) = match (declared, errored) {
            // A declared error output wins over the generic error text.
            (4 | 5, _) | (_, false) if declared != 0 => (
                crate::tool_output::kind_name(declared),
                self.output_size.load(Ordering::Relaxed),
            ),
            (_, true) => ("error-text", self.error_chars.load(Ordering::Relaxed)),
            _ => return,
        };
        let model_size = match self.output_model_size.load(Ordering::Relaxed) {
            usize::MAX => size,
            declared => declared,
        };
        let as_i64 = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        end.push(KeyValue::new(key::CRUX_TOOL_MODEL_OUTPUT_TYPE, kind));
        end.push(KeyValue::new(key::CRUX_TOOL_OUTPUT_SIZE, as_i64(size)));
        end.push(KeyValue::new(
            key::CRUX_TOOL_MODEL_OUTPUT_SIZE,
            as_i64(model_size),
        ));
        end.push(KeyValue::new(
            key::CRUX_TOOL_TOKEN_SAVINGS_ESTIMATE,
            as_i64(size.saturating_sub(model_size)),
        ));
        if let Some(result) = self.output_result.get() {
            end.push(KeyValue::new(key::GEN_AI_TOOL_CALL_RESULT, result.clone()));
        }
    }
}

fn info<'a>(name: &'a str, cx: &Context) -> SpanInfo<'a> {
    let sc = cx.span().span_context().clone();
    SpanInfo {
        name,
        trace_id: sc.trace_id().to_string(),
        span_id: sc.span_id().to_string(),
    }
}

/// Fills what the span contract derives rather than the user gives: defaults, generated
/// ids, mirrored keys, values found in the context. Returns a flow's (id, name).
fn complete(
    callsite: &'static Callsite,
    start: &mut Start,
    parent: &Context,
    options: &Options,
) -> Option<(String, String)> {
    if !start.tags.is_empty() {
        let tags = std::mem::take(&mut start.tags);
        start.set(key::CRUX_TRACE_TAGS, &tags);
    }
    match callsite.kind {
        Kind::Flow => {
            if let Some(checkpoint) = start.resume.clone() {
                // A resumed flow keeps its identity: the id is the checkpoint's.
                start.set(key::CRUX_FLOW_ID, checkpoint.flow_id());
                if !start.has(key::CRUX_FLOW_NAME) {
                    start.set(key::CRUX_FLOW_NAME, checkpoint.flow_name());
                }
                start.set(key::CRUX_FLOW_SUSPEND_POINT, checkpoint.suspend_point());
                let waited = crate::flow::unix_millis() - checkpoint.suspended_at_ms();
                start.set(key::CRUX_FLOW_SUSPENDED_MS, &waited.max(0));
            }
            start.default_static(key::CRUX_FLOW_NAME, callsite.label);
            start.default_id(key::CRUX_FLOW_ID, "flow_");
            if let Some(enclosing) = parent.get::<FlowScope>() {
                start.set(key::CRUX_FLOW_PARENT_ID, &*enclosing.id);
            }
            start.set(key::CRUX_FLOW_STARTED_AT, &crate::flow::unix_millis());
            start.set_static(key::GEN_AI_OPERATION_NAME, "invoke_workflow");
            start.mirror(key::CRUX_FLOW_NAME, key::GEN_AI_WORKFLOW_NAME);
            Some((
                start.string(key::CRUX_FLOW_ID).unwrap_or_default(),
                start.string(key::CRUX_FLOW_NAME).unwrap_or_default(),
            ))
        }
        Kind::FlowStep => {
            if let Some(flow) = parent.get::<FlowScope>() {
                start.set(key::CRUX_FLOW_ID, &*flow.id);
            }
            start.default_id(key::CRUX_STEP_ID, "step_");
            start.default_static(key::CRUX_STEP_LABEL, callsite.label);
            start.set_static(key::CODE_FUNCTION_NAME, callsite.function);
            start.set_static(key::CODE_FILE_PATH, callsite.file);
            start.set(key::CODE_LINE_NUMBER, &callsite.line);
            None
        }
        Kind::Tool => {
            start.set_static(key::CRUX_TOOL_NAME, callsite.label);
            start.default_id(key::CRUX_TOOL_CALL_ID, "call_");
            start.set_static(key::GEN_AI_OPERATION_NAME, "execute_tool");
            start.set_static(key::GEN_AI_TOOL_NAME, callsite.label);
            start.mirror(key::CRUX_TOOL_CALL_ID, key::GEN_AI_TOOL_CALL_ID);
            start.set_static(key::GEN_AI_TOOL_TYPE, "function");
            if let Some(doc) = callsite.doc {
                start.default_static(key::GEN_AI_TOOL_DESCRIPTION, doc);
            }
            None
        }
        Kind::Delegate => {
            start.default_id(key::CRUX_DELEGATE_ID, "delegate_");
            None
        }
        Kind::Generate => {
            start.default_static(key::GEN_AI_OPERATION_NAME, "chat");
            start.mirror(key::GEN_AI_PROVIDER_NAME, key::GEN_AI_SYSTEM);
            None
        }
        Kind::Run => {
            start.default_id(key::CRUX_RUN_ID, "run_");
            start.set_static(key::GEN_AI_OPERATION_NAME, "invoke_agent");
            start.default_static(key::GEN_AI_AGENT_NAME, callsite.label);
            // The conversation id comes only from a real session id, never invented.
            start.mirror(key::SESSION_ID, key::GEN_AI_CONVERSATION_ID);
            start.mirror(key::SESSION_ID, key::CRUX_SESSION_ID);
            None
        }
        Kind::Composition => {
            start.default_id(key::CRUX_COMPOSITION_ID, "comp_");
            start.set_static(key::CRUX_COMPOSITION_KIND, callsite.label);
            None
        }
        Kind::Memory => {
            start.default_static(key::CRUX_MEMORY_OPERATION, callsite.label);
            None
        }
        Kind::Embedding => {
            start.default_static(key::CRUX_EMBEDDING_NAME, callsite.label);
            start.set_static(key::GEN_AI_OPERATION_NAME, "embeddings");
            start.mirror(key::GEN_AI_PROVIDER_NAME, key::GEN_AI_SYSTEM);
            start.mirror(
                key::CRUX_EMBEDDING_DIMENSIONS,
                key::GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
            );
            None
        }
        Kind::Retrieval => {
            start.default_static(key::CRUX_RETRIEVER_ID, callsite.label);
            start.set_static(key::GEN_AI_OPERATION_NAME, "retrieval");
            start.mirror(key::CRUX_RETRIEVER_ID, key::GEN_AI_DATA_SOURCE_ID);
            start.mirror(key::CRUX_RETRIEVAL_LIMIT, key::GEN_AI_RETRIEVAL_TOP_K);
            None
        }
        Kind::Indexing => {
            start.default_static(key::CRUX_INDEXER_ID, callsite.label);
            None
        }
        Kind::Ingest => {
            start.default_static(key::CRUX_INGEST_PARSER, callsite.label);
            None
        }
        Kind::CorpusSync | Kind::Compact | Kind::Judge => None,
        Kind::UseReason => {
            start.default_static(key::GEN_AI_OPERATION_NAME, "chat");
            if let Some(prompt) = start.prompt.take() {
                record_prompt(start, prompt, options);
            }
            None
        }
    }
}

fn record_prompt(start: &mut Start, prompt: RecordedPrompt, options: &Options) {
    let id = &prompt.identity;
    for (keys, value) in [
        (
            &[key::GEN_AI_PROMPT_NAME, key::CRUX_PROMPT_NAME][..],
            &id.name,
        ),
        (
            &[key::GEN_AI_PROMPT_VERSION, key::CRUX_PROMPT_VERSION][..],
            &id.version,
        ),
        (&[key::CRUX_PROMPT_TYPE][..], &id.kind),
        (&[key::CRUX_PROMPT_SOURCE][..], &id.source),
        (&[key::CRUX_PROMPT_ID][..], &id.id),
    ] {
        if let Some(v) = value {
            for k in keys {
                start.set(k, v.as_str());
            }
        }
    }
    if let Some(map) = &options.hooks.map_prompt_metadata {
        for kv in map(id) {
            start.set_dynamic(kv.key, &kv.value);
        }
    }
    for kv in prompt.attributes {
        start.set_dynamic(kv.key, &kv.value);
    }
    if start.capture.input {
        for (name, value) in prompt.variables {
            let (text, cut) = content::capped_text(&value.as_str(), start.cap);
            start.truncated |= cut;
            start.set_dynamic(
                format!("{}{name}", key::GEN_AI_PROMPT_VARIABLE),
                text.as_str(),
            );
        }
    }
}

fn builder(callsite: &'static Callsite, mut start: Start, options: &Options) -> SpanBuilder {
    if start.truncated {
        start.set(key::CRUX_TRUNCATED, &true);
    }
    let name: Cow<'static, str> = match options.naming {
        SpanNaming::Crux => Cow::Borrowed(callsite.name),
        SpanNaming::GenAi => genai_name(callsite, &start),
    };
    let mut attrs = start.attrs;
    options.start_attributes(&name, &mut attrs);
    SpanBuilder::from_name(name)
        .with_kind(callsite.kind.span_kind())
        .with_attributes(attrs)
}

fn genai_name(callsite: &'static Callsite, start: &Start) -> Cow<'static, str> {
    let value = |k: &str| start.string(k).unwrap_or_default();
    let joined = |op: String, what: String| -> Cow<'static, str> {
        if what.is_empty() {
            op.into()
        } else {
            format!("{op} {what}").into()
        }
    };
    match callsite.kind {
        Kind::Flow => joined("invoke_workflow".into(), value(key::CRUX_FLOW_NAME)),
        Kind::Tool => joined("execute_tool".into(), callsite.label.into()),
        Kind::Run => joined("invoke_agent".into(), value(key::GEN_AI_AGENT_NAME)),
        Kind::Generate | Kind::UseReason | Kind::Embedding => joined(
            value(key::GEN_AI_OPERATION_NAME),
            value(key::GEN_AI_REQUEST_MODEL),
        ),
        Kind::Retrieval => joined("retrieval".into(), value(key::GEN_AI_DATA_SOURCE_ID)),
        _ => Cow::Borrowed(callsite.name),
    }
}

pin_project_lite::pin_project! {
    /// A future run with a crux span current on every poll; see [`SpanGuard::instrument`].
    #[derive(Debug)]
    pub struct Instrumented<'a, F> {
        guard: &'a SpanGuard,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for Instrumented<'_, F> {
    type Output = F::Output;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match &this.guard.active {
            None => this.future.poll(cx),
            Some(active) => {
                let _attached = active.cx.clone().attach();
                let future = this.future;
                match catch_unwind(AssertUnwindSafe(|| future.poll(cx))) {
                    Ok(poll) => poll,
                    Err(payload) => {
                        active.record_panic(&*payload);
                        resume_unwind(payload)
                    }
                }
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// A stream whose span stays open until it is exhausted or dropped, recording the
    /// time to its first item (`gen_ai.response.time_to_first_chunk`).
    #[derive(Debug)]
    pub struct InstrumentedStream<S> {
        guard: Option<SpanGuard>,
        started: Instant,
        first_seen: bool,
        #[pin]
        stream: S,
    }
}

impl<S> InstrumentedStream<S> {
    /// Hands `guard` to `stream`: the span ends with the stream.
    pub fn new(guard: SpanGuard, stream: S) -> InstrumentedStream<S> {
        InstrumentedStream {
            guard: Some(guard),
            started: Instant::now(),
            first_seen: false,
            stream,
        }
    }
}

impl<S: futures_core::Stream> futures_core::Stream for InstrumentedStream<S> {
    type Item = S::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<Option<S::Item>> {
        let this = self.project();
        let Some(active) = this.guard.as_ref().and_then(|g| g.active.as_ref()) else {
            return this.stream.poll_next(cx);
        };
        let polled = {
            let _attached = active.cx.clone().attach();
            let stream = this.stream;
            match catch_unwind(AssertUnwindSafe(|| stream.poll_next(cx))) {
                Ok(poll) => poll,
                Err(payload) => {
                    active.record_panic(&*payload);
                    resume_unwind(payload)
                }
            }
        };
        match &polled {
            Poll::Ready(Some(_)) if !*this.first_seen => {
                *this.first_seen = true;
                Span::from_context(active.cx.clone()).set_attribute(
                    key::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                    &this.started.elapsed().as_secs_f64(),
                );
            }
            Poll::Ready(None) => {
                if let Some(guard) = this.guard.take() {
                    guard.end();
                }
            }
            _ => {}
        }
        polled
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_guards_and_scopes_cross_threads() {
        // Compiles only if the wrapped futures can stay `Send`.
        fn check<T: Send + Sync>() {}
        check::<SpanGuard>();
        check::<Arc<ReasonScope>>();
    }
}
