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
use crate::flow::{FlowScope, ResumeMode};
use crate::pipeline::{self, Options, SpanNaming};
use crate::propagation::RemoteParent;
use crate::value::{AttrValue, BoolAttr, DoubleAttr, IntAttr, StrArrayAttr, StrAttr};
use opentelemetry::trace::{SpanBuilder, Status, TraceContextExt};
use opentelemetry::{Context, KeyValue, StringValue, Value};
use std::borrow::Cow;
use std::future::Future;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;
use std::time::Instant;

/// The attributes of a span about to start, filled by the macro's argument closure.
#[derive(Debug, Default)]
pub struct Start {
    attrs: Vec<KeyValue>,
    resume: Option<Checkpoint>,
    remote_parent: Option<Context>,
}

impl Start {
    /// Records `value` under `key`; a `None` value leaves the key out.
    pub fn set<V: AttrValue + ?Sized>(&mut self, key: &'static str, value: &V) {
        if let Some(v) = value.to_value() {
            self.put(key, v);
        }
    }

    /// Records a string literal without copying it.
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

    /// The remote parent (`parent = headers`); without a valid one, the caller's context.
    pub fn parent<P: RemoteParent + ?Sized>(&mut self, parent: &P) {
        self.remote_parent = parent.remote_context();
    }

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

    fn mirror(&mut self, from: &'static str, to: &'static str) {
        if let (Some(v), false) = (self.get(from).cloned(), self.has(to)) {
            self.put(to, v);
        }
    }
}

/// The span of one call of an annotated function.
#[derive(Debug)]
pub struct SpanGuard {
    active: Option<Active>,
}

#[derive(Debug)]
struct Active {
    cx: Context,
    ended: bool,
    panicked: AtomicBool,
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
            active: Some(Active::start(callsite, args)),
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

    /// Sets an attribute on the span.
    pub fn set_attribute<V: AttrValue + ?Sized>(&self, key: &'static str, value: &V) {
        if let (Some(active), Some(v)) = (&self.active, value.to_value()) {
            active.cx.span().set_attribute(KeyValue::new(key, v));
        }
    }

    /// Ends the span: the body completed (successfully or with an `Err` already recorded).
    #[inline]
    pub fn end(mut self) {
        if let Some(active) = &mut self.active {
            active.ended = true;
            active.cx.span().end();
        }
    }
}

impl Drop for SpanGuard {
    fn drop(&mut self) {
        let Some(active) = &mut self.active else {
            return;
        };
        if active.ended {
            return;
        }
        // The body never completed. Its own panic was recorded where it was caught;
        // anything else (a dropped future, a panic elsewhere unwinding through us) is a
        // cancellation.
        if !active.panicked.load(Ordering::Relaxed) {
            active
                .cx
                .span()
                .set_attribute(KeyValue::new(key::CRUX_CANCELLED, true));
        }
        active.ended = true;
        active.cx.span().end();
    }
}

