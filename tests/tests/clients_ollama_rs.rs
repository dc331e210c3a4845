//! The ollama-rs adapter (`--features ollama-rs`): the real ollama-rs client over real
//! HTTP (JSON and newline-delimited JSON streams) to an Ollama-compatible server on a
//! loopback port; usage, model, finish reasons, tool calls and output messages come from
//! ollama-rs's own types, request attributes from its request, with no user impl.

use crux::testing::{capture_with, SpanDataExt};
use crux_examples::openai_mock::{MockOpenAi, Reply};
use crux_tests::{json_attr, str_array};
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
    let mock = MockOpenAi::start([Reply::Json(done("", calls, 88, 14))])
        .await
        .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    chat(&client(&mock), request()).await.unwrap();
    assert_eq!(mock.requests()[0].0, "/api/chat", "sent over HTTP");

    let span = capture.one("crux.generate");
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(88));
    assert_eq!(span.i64_attr("gen_ai.usage.output_tokens"), Some(14));
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some("llama3.2:latest")
    );
    assert_eq!(
        str_array(&span, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    let output = json_attr(&span, "gen_ai.output.messages");
    assert_eq!(output[0]["parts"][0]["type"], "tool_call");
    assert_eq!(output[0]["parts"][0]["name"], "lookup_order");
    assert_eq!(output[0]["parts"][0]["arguments"]["order"], "1001");
    assert_eq!(
        span.f64_attr("crux.cost"),
        None,
        "a local model has no list price"
    );

    assert_eq!(
        span.str_attr("gen_ai.request.model").as_deref(),
        Some("llama3.2")
    );
    assert_eq!(span.f64_attr("gen_ai.request.temperature"), Some(0.5));
    assert_eq!(span.i64_attr("gen_ai.request.max_tokens"), Some(200));
    assert_eq!(span.f64_attr("gen_ai.request.top_p"), Some(0.75));
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(42));
    assert_eq!(str_array(&span, "gen_ai.request.stop_sequences"), ["END"]);
    let input = json_attr(&span, "gen_ai.input.messages");
    assert_eq!(input[0]["role"], "user");
    assert_eq!(input[0]["parts"][0]["content"], "Where is order 1001?");
    assert_eq!(
        json_attr(&span, "gen_ai.system_instructions")[0]["content"],
        "You answer parcel questions."
    );
}

#[tokio::test]
async fn a_chat_stream_records_what_its_lines_said() {
    let partial = |text: &str| {
        json!({"model": "llama3.2:latest", "created_at": "2026-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": text}, "done": false})
    };
    let mock = MockOpenAi::start([Reply::Lines(vec![
        partial("Your parcel "),
        partial("ships tomorrow."),
        done("", json!([]), 120, 7),
    ])])
    .await
    .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let items: Vec<_> = chat_stream(client(&mock), request())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 3);
    let span = capture.one("crux.generate");
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(120));
    assert_eq!(span.i64_attr("gen_ai.usage.output_tokens"), Some(7));
    assert_eq!(str_array(&span, "gen_ai.response.finish_reasons"), ["stop"]);
    let output = json_attr(&span, "gen_ai.output.messages");
    assert_eq!(
        output[0]["parts"][0]["content"],
        "Your parcel ships tomorrow."
    );
}

#[tokio::test]
async fn streamed_tool_calls_record_their_arguments() {
    // Ollama sends each call whole; two lines, one call each.
    let call = |order: &str| json!([{"function": {"name": "lookup_order", "arguments": {"order": order}}}]);
    let first = json!({"model": "llama3.2:latest", "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": "", "tool_calls": call("1001")},
        "done": false});
    let mock = MockOpenAi::start([Reply::Lines(vec![first, done("", call("1002"), 90, 20)])])
        .await
        .unwrap();
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let items: Vec<_> = chat_stream(client(&mock), request())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 2);
    let span = capture.one("crux.generate");
    assert_eq!(
        str_array(&span, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    let output = json_attr(&span, "gen_ai.output.messages");
    let parts = output[0]["parts"].as_array().unwrap();
    assert_eq!(parts.len(), 2, "two calls: {parts:?}");
    for (part, order) in parts.iter().zip(["1001", "1002"]) {
        assert_eq!(part["type"], "tool_call");
        assert_eq!(part["name"], "lookup_order");
        assert_eq!(part["arguments"], json!({"order": order}));
    }
}

#[tokio::test]
async fn a_failed_stream_marks_the_span_error() {
    let mock = MockOpenAi::start([]).await.unwrap();
    let capture = capture_with(crux::Telemetry::builder());
    let items: Vec<_> = chat_stream(client(&mock), request()).collect().await;
    assert!(items.iter().any(Result::is_err));
    let span = capture.one("crux.generate");
    assert!(matches!(
        span.status,
        opentelemetry::trace::Status::Error { .. }
    ));
    assert!(span.event("exception").is_some());
}

#[tokio::test]
async fn a_response_without_usage_is_reported_once() {
    let unfinished = json!({"model": "llama3.2:latest", "created_at": "2026-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": "Hi."}, "done": false});
    let mock = MockOpenAi::start([Reply::Json(unfinished.clone()), Reply::Json(unfinished)])
        .await
        .unwrap();
    let _capture = capture_with(crux::Telemetry::builder());
    let ollama = client(&mock);
    chat(&ollama, request()).await.unwrap();
    chat(&ollama, request()).await.unwrap();
    let listed = crux::usage::calls_without_usage()
        .into_iter()
        .filter(|f| f.ends_with("::chat"))
        .count();
    assert_eq!(listed, 1);
}
