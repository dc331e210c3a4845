//! The `tracing` feature: one builder option, and the `tracing` spans of a library used
//! inside a crux span nest under it and reach crux's destinations, with no
//! `tracing-opentelemetry` wiring by the application. One test: it sets the process's
//! global subscriber.

use crux::export::InMemorySpans;
use crux::testing::SpanDataExt;

/// What a library does: its own `tracing` spans, knowing nothing of crux.
async fn library_call() {
    use tracing::Instrument;
    async {
        tokio::task::yield_now().await;
        tracing::info_span!("http.request.retry").in_scope(|| ());
    }
    .instrument(tracing::info_span!("http.request", http.method = "POST"))
    .await;
}

#[crux::tool]
async fn fetch_order() -> u8 {
    library_call().await;
    7
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tracing_spans_of_libraries_nest_under_crux_spans() {
    let spans = InMemorySpans::new();
    let telemetry = crux::Telemetry::builder()
        .in_memory(&spans)
        .tracing()
        .install()
        .unwrap();
    fetch_order().await;
    let report = telemetry.shutdown();
    assert!(report.is_complete(), "{report}");

    let all = spans.spans();
    let find = |name: &str| {
        all.iter().find(|s| s.name == name).unwrap_or_else(|| {
            panic!(
                "no span {name} in {:?}",
                all.iter().map(|s| &s.name).collect::<Vec<_>>()
            )
        })
    };
    let tool = find("crux.tool.fetch_order");
    let request = find("http.request");
    assert_eq!(request.parent_span_id, tool.span_context.span_id());
    assert_eq!(
        request.span_context.trace_id(),
        tool.span_context.trace_id()
    );
    assert_eq!(request.str_attr("http.method").as_deref(), Some("POST"));
    let retry = find("http.request.retry");
    assert_eq!(retry.parent_span_id, request.span_context.span_id());
}
