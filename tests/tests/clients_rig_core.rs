//! The rig-core adapter (`--features rig-core`): rig's real OpenAI client (its Chat
//! Completions wire, pointed at an OpenAI-compatible server on a loopback port), over
//! real HTTP (JSON and SSE); usage, model, id, finish reasons, tool calls and output
//! messages come from rig's own response and stream types, request attributes from its
//! request type, with no user impl.

use crux::testing::{capture_with, SpanDataExt};
use crux_examples::openai_mock::{self, MockOpenAi, Reply};
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
    let model_name = "gpt-4o-mini-2024-07-18";
    let mock = MockOpenAi::start([
        Reply::Json(openai_mock::tool_call(
            model_name,
            "chatcmpl-r1",
            ("call_1", "lookup_order", json!({"order": "1001"})),
            (90, 64, 12),
        )),
        Reply::Json(openai_mock::completion(
            model_name,
            "chatcmpl-r2",
            "It ships tomorrow.",
            (120, 0, 8),
        )),
    ])
    .await
    .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let model = model(&mock);
    let first = chat(&model, request()).await.unwrap();
    assert_eq!(first.tool_calls().count(), 1);
    let second = chat(&model, request()).await.unwrap();
    assert_eq!(second.text(), "It ships tomorrow.");
    // The request really went over HTTP, with what the request type said.
    assert_eq!(mock.requests()[0].0, "/v1/chat/completions");
    assert_eq!(mock.requests()[0].1["seed"], 42);

    let spans = capture.named("crux.generate");
    assert_eq!(spans.len(), 2);
    let (tool, answer) = (&spans[0], &spans[1]);
    assert_eq!(tool.i64_attr("gen_ai.usage.input_tokens"), Some(90));
    assert_eq!(tool.i64_attr("gen_ai.usage.output_tokens"), Some(12));
    assert_eq!(
        tool.i64_attr("gen_ai.usage.cache_read.input_tokens"),
        Some(64)
    );
    assert_eq!(
        tool.str_attr("gen_ai.response.model").as_deref(),
        Some(model_name)
    );
    assert_eq!(
        tool.str_attr("gen_ai.response.id").as_deref(),
        Some("chatcmpl-r1")
    );
    assert_eq!(
        str_array(tool, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    let output = json_attr(tool, "gen_ai.output.messages");
    assert_eq!(output[0]["role"], "assistant");
    assert_eq!(output[0]["parts"][0]["type"], "tool_call");
    assert_eq!(output[0]["parts"][0]["name"], "lookup_order");
    assert_eq!(output[0]["parts"][0]["id"], "call_1");
    assert_eq!(output[0]["parts"][0]["arguments"], json!({"order": "1001"}));
    assert_eq!(output[0]["finish_reason"], "tool_calls");
    assert!(
        tool.f64_attr("crux.cost").is_some(),
        "a cost, rig's or crux's"
    );

    assert_eq!(
        str_array(answer, "gen_ai.response.finish_reasons"),
        ["stop"]
    );
    let output = json_attr(answer, "gen_ai.output.messages");
    assert_eq!(output[0]["parts"][0]["content"], "It ships tomorrow.");
    assert_eq!(output[0]["finish_reason"], "stop");

    // The request argument: request attributes, and with input capture the messages.
    assert_eq!(tool.f64_attr("gen_ai.request.temperature"), Some(0.5));
    assert_eq!(tool.i64_attr("gen_ai.request.max_tokens"), Some(200));
    assert_eq!(tool.f64_attr("gen_ai.request.top_p"), Some(0.75));
    assert_eq!(tool.i64_attr("gen_ai.request.seed"), Some(42));
    assert_eq!(str_array(tool, "gen_ai.request.stop_sequences"), ["END"]);
    let tools = json_attr(tool, "gen_ai.tool.definitions");
    assert_eq!(tools[0]["name"], "lookup_order");
    assert_eq!(tools[0]["description"], "Finds an order");
    let input = json_attr(tool, "gen_ai.input.messages");
    assert_eq!(input.as_array().unwrap().len(), 1, "the preamble apart");
    assert_eq!(input[0]["role"], "user");
    assert_eq!(input[0]["parts"][0]["content"], "Where is order 1001?");
    let system = json_attr(tool, "gen_ai.system_instructions");
    assert_eq!(system[0]["content"], "You answer parcel questions.");
}

#[tokio::test]
async fn a_relayed_stream_records_usage_model_finish_reasons_and_output() {
    let model_name = "gpt-4o-mini-2024-07-18";
    let mock = MockOpenAi::start([Reply::Stream(openai_mock::stream_chunks(
        model_name,
        "chatcmpl-rs",
        "Your parcel ships tomorrow.",
        (150, 0, 9),
    ))])
    .await
    .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let items: Vec<_> = chat_relay(model(&mock), request())
        .try_collect()
        .await
        .unwrap();
    assert!(items.len() > 3, "the reply came in items");
    assert_eq!(mock.requests()[0].1["stream"], true);

    let span = capture.one("crux.generate");
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(150));
    assert_eq!(span.i64_attr("gen_ai.usage.output_tokens"), Some(9));
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some(model_name)
    );
    assert_eq!(
        span.str_attr("gen_ai.response.id").as_deref(),
        Some("chatcmpl-rs")
    );
    assert_eq!(str_array(&span, "gen_ai.response.finish_reasons"), ["stop"]);
    let output = json_attr(&span, "gen_ai.output.messages");
    assert_eq!(
        output[0]["parts"][0]["content"],
        "Your parcel ships tomorrow."
    );
    assert!(span.f64_attr("crux.cost").is_some());
    assert_eq!(span.f64_attr("gen_ai.request.temperature"), Some(0.5));
}

