//! The trace context across `.await` on a multi-thread runtime, spawned tasks, threads,
//! `tracing` spans, and 1,000 concurrent flows that must come out as disjoint trees.

use crux::testing::{capture, SpanDataExt};
use crux_tests::text;
use std::collections::{HashMap, HashSet};
use std::time::Duration;

#[crux::tool]
async fn fetch(n: u32) -> u32 {
    tokio::time::sleep(Duration::from_millis(u64::from(n % 3))).await;
    tokio::task::yield_now().await;
    n
}

#[crux::flow_step]
async fn gather(n: u32) -> u32 {
    let a = fetch(n).await;
    let b = fetch(n + 1).await;
    a + b
}

#[crux::flow(id = id)]
async fn run_flow(id: String, n: u32) -> u32 {
    let first = gather(n).await;
    let spawned = crux::spawn(async move { fetch(n * 10).await })
        .await
        .unwrap();
    first + spawned
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_flows_are_a_thousand_disjoint_correct_trees() {
    let capture = capture();
    let handles: Vec<_> = (0..1000u32)
        .map(|i| tokio::spawn(run_flow(format!("flow-{i}"), i)))
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let i = i as u32;
        assert_eq!(h.await.unwrap(), i + (i + 1) + i * 10);
    }
    let spans = capture.spans();
    // Per flow: flow, step, 2 tools under the step, 1 spawned tool under the flow.
    assert_eq!(spans.len(), 5000);

    let by_id: HashMap<_, _> = spans
        .iter()
        .map(|s| (s.span_context.span_id(), s))
        .collect();
    let flows: Vec<_> = spans.iter().filter(|s| s.name == "crux.flow").collect();
    assert_eq!(flows.len(), 1000);
    let traces: HashSet<_> = flows.iter().map(|f| f.span_context.trace_id()).collect();
    assert_eq!(traces.len(), 1000, "every flow is its own trace");

    for span in &spans {
        let trace = span.span_context.trace_id();
        if span.name == "crux.flow" {
            assert_eq!(span.parent_span_id, opentelemetry::trace::SpanId::INVALID);
            continue;
        }
        let parent = by_id
            .get(&span.parent_span_id)
            .unwrap_or_else(|| panic!("{} has no captured parent", span.name));
        assert_eq!(
            parent.span_context.trace_id(),
            trace,
            "parent in the same trace"
        );
        let expected_parent = match span.name.as_ref() {
            "crux.flow.step" => "crux.flow",
            "crux.tool.fetch" if parent.name == "crux.flow" => "crux.flow",
            "crux.tool.fetch" => "crux.flow.step",
            other => panic!("unexpected span {other}"),
        };
        assert_eq!(parent.name, expected_parent);
    }
    // Each flow's tree has exactly its own children, with its own flow id on the step.
    let mut children: HashMap<_, Vec<_>> = HashMap::new();
    for span in &spans {
        children.entry(span.parent_span_id).or_default().push(span);
    }
    for flow in &flows {
        let kids = &children[&flow.span_context.span_id()];
        let mut names: Vec<_> = kids.iter().map(|k| k.name.as_ref()).collect();
        names.sort_unstable();
        assert_eq!(names, ["crux.flow.step", "crux.tool.fetch"]);
        let step = kids.iter().find(|k| k.name == "crux.flow.step").unwrap();
        assert_eq!(text(step, "crux.flow.id"), text(flow, "crux.flow.id"));
        assert_eq!(children[&step.span_context.span_id()].len(), 2);
    }
}

#[crux::tool]
fn on_another_thread() -> u8 {
    1
}

#[crux::flow]
fn hands_work_to_threads() {
    let job = crux::bind(on_another_thread);
    std::thread::spawn(job).join().unwrap();
}

#[test]
fn bind_carries_the_context_to_a_thread() {
    let capture = capture();
    hands_work_to_threads();
    let tool = capture.one("crux.tool.on_another_thread");
    assert_eq!(capture.parent(&tool).unwrap().name, "crux.flow");
}

#[crux::flow]
async fn blocking_work() -> u8 {
    crux::spawn_blocking(on_another_thread).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_blocking_carries_the_context() {
    let capture = capture();
    blocking_work().await;
    let tool = capture.one("crux.tool.on_another_thread");
    assert_eq!(capture.parent(&tool).unwrap().name, "crux.flow");
}

#[crux::flow]
async fn plain_tokio_spawn_loses_the_parent() {
    tokio::spawn(async { fetch(1).await }).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_crux_spawn_the_task_starts_a_new_trace() {
    // The control for crux::spawn: the behaviour it fixes is real.
    let capture = capture();
    plain_tokio_spawn_loses_the_parent().await;
    let tool = capture.one("crux.tool.fetch");
    assert_eq!(tool.parent_span_id, opentelemetry::trace::SpanId::INVALID);
}

#[crux::tool(name = "db_query")]
async fn tool_with_tracing_inside() -> u8 {
    let span = tracing::info_span!("sql.query", db.statement = "select 1");
    async {
        tokio::task::yield_now().await;
        tracing::info_span!("sql.row").in_scope(|| ());
    }
    .instrument_tracing(span)
    .await;
    3
}

trait InstrumentTracing: std::future::Future + Sized {
    fn instrument_tracing(self, span: tracing::Span) -> tracing::instrument::Instrumented<Self> {
        tracing::Instrument::instrument(self, span)
    }
}
impl<F: std::future::Future> InstrumentTracing for F {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tracing_span_inside_a_tool_nests_under_it() {
    use opentelemetry::trace::TracerProvider as _;
    use tracing_subscriber::layer::SubscriberExt;

    let capture = capture();
    let provider = capture.guard().tracer_provider().unwrap().clone();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("app")));
    let _default = tracing::subscriber::set_default(subscriber);

    tool_with_tracing_inside().await;
    drop(_default);

    let tool = capture.one("crux.tool.db_query");
    let query = capture.one("sql.query");
    assert_eq!(query.parent_span_id, tool.span_context.span_id());
    assert_eq!(query.span_context.trace_id(), tool.span_context.trace_id());
    let row = capture.one("sql.row");
    assert_eq!(row.parent_span_id, query.span_context.span_id());
    assert_eq!(query.str_attr("db.statement").as_deref(), Some("select 1"));
}

#[tokio::test]
async fn crux_spans_nest_under_an_application_span() {
    use opentelemetry::trace::{TraceContextExt, Tracer as _, TracerProvider as _};
    let capture = capture();
    let tracer = capture.guard().tracer_provider().unwrap().tracer("app");
    let http = tracer.start("POST /chat");
    let cx = opentelemetry::Context::current_with_span(http);
    crux::FutureExt::in_context(fetch(4), cx.clone()).await;
    cx.span().end();
    let tool = capture.one("crux.tool.fetch");
    let http = capture.one("POST /chat");
    assert_eq!(tool.parent_span_id, http.span_context.span_id());
}
