//! async-openai 0.43 (feature `async-openai`): chat completion responses, stream chunks
//! and requests, and embedding responses.

use crate::core::content::{Message, Part};
use crate::families::generate::request::ModelRequest;
use crate::families::generate::stream::{ModelStreamItem, ToolCallFragment};
use crate::families::generate::{ModelResponse, Usage};
use crate::families::retrieval::Embeddings;
use async_openai::types::chat::{
    ChatCompletionMessageToolCalls, ChatCompletionRequestMessage, CompletionUsage,
    CreateChatCompletionRequest, CreateChatCompletionResponse, CreateChatCompletionStreamResponse,
    FinishReason, StopConfiguration,
};
use async_openai::types::embeddings::CreateEmbeddingResponse;

/// The GenAI conventions' name of a finish reason.
fn finish_reason(reason: FinishReason) -> &'static str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        FinishReason::FunctionCall => "function_call",
    }
}

fn usage(u: &CompletionUsage) -> Usage {
    let mut usage = Usage::new(u.prompt_tokens.into(), u.completion_tokens.into());
    if let Some(cached) = u
        .prompt_tokens_details
        .as_ref()
        .and_then(|d| d.cached_tokens)
    {
        usage = usage.with_cache_read(cached.into());
    }
    let reasoning = u.completion_tokens_details.as_ref();
    if let Some(tokens) = reasoning.and_then(|d| d.reasoning_tokens) {
        usage = usage.with_reasoning(tokens.into());
    }
    usage
}

/// The text of a message's content: a string, or the text (or refusal) of its parts.
/// Read through serde so that every content enum of the crate is handled alike.
fn text_of<C: serde::Serialize>(content: &C) -> String {
    match serde_json::to_value(content) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(serde_json::Value::Array(parts)) => parts
            .iter()
            .filter_map(|p| p.get("text").or_else(|| p.get("refusal")))
            .filter_map(serde_json::Value::as_str)
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn text_part(text: String) -> Part {
    Part::Text { content: text }
}

/// Tool arguments as JSON when they parse, else as the string the model wrote.
fn arguments(raw: &str) -> serde_json::Value {
    serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()))
}

fn tool_call_part(call: &ChatCompletionMessageToolCalls) -> Part {
    match call {
        ChatCompletionMessageToolCalls::Function(f) => Part::ToolCall {
            id: Some(f.id.clone()),
            name: f.function.name.clone(),
            arguments: arguments(&f.function.arguments),
        },
        ChatCompletionMessageToolCalls::Custom(c) => Part::ToolCall {
            id: Some(c.id.clone()),
            name: c.custom_tool.name.clone(),
            arguments: serde_json::Value::String(c.custom_tool.input.clone()),
        },
    }
}

fn message(role: &str, parts: Vec<Part>, name: Option<&String>) -> Message {
    Message {
        role: role.to_owned(),
        parts,
        name: name.cloned(),
        finish_reason: None,
    }
}

impl ModelResponse for CreateChatCompletionResponse {
    fn usage(&self) -> Option<Usage> {
        self.usage.as_ref().map(usage)
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn response_id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.choices
            .iter()
            .filter_map(|c| c.finish_reason.map(finish_reason))
            .collect()
    }
    fn tool_calls(&self) -> Option<usize> {
        let calls = self.choices.first()?.message.tool_calls.as_ref()?;
        Some(calls.len())
    }
    fn output_messages(&self) -> Vec<Message> {
        self.choices
            .iter()
            .map(|choice| {
                let m = &choice.message;
                let mut parts = Vec::new();
                if let Some(text) = m.content.as_ref().or(m.refusal.as_ref()) {
                    parts.push(text_part(text.clone()));
                }
                parts.extend(m.tool_calls.iter().flatten().map(tool_call_part));
                Message {
                    finish_reason: choice.finish_reason.map(|r| finish_reason(r).to_owned()),
                    ..message("assistant", parts, None)
                }
            })
            .collect()
    }
}

