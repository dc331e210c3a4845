//! A tool-calling agent on the real async-openai client, instrumented with crux and
//! nothing else: the `#[crux::generate]` fns return async-openai's own types, and crux's
//! `async-openai` feature reads usage, model, finish reasons, tool calls and output from
//! them (and the request attributes from the request argument); cost comes from crux's
//! price table. The model is an OpenAI-compatible server this program starts on a
//! loopback port, with scripted answers (a tool call, then a streamed reply), so it needs
//! no key and no network. Run it with
//!
//!     cargo run -p crux-examples --example openai_agent --features openai
//!
//! and read its trace tree on stderr.

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionRequestAssistantMessage,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestToolMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, ChatCompletionTool, ChatCompletionTools,
    CreateChatCompletionRequest, CreateChatCompletionResponse, CreateChatCompletionStreamResponse,
    FunctionObject,
};
use async_openai::Client;
use crux_examples::openai_mock::{self, MockOpenAi, Reply};
use futures::{Stream, StreamExt, TryStreamExt};
use serde_json::json;

const MODEL: &str = "gpt-4o-mini";

/// One model call: a plain async-openai call; crux reads the request and the response.
#[crux::generate(provider = "openai")]
async fn chat(
    client: &Client<OpenAIConfig>,
    request: CreateChatCompletionRequest,
) -> Result<CreateChatCompletionResponse, OpenAIError> {
    client.chat().create(request).await
}

/// The final answer, streamed: crux reads usage, finish reasons and text from the chunks.
#[crux::generate(provider = "openai", stream)]
fn chat_stream(
    client: Client<OpenAIConfig>,
    request: CreateChatCompletionRequest,
) -> impl Stream<Item = Result<CreateChatCompletionStreamResponse, OpenAIError>> {
    futures::stream::once(async move { client.chat().create_stream(request).await }).try_flatten()
}

/// Looks an order up.
#[crux::tool(call_id = call_id)]
fn lookup_order(call_id: &str, order: &str) -> serde_json::Value {
    let _ = call_id;
    json!({"order": order, "status": "shipped", "eta": "tomorrow"})
}

fn request(messages: &[ChatCompletionRequestMessage], stream: bool) -> CreateChatCompletionRequest {
    CreateChatCompletionRequest {
        model: MODEL.into(),
        messages: messages.to_vec(),
        temperature: Some(0.2),
        tools: Some(vec![ChatCompletionTools::Function(ChatCompletionTool {
            function: FunctionObject {
                name: "lookup_order".into(),
                description: Some("Looks an order up by its number".into()),
                parameters: Some(json!({"type": "object",
                    "properties": {"order": {"type": "string"}}, "required": ["order"]})),
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

/// The agent: ask, run the tools the model asks for, stream the final answer.
#[crux::flow(name = "order_support")]
async fn support(client: &Client<OpenAIConfig>, question: &str) -> Result<String, OpenAIError> {
    let mut messages = vec![
        ChatCompletionRequestMessage::System(ChatCompletionRequestSystemMessage {
            content: "You answer questions about orders.".into(),
            name: None,
        }),
        ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
            content: question.into(),
            name: None,
        }),
    ];
    let response = chat(client, request(&messages, false)).await?;
    let calls = response
        .choices
        .first()
        .and_then(|c| c.message.tool_calls.clone())
        .unwrap_or_default();
    #[allow(deprecated)]
    messages.push(ChatCompletionRequestMessage::Assistant(
        ChatCompletionRequestAssistantMessage {
            tool_calls: Some(calls.clone()),
            ..Default::default()
        },
    ));
    for call in &calls {
        if let ChatCompletionMessageToolCalls::Function(call) = call {
            let args: serde_json::Value =
                serde_json::from_str(&call.function.arguments).unwrap_or_default();
            let result = lookup_order(&call.id, args["order"].as_str().unwrap_or_default());
            messages.push(ChatCompletionRequestMessage::Tool(
                ChatCompletionRequestToolMessage {
                    content: result.to_string().into(),
                    tool_call_id: call.id.clone(),
                },
            ));
        }
    }
    let mut answer = String::new();
    let mut chunks = std::pin::pin!(chat_stream(client.clone(), request(&messages, true)));
    while let Some(chunk) = chunks.next().await {
        for choice in chunk?.choices {
            answer.push_str(choice.delta.content.as_deref().unwrap_or_default());
        }
    }
    Ok(answer)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = crux::Telemetry::builder()
        .service_name("openai-agent")
        .console()
        .otlp_from_env()
        .install()?;

    let dated = "gpt-4o-mini-2024-07-18";
    let server = MockOpenAi::start([
        Reply::Json(openai_mock::tool_call(
            dated,
            "chatcmpl-agent-1",
            ("call_order_1001", "lookup_order", json!({"order": "1001"})),
            (182, 128, 17),
        )),
        Reply::Stream(openai_mock::stream_chunks(
            dated,
            "chatcmpl-agent-2",
            "Order 1001 has shipped and arrives tomorrow.",
            (231, 0, 11),
        )),
    ])
    .await?;
    let client = Client::with_config(
        OpenAIConfig::new()
            .with_api_base(&server.url)
            .with_api_key("sk-no-key-needed"),
    );

    let answer = support(&client, "Where is my order 1001?").await?;
    println!("{answer}");

    // What was delivered within the shutdown deadline, in one line; never a failed run.
    eprintln!("{}", telemetry.shutdown());
    Ok(())
}
