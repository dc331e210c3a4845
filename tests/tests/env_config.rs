//! Configuration from the environment: mistakes are install errors naming the setting
//! and its value, not silently ignored settings that fail every export later; the limit
//! variables apply. (Its own test binary: the environment is process-wide.)

use crux::opentelemetry::{KeyValue, Value};
use crux_tests::{collected, value};

/// Installs OTLP with `var=value` set and returns the install error.
fn install_error(var: &str, value: &str) -> String {
    // SAFETY of the test: this binary has a single test, so no other thread reads the
    // environment while it is changed.
    std::env::set_var(var, value);
    let result = crux::Telemetry::builder()
        .otlp_endpoint("http://127.0.0.1:4318")
        .otlp()
        .install();
    std::env::remove_var(var);
    match result {
        Ok(_) => panic!("{var}={value} installed"),
        Err(e) => e.to_string(),
    }
}

#[crux::tool(name = "noisy")]
fn noisy() {
    let span = crux::Span::current();
    span.set_attribute("app.note", "abcdefgh");
    for i in 0..40 {
        span.set_attribute(format!("app.k{i}"), &(i as i64));
        span.add_event("app.tick", [KeyValue::new("app.i", i as i64)]);
    }
}

#[test]
fn each_malformed_setting_is_an_install_error_naming_it() {
    let _turn = crux::testing::exclusive();
    for (var, value) in [
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "abc"),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "-1"),
        ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1.5s"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "brotli"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "many"),
        ("OTEL_BSP_SCHEDULE_DELAY", "-5"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:99999"),
        ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "localhost:4318"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift"),
        ("CRUX_SHUTDOWN_TIMEOUT", "soon"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "lots"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1"),
    ] {
        let error = install_error(var, value);
        assert!(
            error.contains(&format!("{var}={value}")),
            "{var}={value}: {error}"
        );
    }
    // Header values are often API keys: the error names the entry, not the value.
    let error = install_error("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key:SECRET");
    assert!(
        error.contains("OTEL_EXPORTER_OTLP_HEADERS") && error.contains("entry 1 has no `=`"),
        "{error}"
    );
    assert!(!error.contains("SECRET"), "{error}");
    let error = install_error("OTEL_EXPORTER_OTLP_HEADERS", "ok=1,bad name=2");
    assert!(error.contains("`bad name`"), "{error}");

    // The builder's own settings too.
    let error = crux::Telemetry::builder()
        .max_queue_size(0)
        .install()
        .expect_err("a queue of 0 spans");
    assert!(error.to_string().contains("max_queue_size(0)"), "{error}");
    let error = crux::Telemetry::builder()
        .otlp_with(crux::export::Otlp::new().timeout(std::time::Duration::ZERO))
        .install()
        .expect_err("a zero timeout");
    assert!(error.to_string().contains("Otlp::timeout(0s)"), "{error}");
    let error = crux::Telemetry::builder()
        .otlp_endpoint("http://localhost:70000")
        .install()
        .expect_err("port 70000");
    assert!(error.to_string().contains("70000"), "{error}");

    // The limit variables apply to every span.
    for (var, value) in [
        ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "4"),
        ("OTEL_SPAN_EVENT_COUNT_LIMIT", "3"),
        ("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "20"),
    ] {
        std::env::set_var(var, value);
    }
    let (spans, callback) = collected();
    let guard = crux::Telemetry::builder()
        .callback(callback)
        .install()
        .unwrap();
    noisy();
    guard.shutdown();
    let spans = spans.lock().unwrap();
    let attr = |k: &str| value(&spans[0], k);
    assert_eq!(attr("app.note"), Some(Value::from("abcd")));
    assert_eq!(attr("crux.truncated"), Some(Value::Bool(true)));
    assert!(spans[0].attributes.len() <= 21, "{:?}", spans[0].attributes);
    assert_eq!(spans[0].events.len(), 3);
    for var in [
        "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        "OTEL_SPAN_EVENT_COUNT_LIMIT",
        "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
    ] {
        std::env::remove_var(var);
    }

    // Well-formed settings install.
    for (var, value) in [
        (
            "OTEL_EXPORTER_OTLP_HEADERS",
            "x-api-key=k%3D1,x-team=agents",
        ),
        ("OTEL_EXPORTER_OTLP_TIMEOUT", "3000"),
        ("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"),
        ("OTEL_BSP_MAX_QUEUE_SIZE", "10"),
        ("CRUX_SHUTDOWN_TIMEOUT", "0"),
    ] {
        std::env::set_var(var, value);
    }
    let guard = crux::Telemetry::builder().otlp().install();
    assert!(guard.is_ok(), "{guard:?}");
}
