//! N calls of one contender of the overhead bench, nothing else: the program
//! `scripts/span-cost` runs under valgrind (callgrind for instructions, dhat for bytes)
//! with N and 2N calls, so that the difference is one call in steady state.
//!
//! `span_cost CONTENDER CALLS`, CONTENDER one of:
//!
//! | contender | the span of one call |
//! |---|---|
//! | `plain` | none: the fn alone |
//! | `crux_off` | none: `#[crux::tool]` with `crux::set_enabled(false)` |
//! | `crux` | `#[crux::tool]` as shipped (crux's recorder and batch processor) |
//! | `crux_sdk` | `#[crux::tool]` through the SDK's tracer and `BatchSpanProcessor` |
//! | `raw_sdk` | built by hand with `opentelemetry_sdk`, crux's 7 start and 4 end attributes |
//! | `tracing_otel` | `#[tracing::instrument]` through `tracing-opentelemetry`, the same 11 attributes |
//! | `fastrace` | fastrace's local span with the same 11 attributes as properties |
//! | `fastrace_bare` | `#[fastrace::trace]`, no attributes (fastrace's own floor) |
//!
//! Every span goes to a no-op exporter (fastrace's: a counting reporter), and the
//! program checks at the end that every span got there, with crux's attribute keys.
//! It prints how many calls went through `measured` (the warm-up included).

use crux_benches::{
    batch_processor, batch_provider, new_call_id, raw_tool_call, tool_attributes, NoopExporter,
    QUEUE,
};
use opentelemetry::trace::{SpanKind, Tracer as _, TracerProvider as _};
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt as _;

crux_benches::function_under_test!();

/// Calls before the counted ones: buffers and pools reach their steady size.
const WARM_UP: u64 = 1000;

// The end fields are recorded from the output, as crux records its end attributes.
#[tracing::instrument(
    name = "crux.tool.add",
    skip_all,
    fields(
        openinference.span.kind = "TOOL",
        crux.tool.name = "add",
        crux.tool.call_id = call_id,
        gen_ai.operation.name = "execute_tool",
        gen_ai.tool.name = "add",
        gen_ai.tool.call.id = call_id,
        gen_ai.tool.type = "function",
        crux.tool.model_output.type = tracing::field::Empty,
        crux.tool.output.size = tracing::field::Empty,
        crux.tool.model_output.size = tracing::field::Empty,
        crux.tool.token_savings_estimate = tracing::field::Empty,
    )
)]
#[inline(never)]
fn add_tracing(a: u64, b: u64, call_id: &str) -> u64 {
    let out = body(a, b);
    let size = out.to_string().len();
    let span = tracing::Span::current();
    span.record("crux.tool.model_output.type", "json");
    span.record("crux.tool.output.size", size);
    span.record("crux.tool.model_output.size", size);
    span.record("crux.tool.token_savings_estimate", 0);
    out
}

/// fastrace's span with crux's attributes: its properties are strings, so the call id
/// and the sizes are formatted, as fastrace's users do.
#[inline(never)]
fn add_fastrace(a: u64, b: u64) -> u64 {
    let _span = fastrace::local::LocalSpan::enter_with_local_parent("crux.tool.add")
        .with_properties(|| {
            let id = new_call_id();
            [
                ("openinference.span.kind", "TOOL".into()),
                ("crux.tool.name", "add".into()),
                ("crux.tool.call_id", id.clone().into()),
                ("gen_ai.operation.name", "execute_tool".into()),
                ("gen_ai.tool.name", "add".into()),
                ("gen_ai.tool.call.id", std::borrow::Cow::Owned(id)),
                ("gen_ai.tool.type", "function".into()),
            ]
        });
    let out = body(a, b);
    fastrace::local::LocalSpan::add_properties(|| {
        let size = out.to_string().len().to_string();
        [
            ("crux.tool.model_output.type", "json".into()),
            ("crux.tool.output.size", size.clone().into()),
            ("crux.tool.model_output.size", std::borrow::Cow::Owned(size)),
            ("crux.tool.token_savings_estimate", "0".into()),
        ]
    });
    out
}

