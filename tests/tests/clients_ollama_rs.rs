//! The ollama-rs adapter (`--features ollama-rs`): the real ollama-rs client over real
//! HTTP (JSON and newline-delimited JSON streams) to an Ollama-compatible server on a
//! loopback port; usage, model, finish reasons, tool calls and output messages come from
//! ollama-rs's own types, request attributes from its request, with no user impl.

use crux::testing::SpanDataExt;
use crux_examples::openai_mock::{MockOpenAi, Reply};
use crux_tests::clients::{
    assert_error_status, assert_input_messages, assert_lookup_output, assert_request_attributes,
    assert_text_output, assert_usage, chats_without_usage, output_parts, serve, serve_plain,
    STREAMED_ANSWER,
};
use crux_tests::str_array;
use futures::{Stream, StreamExt, TryStreamExt};
use ollama_rs::generation::chat::request::ChatMessageRequest;
use ollama_rs::generation::chat::{ChatMessage, ChatMessageResponse};
use ollama_rs::models::ModelOptions;
use ollama_rs::Ollama;
use serde_json::{json, Value};

fn client(mock: &MockOpenAi) -> Ollama {
    // The mock's URL ends in `/v1`; Ollama's paths start at the root.
    let base = mock.url.trim_end_matches("/v1");
    let (host, port) = base.rsplit_once(':').unwrap();
    Ollama::builder()
        .host(host)
        .port(port.parse().unwrap())
        .build()
}

fn request() -> ChatMessageRequest {
    ChatMessageRequest::new(
        "llama3.2".into(),
        vec![
            ChatMessage::system("You answer parcel questions.".into()),
            ChatMessage::user("Where is order 1001?".into()),
        ],
    )
    .options(
        ModelOptions::default()
            .temperature(0.5)
            .top_p(0.75)
            .seed(42)
            .num_predict(200)
            .stop(vec!["END".into()]),
    )
}

#[crux::generate(provider = "ollama")]
async fn chat(
    ollama: &Ollama,
    request: ChatMessageRequest,
) -> ollama_rs::error::Result<ChatMessageResponse> {
    ollama.send_chat_messages(request).await
}

#[crux::generate(provider = "ollama", stream)]
fn chat_stream(
    ollama: Ollama,
    request: ChatMessageRequest,
) -> impl Stream<Item = Result<ChatMessageResponse, ()>> {
    futures::stream::once(async move {
        ollama
            .send_chat_messages_stream(request)
            .await
            .map_err(|_| ())
    })
    .try_flatten()
}

/// The items of the streamed chat on `mock`, all of them `Ok`.
async fn streamed(mock: &MockOpenAi) -> Vec<ChatMessageResponse> {
    chat_stream(client(mock), request())
        .try_collect()
        .await
        .unwrap()
}

fn done(content: &str, tool_calls: Value, prompt: u64, eval: u64) -> Value {
    json!({"model": "llama3.2:latest", "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content, "tool_calls": tool_calls},
        "done": true, "done_reason": "stop", "total_duration": 1000, "load_duration": 10,
        "prompt_eval_count": prompt, "prompt_eval_duration": 100,
        "eval_count": eval, "eval_duration": 800})
}

#[tokio::test]
async fn a_chat_response_records_usage_model_finish_reasons_output_and_request() {
    let calls = json!([{"function": {"name": "lookup_order", "arguments": {"order": "1001"}}}]);
    let (mock, capture) = serve([Reply::Json(done("", calls, 88, 14))]).await;
    chat(&client(&mock), request()).await.unwrap();
    assert_eq!(mock.requests()[0].0, "/api/chat", "sent over HTTP");

    let span = capture.one("crux.generate");
    assert_usage(&span, 88, 14);
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some("llama3.2:latest")
    );
    assert_lookup_output(&span);
    assert_eq!(
        span.f64_attr("crux.cost"),
        None,
        "a local model has no list price"
    );

    assert_eq!(
        span.str_attr("gen_ai.request.model").as_deref(),
        Some("llama3.2")
    );
    assert_request_attributes(&span);
    assert_input_messages(&span);
}

#[tokio::test]
async fn a_chat_stream_records_what_its_lines_said() {
    let partial = |text: &str| {
        json!({"model": "llama3.2:latest", "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text}, "done": false})
    };
    let (mock, capture) = serve([Reply::Lines(vec![
        partial("Your parcel "),
        partial("ships tomorrow."),
        done("", json!([]), 120, 7),
    ])])
    .await;
    assert_eq!(streamed(&mock).await.len(), 3);
    let span = capture.one("crux.generate");
    assert_usage(&span, 120, 7);
    assert_text_output(&span, STREAMED_ANSWER);
}

#[tokio::test]
async fn streamed_tool_calls_record_their_arguments() {
    // Ollama sends each call whole; two lines, one call each.
    let call = |order: &str| json!([{"function": {"name": "lookup_order", "arguments": {"order": order}}}]);
    let first = json!({"model": "llama3.2:latest", "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": "", "tool_calls": call("1001")},
        "done": false});
    let (mock, capture) = serve([Reply::Lines(vec![first, done("", call("1002"), 90, 20)])]).await;
    assert_eq!(streamed(&mock).await.len(), 2);
    let span = capture.one("crux.generate");
    assert_eq!(
        str_array(&span, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    let parts = output_parts(&span);
    assert_eq!(parts.len(), 2, "two calls: {parts:?}");
    for (part, order) in parts.iter().zip(["1001", "1002"]) {
        assert_eq!(part["type"], "tool_call");
        assert_eq!(part["name"], "lookup_order");
        assert_eq!(part["arguments"], json!({"order": order}));
    }
}

#[tokio::test]
async fn a_failed_stream_marks_the_span_error() {
    let (mock, capture) = serve_plain([]).await;
    let items: Vec<_> = chat_stream(client(&mock), request()).collect().await;
    assert!(items.iter().any(Result::is_err));
    let span = capture.one("crux.generate");
    assert_error_status(&span);
    assert!(span.event("exception").is_some());
}

#[tokio::test]
async fn a_response_without_usage_is_reported_once() {
    let unfinished = json!({"model": "llama3.2:latest", "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": "Hi."}, "done": false});
    let (mock, _capture) =
        serve_plain([Reply::Json(unfinished.clone()), Reply::Json(unfinished)]).await;
    let ollama = client(&mock);
    chat(&ollama, request()).await.unwrap();
    chat(&ollama, request()).await.unwrap();
    assert_eq!(chats_without_usage(), 1);
}
