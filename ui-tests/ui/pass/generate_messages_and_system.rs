//! `#[crux::generate(messages = .., system = ..)]` with expressions: recorded as the
//! GenAI conventions' JSON with input capture only.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;
use crux::Message;

const SYSTEM: &str = "Answer in one line.";

#[crux::generate(model = "gpt-4o", system = SYSTEM, messages = [Message::user(prompt)])]
fn complete(prompt: &str) -> String {
    prompt.to_uppercase()
}

#[crux::generate(model = "gpt-4o-mini", system = instructions, messages = history)]
async fn chat(instructions: &[Message], history: &Vec<Message>) -> usize {
    futures::future::ready(()).await;
    history.len()
}

/// An attribute holding JSON text, parsed (key order is the serializer's business).
fn json(span: &crux::opentelemetry_sdk::trace::SpanData, key: &str) -> serde_json::Value {
    let text = span
        .str_attr(key)
        .unwrap_or_else(|| panic!("no `{key}` on {}", span.name));
    serde_json::from_str(&text).unwrap()
}

fn main() {
    let off = crux::testing::capture();
    assert_eq!(complete("hi"), "HI");
    let span = off.one("crux.generate");
    assert!(
        span.attr("gen_ai.input.messages").is_none(),
        "capture is off"
    );
    assert!(span.attr("gen_ai.system_instructions").is_none());
    drop(off);

    let capture = crux::testing::capture_with(crux::Telemetry::builder().capture_content(true));
    assert_eq!(complete("hi"), "HI");
    let history = vec![
        Message::user("Where is my order?"),
        Message::assistant("On its way."),
    ];
    let system = [Message::system("Be kind.")];
    assert_eq!(futures::executor::block_on(chat(&system, &history)), 2);

    let spans = capture.named("crux.generate");
    let by_model = |model: &str| {
        spans
            .iter()
            .find(|s| s.str_attr("gen_ai.request.model").as_deref() == Some(model))
            .unwrap_or_else(|| panic!("no span for {model}"))
            .clone()
    };
    let complete = by_model("gpt-4o");
    assert_eq!(
        json(&complete, "gen_ai.system_instructions"),
        serde_json::json!([{"type": "text", "content": "Answer in one line."}])
    );
    assert_eq!(
        json(&complete, "gen_ai.input.messages"),
        serde_json::json!([{"role": "user", "parts": [{"type": "text", "content": "hi"}]}])
    );
    let chat = by_model("gpt-4o-mini");
    assert_eq!(
        json(&chat, "gen_ai.input.messages"),
        serde_json::json!([
            {"role": "user", "parts": [{"type": "text", "content": "Where is my order?"}]},
            {"role": "assistant", "parts": [{"type": "text", "content": "On its way."}]}
        ])
    );
    // System messages are recorded as the conventions' list of parts, not as messages.
    assert_eq!(
        json(&chat, "gen_ai.system_instructions"),
        serde_json::json!([{"type": "text", "content": "Be kind."}])
    );
}