#[fastrace::trace(name = "crux.tool.add")]
#[inline(never)]
fn add_fastrace_bare(a: u64, b: u64) -> u64 {
    body(a, b)
}

/// Makes `n` calls of `call`, each through [`measured`], and lets the other threads run
/// every 256 calls: valgrind runs one thread at a time, and a busy calling thread could
/// otherwise keep a background thread (crux's drain, the SDK's batch thread) from its
/// turn for thousands of calls, where a real machine runs it alongside.
fn calls(n: u64, mut call: impl FnMut() -> u64) {
    for i in 0..n {
        black_box(measured(&mut call));
        if i % 256 == 255 {
            std::thread::yield_now();
        }
    }
}

/// One call: what `scripts/span-cost` counts on the calling thread
/// (`valgrind --toggle-collect`), the same indirection for every contender.
#[inline(never)]
fn measured(call: &mut dyn FnMut() -> u64) -> u64 {
    call()
}

/// Checks that `spans` reached the exporter.
fn check(contender: &str, expected: u64, spans: u64) {
    assert_eq!(
        spans, expected,
        "{contender}: every span must reach the exporter"
    );
}

/// The attribute keys of crux's span of `add_crux`, which every contender with "the
/// same attributes" records.
fn crux_keys() -> Vec<String> {
    use crux::attributes as key;
    let mut keys: Vec<String> = [
        key::OPENINFERENCE_SPAN_KIND,
        key::CRUX_TOOL_NAME,
        key::CRUX_TOOL_CALL_ID,
        key::GEN_AI_OPERATION_NAME,
        key::GEN_AI_TOOL_NAME,
        key::GEN_AI_TOOL_CALL_ID,
        key::GEN_AI_TOOL_TYPE,
        key::CRUX_TOOL_MODEL_OUTPUT_TYPE,
        key::CRUX_TOOL_OUTPUT_SIZE,
        key::CRUX_TOOL_MODEL_OUTPUT_SIZE,
        key::CRUX_TOOL_TOKEN_SAVINGS_ESTIMATE,
    ]
    .map(str::to_owned)
    .into();
    keys.sort();
    keys
}

/// Checks that the first span `exporter` got has crux's attribute keys.
fn check_keys(contender: &str, exporter: &NoopExporter) {
    let keys = exporter.first_span().map(|s| s.keys).unwrap_or_default();
    assert_eq!(
        keys,
        crux_keys(),
        "{contender}: the same attributes as crux"
    );
}

fn crux(n: u64, own: bool) {
    let exporter = NoopExporter::new();
    let builder = crux::Telemetry::builder().max_queue_size(1 << 18);
    let builder = if own {
        builder.exporter(exporter.clone())
    } else {
        builder.processor(batch_processor(exporter.clone()))
    };
    let telemetry = builder.install().expect("crux installs");
    calls(n, || add_crux(black_box(A), black_box(B)));
    let report = telemetry.shutdown();
    assert!(report.is_complete(), "{report}");
    check("crux", n, exporter.exported());
    check_keys("crux", &exporter);
}

fn raw_sdk(n: u64) {
    let exporter = NoopExporter::new();
    let provider = batch_provider(exporter.clone());
    let tracer = provider.tracer("crux-benches");
    calls(n, || {
        let span = tracer
            .span_builder("crux.tool.add")
            .with_kind(SpanKind::Internal)
            .with_attributes(tool_attributes("add", new_call_id()));
        raw_tool_call(&tracer, span, || add(black_box(A), black_box(B)))
    });
    provider.shutdown().expect("the provider shuts down");
    check("raw_sdk", n, exporter.exported());
    check_keys("raw_sdk", &exporter);
}

