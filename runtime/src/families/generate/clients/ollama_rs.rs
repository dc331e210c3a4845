//! ollama-rs 0.3 (feature `ollama-rs`): chat responses (whole or streamed) and chat
//! requests. Ollama reports usage as `prompt_eval_count` / `eval_count` on the final
//! response; ollama-rs exposes no response id and no `done_reason`, so a finished
//! response's finish reason is `tool_calls` when it calls tools and `stop` otherwise.

use crate::core::content::{Message, Part};
use crate::families::generate::request::ModelRequest;
use crate::families::generate::stream::{ModelStreamItem, ToolCallFragment};
use crate::families::generate::{ModelResponse, Usage};
use ollama_rs::generation::chat::request::ChatMessageRequest;
use ollama_rs::generation::chat::{ChatMessage, ChatMessageResponse, MessageRole};

fn usage(response: &ChatMessageResponse) -> Option<Usage> {
    let data = response.final_data.as_ref()?;
    Some(Usage::new(data.prompt_eval_count, data.eval_count))
}

fn finish_reasons(response: &ChatMessageResponse) -> Vec<&str> {
    match (response.done, response.message.tool_calls.is_empty()) {
        (false, _) => Vec::new(),
        (true, true) => vec!["stop"],
        (true, false) => vec!["tool_calls"],
    }
}

fn role(role: &MessageRole) -> &'static str {
    match role {
        MessageRole::User => "user",
        MessageRole::Assistant => "assistant",
        MessageRole::System => "system",
        MessageRole::Tool => "tool",
    }
}

fn message(m: &ChatMessage) -> Message {
    let mut parts = Vec::new();
    if !m.content.is_empty() {
        parts.push(Part::Text {
            content: m.content.clone(),
        });
    }
    parts.extend(m.tool_calls.iter().map(|call| Part::ToolCall {
        id: None,
        name: call.function.name.clone(),
        arguments: call.function.arguments.clone(),
    }));
    Message {
        role: role(&m.role).to_owned(),
        parts,
        name: None,
        finish_reason: None,
    }
}

impl ModelResponse for ChatMessageResponse {
    fn usage(&self) -> Option<Usage> {
        usage(self)
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        finish_reasons(self)
    }
    fn tool_calls(&self) -> Option<usize> {
        Some(self.message.tool_calls.len())
    }
    fn output_messages(&self) -> Vec<Message> {
        let mut output = message(&self.message);
        output.finish_reason = finish_reasons(self).first().map(|r| (*r).to_owned());
        vec![output]
    }
}

impl ModelStreamItem for ChatMessageResponse {
    fn usage(&self) -> Option<Usage> {
        usage(self)
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        finish_reasons(self)
    }
    fn text_delta(&self) -> Option<&str> {
        Some(self.message.content.as_str()).filter(|t| !t.is_empty())
    }
    // Ollama sends each tool call whole, arguments included.
    fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
        self.message
            .tool_calls
            .iter()
            .enumerate()
            .map(|(index, call)| ToolCallFragment {
                index,
                id: None,
                name: Some(&call.function.name),
                arguments: call.function.arguments.to_string().into(),
            })
            .collect()
    }
}

impl ModelRequest for ChatMessageRequest {
    fn request_model(&self) -> Option<&str> {
        Some(&self.model_name)
    }
    // The options' fields are private to ollama-rs: read through their JSON, which is
    // what Ollama receives anyway.
    fn temperature(&self) -> Option<f64> {
        option(self, "temperature")?.as_f64()
    }
    fn max_tokens(&self) -> Option<u64> {
        option(self, "num_predict")?.as_u64()
    }
    fn top_p(&self) -> Option<f64> {
        option(self, "top_p")?.as_f64()
    }
    fn seed(&self) -> Option<i64> {
        option(self, "seed")?.as_i64()
    }
    fn stop_sequences(&self) -> Vec<String> {
        option(self, "stop")
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default()
    }
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        (!self.tools.is_empty())
            .then(|| serde_json::to_value(&self.tools).ok())
            .flatten()
    }
    fn input_messages(&self) -> Vec<Message> {
        self.messages
            .iter()
            .filter(|m| !matches!(m.role, MessageRole::System))
            .map(message)
            .collect()
    }
    fn system_instructions(&self) -> Vec<Part> {
        self.messages
            .iter()
            .filter(|m| matches!(m.role, MessageRole::System))
            .map(|m| Part::Text {
                content: m.content.clone(),
            })
            .collect()
    }
}

fn option(request: &ChatMessageRequest, key: &str) -> Option<serde_json::Value> {
    let options = serde_json::to_value(request.options.as_ref()?).ok()?;
    options.get(key).cloned()
}
