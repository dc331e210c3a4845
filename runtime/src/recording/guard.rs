//! The per-call span: started from a [`Callsite`], kept current while the body runs,
//! ended with the body's outcome.
//!
//! A [`SpanGuard`] is a local of the generated code. It is cheap when telemetry is off
//! (`None` inside, every method a branch), it never holds a context guard across an
//! `.await` (futures re-attach the context on every poll), and if it is dropped before
//! [`SpanGuard::end`] ran the body never finished: the span ends marked cancelled.

use super::dispatch::{self, Capture, Ending, Family, Next};
use super::start::Start;
use crate::attributes as key;
use crate::core::attrs::{empty_for_reuse, AttrList};
use crate::core::callsite::{self, Callsite};
use crate::core::hooks::Hooks;
use crate::core::io::{self, Side};
use crate::core::pipeline::{self, Held, SpanNaming};
use crate::core::span::{end_span, span_info, EndPath, Span, SpanBuffer};
use crate::core::value::AttrValue;
use crate::families::flow;
use crate::families::reason;
use opentelemetry::trace::{SpanBuilder, TraceContextExt};
use opentelemetry::{Context, ContextGuard, KeyValue};
use std::borrow::Cow;
use std::cell::Cell;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

/// The span of one call of an annotated function.
///
/// One pointer wide, so that with telemetry off the generated code moves a single null
/// word around.
#[derive(Debug)]
pub struct SpanGuard {
    active: Option<Box<Active>>,
}

/// A recording span: what every kind has, and its family's own state.
#[derive(Debug)]
pub(super) struct Active {
    pub(super) cx: Context,
    name: Cow<'static, str>,
    ended: bool,
    panicked: AtomicBool,
    errored: AtomicBool,
    /// The first recorded error's `error.type`, for the metrics.
    error_type: std::sync::OnceLock<String>,
    /// The pipeline the span started in: its hooks run at the span's end.
    pipeline: Held,
    pub(super) capture: Capture,
    pub(super) family: Family,
}

impl SpanGuard {
    /// Starts the span of `callsite` under the current context. `args` records the
    /// macro's arguments; it runs only when telemetry is on.
    ///
    /// Not generic, so that an annotated function instantiates nothing of the runtime
    /// (the argument closure comes as `&mut dyn FnMut`); inlined, so that with telemetry
    /// off the call is one load and a branch.
    #[inline]
    pub fn start(callsite: &'static Callsite, args: &mut dyn FnMut(&mut Start)) -> SpanGuard {
        if !pipeline::enabled() {
            return SpanGuard { active: None };
        }
        SpanGuard::start_recording(callsite, args)
    }

    /// Starts a recording span: the body of [`SpanGuard::start`], compiled once.
    fn start_recording(callsite: &'static Callsite, args: &mut dyn FnMut(&mut Start)) -> SpanGuard {
        let mut active = kept_box();
        active.start(callsite, args);
        SpanGuard {
            active: Some(active),
        }
    }

    /// Whether this call is being recorded.
    #[inline]
    pub fn is_recording(&self) -> bool {
        self.active.is_some()
    }

