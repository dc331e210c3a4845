//! Spans per second exported to a real collector (rotel), per OTLP protocol: crux as
//! shipped against raw `opentelemetry-otlp` + the SDK batch processor configured the same
//! way (same protocol, endpoint, batch size, queue, delay), in one run, alternating.
//!
//! crux as shipped exports a backlog up to 4 batches at once (the SDK's batch processor,
//! one at a time); the rows `…, one batch at a time` are crux with
//! `max_concurrent_exports(1)`, exporting as the SDK does.
//!
//! Each run creates N identical tool spans as fast as it can and shuts down (which
//! exports everything); the time covers creating and exporting all of them, and a run
//! counts only if the collector received all N. The collector only counts (it does not
//! print spans), so it is not the bottleneck.
//!
//! Throughput to a collector on a shared 2-core machine swings by tens of percent from
//! one run to the next, so the two take turns for several rounds and the ratio reported
//! is the median of the per-round ratios (each taken from two runs moments apart), with
//! the middle half of them beside it.
//!
//! `cargo bench -p crux-benches --bench export [-- N [ROUNDS]]` (default 20 000 spans,
//! 9 rounds);
//! `cargo test --benches` runs it small, as a smoke test (it needs rotel: `scripts/test`
//! installs it).

use crux::export::{Otlp, OtlpProtocol};
use crux_benches::{new_call_id, output_attributes, tool_attributes};
use crux_tests::collector::Collector;
use opentelemetry::trace::{SpanKind, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::{BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider};
use std::time::{Duration, Instant};

const BATCH: usize = 512;
const DELAY: Duration = Duration::from_millis(200);

#[crux::tool(name = "add")]
fn add(a: u64, b: u64) -> u64 {
    a.wrapping_add(b)
}

fn endpoint(collector: &Collector, protocol: OtlpProtocol) -> String {
    match protocol {
        OtlpProtocol::Grpc => collector.grpc_endpoint(),
        _ => collector.http_endpoint(),
    }
}

/// crux as shipped (or with at most `concurrent` batches in flight): returns spans per
/// second.
fn crux_run(protocol: OtlpProtocol, concurrent: Option<usize>, n: usize) -> f64 {
    let collector = Collector::counting();
    let builder = crux::Telemetry::builder();
    let builder = match concurrent {
        Some(batches) => builder.max_concurrent_exports(batches),
        None => builder,
    };
    let guard = builder
        .otlp_with(
            Otlp::new()
                .protocol(protocol)
                .endpoint(endpoint(&collector, protocol)),
        )
        .max_queue_size(n + 1)
        .max_export_batch_size(BATCH)
        .scheduled_delay(DELAY)
        .install()
        .expect("install crux");
    let started = Instant::now();
    for i in 0..n as u64 {
        std::hint::black_box(add(i, 1));
    }
    let report = guard.shutdown();
    assert!(report.is_complete(), "shutdown: {report}");
    let took = started.elapsed();
    wait_for(&collector, n);
    n as f64 / took.as_secs_f64()
}

/// Raw opentelemetry-otlp with the SDK batch processor, the same span by hand.
fn raw_run(protocol: OtlpProtocol, n: usize) -> f64 {
    let collector = Collector::counting();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let exporter = {
        let _entered = runtime.enter();
        match protocol {
            OtlpProtocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
                .with_tonic()
                .with_endpoint(collector.grpc_endpoint())
                .build(),
            OtlpProtocol::HttpJson => opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpJson)
                .with_endpoint(collector.http_traces_url())
                .build(),
            _ => opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpBinary)
                .with_endpoint(collector.http_traces_url())
                .build(),
        }
        .expect("exporter")
    };
    let config = BatchConfigBuilder::default()
        .with_max_queue_size(n + 1)
        .with_max_export_batch_size(BATCH)
        .with_scheduled_delay(DELAY)
        .build();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(
            BatchSpanProcessor::builder(exporter)
                .with_batch_config(config)
                .build(),
        )
        .build();
    let tracer = provider.tracer("raw");
    let started = Instant::now();
    for i in 0..n as u64 {
        let builder = tracer
            .span_builder("crux.tool.add")
            .with_kind(SpanKind::Internal)
            .with_attributes(tool_attributes("add", new_call_id()));
        tracer.in_span_with_builder(builder, |cx| {
            let out = std::hint::black_box(i.wrapping_add(1));
            cx.span().set_attributes(output_attributes(out));
        });
    }
    provider.shutdown().expect("shutdown");
    let took = started.elapsed();
    wait_for(&collector, n);
    runtime.shutdown_background();
    n as f64 / took.as_secs_f64()
}

fn wait_for(collector: &Collector, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while collector.received() < n {
        assert!(
            Instant::now() < deadline,
            "the collector received {} of {n} spans",
            collector.received()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The median and the middle half (first to third quartile) of `v`.
fn quartiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    let at = |q: usize| v[(v.len() - 1) * q / 4];
    (at(2), at(1), at(3))
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let numbers: Vec<usize> = std::env::args()
        .filter_map(|a| a.parse::<usize>().ok())
        .collect();
    let n = numbers
        .first()
        .copied()
        .unwrap_or(if benching { 20_000 } else { 500 });
    let rounds = numbers
        .get(1)
        .copied()
        .unwrap_or(if benching { 9 } else { 1 })
        .max(1);
    println!("### export throughput ({n} spans per run, {rounds} rounds, the two alternating)\n");
    println!("| protocol | crux spans/s (median) | raw opentelemetry-otlp spans/s (median) | crux / raw, median of the rounds' ratios | middle half |");
    println!("|---|---:|---:|---:|---:|");
    for (name, protocol, concurrent) in [
        ("http/protobuf", OtlpProtocol::HttpProtobuf, None),
        ("http/json", OtlpProtocol::HttpJson, None),
        ("grpc", OtlpProtocol::Grpc, None),
        (
            "http/protobuf, one batch at a time",
            OtlpProtocol::HttpProtobuf,
            Some(1),
        ),
        (
            "http/json, one batch at a time",
            OtlpProtocol::HttpJson,
            Some(1),
        ),
        ("grpc, one batch at a time", OtlpProtocol::Grpc, Some(1)),
    ] {
        let (mut ours, mut theirs, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            let (crux, raw) = if round % 2 == 0 {
                let crux = crux_run(protocol, concurrent, n);
                (crux, raw_run(protocol, n))
            } else {
                let raw = raw_run(protocol, n);
                (crux_run(protocol, concurrent, n), raw)
            };
            ours.push(crux);
            theirs.push(raw);
            ratios.push(crux / raw);
        }
        let (ratio, low, high) = quartiles(ratios);
        println!(
            "| {name} | {:.0} | {:.0} | {ratio:.2}x | {low:.2} – {high:.2} |",
            quartiles(ours).0,
            quartiles(theirs).0,
        );
    }
    if !benching {
        println!("\n_smoke test: too few spans, unoptimised; the numbers mean nothing_");
    }
}
