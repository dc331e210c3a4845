//! Outcomes: `Err` of any `Result` (aliases too), panics that keep unwinding, futures
//! dropped before they complete.

use crux::testing::{capture, EventExt, SpanDataExt};
use crux_tests::text;
use opentelemetry::trace::Status;
use std::time::Duration;

#[derive(Debug)]
struct Timeout;
impl std::fmt::Display for Timeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("model timed out after 30s")
    }
}
impl std::error::Error for Timeout {}

type AppResult<T> = Result<T, Timeout>;

#[crux::tool]
fn alias_err() -> AppResult<u8> {
    Err(Timeout)
}

#[crux::tool]
fn io_err() -> std::io::Result<u8> {
    Err(std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "no such order",
    ))
}

#[crux::tool]
fn boxed_err() -> Result<u8, Box<dyn std::error::Error + Send + Sync>> {
    let n: u8 = "x".parse()?;
    Ok(n)
}

#[derive(Debug)]
#[allow(dead_code)]
enum DebugOnly {
    Refused { code: u16 },
}

#[crux::tool]
fn debug_err() -> Result<(), DebugOnly> {
    Err(DebugOnly::Refused { code: 403 })
}

#[crux::tool]
fn ok_result() -> AppResult<u8> {
    Ok(1)
}

#[test]
fn err_of_any_result_is_an_error_with_type_and_exception() {
    let capture = capture();
    let _ = alias_err();
    let _ = io_err();
    let _ = boxed_err();
    let _ = debug_err();
    let _ = ok_result();

    let span = capture.one("crux.tool.alias_err");
    assert_eq!(span.status, Status::error("model timed out after 30s"));
    assert_eq!(text(&span, "error.type"), "outcomes::Timeout");
    let exception = span.event("exception").expect("exception event");
    assert_eq!(
        exception.str_attr("exception.type").as_deref(),
        Some("outcomes::Timeout")
    );
    assert_eq!(
        exception.str_attr("exception.message").as_deref(),
        Some("model timed out after 30s")
    );

    let span = capture.one("crux.tool.io_err");
    assert_eq!(span.error_description().as_deref(), Some("no such order"));
    assert_eq!(text(&span, "error.type"), "std::io::error::Error");

    let span = capture.one("crux.tool.boxed_err");
    assert_eq!(
        span.error_description().as_deref(),
        Some("invalid digit found in string")
    );

    let span = capture.one("crux.tool.debug_err");
    assert_eq!(
        span.error_description().as_deref(),
        Some("Refused { code: 403 }")
    );

    let span = capture.one("crux.tool.ok_result");
    assert_eq!(span.status, Status::Unset);
    assert!(span.attr("error.type").is_none());
    assert!(span.events.is_empty());
}

#[crux::flow_step]
fn panics() -> u8 {
    panic!("the model returned garbage")
}

#[crux::flow]
fn calls_panicking_step() -> u8 {
    panics()
}

#[test]
fn a_panic_is_recorded_and_keeps_unwinding() {
    let capture = capture();
    let caught = std::panic::catch_unwind(calls_panicking_step);
    let payload = caught.expect_err("the panic reaches the caller");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the model returned garbage")
    );

    for name in ["crux.flow.step", "crux.flow"] {
        let span = capture.one(name);
        assert_eq!(text(&span, "error.type"), "panic", "{name}");
        assert_eq!(
            span.error_description().as_deref(),
            Some("the model returned garbage")
        );
        let exception = span.event("exception").unwrap();
        assert_eq!(
            exception.str_attr("exception.type").as_deref(),
            Some("panic")
        );
        assert!(
            span.attr("crux.cancelled").is_none(),
            "a panic is not a cancellation"
        );
    }
    let step = capture.one("crux.flow.step");
    assert_eq!(capture.parent(&step).unwrap().name, "crux.flow");
}

#[crux::tool]
async fn async_panics() -> u8 {
    tokio::task::yield_now().await;
    panic!("async boom")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_in_an_async_fn_is_recorded() {
    let capture = capture();
    let joined = tokio::spawn(async_panics()).await;
    assert!(joined.unwrap_err().is_panic());
    let span = capture.one("crux.tool.async_panics");
    assert_eq!(text(&span, "error.type"), "panic");
    assert_eq!(span.error_description().as_deref(), Some("async boom"));
}

#[crux::tool]
async fn slow_tool() -> u8 {
    tokio::time::sleep(Duration::from_secs(60)).await;
    1
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
async fn slow_model() -> String {
    slow_tool().await;
    String::new()
}

#[tokio::test]
async fn a_future_dropped_before_completion_is_cancelled() {
    let capture = capture();
    let timed_out = tokio::time::timeout(Duration::from_millis(20), slow_model()).await;
    assert!(timed_out.is_err());
    for name in ["crux.generate", "crux.tool.slow_tool"] {
        let span = capture.one(name);
        assert_eq!(span.bool_attr("crux.cancelled"), Some(true), "{name}");
        assert_eq!(
            span.status,
            Status::Unset,
            "cancelled is not an error: {name}"
        );
    }
}

#[tokio::test]
async fn a_completed_future_is_not_cancelled() {
    let capture = capture();
    #[crux::tool]
    async fn quick() -> u8 {
        tokio::task::yield_now().await;
        2
    }
    assert_eq!(quick().await, 2);
    assert!(capture
        .one("crux.tool.quick")
        .attr("crux.cancelled")
        .is_none());
}
