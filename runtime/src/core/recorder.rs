//! Crux's own span recorder: what the SDK's tracer does for a span, minus what crux
//! never needs on the application's thread.
//!
//! A span starts as a [`RecordingSpan`] in the OpenTelemetry `Context` (so `tracing`
//! and HTTP-client spans nest under it and propagation reads it), holding its data
//! inline (what few spans have, events, links and a status, in a box made on first
//! use). When it ends, its record moves into the ending thread's own buffer, a
//! mutex nobody else takes except the drain (no process-wide lock per span). The drain
//! thread hands every thread's records to the pipeline's span processors as
//! `SpanData` in batches; reads that must see every finished span ([`flush`]) drain
//! on the caller's thread. Sampling, span limits and the processors' view of a span
//! are the SDK's: the same sampler is asked, the same limits cut, the same
//! `SpanData` reaches `on_end`.

use crate::core::attrs::{empty_for_reuse, AttrList};
use crate::core::callsite::Callsite;
use crate::core::lock;
use opentelemetry::trace::{
    Event, Link, SpanContext, SpanId, SpanKind, SpanRef, Status, TraceContextExt, TraceFlags,
    TraceId, TraceState,
};
use opentelemetry::{Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::{
    Config, Sampler, SamplingDecision, ShouldSample, SpanData, SpanEvents, SpanLimits, SpanLinks,
    SpanProcessor,
};
use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError, Weak};
use std::time::{Duration, SystemTime};

/// How long the drain waits after the first span ends before it collects: long enough
/// to gather a batch, short next to any exporter's delay.
const DRAIN_WINDOW: Duration = Duration::from_millis(2);

/// A thread whose buffer holds this many records drains it itself: the memory bound
/// while the drain thread cannot keep up.
pub(crate) const LOCAL_LIMIT: usize = 8192;

/// Records spans for one installed pipeline and hands them to its processors.
pub(crate) struct Recorder {
    /// Unique among the recorders alive (32 bits keep a record small; it would take
    /// four billion installs during one recorder's life to wrap onto it).
    id: u32,
    /// `None`: parent-based, always on (the SDK's default), decided inline.
    sampler: Option<Box<dyn ShouldSample>>,
    limits: SpanLimits,
    processors: Vec<Arc<dyn SpanProcessor>>,
    scope: InstrumentationScope,
    write_left: WriteLeft,
    shut_down: AtomicBool,
}

/// Start defaults a span leaves to its export: all of them come from its callsite, and
/// nothing reads the span's attributes before the export. They are written where its
/// record becomes `SpanData`, on the drain thread, in the place they would have had.
///
/// On the application's thread they would be as many attributes built and copied, in a
/// list read and freed on other threads: for a tool, the most numerous of an agent's
/// spans, that traffic between cores was a fifth of the time its call took.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LeftDefaults {
    pub(crate) callsite: &'static Callsite,
    /// How many of the span's attributes come before them (those it inherits).
    pub(crate) at: u16,
}

/// A span's end attributes left to its export as typed values: a text and two counts,
/// whose keys and meaning are its family's. Only a span that left its start defaults
/// leaves them (its record then knows its callsite, by which they are written), and only
/// where nothing reads its end attributes before the export either.
///
/// The attributes would be built on the application's thread into a list of the
/// record's own, its one allocation there; a record takes these in its 32 bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct LeftEnd {
    pub(crate) text: &'static str,
    pub(crate) counts: [usize; 2],
}

/// The most attributes a span leaves to its export (a tool's: the OpenInference kind,
/// six keys of its own and its description; its four end values).
const MOST_LEFT: usize = 12;

/// Writes what spans leave to their export into their attributes. The recording
/// layer's (core names no family); given to the recorder.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WriteLeft {
    /// The start defaults ([`LeftDefaults`]), after the attributes that come before them.
    pub(crate) defaults: fn(&'static Callsite, &mut AttrList),
    /// The end values ([`LeftEnd`]), after all the span's other attributes.
    pub(crate) end: fn(&'static Callsite, LeftEnd, &mut AttrList),
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("id", &self.id)
            .field("processors", &self.processors.len())
            .finish()
    }
}

