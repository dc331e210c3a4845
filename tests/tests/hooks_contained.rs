//! A user hook that panics never reaches the application: the annotated call returns
//! (or keeps its own panic), the span still goes out with what it had, and the panic is
//! counted. A hook panicking while the annotated fn itself unwinds does not abort.

use crux::testing::{capture_with, SpanDataExt};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[crux::tool]
fn lookup(order: &str) -> String {
    format!("order {order}: shipped")
}

#[crux::tool]
fn explode() -> String {
    panic!("the tool's own panic")
}

#[derive(crux::Prompt)]
#[prompt(name = "triage", version = "3")]
struct Triage {
    #[prompt(variable)]
    question: String,
}

#[crux::use_reason(telemetry(prompt = &Triage { question: q.to_owned() }))]
fn reason(q: &str) -> usize {
    q.len()
}

fn quiet<R>(run: impl FnOnce() -> R) -> R {
    // The hook panics print through the panic hook; keep the test output readable.
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let out = run();
    std::panic::set_hook(previous);
    out
}

#[test]
fn a_panicking_map_attributes_in_any_phase_is_contained() {
    let capture = capture_with(
        crux::Telemetry::builder().map_attributes(|phase, _, attrs| {
            attrs.set("app.phase_seen", format!("{phase:?}"));
            panic!("map_attributes fails in {phase:?}");
        }),
    );
    let before = crux::hooks::panicked_hooks();
    let out = quiet(|| lookup("A-1"));
    assert_eq!(out, "order A-1: shipped");
    let span = capture.one("crux.tool.lookup");
    // The span went out, with what the hook managed before it panicked.
    assert_eq!(
        span.attr("crux.tool.name").map(|v| v.as_str().into_owned()),
        Some("lookup".to_owned())
    );
    assert!(span.attr("app.phase_seen").is_some());
    // Start and end phases (a tool records no events or errors here).
    assert!(crux::hooks::panicked_hooks() >= before + 2);
}

#[test]
fn panicking_start_end_and_prompt_hooks_are_contained() {
    let capture = capture_with(
        crux::Telemetry::builder()
            .on_span_start(|_| panic!("on_span_start fails"))
            .on_span_end(|_| panic!("on_span_end fails"))
            .map_prompt_metadata(|_| panic!("map_prompt_metadata fails")),
    );
    let before = crux::hooks::panicked_hooks();
    let n = quiet(|| reason("where is my parcel?"));
    assert_eq!(n, 19);
    let span = capture.one("crux.use_reason");
    assert_eq!(
        span.attr("gen_ai.prompt.name")
            .map(|v| v.as_str().into_owned()),
        Some("triage".to_owned())
    );
    assert_eq!(crux::hooks::panicked_hooks(), before + 3);
}

#[test]
fn a_hook_panicking_while_the_fn_unwinds_does_not_abort() {
    let capture =
        capture_with(crux::Telemetry::builder().on_span_end(|_| panic!("on_span_end fails")));
    // Without containment the second panic, in a drop during the unwind, aborts the
    // whole test process.
    let caught = quiet(|| catch_unwind(AssertUnwindSafe(explode)));
    let payload = caught.expect_err("the tool's own panic keeps unwinding");
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"the tool's own panic")
    );
    let span = capture.one("crux.tool.explode");
    assert_eq!(
        span.error_description().as_deref(),
        Some("the tool's own panic")
    );
}
