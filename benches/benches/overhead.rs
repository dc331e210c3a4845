//! What one instrumented call costs: crux against a plain call and against the other
//! ways of getting the same span.
//!
//! Group `overhead` (one sync fn taking two `u64`s, every contender `#[inline(never)]`):
//!
//! | id | what is measured |
//! |---|---|
//! | `plain` | the fn, no instrumentation |
//! | `crux_off` | `#[crux::tool]` with `crux::set_enabled(false)` |
//! | `crux_on` | `#[crux::tool]` as shipped: `.exporter(..)`, i.e. crux's own batch processor, no-op exporter |
//! | `crux_on_sdk_batch` | `#[crux::tool]` exporting through the SDK's `BatchSpanProcessor` (`.processor(..)`), exactly like the raw contenders: the like-for-like measure of what the macro and runtime add |
//! | `raw_sdk_same_attrs` | `tracer.in_span_with_builder(..)` by hand, with the attributes crux puts on a tool span: six at start (and a generated call id), the four output-metadata ones at end |
//! | `raw_sdk_minimal` | `tracer.in_span(name, ..)`, no attributes |
//! | `tracing_otel` | `#[tracing::instrument]` with the same six fields, through `tracing-opentelemetry` with its default settings (which add eight attributes of their own) |
//! | `tracing_otel_same_attrs` | the same, with the layer's own attributes turned off: crux's six only |
//! | `fastrace` | `#[fastrace::trace]`, no-op reporter (no attributes) |
//!
//! Group `overhead_async`: the same fn as an `async fn`, created and polled once with a
//! no-op waker inside one `#[inline(never)]` call (it completes on the first poll):
//! `plain`, `crux_off`, `crux_on`, `crux_on_sdk_batch`, `raw_sdk_same_attrs` (the span
//! made current through `opentelemetry::context::FutureExt::with_context`).
//!
//! Every OpenTelemetry-based contender records through its own pipeline, installed
//! before its bench and shut down after it, so no pipeline's export thread outlives its
//! contender; every queue holds `1 << 16` spans and every exporter is the same counting
//! no-op. The SDK-based ones (raw, tracing, `crux_on_sdk_batch`) share the exact
//! processor settings (`crux_benches::batch_processor`); `crux_on` uses crux's own
//! processor, as an application does. After each contender the bench checks that every
//! span created was exported: a dropped span costs less than an exported one and would
//! flatter the contender.
//!
//! `cargo bench -p crux-benches` runs it; `scripts/bench-report` prints the table;
//! `cargo bench -p crux-benches -- --test` runs each contender once (CI).

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, Bencher, BenchmarkGroup, Criterion};
use crux_benches::{
    batch_processor, batch_provider, new_call_id, tool_attributes, NoopExporter, SpanShape, QUEUE,
};
use opentelemetry::context::FutureExt as _;
use opentelemetry::trace::{SpanKind, TraceContextExt as _, Tracer as _, TracerProvider as _};
use opentelemetry::Context;
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};
use std::future::Future;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};
use tracing_subscriber::layer::SubscriberExt as _;

/// The tool name every contender uses (crux's span is then `crux.tool.add`).
const TOOL: &str = "add";
const SPAN_NAME: &str = "crux.tool.add";
// The function under test (`add`, `add_crux`, its arguments `A`, `B`), then once per
// other contender, each `#[inline(never)]` with the same body. (No doc comments on the
// tool fns: crux would record one as `gen_ai.tool.description`, which the other
// contenders do not have.)
crux_benches::function_under_test!();

// `#[instrument]` cannot compute one value for two fields, so the caller generates the
// call id (as crux does inside its span start) and both fields record it.
#[tracing::instrument(
    name = "crux.tool.add",
    skip_all,
    fields(
        crux.tool.name = "add",
        crux.tool.call_id = call_id,
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = "add",
        gen_ai.tool.call.id = call_id,
        gen_ai.tool.type = "function",
        openinference.span.kind = "TOOL",
    )
)]
#[inline(never)]
fn add_tracing(a: u64, b: u64, call_id: &str) -> u64 {
    body(a, b)
}

#[fastrace::trace(name = "crux.tool.add")]
#[inline(never)]
fn add_fastrace(a: u64, b: u64) -> u64 {
    body(a, b)
}

async fn add_async(a: u64, b: u64) -> u64 {
    body(a, b)
}

#[crux::tool(name = "add")]
async fn add_crux_async(a: u64, b: u64) -> u64 {
    body(a, b)
}