    /// The recording span, if this call is recorded.
    #[inline]
    pub(super) fn active(&self) -> Option<&Active> {
        self.active.as_deref()
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
            Some(active) => active.run(body),
        }
    }

    /// Records an error outcome: status Error, `error.type`, an `exception` event.
    pub fn record_error(&self, error_type: &str, message: &str) {
        if let Some(active) = &self.active {
            active.record_error(error_type, message);
        }
    }

    /// Sets an attribute on the span.
    pub fn set_attribute<V: AttrValue + ?Sized>(&self, key: &'static str, value: &V) {
        if let Some(active) = &self.active {
            Span::from_context(active.cx.clone()).set_attribute(key, value);
        }
    }

    /// Records a run's or flow's value as its `output.value` (what backends show as the
    /// trace's response), only with output capture on.
    pub(super) fn record_output_value<T: serde::Serialize + ?Sized>(&self, value: &T) {
        let Some(active) = self.active().filter(|a| a.capture.content.output) else {
            return;
        };
        if let Ok(json) = serde_json::to_value(value) {
            let (mut attrs, cut) = io::attributes(Side::Output, &json, active.capture.cap);
            if cut {
                attrs.push(opentelemetry::KeyValue::new(key::CRUX_TRUNCATED, true));
            }
            Span::from_context(active.cx.clone()).put(attrs);
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

impl Drop for SpanGuard {
    /// Inline and empty for a guard that does not record: the recording state is taken
    /// out and dropped out of line, so the field's own drop glue is not called either.
    #[inline]
    fn drop(&mut self) {
        if let Some(active) = self.active.take() {
            Active::drop_recording(active);
        }
    }
}

impl Active {
    /// Ends the span if the body never completed (its own panic was recorded where it
    /// was caught; anything else, a dropped future or a panic elsewhere unwinding
    /// through us, is a cancellation), then frees the state.
    #[inline(never)]
    fn drop_recording(mut active: Box<Active>) {
        if !active.ended {
            active.finish(false);
        }
        *active = Active::vacant();
        give_back(active);
    }

    /// Nothing: what a kept box holds between two spans.
    fn vacant() -> Active {
        Active {
            cx: Context::new(),
            name: Cow::Borrowed(""),
            ended: true,
            panicked: AtomicBool::new(false),
            errored: AtomicBool::new(false),
            error_type: std::sync::OnceLock::new(),
            pipeline: Held::none(),
            capture: Capture {
                content: crate::core::content::CaptureContent::default(),
                overridden: None,
                cap: 0,
            },
            family: Family::Plain,
        }
    }
}

/// The most boxes a thread keeps for its next spans (nested spans each take one).
const MOST_KEPT_BOXES: usize = 32;

thread_local! {
    /// Boxes of this thread's ended spans, vacant, for the next ones: a recorded call
    /// then allocates no state of its own. The boxes are what is kept (a guard holds
    /// one), so a `Vec<Active>` would not do.
    #[allow(clippy::vec_box)]
    static KEPT_BOXES: Cell<Vec<Box<Active>>> = const { Cell::new(Vec::new()) };
}

/// A box for a span's state: one this thread kept, else a new one.
fn kept_box() -> Box<Active> {
    KEPT_BOXES
        .try_with(|spare| {
            let mut boxes = spare.take();
            let one = boxes.pop();
            spare.set(boxes);
            one
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Box::new(Active::vacant()))
}

/// Keeps a vacant box for this thread's next span.
fn give_back(vacant: Box<Active>) {
    let _ = KEPT_BOXES.try_with(|spare| {
        let mut boxes = spare.take();
        if boxes.len() < MOST_KEPT_BOXES {
            boxes.push(vacant);
        }
        spare.set(boxes);
    });
}

impl Active {
    /// Starts the span of `callsite` in this vacant state, field by field (the state is
    /// not built aside and moved in whole).
    fn start(&mut self, callsite: &'static Callsite, args: &mut dyn FnMut(&mut Start)) {
        let current = Context::current();
        // Held from the start: the options are the held pipeline's.
        self.pipeline = pipeline::hold();
        let options = self.pipeline.options();
        let mut start = Start::new(
            reason::inherited_capture(&current).unwrap_or_else(|| options.capture()),
            options.max_content_length,
        );
        args(&mut start);
        let at_export = self.pipeline.leaves_defaults_to_export();
        let left = dispatch::start_defaults(callsite, &mut start, &current, options, at_export);
        let capture = Capture {
            content: start.capture,
            overridden: start.capture_override,
            cap: options.max_content_length,
        };
        let resume = start.resume.take();
        let mut parent = start.remote_parent.take().unwrap_or(current);
        let attrs = start.take_attributes();
        let name: Cow<'static, str> = match options.naming {
            SpanNaming::Crux => Cow::Borrowed(callsite.name),
            SpanNaming::GenAi => dispatch::genai_name(callsite, &attrs),
            SpanNaming::Readable => readable_name(callsite, &attrs),
        };
        let mut attrs = attrs.into_vec();
        options.start_attributes(&name, &mut attrs);
        let attrs = AttrList::from_vec(attrs);
        // Written in its place at once: a family's state is bigger than a move is cheap.
        self.family = dispatch::open(
            callsite,
            &attrs,
            &parent,
            resume.as_ref(),
            options,
            self.pipeline.metrics().is_some(),
            left.is_some(),
        );
        // One literal, not the builder's chained methods: each of those moves the whole
        // builder.
        let mut builder = SpanBuilder {
            name,
            span_kind: Some(callsite::span_kind(callsite.kind)),
            attributes: Some(attrs.into_vec()),
            ..SpanBuilder::default()
        };
        if let Some(checkpoint) = &resume {
            flow::resume(checkpoint, &mut builder, &mut parent, options);
        }
        let name = builder.name.clone();
        let span_cx = self.pipeline.start(builder, &parent, left);
        let span_id = span_cx.span().span_context().span_id();
        // The span's context moves into the family's (no family replaces the span, so
        // the start hook reads it there).
        let mut cx = dispatch::enter(&self.family, span_cx, span_id, &parent, &name, capture);
        if options.hooks.map_attributes.is_some() {
            cx = cx.with_value(SpanBuffer::new(span_id));
        }
        if options.hooks.on_start.is_some() {
            options.hooks.started(&span_info(&name, &cx));
        }
        self.cx = cx;
        self.name = name;
        self.ended = false;
        self.panicked = AtomicBool::new(false);
        self.errored = AtomicBool::new(false);
        self.error_type = std::sync::OnceLock::new();
        self.capture = capture;
    }

    /// Runs `body` with the span current; a panic is recorded and keeps unwinding.
    ///
    /// Instantiated per body (a function's, or each poll of its future): only the
    /// `catch_unwind` is generic, attaching and recording are calls.
    #[inline]
    pub(super) fn run<R>(&self, body: impl FnOnce() -> R) -> R {
        let _attached = self.attach();
        match catch_unwind(AssertUnwindSafe(body)) {
            Ok(out) => out,
            Err(payload) => self.unwind(payload),
        }
    }

    /// Makes the span's context current until the guard drops.
    fn attach(&self) -> ContextGuard {
        self.cx.clone().attach()
    }

    /// Records the panic that `payload` carries, and lets it unwind on.
    fn unwind(&self, payload: Box<dyn std::any::Any + Send>) -> ! {
        self.record_panic(&*payload);
        resume_unwind(payload)
    }

    fn record_panic(&self, payload: &(dyn std::any::Any + Send)) {
        self.panicked.store(true, Ordering::Relaxed);
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic with a non-string payload".to_owned());
        self.record_error("panic", &message);
    }

    pub(super) fn record_error(&self, error_type: &str, message: &str) {
        self.errored.store(true, Ordering::Relaxed);
        let _ = self.error_type.set(error_type.to_owned());
        dispatch::error(&self.family, message);
        Span::from_context(self.cx.clone()).record_error(
            self.hooks(),
            &self.name,
            error_type,
            message,
        );
    }

    fn hooks(&self) -> &Hooks {
        &self.pipeline.options().hooks
    }

    /// Ends the span: `completed` is false when the body never finished.
    fn finish(&mut self, completed: bool) {
        self.ended = true;
        let panicked = self.panicked.load(Ordering::Relaxed);
        let errored = self.errored.load(Ordering::Relaxed);
        let hooks = &self.pipeline.options().hooks;
        // The end attributes are assembled in this thread's buffer and moved onto the
        // span from there, so a span's end allocates no list of its own.
        let mut end = AttrList::from_vec(take_end_buffer());
        if hooks.map_attributes.is_some() {
            if let Some(buffer) = self.cx.get::<SpanBuffer>() {
                end.extend(buffer.take());
            }
        }
        if !completed && !panicked {
            end.push(key::CRUX_CANCELLED, true);
        }
        let ending = Ending {
            returned: completed && !panicked,
            errored,
            error_type: self.error_type.get().map(String::as_str),
            pipeline: &self.pipeline,
        };
        if let Next::End(left_end) = dispatch::end(&self.family, &self.cx, &mut end, ending) {
            let path = if self.pipeline.records_itself() {
                EndPath::Recorder
            } else {
                EndPath::SpanApi
            };
            let end = end.into_vec();
            return_end_buffer(end_span(&self.cx, path, hooks, &self.name, end, left_end));
        }
    }
}

thread_local! {
    /// The end-attribute list each thread reuses (empty between spans).
    static END_BUFFER: Cell<Vec<KeyValue>> = const { Cell::new(Vec::new()) };
}

/// This thread's end-attribute buffer, empty (a new one while another span's end holds
/// it, or while the thread is being torn down).
fn take_end_buffer() -> Vec<KeyValue> {
    END_BUFFER.try_with(Cell::take).unwrap_or_default()
}

/// Gives the (emptied) buffer back for the next span's end to reuse, unless it grew
/// unusually large.
fn return_end_buffer(mut end: Vec<KeyValue>) {
    if empty_for_reuse(&mut end) {
        let _ = END_BUFFER.try_with(|b| b.set(end));
    }
}

/// Crux's name and the span's label (the registry says which key holds it).
fn readable_name(callsite: &'static Callsite, attrs: &AttrList) -> Cow<'static, str> {
    let label = callsite
        .kind
        .label_keys()
        .iter()
        .find_map(|k| attrs.text(k).filter(|l| !l.is_empty()));
    match label {
        Some(label) => Cow::Owned(format!("{} {label}", callsite.name)),
        None => Cow::Borrowed(callsite.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kept_boxes() -> usize {
        KEPT_BOXES.with(|kept| {
            let boxes = kept.take();
            let n = boxes.len();
            kept.set(boxes);
            n
        })
    }

    #[test]
    fn a_thread_starts_its_spans_in_boxes_it_kept_and_keeps_a_bounded_number() {
        let site: &'static Callsite = Box::leak(Box::new(Callsite {
            kind: crate::core::callsite::Kind::Tool,
            name: "crux.tool.kept",
            label: "kept",
            doc: None,
            function: "tests::kept",
            file: "guard.rs",
            line: 1,
            calls: crate::core::callsite::CallTally::new(),
        }));
        // Nested deeper than the bound: every level takes a box, and only the bound's
        // worth is kept when they end.
        let depth = MOST_KEPT_BOXES + 8;
        let guards: Vec<SpanGuard> = (0..depth)
            .map(|_| SpanGuard::start(site, &mut |_| {}))
            .collect();
        assert!(guards.iter().all(SpanGuard::is_recording));
        assert_eq!(kept_boxes(), 0, "every kept box is in use");
        for guard in guards.into_iter().rev() {
            guard.end();
        }
        assert_eq!(kept_boxes(), MOST_KEPT_BOXES);
        // The next span takes one and gives it back, and the one after does not inherit
        // what the last one recorded.
        let failed = SpanGuard::start(site, &mut |_| {});
        assert_eq!(kept_boxes(), MOST_KEPT_BOXES - 1);
        let kept_at = failed.active().map(|a| a as *const Active);
        failed.record_error("tool_error", "boom");
        assert!(failed
            .active()
            .is_some_and(|a| a.errored.load(Ordering::Relaxed)));
        failed.end();
        let next = SpanGuard::start(site, &mut |_| {});
        assert_eq!(
            next.active().map(|a| a as *const Active),
            kept_at,
            "the same box, taken again"
        );
        let state = next.active().expect("recording");
        assert!(!state.ended && !state.errored.load(Ordering::Relaxed));
        assert!(state.error_type.get().is_none());
        next.end();
        assert_eq!(kept_boxes(), MOST_KEPT_BOXES);
    }

    #[test]
    fn span_guards_and_scopes_cross_threads() {
        // Compiles only if the wrapped futures can stay `Send`.
        fn check<T: Send + Sync>() {}
        check::<SpanGuard>();
    }
}
