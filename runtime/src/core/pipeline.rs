//! Where spans go: the installed pipeline, or the application's global provider.
//!
//! One process-wide slot holds what [`crate::Telemetry::install`] set up; the guard it
//! returns empties the slot again, so tests can install and reset freely. With the slot
//! empty crux uses the global `TracerProvider` the application registered, which is the
//! standard OpenTelemetry path.

use crate::core::recorder::LeftDefaults;
use arc_swap::ArcSwapOption;
use opentelemetry::trace::{
    SpanBuilder, SpanKind, TraceContextExt, Tracer as _, TracerProvider as _,
};
use opentelemetry::{global, Context, InstrumentationScope, KeyValue};
use opentelemetry_sdk::trace::SdkTracer;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};

/// How spans are named.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpanNaming {
    /// Crux's names: `crux.flow`, `crux.flow.step`, `crux.tool.<name>`, `crux.generate`.
    #[default]
    Crux,
    /// The GenAI convention's names: `invoke_workflow {name}`, `execute_tool {name}`,
    /// `chat {model}`; attribute keys are the same either way.
    GenAi,
    /// Crux's names followed by what tells the spans apart in a backend's trace tree:
    /// `crux.flow.step classify`, `crux.flow support_ticket`, `crux.generate gpt-4o-mini`,
    /// `crux.run support` (tools, compositions and memory already carry theirs).
    Readable,
}

/// How a resumed flow relates to the run it was suspended from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResumeMode {
    /// A new trace (or the caller's current one) with a span link to the suspended span.
    #[default]
    Link,
    /// A child of the suspended span, in its trace (plus the link).
    Continue,
}

/// A warning threshold and a limit, in USD, for each outermost flow's running total.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Budget {
    /// Emit `crux.cost.warn` once when the total reaches this.
    pub warn_usd: f64,
    /// Emit `crux.cost.limit` once when the total reaches this.
    pub limit_usd: f64,
}

/// A model call to price: its provider, model and token counts (see `crux::cost::Prices`).
#[derive(Clone, Copy, Debug)]
pub struct PriceQuery<'a> {
    /// The provider (`gen_ai.provider.name`), when known.
    pub provider: Option<&'a str>,
    /// The model that answered, else the one asked for.
    pub model: &'a str,
    /// Input tokens, cached ones included.
    pub input_tokens: u64,
    /// Input tokens read from the provider's cache.
    pub cached_input_tokens: u64,
    /// Output tokens, reasoning ones included.
    pub output_tokens: u64,
}

/// Prices a model call that reported usage but no cost; `None` leaves it without cost.
#[derive(Clone)]
pub(crate) struct Pricer(pub Arc<PriceFn>);

/// The closure behind a [`Pricer`].
pub(crate) type PriceFn = dyn Fn(&PriceQuery<'_>) -> Option<f64> + Send + Sync;

impl std::fmt::Debug for Pricer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pricer")
    }
}

/// The application's attributes, which every span it starts gets.
#[derive(Clone, Debug, Default)]
pub(crate) struct AppAttributes {
    list: Vec<KeyValue>,
    /// One of them has a key of a tool's start defaults, so a tool writes its defaults
    /// as it starts (where that key is kept out). Known once: every tool span asks.
    takes_a_tool_key: bool,
}

impl AppAttributes {
    /// Adds `attribute`, for every span.
    pub(crate) fn push(&mut self, attribute: KeyValue) {
        self.takes_a_tool_key |= crate::core::callsite::Kind::Tool
            .derives(attribute.key.as_str())
            .is_some();
        self.list.push(attribute);
    }

    /// The attributes, in the order they were added.
    pub(crate) fn as_slice(&self) -> &[KeyValue] {
        &self.list
    }

    /// Whether one of them has a key of a tool's start defaults.
    pub(crate) fn takes_a_tool_key(&self) -> bool {
        self.takes_a_tool_key
    }
}

impl FromIterator<KeyValue> for AppAttributes {
    fn from_iter<I: IntoIterator<Item = KeyValue>>(attributes: I) -> AppAttributes {
        let mut all = AppAttributes::default();
        attributes.into_iter().for_each(|kv| all.push(kv));
        all
    }
}