impl Active {
    fn start(callsite: &'static Callsite, args: impl FnOnce(&mut Start)) -> Active {
        let current = Context::current();
        let mut start = Start {
            attrs: Vec::with_capacity(12),
            resume: None,
            remote_parent: None,
        };
        args(&mut start);
        let flow = complete(callsite, &mut start, &current);
        let resume = start.resume.take();
        let remote_parent = start.remote_parent.take();
        let span_cx = pipeline::start_span(|options| {
            let mut builder = builder(callsite, start, options);
            let mut parent = remote_parent.unwrap_or(current);
            if let Some(checkpoint) = &resume {
                if options.naming == SpanNaming::Crux {
                    builder.name = Cow::Borrowed("crux.flow.resume");
                }
                builder = builder.with_links(vec![crate::flow::link_to(checkpoint, "resume")]);
                if options.resume_mode == ResumeMode::Continue {
                    parent = parent.with_remote_span_context(checkpoint.span_context().clone());
                }
            }
            (builder, parent)
        });
        let cx = match flow {
            Some((id, name)) => span_cx.with_value(FlowScope {
                id: id.into(),
                name: name.into(),
                span: span_cx.clone(),
            }),
            None => span_cx,
        };
        Active {
            cx,
            ended: false,
            panicked: AtomicBool::new(false),
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
        let span = self.cx.span();
        span.set_attribute(KeyValue::new(key::ERROR_TYPE, error_type.clone()));
        span.add_event(
            "exception",
            vec![
                KeyValue::new(key::EXCEPTION_TYPE, error_type),
                KeyValue::new(key::EXCEPTION_MESSAGE, message.clone()),
            ],
        );
        span.set_status(Status::error(message));
    }
}

/// Fills what the span contract derives rather than the user gives: defaults, generated
/// ids, mirrored keys, values found in the context. Returns the scope a flow opens.
fn complete(
    callsite: &'static Callsite,
    start: &mut Start,
    parent: &Context,
) -> Option<(String, String)> {
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
            if !start.has(key::CRUX_FLOW_NAME) {
                start.set_static(key::CRUX_FLOW_NAME, callsite.label);
            }
            if !start.has(key::CRUX_FLOW_ID) {
                start.set(key::CRUX_FLOW_ID, &crate::ids::new_id("flow_"));
            }
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
            if !start.has(key::CRUX_STEP_ID) {
                start.set(key::CRUX_STEP_ID, &crate::ids::new_id("step_"));
            }
            if !start.has(key::CRUX_STEP_LABEL) {
                start.set_static(key::CRUX_STEP_LABEL, callsite.label);
            }
            start.set_static(key::CODE_FUNCTION_NAME, callsite.function);
            start.set_static(key::CODE_FILE_PATH, callsite.file);
            start.set(key::CODE_LINE_NUMBER, &callsite.line);
            None
        }
        Kind::Tool => {
            start.set_static(key::CRUX_TOOL_NAME, callsite.label);
            if !start.has(key::CRUX_TOOL_CALL_ID) {
                start.set(key::CRUX_TOOL_CALL_ID, &crate::ids::new_id("call_"));
            }
            start.set_static(key::GEN_AI_OPERATION_NAME, "execute_tool");
            start.set_static(key::GEN_AI_TOOL_NAME, callsite.label);
            start.mirror(key::CRUX_TOOL_CALL_ID, key::GEN_AI_TOOL_CALL_ID);
            start.set_static(key::GEN_AI_TOOL_TYPE, "function");
            if let (false, Some(doc)) = (start.has(key::GEN_AI_TOOL_DESCRIPTION), callsite.doc) {
                start.set_static(key::GEN_AI_TOOL_DESCRIPTION, doc);
            }
            None
        }
        Kind::Delegate => {
            if !start.has(key::CRUX_DELEGATE_ID) {
                start.set(key::CRUX_DELEGATE_ID, &crate::ids::new_id("delegate_"));
            }
            None
        }
        Kind::Generate => {
            if !start.has(key::GEN_AI_OPERATION_NAME) {
                start.set_static(key::GEN_AI_OPERATION_NAME, "chat");
            }
            start.mirror(key::GEN_AI_PROVIDER_NAME, key::GEN_AI_SYSTEM);
            None
        }
    }
}

fn builder(callsite: &'static Callsite, start: Start, options: &Options) -> SpanBuilder {
    let name: Cow<'static, str> = match options.naming {
        SpanNaming::Crux => Cow::Borrowed(callsite.name),
        SpanNaming::GenAi => genai_name(callsite, &start),
    };
    let mut attrs = start.attrs;
    attrs.extend(options.attributes.iter().cloned());
    SpanBuilder::from_name(name)
        .with_kind(callsite.kind.span_kind())
        .with_attributes(attrs)
}

fn genai_name(callsite: &'static Callsite, start: &Start) -> Cow<'static, str> {
    let value = |k: &str| start.string(k).unwrap_or_default();
    match callsite.kind {
        Kind::Flow => format!("invoke_workflow {}", value(key::CRUX_FLOW_NAME)).into(),
        Kind::Tool => format!("execute_tool {}", callsite.label).into(),
        Kind::Generate => format!(
            "{} {}",
            value(key::GEN_AI_OPERATION_NAME),
            value(key::GEN_AI_REQUEST_MODEL)
        )
        .trim_end()
        .to_owned()
        .into(),
        Kind::FlowStep | Kind::Delegate => Cow::Borrowed(callsite.name),
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
                active.cx.span().set_attribute(KeyValue::new(
                    key::GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
                    this.started.elapsed().as_secs_f64(),
                ));
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
