//! One bad value never sinks a batch: non-finite floats, huge strings and too many
//! attributes or events are made safe once, on the export side, for every destination
//! (each OTLP protocol against a real collector, and the callback alongside it).

use crux::export::{Otlp, OtlpProtocol};
use crux::opentelemetry::{KeyValue, Value};
use crux::opentelemetry_sdk::trace::SpanData;
use crux_tests::collector::{Collector, ReceivedSpan};
use crux_tests::{collected, value};
use std::time::Duration;

const CAP: usize = 1000;

#[crux::tool(name = "bad")]
fn bad_values() {
    let span = crux::Span::current();
    span.set_attribute("app.score", &f64::NAN);
    span.set_attribute("app.ratio", &f64::NEG_INFINITY);
    span.set_attribute("app.blob", "é".repeat(50_000).as_str());
    for i in 0..200 {
        span.set_attribute(format!("app.k{i}"), &(i as i64));
    }
    for i in 0..200 {
        span.add_event("app.tick", [KeyValue::new("app.i", i as i64)]);
    }
}

#[crux::tool(name = "fine")]
fn fine() {}

fn check_callback(spans: &[SpanData]) {
    let bad = spans
        .iter()
        .find(|s| s.name == "crux.tool.bad")
        .expect("bad span");
    let attr = |k: &str| {
        bad.attributes
            .iter()
            .find(|kv| kv.key.as_str() == k)
            .map(|kv| kv.value.clone())
    };
    assert_eq!(attr("app.score"), Some(Value::from("NaN")));
    assert_eq!(attr("app.ratio"), Some(Value::from("-Infinity")));
    assert_eq!(
        attr("app.blob").map(|v| v.as_str().chars().count()),
        Some(CAP)
    );
    assert_eq!(attr("crux.truncated"), Some(Value::Bool(true)));
    assert!(bad.attributes.len() <= 129, "{}", bad.attributes.len());
    assert_eq!(bad.events.len(), 128);
}

fn check_received(spans: &[ReceivedSpan]) {
    assert_eq!(spans.len(), 50, "the whole batch arrived");
    let bad = spans
        .iter()
        .find(|s| s.name == "crux.tool.bad")
        .expect("bad span");
    assert_eq!(bad.attr("app.score"), Some("Str(NaN)"));
    assert_eq!(bad.attr("app.ratio"), Some("Str(-Infinity)"));
    assert_eq!(
        bad.attr("app.blob"),
        Some(format!("Str({})", "é".repeat(CAP)).as_str())
    );
    assert_eq!(bad.attr("crux.truncated"), Some("Bool(true)"));
    assert!(bad.attributes.len() <= 129, "{}", bad.attributes.len());
    assert_eq!(bad.events.len(), 128);
}

#[test]
fn non_finite_floats_long_strings_and_too_many_attributes_are_made_safe_everywhere() {
    let _turn = crux::testing::exclusive();
    for protocol in [
        OtlpProtocol::HttpJson,
        OtlpProtocol::HttpProtobuf,
        OtlpProtocol::Grpc,
    ] {
        let collector = Collector::start();
        let endpoint = match protocol {
            OtlpProtocol::Grpc => collector.grpc_endpoint(),
            _ => collector.http_endpoint(),
        };
        let (received, callback) = collected();
        let guard = crux::Telemetry::builder()
            .otlp_with(Otlp::new().protocol(protocol).endpoint(endpoint))
            .callback(callback)
            .max_attribute_value_length(CAP)
            .export_retry_for(Duration::from_millis(500))
            .install()
            .unwrap();
        bad_values();
        for _ in 0..49 {
            fine();
        }
        let report = guard.shutdown();
        assert!(report.is_complete(), "{protocol:?}: {report}");
        check_callback(&received.lock().unwrap());
        check_received(&collector.wait_for(Duration::from_secs(10), |s| s.len() >= 50));
    }
}

#[crux::tool(name = "long")]
fn long_value() {
    crux::Span::current().set_attribute("app.blob", "x".repeat(40_000).as_str());
}

#[test]
fn string_values_are_capped_at_32_768_characters_by_default() {
    let _turn = crux::testing::exclusive();
    let (received, callback) = collected();
    let guard = crux::Telemetry::builder()
        .callback(callback)
        .install()
        .unwrap();
    long_value();
    guard.shutdown();
    let blob = value(&received.lock().unwrap()[0], "app.blob");
    assert_eq!(blob.map(|v| v.as_str().len()), Some(32_768));
}

#[crux::tool]
fn renamed_tool() -> u8 {
    let span = crux::Span::current();
    span.set_attribute("gen_ai.tool.name", "renamed");
    span.set_attribute("", "no key");
    1
}

#[test]
fn a_key_set_again_at_run_time_is_replaced_and_an_empty_key_dropped() {
    let capture = crux::testing::capture();
    renamed_tool();
    let span = capture.one("crux.tool.renamed_tool");
    let names: Vec<&opentelemetry::KeyValue> = span
        .attributes
        .iter()
        .filter(|kv| kv.key.as_str() == "gen_ai.tool.name")
        .collect();
    assert_eq!(names.len(), 1, "{:?}", span.attributes);
    assert_eq!(names[0].value.as_str(), "renamed");
    assert!(span.attributes.iter().all(|kv| !kv.key.as_str().is_empty()));
}