/// Per-pipeline options applied to every span.
#[derive(Clone, Debug)]
pub(crate) struct Options {
    pub naming: SpanNaming,
    pub attributes: AppAttributes,
    pub resume_mode: ResumeMode,
    pub hooks: crate::core::hooks::Hooks,
    /// Content capture; `None` follows `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`.
    pub capture: Option<crate::core::content::CaptureContent>,
    /// The most characters one captured content attribute keeps.
    pub max_content_length: usize,
    /// The key for hashed identifiers (HMAC); FNV-1a without one.
    pub hashing_key: Option<Arc<[u8]>>,
    /// The cost budget of each outermost flow.
    pub budget: Option<Budget>,
    /// Whether every span inside an agent run carries the run's identity (session,
    /// user, tenant, conversation, trace metadata and tags).
    pub identity_on_every_span: bool,
    /// The latency budget of each outermost flow.
    pub latency_budget: Option<std::time::Duration>,
    /// Prices calls that report usage but no cost; `None` uses the built-in table.
    pub pricer: Option<Pricer>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            naming: SpanNaming::default(),
            attributes: AppAttributes::default(),
            resume_mode: ResumeMode::default(),
            hooks: crate::core::hooks::Hooks::default(),
            capture: None,
            max_content_length: 8192,
            hashing_key: None,
            budget: None,
            identity_on_every_span: true,
            latency_budget: None,
            pricer: None,
        }
    }
}

impl Options {
    /// Completes a starting span's attributes: the application's custom attributes (a
    /// key the span already has wins), then the start phase of `map_attributes`.
    pub(crate) fn start_attributes(&self, span_name: &str, attrs: &mut Vec<KeyValue>) {
        let app = self.attributes.as_slice();
        if attrs.capacity() == 0 && !app.is_empty() {
            // A tool that left its defaults to the export has no list yet.
            attrs.reserve(crate::core::attrs::ROOM.max(app.len()));
        }
        for kv in app {
            if !attrs.iter().any(|a| a.key == kv.key) {
                attrs.push(kv.clone());
            }
        }
        self.hooks
            .map(crate::core::hooks::Phase::Start, span_name, attrs);
    }

    /// The capture setting (resolved from the environment at install when the builder
    /// set none, so the hot path never reads the environment).
    pub(crate) fn capture(&self) -> crate::core::content::CaptureContent {
        self.capture.unwrap_or_default()
    }

    /// The options used with no pipeline installed (the environment read once).
    fn global_default() -> &'static Options {
        static DEFAULT: OnceLock<Options> = OnceLock::new();
        DEFAULT.get_or_init(|| Options {
            capture: Some(crate::core::content::CaptureContent::from_env()),
            ..Options::default()
        })
    }
}

#[derive(Debug)]
pub(crate) struct Pipeline {
    /// The installed provider's tracer; `None` records through the global provider.
    pub tracer: Option<SdkTracer>,
    /// Crux's own recorder for the installed provider's processors, when they are all
    /// crux's (an application's own span processor needs the SDK's spans: `tracer`).
    pub recorder: Option<Arc<crate::core::recorder::Recorder>>,
    pub options: Options,
    /// The GenAI metrics' instruments, when metrics are exported.
    pub metrics: Option<crate::core::metrics::Metrics>,
}

static ENABLED: AtomicBool = AtomicBool::new(true);
static PIPELINE: ArcSwapOption<Pipeline> = ArcSwapOption::const_empty();

/// Counts installs and uninstalls: a thread's share stands for the installed pipeline
/// while the generation it was taken in is the current one, so a span checks one number
/// instead of loading the slot.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// Whether crux records anything. One relaxed load: this is the whole cost of an
/// annotated call when telemetry is off.
#[inline(always)]
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns recording on or off for the whole process, at run time.
///
/// Off, an annotated call costs one relaxed atomic load more than the plain call. To
/// remove even that, build with the `disabled` cargo feature: every macro then returns
/// the item unchanged.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether recording is on (see [`set_enabled`]).
pub fn is_enabled() -> bool {
    enabled()
}

pub(crate) fn install(pipeline: Pipeline) -> Arc<Pipeline> {
    let pipeline = Arc::new(pipeline);
    PIPELINE.store(Some(pipeline.clone()));
    GENERATION.fetch_add(1, Ordering::AcqRel);
    release_shares();
    pipeline
}

