//! With no builder installed, crux records through the global `TracerProvider` the
//! application registered — the standard OpenTelemetry path. (Its own test binary: the
//! global provider is process-wide.)

use crux::export::InMemorySpans;
use crux::opentelemetry_sdk::trace::SdkTracerProvider;
use crux::testing::SpanDataExt;

#[crux::tool(name = "search")]
fn search() -> u8 {
    1
}

#[crux::flow]
fn flow() {
    search();
}

#[test]
fn spans_go_to_the_global_provider_when_nothing_is_installed() {
    let spans = InMemorySpans::new();
    let provider = SdkTracerProvider::builder()
        .with_span_processor(spans.processor())
        .build();
    opentelemetry::global::set_tracer_provider(provider.clone());

    flow();
    let recorded = spans.spans();
    assert_eq!(recorded.len(), 2);
    let tool = recorded
        .iter()
        .find(|s| s.name == "crux.tool.search")
        .unwrap();
    let flow = recorded.iter().find(|s| s.name == "crux.flow").unwrap();
    assert_eq!(tool.parent_span_id, flow.span_context.span_id());
    assert_eq!(tool.str_attr("gen_ai.tool.name").as_deref(), Some("search"));
    assert_eq!(tool.instrumentation_scope.name(), "crux");

    // A builder with no destination keeps the global path but applies its options.
    let guard = crux::Telemetry::builder()
        .attribute("app.tenant", "acme")
        .install()
        .unwrap();
    assert!(guard.tracer_provider().is_none());
    spans.clear();
    search();
    assert_eq!(
        spans.spans()[0].str_attr("app.tenant").as_deref(),
        Some("acme")
    );
    drop(guard);
    provider.shutdown().unwrap();
}
