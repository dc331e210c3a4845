//! W3C propagation against a real peer: the OpenTelemetry Python SDK (installed from
//! PyPI by `scripts/test`) continues a trace crux injected, and crux continues one the
//! Python SDK injected.

use crux::testing::{capture, SpanDataExt};
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn peer(mode: &str, stdin: &str) -> serde_json::Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/peer.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(mode)
        .env(
            "PYTHONPATH",
            crux_tests::installed(
                "CRUX_PYTHON_OTEL",
                "python-otel",
                "the OpenTelemetry Python SDK",
            ),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "peer.py {mode} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("peer prints JSON")
}

#[crux::delegate(id = "python-agent")]
fn hand_off_to_python() -> serde_json::Value {
    use opentelemetry::baggage::BaggageExt;
    let cx = opentelemetry::Context::current()
        .with_baggage(vec![opentelemetry::KeyValue::new("tenant", "acme")]);
    let headers = crux::propagation::headers_of(&cx);
    peer("child", &serde_json::to_string(&headers).unwrap())
}

#[test]
fn a_python_span_continues_the_trace_crux_injected() {
    let capture = capture();
    let python = hand_off_to_python();
    let delegate = capture.one("crux.delegate");
    assert_eq!(
        python["trace_id"],
        delegate.span_context.trace_id().to_string()
    );
    assert_eq!(
        python["parent_span_id"],
        delegate.span_context.span_id().to_string()
    );
    assert_eq!(python["parent_is_remote"], true);
    assert_eq!(python["baggage"]["tenant"], "acme");
}

#[crux::flow(name = "from_python", parent = headers)]
fn continue_from(headers: &HashMap<String, String>) {}

#[test]
fn crux_continues_the_trace_python_injected() {
    let capture = capture();
    let python = peer("parent", "");
    let headers: HashMap<String, String> =
        serde_json::from_value(python["headers"].clone()).unwrap();
    continue_from(&headers);
    let flow = capture.one("crux.flow");
    assert_eq!(flow.span_context.trace_id().to_string(), python["trace_id"]);
    assert_eq!(flow.parent_span_id.to_string(), python["span_id"]);
    assert!(flow.parent_span_is_remote);
    assert_eq!(
        flow.str_attr("crux.flow.name").as_deref(),
        Some("from_python")
    );
}