async fn add_raw_async(tracer: &SdkTracer, a: u64, b: u64) -> u64 {
    let cx = Context::current_with_span(tracer.build(tool_span(tracer)));
    let out = add_async(a, b).with_context(cx.clone()).await;
    // The end attributes crux records from the output, as the sync contender does.
    cx.span()
        .set_attributes(crux_benches::output_attributes(out));
    out
}

/// The span crux makes for `add_crux`, built by hand.
fn tool_span(tracer: &SdkTracer) -> opentelemetry::trace::SpanBuilder {
    tracer
        .span_builder(SPAN_NAME)
        .with_kind(SpanKind::Internal)
        .with_attributes(tool_attributes(TOOL, new_call_id()))
}

/// Polls `future` once with a no-op waker; every future here completes on its first poll.
fn poll_once<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut std::task::Context::from_waker(Waker::noop()))
    {
        Poll::Ready(out) => out,
        Poll::Pending => unreachable!("the benchmarked futures never wait"),
    }
}

/// The most calls timed between two flushes of the contender's pipeline: half the batch
/// queue, so the queue never fills however far the export thread falls behind.
const FLUSH_EVERY: u64 = (QUEUE / 2) as u64;

/// Times `iters` calls, made by `timed(n)` in chunks of at most [`FLUSH_EVERY`], and adds
/// them to `calls`. Between chunks, with the clock stopped, `flush` drains the
/// contender's pipeline: on a loaded 2-core machine the export thread cannot always keep
/// up with a producer that does nothing but make spans, and a full queue drops spans,
/// which is cheaper than keeping them. The export thread still runs during the timed
/// chunks, as it does in an application.
fn run_chunks(b: &mut Bencher<'_>, calls: &mut u64, flush: impl Fn(), mut timed: impl FnMut(u64)) {
    b.iter_custom(|iters| {
        *calls += iters;
        let mut elapsed = Duration::ZERO;
        let mut left = iters;
        while left > 0 {
            let n = left.min(FLUSH_EVERY);
            let start = Instant::now();
            timed(n);
            elapsed += start.elapsed();
            flush();
            left -= n;
        }
        elapsed
    });
}

/// [`run_chunks`] for a contender whose every call is `call()`.
fn run(b: &mut Bencher<'_>, calls: &mut u64, flush: impl Fn(), mut call: impl FnMut() -> u64) {
    run_chunks(b, calls, flush, |n| {
        for _ in 0..n {
            black_box(call());
        }
    });
}

/// The flush of contenders without a pipeline.
fn no_flush() {}

/// Drains an SDK pipeline, untimed.
fn flush_provider(provider: &SdkTracerProvider) -> impl Fn() + '_ {
    move || provider.force_flush().expect("the pipeline flushes")
}

/// Whether criterion runs each bench once (`--test`, or `cargo test --benches`).
fn test_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench")
}

/// Checks that the pipeline exported every span the contender made (call after
/// shutdown) and returns the shape of the first one, printed in test mode.
fn check_exporter(id: &str, calls: u64, exporter: &NoopExporter) -> Option<SpanShape> {
    check_exported(id, calls, exporter.exported());
    let shape = exporter.first_span();
    if let (true, Some(shape)) = (test_mode(), &shape) {
        eprintln!(
            "{id}: first span {:?} with attributes {:?}",
            shape.name, shape.keys
        );
    }
    shape
}

/// Checks that `exported` (or reported) spans account for all `calls`.
fn check_exported(id: &str, calls: u64, exported: u64) {
    if calls == 0 {
        return; // filtered out
    }
    if test_mode() {
        assert_eq!(exported, calls, "{id}: every span must reach the exporter");
    } else if exported < calls {
        eprintln!(
            "WARNING {id}: {} of {calls} spans dropped by the batch queue; the result is optimistic",
            calls - exported
        );
    } else {
        eprintln!("{id}: all {calls} spans exported");
    }
}

fn plain(g: &mut BenchmarkGroup<'_, WallTime>) {
    let mut calls = 0;
    g.bench_function("plain", |b| {
        run(b, &mut calls, no_flush, || add(black_box(A), black_box(B)))
    });
}

fn crux_off(g: &mut BenchmarkGroup<'_, WallTime>) {
    crux::set_enabled(false);
    let mut calls = 0;
    g.bench_function("crux_off", |b| {
        run(b, &mut calls, no_flush, || {
            add_crux(black_box(A), black_box(B))
        })
    });
    crux::set_enabled(true);
}

/// Which batch processor crux exports through.
#[derive(Clone, Copy)]
enum CruxPipeline {
    /// As shipped: `.exporter(..)`, crux's own batch processor (with health counters).
    Own,
    /// `.processor(..)` with the SDK's `BatchSpanProcessor` and the settings of the raw
    /// contenders: the like-for-like comparison of what the macro and runtime add.
    SdkBatch,
}