/// Empties the slot if `pipeline` is still the one installed (a later install wins).
pub(crate) fn uninstall(pipeline: &Arc<Pipeline>) {
    let current = PIPELINE.load();
    if current.as_ref().is_some_and(|c| Arc::ptr_eq(c, pipeline)) {
        PIPELINE.compare_and_swap(&*current, None);
    }
    GENERATION.fetch_add(1, Ordering::AcqRel);
    release_shares();
}

/// The instrumentation scope of crux's spans.
pub(crate) fn scope() -> InstrumentationScope {
    static SCOPE: OnceLock<InstrumentationScope> = OnceLock::new();
    SCOPE
        .get_or_init(|| {
            InstrumentationScope::builder("crux")
                .with_version(env!("CARGO_PKG_VERSION"))
                .build()
        })
        .clone()
}

/// The scope crux's spans are recorded under.
pub(crate) fn tracer_from(provider: &opentelemetry_sdk::trace::SdkTracerProvider) -> SdkTracer {
    provider.tracer_with_scope(scope())
}

/// The pipeline as loaded for one span: its options and where to start the span.
pub(crate) struct Loaded {
    pipeline: arc_swap::Guard<Option<Arc<Pipeline>>>,
}

/// Loads the installed pipeline (once per span).
#[inline]
pub(crate) fn load() -> Loaded {
    Loaded {
        pipeline: PIPELINE.load(),
    }
}

/// The pipeline a recording span keeps from its start to its end: one reference count,
/// instead of copies of what it needs (its hooks) taken per span.
///
/// The count is taken on this thread's share of the pipeline, not on the pipeline's own
/// `Arc`: threads starting spans together would otherwise take turns on that one count
/// (its cache line moving between cores at every span's start and end). A thread's share
/// lives between its spans until another pipeline is installed or this one uninstalled.
#[derive(Debug)]
pub(crate) struct Held {
    share: Option<Arc<Share>>,
}

/// One thread's reference to a pipeline, shared by the spans it starts.
#[derive(Debug)]
struct Share {
    pipeline: Arc<Pipeline>,
}

/// What keeps each thread's share alive between its spans: held here, process-wide, so
/// that installing or uninstalling a pipeline lets go of every one of them at once (an
/// idle pool thread would otherwise keep a shut-down pipeline, and with it the hooks'
/// captured state, for its whole life). A thread itself holds its share weakly.
static KEPT_SHARES: Mutex<Vec<Arc<Share>>> = Mutex::new(Vec::new());

/// This thread's share, weakly: upgrading it is the one count a span takes (on a line
/// the thread owns), and no lock is taken per span.
struct ThreadShare(std::cell::RefCell<Taken>);

/// What a thread took in one generation.
struct Taken {
    generation: u64,
    /// `None`: no pipeline was installed then.
    share: Option<Weak<Share>>,
}

impl Drop for ThreadShare {
    /// The thread ends: its share is no longer kept for it.
    fn drop(&mut self) {
        if let Some(share) = self.0.get_mut().share.as_ref().and_then(Weak::upgrade) {
            let mut kept = KEPT_SHARES.lock().unwrap_or_else(PoisonError::into_inner);
            let gone = unkeep(&mut kept, &share);
            drop(kept);
            // Dropped with no lock held: the last share of a pipeline drops its hooks,
            // whose captured values may start spans of their own.
            drop(gone);
        }
    }
}

/// Takes `share` out of the kept ones (to be dropped once the lock is let go).
fn unkeep(kept: &mut Vec<Arc<Share>>, share: &Arc<Share>) -> Option<Arc<Share>> {
    let at = kept.iter().position(|k| Arc::ptr_eq(k, share))?;
    Some(kept.swap_remove(at))
}

thread_local! {
    static SHARE: ThreadShare = const {
        ThreadShare(std::cell::RefCell::new(Taken {
            generation: 0,
            share: None,
        }))
    };
}

