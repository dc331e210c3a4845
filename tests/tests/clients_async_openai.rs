//! The async-openai adapter (`--features async-openai`): the real client, over real HTTP
//! (JSON and SSE) to an OpenAI-compatible server on a loopback port, records usage,
//! model, id, finish reasons, tool calls, output messages and cost from the crate's own
//! types, and request attributes from its request type, with no user impl.

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, ChatCompletionStreamOptions, ChatCompletionTool,
    ChatCompletionTools, CreateChatCompletionRequest, CreateChatCompletionResponse,
    CreateChatCompletionStreamResponse, FunctionObject, StopConfiguration,
};
use async_openai::types::embeddings::{
    CreateEmbeddingRequest, CreateEmbeddingResponse, EmbeddingInput,
};
use async_openai::Client;
use crux::testing::SpanDataExt;
use crux_examples::openai_mock::{MockOpenAi, Reply};
use crux_tests::clients::{
    answer, assert_chat_request_sent, assert_error_status, assert_input_messages,
    assert_joined_lookup, assert_lookup, assert_request_attributes, assert_response,
    assert_streamed_answer, assert_text_output, chats_without_usage, lookup, serve, serve_plain,
    streamed_answer, streamed_lookup, without_usage, ANSWER, DATED_MODEL,
};
use crux_tests::{json_attr, str_array};
use futures::{Stream, StreamExt, TryStreamExt};
use serde_json::json;

fn client(mock: &MockOpenAi) -> Client<OpenAIConfig> {
    Client::with_config(
        OpenAIConfig::new()
            .with_api_base(&mock.url)
            .with_api_key("sk-test"),
    )
}

#[allow(deprecated)]
fn request(stream: bool) -> CreateChatCompletionRequest {
    CreateChatCompletionRequest {
        model: "gpt-4o-mini".into(),
        messages: vec![
            ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
                content: "You answer parcel questions.".into(),
                name: None,
            }),
            ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
                content: "Where is order 1001?".into(),
                name: None,
            }),
        ],
        temperature: Some(0.5),
        max_completion_tokens: Some(200),
        top_p: Some(0.75),
        seed: Some(42),
        stop: Some(StopConfiguration::StringArray(vec!["END".into()])),
        tools: Some(vec![ChatCompletionTools::Function(ChatCompletionTool {
            function: FunctionObject {
                name: "lookup_order".into(),
                description: Some("Finds an order".into()),
                parameters: Some(json!({"type": "object"})),
                strict: None,
            },
        })]),
        stream_options: stream.then_some(ChatCompletionStreamOptions {
            include_usage: Some(true),
            include_obfuscation: None,
        }),
        ..Default::default()
    }
}

#[crux::generate(provider = "openai")]
async fn chat(
    client: &Client<OpenAIConfig>,
    request: CreateChatCompletionRequest,
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    client.chat().create(request).await
}

#[crux::generate(provider = "openai", stream)]
fn chat_stream(
    client: Client<OpenAIConfig>,
    request: CreateChatCompletionRequest,
) -> impl Stream<Item = Result<CreateChatCompletionStreamResponse, OpenAIError>> {
    futures::stream::once(async move { client.chat().create_stream(request).await }).try_flatten()
}

#[crux::embedding(provider = "openai", model = "text-embedding-3-small")]
async fn embed(
    client: &Client<OpenAIConfig>,
    text: &str,
) -> Result<CreateEmbeddingResponse, OpenAIError> {
    let request = CreateEmbeddingRequest {
        model: "text-embedding-3-small".into(),
        input: EmbeddingInput::String(text.to_owned()),
        encoding_format: None,
        user: None,
        dimensions: None,
    };
    client.embeddings().create(request).await
}

/// The chunks of the streamed chat on `mock`, all of them `Ok`.
async fn streamed(mock: &MockOpenAi) -> Vec<CreateChatCompletionStreamResponse> {
    chat_stream(client(mock), request(true))
        .try_collect()
        .await
        .unwrap()
}

fn estimate(model: &str, input: u64, cached: u64, output: u64) -> f64 {
    crux::cost::Prices::default()
        .price(&crux::cost::PriceQuery {
            provider: Some("openai"),
            model,
            input_tokens: input,
            cached_input_tokens: cached,
            output_tokens: output,
        })
        .unwrap()
}