/// Installs crux exporting to `exporter` with a [`QUEUE`]-span queue.
fn install_crux(exporter: &NoopExporter, pipeline: CruxPipeline) -> crux::TelemetryGuard {
    crux::set_enabled(true);
    let builder = crux::Telemetry::builder().max_queue_size(QUEUE);
    let builder = match pipeline {
        CruxPipeline::Own => builder.exporter(exporter.clone()),
        CruxPipeline::SdkBatch => builder.processor(batch_processor(exporter.clone())),
    };
    builder.install().expect("crux telemetry installs")
}

/// Benches `call` (a crux-annotated call) with crux installed through `pipeline`.
fn crux_on(
    g: &mut BenchmarkGroup<'_, WallTime>,
    id: &str,
    pipeline: CruxPipeline,
    call: impl FnMut() -> u64,
) -> Option<SpanShape> {
    let exporter = NoopExporter::new();
    let guard = install_crux(&exporter, pipeline);
    let mut calls = 0;
    let flush = || guard.force_flush().expect("crux flushes");
    let mut call = call;
    g.bench_function(id, |b| run(b, &mut calls, flush, &mut call));
    let report = guard.shutdown();
    assert!(report.is_complete(), "crux shuts down: {report}");
    check_exporter(id, calls, &exporter)
}

fn raw_sdk(g: &mut BenchmarkGroup<'_, WallTime>) -> Option<SpanShape> {
    let exporter = NoopExporter::new();
    let provider = batch_provider(exporter.clone());
    let tracer = provider.tracer("crux-benches");
    let mut calls = 0;
    g.bench_function("raw_sdk_same_attrs", |b| {
        run(b, &mut calls, flush_provider(&provider), || {
            crux_benches::raw_tool_call(&tracer, tool_span(&tracer), || {
                add(black_box(A), black_box(B))
            })
        })
    });
    g.bench_function("raw_sdk_minimal", |b| {
        run(b, &mut calls, flush_provider(&provider), || {
            tracer.in_span(SPAN_NAME, |_cx| add(black_box(A), black_box(B)))
        })
    });
    provider.shutdown().expect("provider shuts down");
    // The first span exported is one of `raw_sdk_same_attrs`, which runs first.
    check_exporter("raw_sdk_*", calls, &exporter)
}

/// `#[tracing::instrument]` through `tracing-opentelemetry`. `same_attrs: false` keeps
/// the layer's defaults, which also record code location, module, target, thread id and
/// name and busy/idle time on every span (eight more attributes), as they do for anyone
/// using it; `true` turns those off so the span has exactly crux's six attributes.
fn tracing_otel(g: &mut BenchmarkGroup<'_, WallTime>, id: &str, same_attrs: bool) {
    let exporter = NoopExporter::new();
    let provider = batch_provider(exporter.clone());
    let mut layer = tracing_opentelemetry::layer().with_tracer(provider.tracer("crux-benches"));
    if same_attrs {
        layer = layer
            .with_location(false)
            .with_target(false)
            .with_threads(false)
            .with_tracked_inactivity(false);
    }
    let subscriber = tracing_subscriber::registry().with(layer);
    // Scoped to this thread and this bench: no global subscriber leaks into the others.
    let scope = tracing::subscriber::set_default(subscriber);
    let mut calls = 0;
    g.bench_function(id, |b| {
        run(b, &mut calls, flush_provider(&provider), || {
            add_tracing(black_box(A), black_box(B), &new_call_id())
        })
    });
    drop(scope);
    provider.shutdown().expect("provider shuts down");
    check_exporter(id, calls, &exporter);
}

/// Counts the spans fastrace reports, leaving out the bench's own root spans.
struct CountingReporter(Arc<AtomicU64>);

impl fastrace::collector::Reporter for CountingReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        let n = spans.iter().filter(|s| s.name != ROOT).count();
        self.0.fetch_add(n as u64, Ordering::Relaxed);
    }
}

const ROOT: &str = "bench.root";

/// fastrace records a `#[trace]` span only under a local parent, and a local parent
/// holds at most 10 240 spans (more are silently not recorded). So the measured loop
/// runs in chunks of `PER_ROOT` calls, each under a fresh root span made the local
/// parent; creating the root, and dropping it (where fastrace hands the chunk's spans to
/// its collector), is inside the timing, amortised over the chunk. Each iteration
/// records exactly one span, which the reporter counts.
const PER_ROOT: u64 = 1024;