fn tracing_otel(n: u64) {
    let exporter = NoopExporter::new();
    let provider = batch_provider(exporter.clone());
    // The layer's own attributes off (code location, target, thread, busy/idle time):
    // the span has crux's attributes only.
    let layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("crux-benches"))
        .with_location(false)
        .with_target(false)
        .with_threads(false)
        .with_tracked_inactivity(false);
    let subscriber = tracing_subscriber::registry().with(layer);
    tracing::subscriber::with_default(subscriber, || {
        calls(n, || {
            add_tracing(black_box(A), black_box(B), &new_call_id())
        });
    });
    provider.shutdown().expect("the provider shuts down");
    check("tracing_otel", n, exporter.exported());
    check_keys("tracing_otel", &exporter);
}

/// Counts the spans fastrace reports, leaving out the roots, and keeps the property
/// keys of the first.
struct CountingReporter(Arc<AtomicU64>, Arc<Mutex<Option<Vec<String>>>>);

const ROOT: &str = "root";

impl fastrace::collector::Reporter for CountingReporter {
    fn report(&mut self, spans: Vec<fastrace::collector::SpanRecord>) {
        let calls = spans.iter().filter(|s| s.name != ROOT);
        if let (Ok(mut first), Some(span)) = (self.1.lock(), calls.clone().next()) {
            first.get_or_insert_with(|| {
                let mut keys: Vec<String> =
                    span.properties.iter().map(|(k, _)| k.to_string()).collect();
                keys.sort();
                keys
            });
        }
        self.0.fetch_add(calls.count() as u64, Ordering::Relaxed);
    }
}

/// fastrace records a local span only under a local parent holding at most 10 240
/// spans: the calls run in chunks under a root each, its cost shared by the chunk.
const PER_ROOT: u64 = 1024;

/// `keys`: the property keys its spans must have.
fn fastrace(n: u64, call: fn(u64, u64) -> u64, keys: Vec<String>) {
    let reported = Arc::new(AtomicU64::new(0));
    let first = Arc::new(Mutex::new(None));
    fastrace::set_reporter(
        CountingReporter(reported.clone(), first.clone()),
        fastrace::collector::Config::default(),
    );
    let mut left = n;
    while left > 0 {
        let chunk = left.min(PER_ROOT);
        let root = fastrace::Span::root(ROOT, fastrace::collector::SpanContext::random());
        {
            let _parent = root.set_local_parent();
            calls(chunk, || call(black_box(A), black_box(B)));
        }
        drop(root);
        left -= chunk;
    }
    // A thread's commands that did not fit its queue leave with its next one.
    for _ in 0..100 {
        drop(fastrace::Span::root(
            ROOT,
            fastrace::collector::SpanContext::random(),
        ));
        fastrace::flush();
        if reported.load(Ordering::Relaxed) >= n {
            break;
        }
    }
    check("fastrace", n, reported.load(Ordering::Relaxed));
    let first = first
        .lock()
        .ok()
        .and_then(|f| f.clone())
        .unwrap_or_default();
    assert_eq!(first, keys, "fastrace: the properties expected");
}

fn main() {
    let mut args = std::env::args().skip(1);
    let contender = args.next().unwrap_or_else(|| "crux".to_owned());
    let n = WARM_UP
        + args
            .next()
            .and_then(|a| a.parse::<u64>().ok())
            .unwrap_or(10_000);
    // The SDK's queue must hold every span even if valgrind starves its export thread.
    assert!(n < QUEUE as u64, "at most {} calls", QUEUE as u64 - WARM_UP);
    match contender.as_str() {
        "plain" => calls(n, || add(black_box(A), black_box(B))),
        "crux_off" => {
            crux::set_enabled(false);
            calls(n, || add_crux(black_box(A), black_box(B)));
        }
        "crux" => crux(n, true),
        "crux_sdk" => crux(n, false),
        "raw_sdk" => raw_sdk(n),
        "tracing_otel" => tracing_otel(n),
        "fastrace" => fastrace(n, add_fastrace, crux_keys()),
        "fastrace_bare" => fastrace(n, add_fastrace_bare, Vec::new()),
        other => {
            eprintln!("unknown contender {other:?}");
            std::process::exit(2);
        }
    }
    // What `scripts/span-cost` divides the calling thread's counts by.
    println!("measured calls: {n}");
}