impl Recorder {
    /// A recorder sampling with `sampler` (`None`: the SDK's default, parent-based
    /// always-on) and ending spans into `processors`; `write_left` writes what spans
    /// leave to their export.
    pub(crate) fn new(
        sampler: Option<Box<dyn ShouldSample>>,
        limits: SpanLimits,
        processors: Vec<Arc<dyn SpanProcessor>>,
        scope: InstrumentationScope,
        write_left: WriteLeft,
    ) -> Arc<Recorder> {
        static NEXT_ID: AtomicU32 = AtomicU32::new(1);
        let recorder = Arc::new(Recorder {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            sampler,
            limits,
            processors,
            scope,
            write_left,
            shut_down: AtomicBool::new(false),
        });
        lock(&drain().routes).push((recorder.id, Arc::downgrade(&recorder)));
        recorder
    }

    /// Starts `builder`'s span under `parent`, as the SDK's tracer would, with `left`
    /// written at its export; the result is `parent` with the span in it.
    pub(crate) fn start(
        &self,
        builder: opentelemetry::trace::SpanBuilder,
        parent: &Context,
        left: Option<LeftDefaults>,
    ) -> Context {
        if parent.is_telemetry_suppressed() {
            return parent.with_span(RecordingSpan::silent(SpanContext::empty_context()));
        }
        let parent_span = parent.span();
        let psc = parent_span.span_context();
        let psc = psc.is_valid().then_some(psc);
        let trace_id = psc.map_or_else(ids::trace_id, |p| p.trace_id());
        let span_id = ids::span_id();
        let kind = builder.span_kind.clone().unwrap_or(SpanKind::Internal);
        let mut attributes = builder.attributes.unwrap_or_default();
        let (decision, trace_state) = match &self.sampler {
            None => match psc {
                Some(p) if !p.is_sampled() => (SamplingDecision::Drop, p.trace_state().clone()),
                Some(p) => (SamplingDecision::RecordAndSample, p.trace_state().clone()),
                None => (SamplingDecision::RecordAndSample, TraceState::default()),
            },
            Some(sampler) => {
                let result = sampler.should_sample(
                    Some(parent),
                    trace_id,
                    &builder.name,
                    &kind,
                    &attributes,
                    builder.links.as_deref().unwrap_or(&[]),
                );
                attributes.extend(result.attributes);
                (result.decision, result.trace_state)
            }
        };
        let flags = psc.map_or(TraceFlags::default(), |p| p.trace_flags());
        let sampled = match decision {
            SamplingDecision::Drop => {
                let sc =
                    SpanContext::new(trace_id, span_id, TraceFlags::default(), false, trace_state);
                return parent.with_span(RecordingSpan::silent(sc));
            }
            SamplingDecision::RecordOnly => false,
            SamplingDecision::RecordAndSample => true,
        };
        let sc = SpanContext::new(
            trace_id,
            span_id,
            flags.with_sampled(sampled),
            false,
            trace_state,
        );
        let limits = &self.limits;
        let dropped_attributes = cut(&mut attributes, limits.max_attributes_per_span);
        let mut links = builder.links.unwrap_or_default();
        let dropped_links = cut(&mut links, limits.max_links_per_span);
        for link in &mut links {
            link.dropped_attributes_count =
                cut(&mut link.attributes, limits.max_attributes_per_link);
        }
        let mut events = builder.events.unwrap_or_default();
        let dropped_events = cut(&mut events, limits.max_events_per_span);
        for event in &mut events {
            event.dropped_attributes_count =
                cut(&mut event.attributes, limits.max_attributes_per_event);
        }
        let start_time = builder.start_time.unwrap_or_else(opentelemetry::time::now);
        #[cfg(test)]
        if left.is_some() {
            LEFT_ON_THIS_THREAD.with(|n| n.set(n.get() + 1));
        }
        parent.with_span(RecordingSpan {
            span_context: sc,
            record: Some(Record {
                recorder: self.id,
                limits: *limits,
                parent_span_id: psc.map_or(SpanId::INVALID, |p| p.span_id()),
                parent_span_is_remote: psc.is_some_and(|p| p.is_remote()),
                span_kind: kind,
                name: builder.name,
                start_time,
                end_time: start_time,
                attributes,
                dropped_attributes,
                rare: Rare::boxed(events, dropped_events, links, dropped_links),
                span_context: SpanContext::empty_context(),
                left,
                left_end: None,
            }),
        })
    }