/// Hands fastrace's pending commands to its collector and reports them, untimed.
///
/// A thread queues its commands in a 10 240-slot ring, and those that do not fit wait
/// on the thread until its next command; the empty root sends one.
fn fastrace_flush() {
    drop(fastrace::Span::root(
        ROOT,
        fastrace::collector::SpanContext::random(),
    ));
    fastrace::flush();
}

fn fastrace(g: &mut BenchmarkGroup<'_, WallTime>) {
    let reported = Arc::new(AtomicU64::new(0));
    fastrace::set_reporter(
        CountingReporter(reported.clone()),
        fastrace::collector::Config::default(),
    );
    let mut calls = 0;
    g.bench_function("fastrace", |b| {
        run_chunks(b, &mut calls, fastrace_flush, |mut left| {
            while left > 0 {
                let n = left.min(PER_ROOT);
                let root = fastrace::Span::root(ROOT, fastrace::collector::SpanContext::random());
                {
                    let _parent = root.set_local_parent();
                    for _ in 0..n {
                        black_box(add_fastrace(black_box(A), black_box(B)));
                    }
                }
                drop(root);
                left -= n;
            }
        })
    });
    for _ in 0..100 {
        fastrace_flush();
        if reported.load(Ordering::Relaxed) >= calls {
            break;
        }
    }
    check_exported("fastrace", calls, reported.load(Ordering::Relaxed));
}

fn sync_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("overhead");
    plain(&mut g);
    crux_off(&mut g);
    let sync_call = || add_crux(black_box(A), black_box(B));
    let crux = crux_on(&mut g, "crux_on", CruxPipeline::Own, sync_call);
    let crux_sdk = crux_on(
        &mut g,
        "crux_on_sdk_batch",
        CruxPipeline::SdkBatch,
        sync_call,
    );
    let raw = raw_sdk(&mut g);
    same_span(&[&crux, &crux_sdk], &raw);
    tracing_otel(&mut g, "tracing_otel", false);
    tracing_otel(&mut g, "tracing_otel_same_attrs", true);
    // Last: fastrace's collector thread cannot be stopped once started.
    fastrace(&mut g);
    g.finish();
}

// Each async contender is called through one `#[inline(never)]` function that creates
// the future and polls it once, so that every iteration is one real call, as in the
// sync group (an `async fn` left to itself is inlined into the loop and vanishes).

#[inline(never)]
fn call_async(a: u64, b: u64) -> u64 {
    poll_once(add_async(a, b))
}

#[inline(never)]
fn call_crux_async(a: u64, b: u64) -> u64 {
    poll_once(add_crux_async(a, b))
}

#[inline(never)]
fn call_raw_async(tracer: &SdkTracer, a: u64, b: u64) -> u64 {
    poll_once(add_raw_async(tracer, a, b))
}

fn async_group(c: &mut Criterion) {
    let mut g = c.benchmark_group("overhead_async");
    let mut calls = 0;
    g.bench_function("plain", |b| {
        run(b, &mut calls, no_flush, || {
            call_async(black_box(A), black_box(B))
        })
    });

    crux::set_enabled(false);
    g.bench_function("crux_off", |b| {
        run(b, &mut calls, no_flush, || {
            call_crux_async(black_box(A), black_box(B))
        })
    });
    crux::set_enabled(true);

    let async_call = || call_crux_async(black_box(A), black_box(B));
    let crux = crux_on(&mut g, "crux_on", CruxPipeline::Own, async_call);
    let crux_sdk = crux_on(
        &mut g,
        "crux_on_sdk_batch",
        CruxPipeline::SdkBatch,
        async_call,
    );

    let exporter = NoopExporter::new();
    let provider = batch_provider(exporter.clone());
    let tracer = provider.tracer("crux-benches");
    let mut calls = 0;
    g.bench_function("raw_sdk_same_attrs", |b| {
        run(b, &mut calls, flush_provider(&provider), || {
            call_raw_async(&tracer, black_box(A), black_box(B))
        })
    });
    provider.shutdown().expect("provider shuts down");
    let raw = check_exporter("async raw_sdk_same_attrs", calls, &exporter);
    same_span(&[&crux, &crux_sdk], &raw);
    g.finish();
}

/// In test mode, checks that the raw-SDK baseline records the span crux records (same
/// name, same attribute keys): otherwise the comparison would flatter one side.
fn same_span(crux: &[&Option<SpanShape>], raw: &Option<SpanShape>) {
    if test_mode() {
        for crux in crux {
            assert_eq!(
                *crux, raw,
                "the raw-SDK baseline must record the span crux records"
            );
        }
    }
}

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
}

criterion_group! {
    name = benches;
    config = config();
    targets = sync_group, async_group
}
criterion_main!(benches);
