//! The genai adapter (`--features genai`): the real genai client, its OpenAI adapter
//! pointed at an OpenAI-compatible server on a loopback port, over real HTTP (JSON and
//! SSE); usage, model, id, finish reasons, tool calls and output messages come from
//! genai's own types, request attributes from its request and options, with no user impl.

use crux::testing::{capture_with, SpanDataExt};
use crux_examples::openai_mock::{self, MockOpenAi, Reply};
use crux_tests::{json_attr, str_array};
use futures::{Stream, StreamExt, TryStreamExt};
use genai::chat::{ChatMessage, ChatOptions, ChatRequest, ChatResponse, ChatStreamEvent, Tool};
use genai::resolver::{AuthData, Endpoint};
use genai::{Client, ServiceTarget};
use serde_json::json;

fn client(mock: &MockOpenAi) -> Client {
    let base = format!("{}/", mock.url);
    Client::builder()
        .with_service_target_resolver_fn(move |mut target: ServiceTarget| {
            target.endpoint = Endpoint::from_owned(base.clone());
            target.auth = AuthData::from_single("sk-test");
            Ok(target)
        })
        .build()
        .unwrap()
}

fn request() -> ChatRequest {
    ChatRequest::new(vec![ChatMessage::user("Where is order 1001?")])
        .with_system("You answer parcel questions.")
        .with_tools([Tool::new("lookup_order")
            .with_description("Finds an order")
            .with_schema(json!({"type": "object"}))])
}

fn options() -> ChatOptions {
    ChatOptions::default()
        .with_temperature(0.5)
        .with_max_tokens(200)
        .with_top_p(0.75)
        .with_seed(42)
        .with_stop_sequences(vec!["END".into()])
        .with_capture_usage(true)
}

#[crux::generate(provider = "openai", model = model)]
async fn chat(
    client: &Client,
    model: &str,
    request: ChatRequest,
    options: Option<&ChatOptions>,
) -> genai::Result<ChatResponse> {
    client.exec_chat(model, request, options).await
}

#[crux::generate(provider = "openai", model = model, stream)]
fn chat_stream(
    client: Client,
    model: &'static str,
    request: ChatRequest,
    options: ChatOptions,
) -> impl Stream<Item = genai::Result<ChatStreamEvent>> {
    futures::stream::once(async move {
        let response = client
            .exec_chat_stream(model, request, Some(&options))
            .await?;
        Ok::<_, genai::Error>(response.stream)
    })
    .try_flatten()
}

#[tokio::test]
async fn a_chat_response_records_usage_model_finish_reasons_output_and_request() {
    let model = "gpt-4o-mini-2024-07-18";
    let mock = MockOpenAi::start([Reply::Json(openai_mock::tool_call(
        model,
        "chatcmpl-g1",
        ("call_1", "lookup_order", json!({"order": "1001"})),
        (90, 64, 12),
    ))])
    .await
    .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    chat(&client(&mock), "gpt-4o-mini", request(), Some(&options()))
        .await
        .unwrap();
    assert_eq!(mock.requests()[0].1["seed"], 42, "sent over HTTP");

    let span = capture.one("crux.generate");
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(90));
    assert_eq!(span.i64_attr("gen_ai.usage.output_tokens"), Some(12));
    assert_eq!(
        span.i64_attr("gen_ai.usage.cache_read.input_tokens"),
        Some(64)
    );
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some(model)
    );
    assert_eq!(
        str_array(&span, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    let output = json_attr(&span, "gen_ai.output.messages");
    assert_eq!(output[0]["parts"][0]["type"], "tool_call");
    assert_eq!(output[0]["parts"][0]["name"], "lookup_order");
    assert_eq!(output[0]["parts"][0]["arguments"]["order"], "1001");
    assert!(
        span.f64_attr("crux.cost").is_some(),
        "priced from the table"
    );

    // The request and the options arguments.
    assert_eq!(span.f64_attr("gen_ai.request.temperature"), Some(0.5));
    assert_eq!(span.i64_attr("gen_ai.request.max_tokens"), Some(200));
    assert_eq!(span.f64_attr("gen_ai.request.top_p"), Some(0.75));
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(42));
    assert_eq!(str_array(&span, "gen_ai.request.stop_sequences"), ["END"]);
    assert_eq!(
        json_attr(&span, "gen_ai.tool.definitions")[0]["name"],
        "lookup_order"
    );
    let input = json_attr(&span, "gen_ai.input.messages");
    assert_eq!(input[0]["role"], "user");
    assert_eq!(input[0]["parts"][0]["content"], "Where is order 1001?");
    assert_eq!(
        json_attr(&span, "gen_ai.system_instructions")[0]["content"],
        "You answer parcel questions."
    );
}