/// Holds the installed pipeline for a span that starts: this thread's share of it,
/// taken with no lock and no load of the slot while nothing was installed or uninstalled
/// since the thread's last span.
#[inline]
pub(crate) fn hold() -> Held {
    let generation = GENERATION.load(Ordering::Acquire);
    let taken = SHARE.try_with(|thread| {
        let taken = thread.0.try_borrow().ok()?;
        if taken.generation != generation {
            return None;
        }
        match &taken.share {
            None => Some(Held::none()),
            Some(share) => share.upgrade().map(|share| Held { share: Some(share) }),
        }
    });
    match taken {
        Ok(Some(held)) => held,
        _ => hold_installed(generation),
    }
}

/// [`hold`] once the thread's share is stale (or was never taken): loads the slot.
#[cold]
fn hold_installed(generation: u64) -> Held {
    match PIPELINE.load_full() {
        Some(pipeline) => Held {
            share: Some(Share::of(&pipeline, generation)),
        },
        None => {
            let _ = SHARE.try_with(|thread| {
                if let Ok(mut taken) = thread.0.try_borrow_mut() {
                    let stale = std::mem::replace(
                        &mut *taken,
                        Taken {
                            generation,
                            share: None,
                        },
                    );
                    drop(taken);
                    // A share of a pipeline since uninstalled (released already).
                    drop(stale);
                }
            });
            Held::none()
        }
    }
}

impl Share {
    /// This thread's share of `pipeline`, installed in `generation`.
    fn of(pipeline: &Arc<Pipeline>, generation: u64) -> Arc<Share> {
        let new = || {
            Arc::new(Share {
                pipeline: pipeline.clone(),
            })
        };
        SHARE
            .try_with(|thread| {
                let Ok(taken) = thread.0.try_borrow() else {
                    return new();
                };
                let current = taken.share.as_ref().and_then(Weak::upgrade);
                drop(taken);
                let share = match &current {
                    Some(share) if Arc::ptr_eq(&share.pipeline, pipeline) => share.clone(),
                    // None kept (released, or never made), or another pipeline's.
                    _ => new(),
                };
                let mut kept = KEPT_SHARES.lock().unwrap_or_else(PoisonError::into_inner);
                let replaced = match &current {
                    Some(old) if !Arc::ptr_eq(old, &share) => unkeep(&mut kept, old),
                    _ => None,
                };
                // Kept only while `generation` is current: a later install or uninstall
                // takes the lock to release the kept shares, after counting, so a share
                // of a replaced pipeline is never kept past it.
                if GENERATION.load(Ordering::Acquire) != generation {
                    drop(kept);
                    drop((replaced, current));
                    return share;
                }
                // A share still alive may have been let go of (held by a span that
                // outlived a release).
                if !kept.iter().any(|k| Arc::ptr_eq(k, &share)) {
                    kept.push(share.clone());
                }
                drop(kept);
                if let Ok(mut taken) = thread.0.try_borrow_mut() {
                    *taken = Taken {
                        generation,
                        share: Some(Arc::downgrade(&share)),
                    };
                }
                // Dropped with no lock or borrow held (see above).
                drop((replaced, current));
                share
            })
            // A span started by a thread-local's destructor, after this one is gone.
            .unwrap_or_else(|_| new())
    }
}

/// Lets go of every thread's share (the spans still open keep theirs): a pipeline
/// replaced or uninstalled is dropped once its last span ends.
fn release_shares() {
    let released = std::mem::take(&mut *KEPT_SHARES.lock().unwrap_or_else(PoisonError::into_inner));
    // Dropped with no lock held, for the same reason as above.
    drop(released);
}

impl Held {
    /// No pipeline held.
    pub(crate) fn none() -> Held {
        Held { share: None }
    }

    fn pipeline(&self) -> Option<&Pipeline> {
        self.share.as_deref().map(|share| &*share.pipeline)
    }

    /// The held pipeline's metric instruments, when it records metrics.
    pub(crate) fn metrics(&self) -> Option<&crate::core::metrics::Metrics> {
        self.pipeline().and_then(|p| p.metrics.as_ref())
    }

    /// Whether the span was started by crux's recorder (the held pipeline has one).
    pub(crate) fn records_itself(&self) -> bool {
        self.pipeline().is_some_and(|p| p.recorder.is_some())
    }

    /// Whether what the runtime derives for a span's start (generated ids, a tool's
    /// defaults) may be left to its export: crux's recorder records it and samples it
    /// without reading its attributes, and no hook reads them before the export.
    pub(crate) fn leaves_defaults_to_export(&self) -> bool {
        self.pipeline().is_some_and(|p| {
            p.options.hooks.map_attributes.is_none()
                && p.recorder.as_deref().is_some_and(|r| !r.reads_attributes())
        })
    }

