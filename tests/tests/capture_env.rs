//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` turns capture on when the builder
//! does not decide; the builder's own setting wins. (Its own binary: the environment is
//! process-wide.)

use crux::testing::{capture, capture_with, SpanDataExt};

#[crux::generate(provider = "openai", model = "gpt-4o", messages = [crux::Message::user(prompt)])]
fn ask(prompt: &str) {}

#[test]
fn the_environment_variable_enables_capture() {
    std::env::set_var("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true");
    let c = capture();
    ask("hello there");
    assert!(c
        .one("crux.generate")
        .str_attr("gen_ai.input.messages")
        .unwrap()
        .contains("hello there"));
    drop(c);
    let c = capture_with(crux::Telemetry::builder().capture_content(false));
    ask("hello there");
    assert!(
        c.one("crux.generate")
            .attr("gen_ai.input.messages")
            .is_none(),
        "the builder wins"
    );
    drop(c);
    std::env::set_var(
        "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT",
        "NO_CONTENT",
    );
    let c = capture();
    ask("hello there");
    assert!(c
        .one("crux.generate")
        .attr("gen_ai.input.messages")
        .is_none());
}
