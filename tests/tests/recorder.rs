//! Crux's own span recorder against the SDK's tracer. With crux's processors only, crux
//! records its spans itself (per-thread buffers, drained on an export thread); an
//! application processor (`.processor(..)`) makes it record through the SDK. The same
//! workload — the support and research examples' agents, on Tokio worker threads —
//! recorded both ways must give the same spans: names, tree, kinds, attributes, events,
//! links, status, limits' counts and scope.

use crux::export::InMemorySpans;
use crux::opentelemetry::trace::{SpanId, TraceContextExt as _, TraceId};
use crux::opentelemetry::Value;
use crux::opentelemetry_sdk::trace::{
    SamplingDecision, SamplingResult, ShouldSample, SpanData, SpanLimits,
};
use crux::{Sampler, Telemetry, TelemetryBuilder};
use crux_examples::{research, support};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What differs between two runs of the same workload, whichever records: generated
/// ids, clock readings, and what is derived from them.
fn volatile(key: &str) -> bool {
    key.ends_with(".id") && (key.contains("call") || key.contains("run") || key.contains("trace"))
        || key.contains("duration")
        || key.contains("elapsed")
        || key.contains("_ms")
        || key.ends_with(".at")
        || key.ends_with("_at")
        || key.contains("timestamp")
        || key.contains("checkpoint")
}

/// A generated identifier (`call_8feaa31259a22ae7`, `comp_…`).
fn generated(value: &Value) -> bool {
    let text = value.as_str();
    text.rsplit_once('_')
        .is_some_and(|(_, hex)| hex.len() >= 16 && hex.chars().all(|c| c.is_ascii_hexdigit()))
}

fn show(key: &str, value: &Value) -> String {
    match value {
        _ if volatile(key) || generated(value) => format!("{key}=~"),
        Value::F64(f) => format!("{key}={f:.9}"),
        other => format!("{key}={other}"),
    }
}

/// Attributes as text, in their order.
fn in_order(attrs: &[crux::opentelemetry::KeyValue]) -> Vec<String> {
    attrs
        .iter()
        .map(|kv| show(kv.key.as_str(), &kv.value))
        .collect()
}

/// Attributes as text, sorted by key.
fn shown(attrs: &[crux::opentelemetry::KeyValue]) -> Vec<String> {
    let mut shown = in_order(attrs);
    shown.sort();
    shown
}

/// A span as both recorders must agree on it: its path of names from the root and
/// everything but ids and times.
fn normal(span: &SpanData, by_id: &HashMap<SpanId, &SpanData>) -> String {
    let mut path = vec![span.name.to_string()];
    let mut parent = span.parent_span_id;
    while let Some(p) = by_id.get(&parent) {
        path.push(p.name.to_string());
        parent = p.parent_span_id;
    }
    path.reverse();
    // In order: the defaults a span leaves to its export are written in the place its
    // start would have given them.
    let attrs = in_order(&span.attributes);
    let events: Vec<String> = span
        .events
        .iter()
        .map(|e| {
            let attrs = shown(&e.attributes);
            let dropped = e.dropped_attributes_count;
            format!("{}{{{}}} dropped {dropped}", e.name, attrs.join(","))
        })
        .collect();
    format!(
        "{} kind={:?} status={:?} sampled={} remote_parent={}\n  attrs [{}] dropped {}\n  events [{}] dropped {}\n  links {} dropped {}\n  scope {} {:?}",
        path.join(" > "),
        span.span_kind,
        span.status,
        span.span_context.is_sampled(),
        span.parent_span_is_remote,
        attrs.join(", "),
        span.dropped_attributes_count,
        events.join("; "),
        span.events.dropped_count,
        span.links.len(),
        span.links.dropped_count,
        span.instrumentation_scope.name(),
        span.instrumentation_scope.version(),
    )
}

fn normalised(spans: &[SpanData]) -> Vec<String> {
    let by_id: HashMap<SpanId, &SpanData> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), s))
        .collect();
    let mut all: Vec<String> = spans.iter().map(|s| normal(s, &by_id)).collect();
    all.sort();
    all
}