    /// The options the span started with.
    #[inline]
    pub(crate) fn options(&self) -> &Options {
        match self.pipeline() {
            Some(p) => &p.options,
            None => Options::global_default(),
        }
    }

    /// Starts `builder` under `parent` in the held pipeline, with `left` written at its
    /// export (only where [`Held::leaves_defaults_to_export`]); the result is `parent` with
    /// the span in it.
    pub(crate) fn start(
        &self,
        builder: SpanBuilder,
        parent: &Context,
        left: Option<LeftDefaults>,
    ) -> Context {
        start_in(self.pipeline(), builder, parent, left)
    }
}

impl Loaded {
    #[inline]
    pub(crate) fn options(&self) -> &Options {
        match self.pipeline.as_deref() {
            Some(p) => &p.options,
            None => Options::global_default(),
        }
    }

    /// Starts `builder` under `parent`; the result is `parent` with the span in it.
    pub(crate) fn start(&self, builder: SpanBuilder, parent: &Context) -> Context {
        start_in(self.pipeline.as_deref(), builder, parent, None)
    }
}

/// Starts `builder` under `parent` in `pipeline` (`None`: the global provider's); the
/// result is `parent` with the span in it.
fn start_in(
    pipeline: Option<&Pipeline>,
    builder: SpanBuilder,
    parent: &Context,
    left: Option<LeftDefaults>,
) -> Context {
    if let Some(recorder) = pipeline.and_then(|p| p.recorder.as_ref()) {
        return recorder.start(builder, parent, left);
    }
    // Nothing is left to the export without crux's recorder (it is what writes it).
    match pipeline.and_then(|p| p.tracer.as_ref()) {
        Some(tracer) => parent.with_span(tracer.build_with_context(builder, parent)),
        None => {
            let tracer = global::tracer_provider().tracer_with_scope(scope());
            parent.with_span(tracer.build_with_context(builder, parent))
        }
    }
}

/// Starts one of crux's own spans (an instant, a composition agent) under `parent`: its
/// OpenInference kind from the registry, then the application's attributes and
/// `map_attributes`, as a macro span's. The result is `parent` with the span in it.
pub(crate) fn start_span(mut builder: SpanBuilder, parent: &Context) -> Context {
    let loaded = load();
    let kind = crate::attributes::spans::openinference_kind(&builder.name);
    let attrs = builder.attributes.get_or_insert_with(Vec::new);
    crate::core::attrs::inherit(parent, attrs);
    attrs.push(KeyValue::new(
        crate::attributes::OPENINFERENCE_SPAN_KIND,
        kind,
    ));
    loaded.options().start_attributes(&builder.name, attrs);
    loaded.start(builder, parent)
}

/// Starts and ends a span at once, under `parent`.
pub(crate) fn instant(parent: &Context, name: &'static str, attrs: Vec<KeyValue>) {
    instant_with(
        parent,
        SpanBuilder::from_name(name)
            .with_kind(SpanKind::Internal)
            .with_attributes(attrs),
    );
}

/// Records a moment: an instant span `name` under the current span, when recording is on.
pub(crate) fn moment(name: &'static str, attrs: Vec<KeyValue>) {
    if enabled() {
        instant(&Context::current(), name, attrs);
    }
}

/// Attributes of a moment, some of them only when known.
#[derive(Debug, Default)]
pub(crate) struct MomentAttrs(pub Vec<KeyValue>);

impl MomentAttrs {
    /// Adds `key = value`.
    pub(crate) fn with(
        mut self,
        key: &'static str,
        value: impl Into<opentelemetry::Value>,
    ) -> Self {
        self.0.push(KeyValue::new(key, value));
        self
    }

