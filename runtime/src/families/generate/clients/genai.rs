//! genai 0.7 (feature `genai`): chat responses, stream events and requests, and the
//! chat options (temperature, max tokens, ...) that genai passes apart from the request.

use crate::core::content::{Message, Part};
use crate::families::generate::request::ModelRequest;
use crate::families::generate::stream::{ModelStreamItem, ToolCallFragment};
use crate::families::generate::{ModelResponse, Usage};
use genai::chat::{
    ChatMessage, ChatOptions, ChatRequest, ChatResponse, ChatRole, ChatStreamEvent, MessageContent,
    StopReason, ToolCall,
};

/// The GenAI conventions' name of a stop reason; an unknown one stays as the provider
/// said it.
fn finish_reason(reason: &StopReason) -> &str {
    match reason {
        StopReason::Completed(_) | StopReason::StopSequence(_) => "stop",
        StopReason::MaxTokens(_) => "length",
        StopReason::ToolCall(_) => "tool_calls",
        StopReason::ContentFilter(_) => "content_filter",
        StopReason::Other(raw) => raw,
    }
}

fn count(n: Option<i32>) -> Option<u64> {
    n.and_then(|n| u64::try_from(n).ok())
}

fn usage(u: &genai::chat::Usage) -> Option<Usage> {
    let (input, output) = (count(u.prompt_tokens), count(u.completion_tokens));
    if input.is_none() && output.is_none() {
        return None;
    }
    let mut usage = Usage::new(input.unwrap_or(0), output.unwrap_or(0));
    if let Some(details) = &u.prompt_tokens_details {
        usage.cache_read_input_tokens = count(details.cached_tokens);
        usage.cache_creation_input_tokens = count(details.cache_creation_tokens);
    }
    if let Some(details) = &u.completion_tokens_details {
        usage.reasoning_output_tokens = count(details.reasoning_tokens);
    }
    Some(usage)
}

fn tool_call_part(call: &ToolCall) -> Part {
    Part::ToolCall {
        id: Some(call.call_id.clone()),
        name: call.fn_name.clone(),
        arguments: call.fn_arguments.clone(),
    }
}

/// The parts of a message's content: its text, tool calls and tool responses.
fn parts(content: &MessageContent) -> Vec<Part> {
    let mut parts: Vec<Part> = content
        .texts()
        .into_iter()
        .map(|t| Part::Text {
            content: t.to_owned(),
        })
        .collect();
    parts.extend(content.tool_calls().into_iter().map(tool_call_part));
    parts.extend(content.tool_responses().into_iter().map(|r| {
        Part::ToolCallResponse {
            id: Some(r.call_id.clone()),
            response: serde_json::from_str(&r.content)
                .unwrap_or_else(|_| serde_json::Value::String(r.content.clone())),
        }
    }));
    parts
}

fn role(role: &ChatRole) -> &'static str {
    match role {
        ChatRole::System => "system",
        ChatRole::User => "user",
        ChatRole::Assistant => "assistant",
        ChatRole::Tool => "tool",
    }
}

impl ModelResponse for ChatResponse {
    fn usage(&self) -> Option<Usage> {
        usage(&self.usage)
    }
    fn response_model(&self) -> Option<&str> {
        Some(self.provider_model_iden.model_name.as_str())
    }
    fn response_id(&self) -> Option<&str> {
        self.response_id.as_deref()
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.stop_reason.iter().map(finish_reason).collect()
    }
    fn tool_calls(&self) -> Option<usize> {
        Some(self.content.tool_calls().len())
    }
    fn output_messages(&self) -> Vec<Message> {
        vec![Message {
            role: "assistant".into(),
            parts: parts(&self.content),
            name: None,
            finish_reason: self
                .stop_reason
                .as_ref()
                .map(|r| finish_reason(r).to_owned()),
        }]
    }
}

impl ModelStreamItem for ChatStreamEvent {
    fn usage(&self) -> Option<Usage> {
        match self {
            ChatStreamEvent::End(end) => end.captured_usage.as_ref().and_then(usage),
            _ => None,
        }
    }
    fn response_id(&self) -> Option<&str> {
        match self {
            ChatStreamEvent::End(end) => end.captured_response_id.as_deref(),
            _ => None,
        }
    }
    fn finish_reasons(&self) -> Vec<&str> {
        match self {
            ChatStreamEvent::End(end) => {
                end.captured_stop_reason.iter().map(finish_reason).collect()
            }
            _ => Vec::new(),
        }
    }
    fn text_delta(&self) -> Option<&str> {
        match self {
            ChatStreamEvent::Chunk(chunk) => Some(&chunk.content),
            _ => None,
        }
    }
    fn tool_call_starts(&self) -> Vec<(Option<&str>, &str)> {
        match self {
            ChatStreamEvent::ToolCallChunk(chunk) => vec![(
                Some(chunk.tool_call.call_id.as_str()),
                chunk.tool_call.fn_name.as_str(),
            )],
            _ => Vec::new(),
        }
    }
    // genai's chunks carry no index (and, with `capture_tool_calls`, the call so far
    // rather than a delta); its end event carries the whole calls it captured.
    fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
        let ChatStreamEvent::End(end) = self else {
            return Vec::new();
        };
        let calls = end.captured_content.iter().flat_map(|c| c.tool_calls());
        calls
            .enumerate()
            .map(|(index, call)| ToolCallFragment {
                index,
                id: Some(&call.call_id),
                name: Some(&call.fn_name),
                arguments: match &call.fn_arguments {
                    serde_json::Value::String(raw) => raw.into(),
                    value => value.to_string().into(),
                },
            })
            .collect()
    }
}

fn message(m: &ChatMessage) -> Message {
    Message {
        role: role(&m.role).to_owned(),
        parts: parts(&m.content),
        name: None,
        finish_reason: None,
    }
}

impl ModelRequest for ChatRequest {
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        let tools = self.tools.as_ref().filter(|t| !t.is_empty())?;
        serde_json::to_value(tools).ok()
    }
    fn input_messages(&self) -> Vec<Message> {
        self.messages
            .iter()
            .filter(|m| !matches!(m.role, ChatRole::System))
            .map(message)
            .collect()
    }
    fn system_instructions(&self) -> Vec<Part> {
        let messages = self
            .messages
            .iter()
            .filter(|m| matches!(m.role, ChatRole::System));
        self.system
            .iter()
            .map(|s| Part::Text { content: s.clone() })
            .chain(messages.flat_map(|m| parts(&m.content)))
            .collect()
    }
}

impl ModelRequest for ChatOptions {
    fn temperature(&self) -> Option<f64> {
        self.temperature
    }
    fn max_tokens(&self) -> Option<u64> {
        self.max_tokens.map(u64::from)
    }
    fn top_p(&self) -> Option<f64> {
        self.top_p
    }
    fn seed(&self) -> Option<i64> {
        self.seed.and_then(|s| i64::try_from(s).ok())
    }
    fn stop_sequences(&self) -> Vec<String> {
        self.stop_sequences.clone()
    }
}