    /// Whether a span's attributes are read as it starts (by the sampler the
    /// application gave, or the one the environment names).
    pub(crate) fn reads_attributes(&self) -> bool {
        self.sampler.is_some()
    }

    /// Hands every span ended so far to the processors, then stops: spans ending later
    /// are not exported (as with the SDK's provider once shut down).
    pub(crate) fn shut_down(&self) {
        flush();
        self.shut_down.store(true, Ordering::Release);
    }

    fn deliver(&self, record: Record) {
        if self.shut_down.load(Ordering::Acquire) {
            return;
        }
        let data = record.into_data(self.scope.clone(), self.write_left);
        match self.processors.as_slice() {
            [] => {}
            [one] => one.on_end(data),
            many => {
                for processor in many {
                    processor.on_end(data.clone());
                }
            }
        }
    }
}

/// The sampler the SDK's provider would use: `given`, else the one the `OTEL_TRACES_SAMPLER`
/// variables name; `None` for the default (parent-based, always on).
pub(crate) fn sampler(given: Option<Sampler>) -> Option<Box<dyn ShouldSample>> {
    match given {
        Some(sampler) => Some(Box::new(sampler)),
        None if std::env::var_os("OTEL_TRACES_SAMPLER").is_some() => {
            Some(Config::default().sampler)
        }
        None => None,
    }
}

/// Keeps at most `limit` items, returning how many it dropped.
fn cut<T>(items: &mut Vec<T>, limit: u32) -> u32 {
    let dropped = items.len().saturating_sub(limit as usize);
    items.truncate(limit as usize);
    u32::try_from(dropped).unwrap_or(u32::MAX)
}

/// A span's data from its start to its export, small enough to move cheaply (at most
/// 240 bytes: a span's move into the `Context` and into its thread's buffer copy it).
#[derive(Debug)]
struct Record {
    recorder: u32,
    limits: SpanLimits,
    parent_span_id: SpanId,
    parent_span_is_remote: bool,
    span_kind: SpanKind,
    name: Cow<'static, str>,
    start_time: SystemTime,
    end_time: SystemTime,
    attributes: Vec<KeyValue>,
    dropped_attributes: u32,
    /// `None` until the span has an event, a link or a status.
    rare: Option<Box<Rare>>,
    /// Set when the span ends (the span keeps its own until then).
    span_context: SpanContext,
    /// The start defaults the span left to its export.
    left: Option<LeftDefaults>,
    /// The end values it left to its export (only with `left`).
    left_end: Option<LeftEnd>,
}

// The bound the record's comment states (memcpy copies up to 256 bytes without a loop;
// a span in the `Context`, moved once, little more).
#[cfg(target_pointer_width = "64")]
const _: () = assert!(size_of::<Record>() <= 240 && size_of::<RecordingSpan>() <= 304);

#[cfg(test)]
thread_local! {
    /// Spans this thread started leaving their defaults to the export (what crux's own
    /// tests look at: the exported spans are the same either way).
    pub(crate) static LEFT_ON_THIS_THREAD: std::cell::Cell<usize> =
        const { std::cell::Cell::new(0) };
    /// Spans ending on this thread with end values left to the export (the same).
    pub(crate) static LEFT_END_ON_THIS_THREAD: std::cell::Cell<usize> =
        const { std::cell::Cell::new(0) };
}

