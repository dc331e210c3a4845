//! Helpers shared by the LLM client adapter tests (`clients_*`): each drives its real
//! client crate against the OpenAI-compatible mock server of crux-examples, with the
//! same scripted replies and the same expectations of the `crux.generate` span.

use crate::{json_attr, str_array};
use crux::opentelemetry::trace::Status;
use crux::opentelemetry_sdk::trace::SpanData;
use crux::testing::{capture_with, Capture, SpanDataExt};
use crux_examples::openai_mock::{self, MockOpenAi, Reply};
use serde_json::{json, Value};

/// The dated model the OpenAI-compatible replies name.
pub const DATED_MODEL: &str = "gpt-4o-mini-2024-07-18";

/// The text of [`answer`].
pub const ANSWER: &str = "It ships tomorrow.";

/// The text of [`streamed_answer`].
pub const STREAMED_ANSWER: &str = "Your parcel ships tomorrow.";

/// Starts the mock server answering `script`, then a capture that records content.
pub async fn serve(script: impl IntoIterator<Item = Reply>) -> (MockOpenAi, Capture) {
    let mock = MockOpenAi::start(script).await.unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    (mock, capture)
}

/// Starts the mock server answering `script`, then a capture without content.
pub async fn serve_plain(script: impl IntoIterator<Item = Reply>) -> (MockOpenAi, Capture) {
    let mock = MockOpenAi::start(script).await.unwrap();
    let capture = capture_with(crux::Telemetry::builder());
    (mock, capture)
}

/// A chat completion (`id`) calling `lookup_order` (`call_1`) for order 1001; usage 90
/// input tokens, 64 of them cached, and 12 output tokens.
pub fn lookup(id: &str) -> Reply {
    Reply::Json(openai_mock::tool_call(
        DATED_MODEL,
        id,
        ("call_1", "lookup_order", json!({"order": "1001"})),
        (90, 64, 12),
    ))
}

/// A chat completion (`id`) answering [`ANSWER`]; usage 120 in, 8 out.
pub fn answer(id: &str) -> Reply {
    Reply::Json(openai_mock::completion(
        DATED_MODEL,
        id,
        ANSWER,
        (120, 0, 8),
    ))
}

/// A streamed completion (`id`) answering [`STREAMED_ANSWER`]; usage 150 in, 9 out.
pub fn streamed_answer(id: &str) -> Reply {
    Reply::Stream(openai_mock::stream_chunks(
        DATED_MODEL,
        id,
        STREAMED_ANSWER,
        (150, 0, 9),
    ))
}

/// A streamed completion (`id`) calling `lookup_order` (`call_id`), the arguments
/// `{"order": "1001", "urgent": true}` in four fragments; usage 80 in, 14 out.
pub fn streamed_lookup(id: &str, call_id: &str) -> Reply {
    let fragments = ["{\"ord", "er\": \"10", "01\", \"urgent\"", ": true}"];
    Reply::Stream(openai_mock::stream_tool_call(
        DATED_MODEL,
        id,
        (call_id, "lookup_order", &fragments),
        (80, 0, 14),
    ))
}

/// Two chat completions without usage.
pub fn without_usage() -> [Reply; 2] {
    let mut reply = openai_mock::completion("gpt-4o-mini", "chatcmpl-n", "Hi.", (1, 0, 1));
    reply.as_object_mut().unwrap().remove("usage");
    [Reply::Json(reply.clone()), Reply::Json(reply)]
}

/// How many functions named `chat` crux lists as calls without usage.
pub fn chats_without_usage() -> usize {
    crux::usage::calls_without_usage()
        .into_iter()
        .filter(|f| f.ends_with("::chat"))
        .count()
}

/// Asserts that the first request on `mock` really went over HTTP to the chat
/// completions path, with what the request type said (seed 42).
pub fn assert_chat_request_sent(mock: &MockOpenAi) {
    assert_eq!(mock.requests()[0].0, "/v1/chat/completions");
    assert_eq!(mock.requests()[0].1["seed"], 42);
}

/// Asserts the input and output tokens of a model-call span.
pub fn assert_usage(span: &SpanData, input: i64, output: i64) {
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(input));
    assert_eq!(span.i64_attr("gen_ai.usage.output_tokens"), Some(output));
}