    /// Adds `key = value` when there is a value.
    pub(crate) fn maybe<V: Into<opentelemetry::Value>>(
        self,
        key: &'static str,
        value: Option<V>,
    ) -> Self {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    /// Records them as the moment `name` (see [`moment`]).
    pub(crate) fn record(self, name: &'static str) {
        moment(name, self.0);
    }
}

/// A count as an attribute value (saturating at `i64::MAX`).
pub(crate) fn count(n: impl TryInto<i64>) -> i64 {
    n.try_into().unwrap_or(i64::MAX)
}

/// Starts and ends `builder`'s span at one and the same instant, under `parent`;
/// returns its context.
pub(crate) fn instant_with(parent: &Context, mut builder: SpanBuilder) -> Context {
    let now = std::time::SystemTime::now();
    builder.start_time = Some(now);
    let cx = start_span(builder, parent);
    cx.span().end_with_timestamp(now);
    cx
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pipeline() -> Arc<Pipeline> {
        Arc::new(Pipeline {
            tracer: None,
            recorder: None,
            options: Options::default(),
            metrics: None,
        })
    }

    fn hold_share(pipeline: &Arc<Pipeline>) -> Held {
        Held {
            share: Some(Share::of(pipeline, GENERATION.load(Ordering::Acquire))),
        }
    }

    #[test]
    fn a_thread_counts_its_spans_on_its_own_share_of_the_pipeline() {
        // A pipeline installed by another test meanwhile lets go of every kept share; the
        // spans held here keep theirs, so the counts below do not depend on it.
        let first = pipeline();
        let spans: Vec<Held> = (0..10).map(|_| hold_share(&first)).collect();
        assert_eq!(
            Arc::strong_count(&first),
            2,
            "one reference for this thread's ten spans"
        );
        let share = |held: &Held| held.share.clone().expect("held");
        std::thread::scope(|s| {
            s.spawn(|| {
                let there = hold_share(&first);
                assert!(!Arc::ptr_eq(&share(&there), &share(&spans[0])));
                assert_eq!(Arc::strong_count(&first), 3, "a share per thread");
            })
            // Joined by hand: the scope's own join does not wait for the thread-local
            // destructors, which drop the share.
            .join()
            .unwrap();
        });
        assert_eq!(
            Arc::strong_count(&first),
            2,
            "a thread's share ends with it"
        );

        // A new pipeline: this thread's next span takes a share of it; the spans still
        // holding the first keep it until they end.
        let second = pipeline();
        let next = hold_share(&second);
        assert!(std::ptr::eq(next.pipeline().unwrap(), &*second));
        assert!(std::ptr::eq(spans[9].pipeline().unwrap(), &*first));
        assert_eq!(Arc::strong_count(&first), 2);
        drop(spans);
        // Another test's install may be releasing every kept share at this moment (it
        // drops them once its lock is let go): the last reference goes by then.
        let released = (0..1000).any(|_| {
            std::thread::yield_now();
            Arc::strong_count(&first) == 1
        });
        assert!(released, "released with its last span");
    }

    #[test]
    fn a_share_taken_as_a_generation_ends_is_not_kept() {
        let first = pipeline();
        let now = GENERATION.load(Ordering::Acquire);
        // Taken in a generation already over (an install came between reading the
        // generation and keeping the share): the span holds it, nothing keeps it.
        let late = Share::of(&first, now.wrapping_sub(1));
        let kept = |share: &Arc<Share>| {
            let kept = KEPT_SHARES.lock().unwrap_or_else(PoisonError::into_inner);
            kept.iter().any(|k| Arc::ptr_eq(k, share))
        };
        assert!(!kept(&late));
        assert_eq!(Arc::strong_count(&late), 1, "held by the span alone");
        let taken = SHARE.with(|thread| thread.0.borrow().share.as_ref().and_then(Weak::upgrade));
        assert!(
            !taken.is_some_and(|t| Arc::ptr_eq(&t, &late)),
            "not this thread's share either"
        );
    }

    #[test]
    fn spans_of_one_generation_hold_the_thread_share_with_no_load() {
        // A pipeline never installed: only the thread's share can lead `hold` to it,
        // the slot never does.
        let unlisted = pipeline();
        let before = GENERATION.load(Ordering::Acquire);
        let taken = hold_share(&unlisted);
        let held = hold();
        // Another test may install or uninstall meanwhile; the claim is for one
        // generation.
        if GENERATION.load(Ordering::Acquire) == before {
            let share = held.share.expect("the thread's share");
            assert!(Arc::ptr_eq(&share, &taken.share.expect("taken")));
            assert!(std::ptr::eq(&*share.pipeline, &*unlisted));
        }
    }
}