async fn workload() {
    support::sync_help_center();
    let handles: Vec<_> = support::demo()
        .into_iter()
        .map(|(agent, ticket)| tokio::spawn(async move { agent.handle(&ticket).await.is_ok() }))
        .collect();
    for handle in handles {
        handle.await.expect("the agent's task");
    }
    let agent = research::ResearchAgent::new();
    let _ = agent.research("chat-solar", research::QUESTION).await;
}

/// The workload's spans, recorded by crux's recorder or (`sdk`) through the SDK.
fn record(builder: TelemetryBuilder, sdk: bool) -> Vec<SpanData> {
    let _turn = crux::testing::exclusive();
    crux::set_enabled(true);
    let spans = InMemorySpans::new();
    let builder = match sdk {
        true => builder.processor(spans.processor()),
        false => builder.in_memory(&spans),
    };
    let guard = builder.install().expect("installs");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(workload());
    drop(runtime);
    let report = guard.shutdown();
    assert!(report.errors.is_empty(), "{report}");
    spans.spans()
}

fn assert_same(builder: impl Fn() -> TelemetryBuilder) {
    let ours = record(builder(), false);
    let sdk = record(builder(), true);
    assert!(
        ours.len() > 100,
        "the workload records {} spans",
        ours.len()
    );
    let (ours, sdk) = (normalised(&ours), normalised(&sdk));
    for (a, b) in ours.iter().zip(&sdk) {
        assert_eq!(a, b, "crux's recorder (left) and the SDK (right) disagree");
    }
    assert_eq!(ours.len(), sdk.len());
}

#[test]
fn the_recorder_and_the_sdk_record_the_same_spans() {
    assert_same(|| Telemetry::builder().capture_content(true));
    // Without content, a tool given no argument leaves its defaults to the export.
    assert_same(|| Telemetry::builder().capture_content(false));
}

#[test]
fn the_recorder_cuts_at_the_span_limits_as_the_sdk_does() {
    let limits = SpanLimits {
        max_attributes_per_span: 5,
        max_events_per_span: 1,
        max_attributes_per_event: 1,
        ..SpanLimits::default()
    };
    assert_same(|| Telemetry::builder().span_limits(limits));
    let spans = record(Telemetry::builder().span_limits(limits), false);
    assert!(spans
        .iter()
        .all(|s| s.attributes.len() <= 5 && s.events.len() <= 1));
    assert!(spans.iter().any(|s| s.dropped_attributes_count > 0));
}

#[test]
fn end_attributes_fill_the_room_the_span_limit_leaves() {
    // The attribute keys (sorted) and dropped count of one `echo` call's span, under a
    // span limit of `limit`, recorded by crux's recorder or (`sdk`) through the SDK.
    let echo_span = |limit: u32, sdk: bool| {
        let _turn = crux::testing::exclusive();
        crux::set_enabled(true);
        let spans = InMemorySpans::new();
        let builder = Telemetry::builder().span_limits(SpanLimits {
            max_attributes_per_span: limit,
            ..SpanLimits::default()
        });
        let builder = match sdk {
            true => builder.processor(spans.processor()),
            false => builder.in_memory(&spans),
        };
        let guard = builder.install().expect("installs");
        echo("hi");
        assert!(guard.shutdown().errors.is_empty());
        let span = spans.spans().pop().expect("the echo span");
        let mut keys: Vec<String> = span
            .attributes
            .iter()
            .map(|kv| kv.key.to_string())
            .collect();
        keys.sort();
        (keys, span.dropped_attributes_count)
    };
    // Room for all: how many attributes the span starts and ends with.
    let (all, none_dropped) = echo_span(128, false);
    assert_eq!(none_dropped, 0);
    let ends = [
        crux::attributes::CRUX_TOOL_OUTPUT_SIZE,
        crux::attributes::CRUX_TOOL_MODEL_OUTPUT_SIZE,
    ];
    assert!(ends.iter().all(|k| all.iter().any(|a| a == k)), "{all:?}");
    // Room for all but two: the last two end attributes are counted as dropped, the
    // ones before them kept, by crux's recorder as by the SDK.
    let limit = all.len() as u32 - 2;
    let (ours, dropped) = echo_span(limit, false);
    assert_eq!(ours.len(), limit as usize);
    assert_eq!(dropped, 2);
    assert_eq!((ours, dropped), echo_span(limit, true));
}