/// What few spans have, kept out of line.
#[derive(Debug, Default)]
struct Rare {
    events: SpanEvents,
    links: SpanLinks,
    status: Status,
}

impl Rare {
    /// The start's events and links, if there are any (or any were dropped).
    fn boxed(
        events: Vec<Event>,
        dropped_events: u32,
        links: Vec<Link>,
        dropped_links: u32,
    ) -> Option<Box<Rare>> {
        if events.is_empty() && links.is_empty() && dropped_events == 0 && dropped_links == 0 {
            return None;
        }
        let mut rare = Rare::default();
        rare.events.events = events;
        rare.events.dropped_count = dropped_events;
        rare.links.links = links;
        rare.links.dropped_count = dropped_links;
        Some(Box::new(rare))
    }
}

impl Record {
    /// Moves `attrs` in, as many as the span limit leaves room for (the rest counted as
    /// dropped, as the `Span` API's `set_attribute` does one by one).
    fn add_attributes(&mut self, attrs: &mut Vec<KeyValue>) {
        let room =
            (self.limits.max_attributes_per_span as usize).saturating_sub(self.attributes.len());
        let dropped = attrs.len().saturating_sub(room);
        attrs.truncate(room);
        self.attributes.append(attrs);
        self.dropped_attributes = self
            .dropped_attributes
            .saturating_add(u32::try_from(dropped).unwrap_or(u32::MAX));
    }

    /// The events, links and status, made on first use.
    fn rare(&mut self) -> &mut Rare {
        self.rare.get_or_insert_with(Box::default)
    }

    fn into_data(self, scope: InstrumentationScope, write_left: WriteLeft) -> SpanData {
        let Rare {
            events,
            links,
            status,
        } = self.rare.map(|rare| *rare).unwrap_or_default();
        let mut attributes = self.attributes;
        let mut dropped_attributes = self.dropped_attributes;
        if let Some(LeftDefaults { callsite, at }) = self.left {
            let at = usize::from(at).min(attributes.len());
            // A new list, of the size they all make: the span's was made for what it had.
            let mut all = AttrList::with_capacity(attributes.len() + MOST_LEFT);
            all.extend(attributes.drain(..at));
            (write_left.defaults)(callsite, &mut all);
            all.extend(attributes);
            if let Some(end) = self.left_end {
                (write_left.end)(callsite, end, &mut all);
            }
            attributes = all.into_vec();
            // Within the limit, as if they had been there from the start: what comes
            // after them goes first.
            let cut_off = cut(&mut attributes, self.limits.max_attributes_per_span);
            dropped_attributes = dropped_attributes.saturating_add(cut_off);
        }
        SpanData {
            span_context: self.span_context,
            parent_span_id: self.parent_span_id,
            parent_span_is_remote: self.parent_span_is_remote,
            span_kind: self.span_kind,
            name: self.name,
            start_time: self.start_time,
            end_time: self.end_time,
            attributes,
            dropped_attributes_count: dropped_attributes,
            events,
            links,
            status,
            instrumentation_scope: scope,
        }
    }
}

/// The span crux puts in the `Context`: the OpenTelemetry span API over a [`Record`].
#[derive(Debug)]
pub(crate) struct RecordingSpan {
    span_context: SpanContext,
    /// `None` once ended, or for a span not recorded (sampled out, suppressed).
    record: Option<Record>,
}

impl RecordingSpan {
    fn silent(span_context: SpanContext) -> RecordingSpan {
        RecordingSpan {
            span_context,
            record: None,
        }
    }