#[tokio::test]
async fn a_chat_stream_records_what_its_events_said() {
    let model = "gpt-4o-mini-2024-07-18";
    let mock = MockOpenAi::start([Reply::Stream(openai_mock::stream_chunks(
        model,
        "chatcmpl-gs",
        "Your parcel ships tomorrow.",
        (150, 0, 9),
    ))])
    .await
    .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let events: Vec<_> = chat_stream(client(&mock), "gpt-4o-mini", request(), options())
        .try_collect()
        .await
        .unwrap();
    assert!(events.len() > 3);
    let span = capture.one("crux.generate");
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(150));
    assert_eq!(span.i64_attr("gen_ai.usage.output_tokens"), Some(9));
    assert_eq!(str_array(&span, "gen_ai.response.finish_reasons"), ["stop"]);
    let output = json_attr(&span, "gen_ai.output.messages");
    assert_eq!(
        output[0]["parts"][0]["content"],
        "Your parcel ships tomorrow."
    );
    assert!(span.f64_attr("crux.cost").is_some());
}

#[tokio::test]
async fn a_streamed_tool_call_records_its_arguments_joined_from_fragments() {
    let model = "gpt-4o-mini-2024-07-18";
    let fragments = ["{\"ord", "er\": \"10", "01\", \"urgent\"", ": true}"];
    let mock = MockOpenAi::start([Reply::Stream(openai_mock::stream_tool_call(
        model,
        "chatcmpl-gt",
        ("call_7", "lookup_order", &fragments),
        (80, 0, 14),
    ))])
    .await
    .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    // genai joins the fragments itself when asked to capture tool calls.
    let options = options().with_capture_tool_calls(true);
    let _: Vec<_> = chat_stream(client(&mock), "gpt-4o-mini", request(), options)
        .try_collect()
        .await
        .unwrap();
    let span = capture.one("crux.generate");
    let output = json_attr(&span, "gen_ai.output.messages");
    let parts = output[0]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 1, "one call: {parts:?}");
    assert_eq!(parts[0]["type"], "tool_call");
    assert_eq!(parts[0]["id"], "call_7");
    assert_eq!(parts[0]["name"], "lookup_order");
    assert_eq!(
        parts[0]["arguments"],
        json!({"order": "1001", "urgent": true})
    );
}

#[tokio::test]
async fn a_failed_stream_marks_the_span_error() {
    let mock = MockOpenAi::start([]).await.unwrap();
    let capture = capture_with(crux::Telemetry::builder());
    let items: Vec<_> = chat_stream(client(&mock), "gpt-4o-mini", request(), options())
        .collect()
        .await;
    assert!(items.iter().any(Result::is_err));
    let span = capture.one("crux.generate");
    assert!(matches!(
        span.status,
        opentelemetry::trace::Status::Error { .. }
    ));
    assert!(span.str_attr("error.type").unwrap().contains("genai"));
}

#[tokio::test]
async fn a_response_without_usage_is_reported_once() {
    let mut without_usage = openai_mock::completion("gpt-4o-mini", "chatcmpl-n", "Hi.", (1, 0, 1));
    without_usage.as_object_mut().unwrap().remove("usage");
    let mock = MockOpenAi::start([
        Reply::Json(without_usage.clone()),
        Reply::Json(without_usage),
    ])
    .await
    .unwrap();
    let _capture = capture_with(crux::Telemetry::builder());
    let client = client(&mock);
    chat(&client, "gpt-4o-mini", request(), None).await.unwrap();
    chat(&client, "gpt-4o-mini", request(), None).await.unwrap();
    let listed = crux::usage::calls_without_usage()
        .into_iter()
        .filter(|f| f.ends_with("::chat"))
        .count();
    assert_eq!(listed, 1);
}
