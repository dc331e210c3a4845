//! `.devtools()` never hurts the application: with no `crux-devtools` listening (at
//! `CRUX_DEVTOOLS_URL` or at a URL given to the builder), install succeeds, annotated
//! calls return, the other destinations still get every span, and the failed exports are
//! counted. (Delivery to a running devtools is tested in `devtools/tests/`.)

use crux::export::InMemorySpans;
use std::net::TcpListener;

#[crux::tool(name = "work", call_id = id)]
fn work(id: &str) -> usize {
    id.len()
}

/// A loopback URL nothing listens on.
fn closed_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port();
    format!("http://127.0.0.1:{port}")
}

fn run_against_missing_devtools(builder: crux::TelemetryBuilder) {
    let spans = InMemorySpans::new();
    let guard = builder
        .in_memory(&spans)
        .install()
        .expect("a missing devtools is no reason to fail");
    assert_eq!(work("call_1"), 6);
    let _ = guard.force_flush();
    let health = guard.destination_health();
    let devtools = health
        .iter()
        .find(|(name, _)| name == "otlp-http-protobuf")
        .map(|(_, h)| *h)
        .expect("the devtools destination is counted");
    assert_eq!(devtools.created, 1, "{health:?}");
    assert_eq!(
        devtools.failed, 1,
        "the refused export is counted: {health:?}"
    );
    drop(guard);
    assert!(
        spans.spans().iter().any(|s| s.name == "crux.tool.work"),
        "the other destination still got the span"
    );
}

#[test]
fn a_devtools_that_is_not_running_never_fails_the_application() {
    // One test: the environment and the installed pipeline are process-wide.
    std::env::set_var("CRUX_DEVTOOLS_URL", closed_url());
    run_against_missing_devtools(crux::Telemetry::builder().devtools());
    std::env::remove_var("CRUX_DEVTOOLS_URL");
    run_against_missing_devtools(crux::Telemetry::builder().devtools_at(closed_url()));
}