    fn end_at(&mut self, timestamp: Option<SystemTime>) {
        // Finished in place and moved once, into the thread's buffer: the record is the
        // biggest thing a span moves.
        let Some(record) = &mut self.record else {
            return;
        };
        record.end_time = match timestamp {
            Some(t) => t,
            None if record.end_time == record.start_time => opentelemetry::time::now(),
            None => record.end_time,
        };
        let span_id = self.span_context.span_id();
        let _ = HANDED.try_with(|handed| {
            if let Ok(mut handed) = handed.try_borrow_mut() {
                if handed.to == span_id {
                    record.add_attributes(&mut handed.attrs);
                }
            }
        });
        if let Ok(Some((to, end))) = HANDED_END.try_with(Cell::get) {
            // Only a span that left its defaults leaves an end (its tool knows it did).
            if to == span_id && record.left.is_some() {
                record.left_end = Some(end);
                #[cfg(test)]
                LEFT_END_ON_THIS_THREAD.with(|n| n.set(n.get() + 1));
            }
        }
        record.span_context = self.span_context.clone();
        push(&mut self.record);
    }
}

/// End attributes handed to the span ending next on this thread, by its id.
struct Handed {
    to: SpanId,
    /// Empty between ends, and kept with its capacity (see [`empty_for_reuse`]), so
    /// that an end neither allocates nor frees a list.
    attrs: Vec<KeyValue>,
}

thread_local! {
    /// See [`end_with`]. Borrowed only for a move in or out: nothing that could end
    /// another span runs while it is.
    static HANDED: RefCell<Handed> = const {
        RefCell::new(Handed { to: SpanId::INVALID, attrs: Vec::new() })
    };
}

thread_local! {
    /// The end values handed to the span ending next on this thread, by its id. Apart
    /// from [`HANDED`]: of a type with nothing to drop, it is there while the thread is
    /// torn down, when that one may be gone.
    static HANDED_END: Cell<Option<(SpanId, LeftEnd)>> = const { Cell::new(None) };
}

/// Ends `span`, one of this recorder's, with `attrs` added and `left_end` left to its
/// export (only from a span that left its start defaults). The `Span` API would take
/// the attributes one by one, each a dynamic call under the span's lock; here they are
/// handed over in this thread's list and moved into the record as it ends. Leaves
/// `attrs` empty, for the caller to reuse.
pub(crate) fn end_with(span: &SpanRef<'_>, attrs: &mut Vec<KeyValue>, left_end: Option<LeftEnd>) {
    let span_id = span.span_context().span_id();
    let _ = HANDED_END.try_with(|handed| handed.set(left_end.map(|end| (span_id, end))));
    let _ = HANDED.try_with(|handed| {
        if let Ok(mut handed) = handed.try_borrow_mut() {
            handed.to = span_id;
            // Empty unless an end was cut short (a panic in a processor): what it left
            // must not reach this span.
            empty_for_reuse(&mut handed.attrs);
            handed.attrs.append(attrs);
        }
    });
    if !attrs.is_empty() {
        // The thread is exiting: the `Span` API's way.
        span.set_attributes(attrs.drain(..));
    }
    span.end();
    let _ = HANDED_END.try_with(|handed| handed.set(None));
    let _ = HANDED.try_with(|handed| {
        if let Ok(mut handed) = handed.try_borrow_mut() {
            handed.to = SpanId::INVALID;
            // What the span did not take (it was sampled out) goes.
            if !empty_for_reuse(&mut handed.attrs) {
                handed.attrs = Vec::new();
            }
        }
    });
}

impl opentelemetry::trace::Span for RecordingSpan {
    fn add_event_with_timestamp<T>(
        &mut self,
        name: T,
        timestamp: SystemTime,
        mut attributes: Vec<KeyValue>,
    ) where
        T: Into<Cow<'static, str>>,
    {
        if let Some(r) = &mut self.record {
            let limits = r.limits;
            let events = &mut r.rare().events;
            if events.events.len() < limits.max_events_per_span as usize {
                let dropped = cut(&mut attributes, limits.max_attributes_per_event);
                events
                    .events
                    .push(Event::new(name, timestamp, attributes, dropped));
            } else {
                events.dropped_count = events.dropped_count.saturating_add(1);
            }
        }
    }

    fn span_context(&self) -> &SpanContext {
        &self.span_context
    }

    fn is_recording(&self) -> bool {
        self.record.is_some()
    }

