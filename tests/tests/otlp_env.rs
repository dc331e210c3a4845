//! OTLP configured only by the standard environment variables, against a real
//! collector. (Its own test binary: the environment is process-wide.)

use crux_tests::collector::Collector;
use std::time::Duration;

#[crux::tool(name = "ping")]
fn ping() {}

#[test]
fn otel_exporter_otlp_variables_configure_the_exporter() {
    let collector = Collector::start();
    // SAFETY of the test: this binary has a single test, so no other thread reads the
    // environment while it is changed.
    std::env::set_var("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_endpoint());
    std::env::set_var("OTEL_EXPORTER_OTLP_HEADERS", "x-team=agents");
    std::env::set_var("OTEL_EXPORTER_OTLP_TIMEOUT", "3000");
    std::env::set_var("OTEL_SERVICE_NAME", "from-env");

    let guard = crux::Telemetry::builder()
        .otlp_from_env()
        .install()
        .unwrap();
    assert!(
        guard.tracer_provider().is_some(),
        "the endpoint variable enables OTLP"
    );
    ping();
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");

    let spans = collector.wait_for(Duration::from_secs(10), |s| !s.is_empty());
    assert_eq!(spans[0].name, "crux.tool.ping");
    assert_eq!(
        spans[0].resource_attr("service.name"),
        Some("Str(from-env)")
    );

    // The metrics follow the traces' configuration.
    collector.wait_for_metrics(Duration::from_secs(10), |p| !p.is_empty());

    // The metrics' own variable sends them elsewhere; the traces stay.
    let metrics = Collector::start();
    std::env::set_var(
        "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
        format!("{}/v1/metrics", metrics.http_endpoint()),
    );
    let guard = crux::Telemetry::builder()
        .otlp_from_env()
        .install()
        .unwrap();
    ping();
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    metrics.wait_for_metrics(Duration::from_secs(10), |p| {
        p.iter().any(|p| p.metric == "crux.tool.calls")
    });
    assert!(metrics.spans().is_empty(), "only metrics go there");
    std::env::remove_var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT");

    std::env::remove_var("OTEL_EXPORTER_OTLP_ENDPOINT");
    let guard = crux::Telemetry::builder()
        .otlp_from_env()
        .install()
        .unwrap();
    assert!(
        guard.tracer_provider().is_none(),
        "no endpoint variable, no OTLP"
    );
}