#[tokio::test]
async fn a_chat_completion_records_usage_model_finish_reasons_output_and_request() {
    let (mock, capture) = serve([lookup("chatcmpl-1"), answer("chatcmpl-2")]).await;
    let client = client(&mock);
    let first = chat(&client, request(false)).await.unwrap();
    assert_eq!(first.choices.len(), 1);
    let second = chat(&client, request(false)).await.unwrap();
    assert_eq!(second.choices[0].message.content.as_deref(), Some(ANSWER));
    assert_chat_request_sent(&mock);

    let spans = capture.named("crux.generate");
    assert_eq!(spans.len(), 2);
    let (tool, answer) = (&spans[0], &spans[1]);
    let output = assert_lookup(tool);
    assert_eq!(
        tool.i64_attr("gen_ai.usage.reasoning.output_tokens"),
        Some(0)
    );
    assert_response(tool, "chatcmpl-1");
    assert_eq!(output[0]["parts"][0]["id"], "call_1");
    assert_eq!(
        tool.f64_attr("crux.cost"),
        Some(estimate(DATED_MODEL, 90, 64, 12))
    );

    let output = assert_text_output(answer, ANSWER);
    assert_eq!(output[0]["finish_reason"], "stop");

    // The request argument: request attributes, and with input capture the messages.
    assert_eq!(
        tool.str_attr("gen_ai.request.model").as_deref(),
        Some("gpt-4o-mini")
    );
    assert_request_attributes(tool);
    let tools = json_attr(tool, "gen_ai.tool.definitions");
    assert_eq!(tools[0]["function"]["name"], "lookup_order");
    let input = assert_input_messages(tool);
    assert_eq!(input.as_array().unwrap().len(), 1, "system messages apart");
}

#[tokio::test]
async fn a_streamed_completion_records_what_its_chunks_said() {
    let (mock, capture) = serve([streamed_answer("chatcmpl-s")]).await;
    let chunks = streamed(&mock).await;
    assert!(chunks.len() > 3, "the reply came in chunks");
    assert_eq!(mock.requests()[0].1["stream"], true);

    let span = capture.one("crux.generate");
    assert_eq!(span.bool_attr("gen_ai.request.stream"), Some(true));
    assert_streamed_answer(&span);
    assert_response(&span, "chatcmpl-s");
    assert_eq!(
        span.f64_attr("crux.cost"),
        Some(estimate(DATED_MODEL, 150, 0, 9))
    );
    assert!(span
        .f64_attr("gen_ai.response.time_to_first_chunk")
        .is_some());
}

#[tokio::test]
async fn a_streamed_tool_call_records_its_arguments_joined_from_fragments() {
    let (mock, capture) = serve([streamed_lookup("chatcmpl-t", "call_7")]).await;
    let chunks = streamed(&mock).await;
    let argument_chunks = chunks
        .iter()
        .flat_map(|c| &c.choices)
        .flat_map(|c| c.delta.tool_calls.iter().flatten())
        .filter(|t| t.function.as_ref().and_then(|f| f.arguments.as_deref()) != Some(""))
        .count();
    assert_eq!(
        argument_chunks, 4,
        "the arguments came over SSE in fragments"
    );

    let span = capture.one("crux.generate");
    assert_eq!(
        str_array(&span, "gen_ai.response.finish_reasons"),
        ["tool_calls"]
    );
    assert_joined_lookup(&span, "call_7");
    let output = json_attr(&span, "gen_ai.output.messages");
    assert_eq!(output[0]["finish_reason"], "tool_calls");
}

#[tokio::test]
async fn a_failed_stream_marks_the_span_error() {
    // An empty script: the server answers 400 with an OpenAI error body.
    let (mock, capture) = serve_plain([]).await;
    let items: Vec<_> = chat_stream(client(&mock), request(true)).collect().await;
    assert!(items.iter().any(Result::is_err));
    let span = capture.one("crux.generate");
    assert_error_status(&span);
    assert!(span.str_attr("error.type").unwrap().contains("OpenAIError"));
    assert!(span.event("exception").is_some());
}

#[tokio::test]
async fn an_embeddings_response_gives_usage_model_and_dimensions() {
    let (mock, capture) = serve_plain([Reply::Json(json!({
        "object": "list", "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3, 0.4]}],
        "usage": {"prompt_tokens": 7, "total_tokens": 7},
    }))])
    .await;
    embed(&client(&mock), "where is my parcel").await.unwrap();
    let span = capture.one("crux.embedding");
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(7));
    assert_eq!(span.i64_attr("gen_ai.embeddings.dimension.count"), Some(4));
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some("text-embedding-3-small")
    );
    assert_eq!(
        span.f64_attr("crux.cost"),
        Some(estimate("text-embedding-3-small", 7, 0, 0))
    );
}

#[tokio::test]
async fn a_response_without_usage_is_reported_once() {
    let (mock, _capture) = serve_plain(without_usage()).await;
    let client = client(&mock);
    chat(&client, request(false)).await.unwrap();
    chat(&client, request(false)).await.unwrap();
    assert_eq!(chats_without_usage(), 1);
}
