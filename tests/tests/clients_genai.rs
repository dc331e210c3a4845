//! The genai adapter (`--features genai`): the real genai client, its OpenAI adapter
//! pointed at an OpenAI-compatible server on a loopback port, over real HTTP (JSON and
//! SSE); usage, model, id, finish reasons, tool calls and output messages come from
//! genai's own types, request attributes from its request and options, with no user impl.

use crux::testing::SpanDataExt;
use crux_examples::openai_mock::MockOpenAi;
use crux_tests::clients::{
    assert_error_status, assert_input_messages, assert_joined_lookup, assert_lookup,
    assert_request_attributes, assert_streamed_answer, chats_without_usage, lookup, serve,
    serve_plain, streamed_answer, streamed_lookup, without_usage,
};
use crux_tests::json_attr;
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
    let (mock, capture) = serve([lookup("chatcmpl-g1")]).await;
    chat(&client(&mock), "gpt-4o-mini", request(), Some(&options()))
        .await
        .unwrap();
    assert_eq!(mock.requests()[0].1["seed"], 42, "sent over HTTP");

    let span = capture.one("crux.generate");
    assert_lookup(&span);
    assert!(
        span.f64_attr("crux.cost").is_some(),
        "priced from the table"
    );

    // The request and the options arguments.
    assert_request_attributes(&span);
    assert_eq!(
        json_attr(&span, "gen_ai.tool.definitions")[0]["name"],
        "lookup_order"
    );
    assert_input_messages(&span);
}

#[tokio::test]
async fn a_chat_stream_records_what_its_events_said() {
    let (mock, capture) = serve([streamed_answer("chatcmpl-gs")]).await;
    let events: Vec<_> = chat_stream(client(&mock), "gpt-4o-mini", request(), options())
        .try_collect()
        .await
        .unwrap();
    assert!(events.len() > 3);
    let span = capture.one("crux.generate");
    assert_streamed_answer(&span);
    assert!(span.f64_attr("crux.cost").is_some());
}

#[tokio::test]
async fn a_streamed_tool_call_records_its_arguments_joined_from_fragments() {
    let (mock, capture) = serve([streamed_lookup("chatcmpl-gt", "call_7")]).await;
    // genai joins the fragments itself when asked to capture tool calls.
    let options = options().with_capture_tool_calls(true);
    let _: Vec<_> = chat_stream(client(&mock), "gpt-4o-mini", request(), options)
        .try_collect()
        .await
        .unwrap();
    let span = capture.one("crux.generate");
    assert_joined_lookup(&span, "call_7");
}

#[tokio::test]
async fn a_failed_stream_marks_the_span_error() {
    let (mock, capture) = serve_plain([]).await;
    let items: Vec<_> = chat_stream(client(&mock), "gpt-4o-mini", request(), options())
        .collect()
        .await;
    assert!(items.iter().any(Result::is_err));
    let span = capture.one("crux.generate");
    assert_error_status(&span);
    assert!(span.str_attr("error.type").unwrap().contains("genai"));
}

#[tokio::test]
async fn a_response_without_usage_is_reported_once() {
    let (mock, _capture) = serve_plain(without_usage()).await;
    let client = client(&mock);
    chat(&client, "gpt-4o-mini", request(), None).await.unwrap();
    chat(&client, "gpt-4o-mini", request(), None).await.unwrap();
    assert_eq!(chats_without_usage(), 1);
}