#[crux::tool(name = "echo")]
fn echo(text: &str) -> String {
    text.to_owned()
}

#[crux::flow(name = "fan_out")]
async fn fan_out(threads: usize) {
    let handles: Vec<_> = (0..threads)
        .map(|i| crux::spawn_blocking(move || echo(&format!("call {i}"))))
        .collect();
    for handle in handles {
        handle.await.expect("the blocking task");
    }
}

#[test]
fn the_sampler_decides_as_it_would_in_the_sdk() {
    for (sampler, expected) in [
        (Sampler::AlwaysOff, 0),
        (Sampler::AlwaysOn, 1),
        (Sampler::TraceIdRatioBased(0.0), 0),
        (Sampler::ParentBased(Box::new(Sampler::AlwaysOn)), 1),
    ] {
        let label = format!("{sampler:?}");
        let capture = crux::testing::capture_with(Telemetry::builder().sampler(sampler));
        echo("hi");
        assert_eq!(capture.named("crux.tool.echo").len(), expected, "{label}");
    }
}

#[test]
fn an_unsampled_parent_keeps_its_children_out_and_its_trace_id() {
    let capture = crux::testing::capture();
    let parent = crux::opentelemetry::trace::SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        crux::opentelemetry::trace::TraceFlags::default(),
        true,
        Default::default(),
    );
    let cx = crux::opentelemetry::Context::new().with_remote_span_context(parent.clone());
    let _attached = cx.attach();
    let seen = std::cell::RefCell::new(None);
    #[crux::tool(name = "inside")]
    fn inside(seen: &std::cell::RefCell<Option<TraceId>>) {
        let span = crux::Span::current();
        assert!(!span.is_recording());
        *seen.borrow_mut() = Some(span.context().span().span_context().trace_id());
    }
    inside(&seen);
    assert_eq!(seen.into_inner(), Some(parent.trace_id()));
    assert!(capture.spans().is_empty());
}

#[test]
fn children_ended_on_other_threads_arrive_before_their_parent() {
    let capture = crux::testing::capture();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(fan_out(8));
    let spans = capture.spans();
    let flow = spans
        .iter()
        .position(|s| s.name == "crux.flow")
        .expect("the flow span");
    let children: Vec<usize> = spans
        .iter()
        .enumerate()
        .filter(|(_, s)| s.parent_span_id == spans[flow].span_context.span_id())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(children.len(), 8);
    assert!(
        children.iter().all(|&i| i < flow),
        "{children:?} before {flow}"
    );
}

#[test]
fn spans_of_a_thread_that_has_exited_are_delivered() {
    let capture = crux::testing::capture();
    std::thread::spawn(|| echo("from a short-lived thread"))
        .join()
        .expect("the thread");
    let span = capture.one("crux.tool.echo");
    assert_eq!(span.parent_span_id, SpanId::INVALID);
}

#[test]
fn the_export_thread_delivers_without_being_asked() {
    let _turn = crux::testing::exclusive();
    crux::set_enabled(true);
    let received = Arc::new(Mutex::new(0usize));
    let counted = received.clone();
    let guard = Telemetry::builder()
        .scheduled_delay(Duration::from_millis(10))
        .callback(move |batch| *counted.lock().unwrap() += batch.len())
        .install()
        .expect("installs");
    for i in 0..50 {
        echo(&i.to_string());
    }
    // No flush, no shutdown: the recorder's drain and the batch thread deliver alone.
    let started = Instant::now();
    while *received.lock().unwrap() < 50 && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(*received.lock().unwrap(), 50);
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    assert_eq!(report.health.created, 50);
}