impl ModelStreamItem for CreateChatCompletionStreamResponse {
    fn usage(&self) -> Option<Usage> {
        self.usage.as_ref().map(usage)
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn response_id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.choices
            .iter()
            .filter_map(|c| c.finish_reason.map(finish_reason))
            .collect()
    }
    fn text_delta(&self) -> Option<&str> {
        // The first choice is the answer (`n > 1` streams interleave choices).
        self.choices
            .iter()
            .find(|c| c.index == 0)?
            .delta
            .content
            .as_deref()
    }
    fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
        // A call's first chunk carries its id and name; later ones add to its arguments.
        self.choices
            .iter()
            .filter(|c| c.index == 0)
            .flat_map(|c| c.delta.tool_calls.iter().flatten())
            .map(|t| {
                let function = t.function.as_ref();
                ToolCallFragment {
                    index: t.index as usize,
                    id: t.id.as_deref(),
                    name: function.and_then(|f| f.name.as_deref()),
                    arguments: function
                        .and_then(|f| f.arguments.as_deref())
                        .unwrap_or_default()
                        .into(),
                }
            })
            .collect()
    }
}

impl ModelRequest for CreateChatCompletionRequest {
    fn request_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn temperature(&self) -> Option<f64> {
        self.temperature.map(f64::from)
    }
    fn max_tokens(&self) -> Option<u64> {
        #[allow(deprecated)]
        self.max_completion_tokens
            .or(self.max_tokens)
            .map(u64::from)
    }
    fn top_p(&self) -> Option<f64> {
        self.top_p.map(f64::from)
    }
    fn seed(&self) -> Option<i64> {
        #[allow(deprecated)]
        self.seed
    }
    fn stop_sequences(&self) -> Vec<String> {
        match &self.stop {
            Some(StopConfiguration::String(s)) => vec![s.clone()],
            Some(StopConfiguration::StringArray(v)) => v.clone(),
            None => Vec::new(),
        }
    }
    fn stream(&self) -> Option<bool> {
        self.stream
    }
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        let tools = self.tools.as_ref().filter(|t| !t.is_empty())?;
        serde_json::to_value(tools).ok()
    }
    fn input_messages(&self) -> Vec<Message> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                ChatCompletionRequestMessage::System(_)
                | ChatCompletionRequestMessage::Developer(_) => None,
                ChatCompletionRequestMessage::User(u) => Some(message(
                    "user",
                    vec![text_part(text_of(&u.content))],
                    u.name.as_ref(),
                )),
                ChatCompletionRequestMessage::Assistant(a) => {
                    let mut parts: Vec<Part> =
                        a.content.iter().map(|c| text_part(text_of(c))).collect();
                    parts.extend(a.tool_calls.iter().flatten().map(tool_call_part));
                    Some(message("assistant", parts, a.name.as_ref()))
                }
                ChatCompletionRequestMessage::Tool(t) => {
                    let text = text_of(&t.content);
                    Some(Message::tool_response(
                        t.tool_call_id.clone(),
                        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
                    ))
                }
                ChatCompletionRequestMessage::Function(f) => Some(message(
                    "tool",
                    vec![text_part(f.content.clone().unwrap_or_default())],
                    Some(&f.name),
                )),
            })
            .collect()
    }
    fn system_instructions(&self) -> Vec<Part> {
        self.messages
            .iter()
            .filter_map(|m| match m {
                ChatCompletionRequestMessage::System(s) => Some(text_of(&s.content)),
                ChatCompletionRequestMessage::Developer(d) => Some(text_of(&d.content)),
                _ => None,
            })
            .map(text_part)
            .collect()
    }
}

impl ModelResponse for CreateEmbeddingResponse {
    fn usage(&self) -> Option<Usage> {
        Some(Usage::new(self.usage.prompt_tokens.into(), 0))
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
}

impl Embeddings for CreateEmbeddingResponse {
    fn dimensions(&self) -> Option<usize> {
        self.data.first().map(|e| e.embedding.len())
    }
}