/// Asserts the response model ([`DATED_MODEL`]) and id of a model-call span.
pub fn assert_response(span: &SpanData, id: &str) {
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some(DATED_MODEL)
    );
    assert_eq!(span.str_attr("gen_ai.response.id").as_deref(), Some(id));
}

/// Asserts that a span's call finished with `tool_calls` and that its first output part
/// calls `lookup_order` for order 1001; returns the output messages.
pub fn assert_lookup_output(span: &SpanData) -> Value {
    assert_eq!(
        str_array(span, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    let output = json_attr(span, "gen_ai.output.messages");
    assert_eq!(output[0]["parts"][0]["type"], "tool_call");
    assert_eq!(output[0]["parts"][0]["name"], "lookup_order");
    assert_eq!(output[0]["parts"][0]["arguments"]["order"], "1001");
    output
}

/// Asserts the span of a [`lookup`] reply: its usage (with the cached tokens), model,
/// finish reason and call; returns the output messages.
pub fn assert_lookup(span: &SpanData) -> Value {
    assert_usage(span, 90, 12);
    assert_eq!(
        span.i64_attr("gen_ai.usage.cache_read.input_tokens"),
        Some(64)
    );
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some(DATED_MODEL)
    );
    assert_lookup_output(span)
}

/// Asserts that a span's call finished with `stop` and its first output part is `text`;
/// returns the output messages.
pub fn assert_text_output(span: &SpanData, text: &str) -> Value {
    assert_eq!(str_array(span, "gen_ai.response.finish_reasons"), ["stop"]);
    let output = json_attr(span, "gen_ai.output.messages");
    assert_eq!(output[0]["parts"][0]["content"], text);
    output
}

/// Asserts the span of a [`streamed_answer`] reply: usage and text.
pub fn assert_streamed_answer(span: &SpanData) {
    assert_usage(span, 150, 9);
    assert_text_output(span, STREAMED_ANSWER);
}

/// The parts of a span's first output message.
pub fn output_parts(span: &SpanData) -> Vec<Value> {
    let output = json_attr(span, "gen_ai.output.messages");
    output[0]["parts"].as_array().unwrap().clone()
}

/// Asserts that a span's output is the one call `call_id` of [`streamed_lookup`], its
/// arguments joined from the fragments.
pub fn assert_joined_lookup(span: &SpanData, call_id: &str) {
    let parts = output_parts(span);
    assert_eq!(parts.len(), 1, "one call: {parts:?}");
    assert_eq!(parts[0]["type"], "tool_call");
    assert_eq!(parts[0]["id"], call_id);
    assert_eq!(parts[0]["name"], "lookup_order");
    assert_eq!(
        parts[0]["arguments"],
        json!({"order": "1001", "urgent": true})
    );
}

/// Asserts the request attributes every adapter test sends: temperature 0.5, at most
/// 200 tokens, top-p 0.75, seed 42 and the stop sequence `END`.
pub fn assert_request_attributes(span: &SpanData) {
    assert_eq!(span.f64_attr("gen_ai.request.temperature"), Some(0.5));
    assert_eq!(span.i64_attr("gen_ai.request.max_tokens"), Some(200));
    assert_eq!(span.f64_attr("gen_ai.request.top_p"), Some(0.75));
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(42));
    assert_eq!(str_array(span, "gen_ai.request.stop_sequences"), ["END"]);
}

/// Asserts the captured input of every adapter test: the user's question first, and the
/// system instructions apart; returns the input messages.
pub fn assert_input_messages(span: &SpanData) -> Value {
    let input = json_attr(span, "gen_ai.input.messages");
    assert_eq!(input[0]["role"], "user");
    assert_eq!(input[0]["parts"][0]["content"], "Where is order 1001?");
    assert_eq!(
        json_attr(span, "gen_ai.system_instructions")[0]["content"],
        "You answer parcel questions."
    );
    input
}

/// Asserts that a span ended with an error status.
pub fn assert_error_status(span: &SpanData) {
    assert!(
        matches!(span.status, Status::Error { .. }),
        "span {} has status {:?}",
        span.name,
        span.status
    );
}