/// The generated call id of each `echo` span, by span id: checked to be one id under
/// both keys, and different for each call.
fn echo_call_ids(spans: &[SpanData]) -> HashMap<SpanId, String> {
    let mut ids = HashMap::new();
    for span in spans.iter().filter(|s| s.name == "crux.tool.echo") {
        let id = crux_tests::text(span, "crux.tool.call_id");
        assert!(
            id.starts_with("call_") && generated(&Value::from(id.clone())),
            "{id}"
        );
        assert_eq!(crux_tests::text(span, "gen_ai.tool.call.id"), id);
        ids.insert(span.span_context.span_id(), id);
    }
    let distinct: std::collections::HashSet<&String> = ids.values().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    ids
}

#[test]
fn a_call_id_left_to_the_export_is_the_same_in_every_destination() {
    let _turn = crux::testing::exclusive();
    crux::set_enabled(true);
    let memory = InMemorySpans::new();
    let called_back = Arc::new(Mutex::new(Vec::new()));
    let sink = called_back.clone();
    let guard = Telemetry::builder()
        .in_memory(&memory)
        .callback(move |batch| sink.lock().unwrap().extend(batch))
        .install()
        .expect("installs");
    for i in 0..3 {
        echo(&i.to_string());
    }
    assert!(guard.shutdown().is_complete());
    let in_memory = echo_call_ids(&memory.spans());
    assert_eq!(in_memory.len(), 3);
    assert_eq!(in_memory, echo_call_ids(&called_back.lock().unwrap()));
    // Written where the span was exported: from its id (one made at the start is not).
    for (span_id, id) in &in_memory {
        assert_eq!(*id, format!("call_{span_id}"));
    }
}

#[test]
fn a_call_id_read_as_the_call_starts_is_generated_then() {
    // The attribute hook sees it at the start: the id it saw is the one exported.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let saw = seen.clone();
    let capture = crux::testing::capture_with(Telemetry::builder().map_attributes(
        move |phase, name, attrs| {
            if phase == crux::hooks::Phase::Start && name == "crux.tool.echo" {
                let id = attrs
                    .get("crux.tool.call_id")
                    .map(|v| v.as_str().into_owned());
                saw.lock().unwrap().push(id.unwrap_or_default());
            }
        },
    ));
    echo("hooked");
    let exported: Vec<String> = echo_call_ids(&capture.spans()).into_values().collect();
    assert_eq!(*seen.lock().unwrap(), exported);
    drop(capture);
    // A sampler the application gives reads the attributes as the span starts.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sampler = Sampler::ParentBased(Box::new(Reading(seen.clone())));
    let capture = crux::testing::capture_with(Telemetry::builder().sampler(sampler));
    echo("sampled");
    let exported: Vec<String> = echo_call_ids(&capture.spans()).into_values().collect();
    assert_eq!(*seen.lock().unwrap(), exported);
    drop(capture);
    // Through the SDK's tracer (an application processor installed).
    let _turn = crux::testing::exclusive();
    crux::set_enabled(true);
    let spans = InMemorySpans::new();
    let guard = Telemetry::builder()
        .processor(spans.processor())
        .install()
        .expect("installs");
    echo("through the sdk");
    assert!(guard.shutdown().errors.is_empty());
    assert_eq!(echo_call_ids(&spans.spans()).len(), 1);
}

/// A root sampler that samples every span and notes the call id a tool span starts with.
#[derive(Clone, Debug)]
struct Reading(Arc<Mutex<Vec<String>>>);

impl ShouldSample for Reading {
    fn should_sample(
        &self,
        _parent: Option<&crux::opentelemetry::Context>,
        _trace_id: TraceId,
        _name: &str,
        _kind: &crux::opentelemetry::trace::SpanKind,
        attributes: &[crux::opentelemetry::KeyValue],
        _links: &[crux::opentelemetry::trace::Link],
    ) -> SamplingResult {
        if let Some(kv) = attributes
            .iter()
            .find(|kv| kv.key.as_str() == "crux.tool.call_id")
        {
            self.0.lock().unwrap().push(kv.value.as_str().into_owned());
        }
        SamplingResult {
            decision: SamplingDecision::RecordAndSample,
            attributes: Vec::new(),
            trace_state: Default::default(),
        }
    }
}