    fn set_attribute(&mut self, attribute: KeyValue) {
        if let Some(r) = &mut self.record {
            if r.attributes.len() < r.limits.max_attributes_per_span as usize {
                r.attributes.push(attribute);
            } else {
                r.dropped_attributes = r.dropped_attributes.saturating_add(1);
            }
        }
    }

    fn set_status(&mut self, status: Status) {
        if let Some(r) = &mut self.record {
            // A total order: Ok > Error > Unset (a span without its rare part is Unset).
            let current = r.rare.as_ref().map_or(&Status::Unset, |rare| &rare.status);
            if status > *current {
                r.rare().status = status;
            }
        }
    }

    fn update_name<T>(&mut self, new_name: T)
    where
        T: Into<Cow<'static, str>>,
    {
        if let Some(r) = &mut self.record {
            r.name = new_name.into();
        }
    }

    fn add_link(&mut self, span_context: SpanContext, mut attributes: Vec<KeyValue>) {
        if let Some(r) = &mut self.record {
            let limits = r.limits;
            let links = &mut r.rare().links;
            if links.links.len() < limits.max_links_per_span as usize {
                let dropped = cut(&mut attributes, limits.max_attributes_per_link);
                links
                    .links
                    .push(Link::new(span_context, attributes, dropped));
            } else {
                links.dropped_count = links.dropped_count.saturating_add(1);
            }
        }
    }

    fn end_with_timestamp(&mut self, timestamp: SystemTime) {
        self.end_at(Some(timestamp));
    }
}

impl Drop for RecordingSpan {
    /// A span dropped without an end ends now, as the SDK's does.
    fn drop(&mut self) {
        self.end_at(None);
    }
}

/// Span and trace ids from crux's per-thread generator (no shared state, no syscall).
mod ids {
    use super::*;
    use crate::core::ids::next_u64;

    pub(super) fn span_id() -> SpanId {
        loop {
            let id = next_u64();
            if id != 0 {
                return SpanId::from_bytes(id.to_be_bytes());
            }
        }
    }

    pub(super) fn trace_id() -> TraceId {
        loop {
            let id = (u128::from(next_u64()) << 64) | u128::from(next_u64());
            if id != 0 {
                return TraceId::from_bytes(id.to_be_bytes());
            }
        }
    }
}

/// One thread's ended spans, waiting for the drain.
#[derive(Default)]
struct Local {
    records: Mutex<Vec<Record>>,
}

/// The drain: every thread's buffer, the recorders by id, and the thread that collects.
#[derive(Default)]
struct Drain {
    locals: Mutex<Vec<Arc<Local>>>,
    routes: Mutex<Vec<(u32, Weak<Recorder>)>>,
    /// Set by the first span ending after a collection; cleared by the collection.
    pending: AtomicBool,
    wake: Mutex<()>,
    woken: Condvar,
    /// One collection at a time, so each processor sees spans in the order they ended;
    /// it holds the emptied buffers the threads get back (with their capacity).
    collecting: Mutex<Vec<Vec<Record>>>,
    /// No drain thread could start: each ending span is collected on its own thread.
    inline: AtomicBool,
}

static DRAIN: OnceLock<&'static Drain> = OnceLock::new();

fn drain() -> &'static Drain {
    DRAIN.get_or_init(|| {
        let drain: &'static Drain = Box::leak(Box::default());
        let started = std::thread::Builder::new()
            .name("crux-recorder".into())
            .spawn(move || drain.run());
        if started.is_err() {
            drain.inline.store(true, Ordering::Relaxed);
        }
        drain
    })
}

thread_local! {
    static LOCAL: Arc<Local> = {
        let local = Arc::new(Local::default());
        lock(&drain().locals).push(local.clone());
        local
    };
}