#[tokio::test]
async fn a_streamed_tool_call_records_its_arguments_joined_from_fragments() {
    let model_name = "gpt-4o-mini-2024-07-18";
    let fragments = ["{\"ord", "er\": \"10", "01\", \"urgent\"", ": true}"];
    let mock = MockOpenAi::start([
        Reply::Stream(openai_mock::stream_tool_call(
            model_name,
            "chatcmpl-rt",
            ("call_7", "lookup_order", &fragments),
            (80, 0, 14),
        )),
        Reply::Stream(openai_mock::stream_tool_call(
            model_name,
            "chatcmpl-re",
            ("call_8", "lookup_order", &fragments),
            (80, 0, 14),
        )),
    ])
    .await
    .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
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
    for (span, id) in [(relayed, "call_7"), (events, "call_8")] {
        let output = json_attr(span, "gen_ai.output.messages");
        let parts = output[0]["parts"].as_array().unwrap();
        assert_eq!(parts.len(), 1, "one call: {parts:?}");
        assert_eq!(parts[0]["type"], "tool_call");
        assert_eq!(parts[0]["id"], id);
        assert_eq!(parts[0]["name"], "lookup_order");
        assert_eq!(
            parts[0]["arguments"],
            json!({"order": "1001", "urgent": true})
        );
    }
    // rig keeps usage for the stream's end: the events alone carry none.
    assert_eq!(events.i64_attr("gen_ai.usage.input_tokens"), None);
}

#[tokio::test]
async fn a_failed_stream_marks_the_span_error() {
    // An empty script: the server answers 400 with an OpenAI error body.
    let mock = MockOpenAi::start([]).await.unwrap();
    let capture = capture_with(crux::Telemetry::builder());
    let items: Vec<_> = chat_relay(model(&mock), request()).collect().await;
    assert!(items.iter().any(Result::is_err));
    let span = capture.one("crux.generate");
    assert!(matches!(
        span.status,
        opentelemetry::trace::Status::Error { .. }
    ));
    assert!(span.event("exception").is_some());
}
