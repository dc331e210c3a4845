//! The rig-core adapter (`--features rig-core`): rig's real OpenAI client (its Chat
//! Completions wire, pointed at an OpenAI-compatible server on a loopback port), over
//! real HTTP (JSON and SSE); usage, model, id, finish reasons, tool calls and output
//! messages come from rig's own response and stream types, request attributes from its
//! request type, with no user impl.

use crux::testing::SpanDataExt;
use crux_examples::openai_mock::MockOpenAi;
use crux_tests::clients::{
    answer, assert_chat_request_sent, assert_error_status, assert_input_messages,
    assert_joined_lookup, assert_lookup, assert_request_attributes, assert_response,
    assert_streamed_answer, assert_text_output, lookup, serve, serve_plain, streamed_answer,
    streamed_lookup, ANSWER,
};
use crux_tests::{json_attr, str_array};
use futures::{Stream, StreamExt, TryStreamExt};
use rig_core::completion::{CompletionRequest, CompletionResponse, ToolDefinition};
use rig_core::message::ToolName;
use rig_core::providers::openai::wire::Chat;
use rig_core::providers::openai::OpenAIConfig;
use rig_core::streaming::{Item, Relayed, StreamEvent};
use rig_core::{ErrorReport, Model, ProviderError};
use serde_json::json;

fn model(mock: &MockOpenAi) -> Model<Chat> {
    OpenAIConfig::new("sk-test")
        .with_base_url(&mock.url)
        .client()
        .chat("gpt-4o-mini")
}

fn request() -> CompletionRequest {
    let lookup = ToolName::new("lookup_order").unwrap();
    CompletionRequest::new("Where is order 1001?")
        .preamble("You answer parcel questions.")
        .temperature(0.5)
        .max_tokens(200)
        .top_p(0.75)
        .seed(42)
        .stop(["END"])
        .tool(ToolDefinition::new(
            lookup,
            "Finds an order",
            json!({"type": "object", "properties": {"order": {"type": "string"}}}),
        ))
}

#[crux::generate(provider = "openai")]
async fn chat(
    model: &Model<Chat>,
    request: CompletionRequest,
) -> Result<CompletionResponse, ProviderError> {
    model.call(request).await
}

/// rig's stream as a relay: its events, then the whole response.
#[crux::generate(provider = "openai", stream)]
fn chat_relay(
    model: Model<Chat>,
    request: CompletionRequest,
) -> impl Stream<Item = Result<Relayed, ErrorReport>> {
    model.stream(request).unwrap().into_relay()
}

/// rig's stream as `Model::stream` returns it: events only.
#[crux::generate(provider = "openai", stream)]
fn chat_events(
    model: Model<Chat>,
    request: CompletionRequest,
) -> impl Stream<Item = Result<Item<StreamEvent>, ProviderError>> {
    model.stream(request).unwrap()
}

#[tokio::test]
async fn a_completion_records_usage_model_finish_reasons_tool_calls_output_and_request() {
    let (mock, capture) = serve([lookup("chatcmpl-r1"), answer("chatcmpl-r2")]).await;
    let model = model(&mock);
    let first = chat(&model, request()).await.unwrap();
    assert_eq!(first.tool_calls().count(), 1);
    let second = chat(&model, request()).await.unwrap();
    assert_eq!(second.text(), ANSWER);
    assert_chat_request_sent(&mock);

    let spans = capture.named("crux.generate");
    assert_eq!(spans.len(), 2);
    let (tool, answer) = (&spans[0], &spans[1]);
    let output = assert_lookup(tool);
    assert_response(tool, "chatcmpl-r1");
    assert_eq!(output[0]["role"], "assistant");
    assert_eq!(output[0]["parts"][0]["id"], "call_1");
    assert_eq!(output[0]["parts"][0]["arguments"], json!({"order": "1001"}));
    assert_eq!(output[0]["finish_reason"], "tool_calls");
    assert!(
        tool.f64_attr("crux.cost").is_some(),
        "a cost, rig's or crux's"
    );

    let output = assert_text_output(answer, ANSWER);
    assert_eq!(output[0]["finish_reason"], "stop");

    // The request argument: request attributes, and with input capture the messages.
    assert_request_attributes(tool);
    let tools = json_attr(tool, "gen_ai.tool.definitions");
    assert_eq!(tools[0]["name"], "lookup_order");
    assert_eq!(tools[0]["description"], "Finds an order");
    let input = assert_input_messages(tool);
    assert_eq!(input.as_array().unwrap().len(), 1, "the preamble apart");
}

#[tokio::test]
async fn a_relayed_stream_records_usage_model_finish_reasons_and_output() {
    let (mock, capture) = serve([streamed_answer("chatcmpl-rs")]).await;
    let items: Vec<_> = chat_relay(model(&mock), request())
        .try_collect()
        .await
        .unwrap();
    assert!(items.len() > 3, "the reply came in items");
    assert_eq!(mock.requests()[0].1["stream"], true);

    let span = capture.one("crux.generate");
    assert_streamed_answer(&span);
    assert_response(&span, "chatcmpl-rs");
    assert!(span.f64_attr("crux.cost").is_some());
    assert_eq!(span.f64_attr("gen_ai.request.temperature"), Some(0.5));
}

#[tokio::test]
async fn a_streamed_tool_call_records_its_arguments_joined_from_fragments() {
    let (mock, capture) = serve([
        streamed_lookup("chatcmpl-rt", "call_7"),
        streamed_lookup("chatcmpl-re", "call_8"),
    ])
    .await;
    let _: Vec<_> = chat_relay(model(&mock), request())
        .try_collect()
        .await
        .unwrap();
    let _: Vec<_> = chat_events(model(&mock), request())
        .try_collect()
        .await
        .unwrap();

    let spans = capture.named("crux.generate");
    let (relayed, events) = (&spans[0], &spans[1]);
    assert_eq!(
        str_array(relayed, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    assert_joined_lookup(relayed, "call_7");
    assert_joined_lookup(events, "call_8");
    // rig keeps usage for the stream's end: the events alone carry none.
    assert_eq!(events.i64_attr("gen_ai.usage.input_tokens"), None);
}

#[tokio::test]
async fn a_failed_stream_marks_the_span_error() {
    // An empty script: the server answers 400 with an OpenAI error body.
    let (mock, capture) = serve_plain([]).await;
    let items: Vec<_> = chat_relay(model(&mock), request()).collect().await;
    assert!(items.iter().any(Result::is_err));
    let span = capture.one("crux.generate");
    assert_error_status(&span);
    assert!(span.event("exception").is_some());
}