/// Moves an ended span's record (taken from `slot`) into this thread's buffer.
fn push(slot: &mut Option<Record>) {
    let filled = LOCAL.try_with(|local| {
        let mut records = lock(&local.records);
        records.extend(slot.take());
        records.len()
    });
    match filled {
        // The thread is exiting (a span dropped by a thread-local's destructor).
        Err(_) => collect_one(slot.take()),
        Ok(n) if n >= LOCAL_LIMIT || drain().inline.load(Ordering::Relaxed) => flush(),
        Ok(_) => {
            let drain = drain();
            if !drain.pending.load(Ordering::SeqCst) && !drain.pending.swap(true, Ordering::SeqCst)
            {
                let _wake = lock(&drain.wake);
                drain.woken.notify_one();
            }
        }
    }
}

fn collect_one(record: Option<Record>) {
    let drain = drain();
    let mut spare = lock(&drain.collecting);
    drain.deliver(vec![record.into_iter().collect()], &mut spare);
}

/// Hands every span ended so far, on any thread, to its processors; returns once they
/// have had `on_end`. Whatever reads finished spans synchronously calls this first.
pub(crate) fn flush() {
    // No recorder was ever made: nothing to collect, and no thread to start.
    let Some(drain) = DRAIN.get() else {
        return;
    };
    let mut spare = lock(&drain.collecting);
    let runs = drain.take_all(&mut spare);
    drain.deliver(runs, &mut spare);
}

impl Drain {
    fn run(&self) {
        loop {
            {
                let mut wake = lock(&self.wake);
                while !self.pending.load(Ordering::SeqCst) {
                    wake = self
                        .woken
                        .wait(wake)
                        .unwrap_or_else(PoisonError::into_inner);
                }
            }
            std::thread::sleep(DRAIN_WINDOW);
            self.pending.store(false, Ordering::SeqCst);
            // Nothing here runs application code, but the thread must outlive anything.
            let _ = std::panic::catch_unwind(flush);
        }
    }

    /// Takes every thread's records: runs, each in the order its spans ended.
    fn take_all(&self, spare: &mut Vec<Vec<Record>>) -> Vec<Vec<Record>> {
        let mut runs = Vec::new();
        let mut locals = lock(&self.locals);
        // Twice: a span that ended before one taken in the first pass (its child, on
        // another thread) is in its buffer by the second, so a parent never goes out
        // before its children.
        for _ in 0..2 {
            for local in locals.iter() {
                let mut records = lock(&local.records);
                if !records.is_empty() {
                    // Swapped for an emptied buffer that has capacity: the thread waits
                    // for no copy and allocates nothing when it records on.
                    let mut taken = spare.pop().unwrap_or_default();
                    std::mem::swap(&mut *records, &mut taken);
                    runs.push(taken);
                }
            }
        }
        // Threads that ended, with nothing left to collect; buffers for as many as live.
        locals.retain(|l| Arc::strong_count(l) > 1 || !lock(&l.records).is_empty());
        spare.truncate(locals.len());
        runs
    }

    /// Hands the records of `runs` to their recorders' processors in the order they
    /// ended (merging the runs), and puts the emptied buffers back in `spare`.
    fn deliver(&self, mut runs: Vec<Vec<Record>>, spare: &mut Vec<Vec<Record>>) {
        if runs.is_empty() {
            return;
        }
        let recorders: Vec<(u32, Arc<Recorder>)> = {
            let mut routes = lock(&self.routes);
            routes.retain(|(_, r)| r.strong_count() > 0);
            routes
                .iter()
                .filter_map(|(id, r)| Some((*id, r.upgrade()?)))
                .collect()
        };
        {
            // Looked at in place (not `peekable`, which would move each record once
            // more: a record is the biggest thing the drain moves).
            let mut heads: Vec<_> = runs.iter_mut().map(|r| r.drain(..)).collect();
            loop {
                let earliest = heads
                    .iter()
                    .enumerate()
                    .filter_map(|(i, h)| Some((h.as_slice().first()?.end_time, i)))
                    .min();
                let Some((_, i)) = earliest else { break };
                let Some(record) = heads[i].next() else { break };
                if let Some((_, recorder)) = recorders.iter().find(|(id, _)| *id == record.recorder)
                {
                    recorder.deliver(record);
                }
            }
        }
        spare.append(&mut runs);
    }
}
