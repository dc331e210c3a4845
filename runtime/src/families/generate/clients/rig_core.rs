//! rig-core 0.46 (feature `rig-core`): completion responses, stream items and requests.
//!
//! rig normalises every provider's reply into one [`CompletionResponse`] (not generic
//! over the provider), so what is recorded is the same for every provider rig speaks:
//! usage (with cached, cache-creation and reasoning tokens when the provider reports
//! them), the response model and id the provider reported, the finish reason, the cost
//! when rig knows it (the provider's figure, or rig's catalog price when complete; else
//! crux's price table applies), the tool calls and, for capture, the output message
//! (text, reasoning and tool calls with their arguments).
//!
//! Streams: the items of [`rig_core::streaming::Streamed`] (`Item<StreamEvent>`) carry
//! text deltas and tool calls (joined from their argument fragments), but no usage,
//! model or finish reason: rig keeps those for the stream's end. A stream turned into
//! its relay ([`Streamed::into_relay`](rig_core::streaming::Streamed::into_relay),
//! items [`Relayed`]) ends with the whole response, and records everything.

use crate::core::content::{Message, Part};
use crate::families::generate::request::ModelRequest;
use crate::families::generate::stream::{ModelStreamItem, ToolCallFragment};
use crate::families::generate::{ModelResponse, Usage};
use rig_core::completion::{
    AssistantContent, CompletionRequest, CompletionResponse, FinishReason, ToolDefinition,
};
use rig_core::message::{Message as RigMessage, ToolCall, ToolResultContent, UserContent};
use rig_core::streaming::{Item, PartKind, Relayed, StreamEvent};

/// The GenAI conventions' name of a finish reason. rig keeps an unknown one only by
/// value, so it is read from the provider's raw reply where the common wires put it.
fn finish_reason<'a>(reason: &FinishReason, raw: &'a serde_json::Value) -> &'a str {
    match reason {
        FinishReason::Stop => "stop",
        FinishReason::Length => "length",
        FinishReason::ToolCalls => "tool_calls",
        FinishReason::ContentFilter => "content_filter",
        _ => [
            "/choices/0/finish_reason",
            "/stop_reason",
            "/done_reason",
            "/candidates/0/finishReason",
        ]
        .iter()
        .find_map(|pointer| raw.pointer(pointer)?.as_str())
        .unwrap_or("other"),
    }
}

fn usage(u: &rig_core::completion::Usage) -> Option<Usage> {
    if u.input_tokens.is_none() && u.output_tokens.is_none() {
        return None;
    }
    let mut usage = Usage::new(u.input_tokens.unwrap_or(0), u.output_tokens.unwrap_or(0));
    usage.cache_read_input_tokens = u.cached_input_tokens;
    usage.cache_creation_input_tokens = u.cache_creation_input_tokens;
    usage.reasoning_output_tokens = u.reasoning_tokens;
    Some(usage)
}

/// The provider's id of a call (a call id rig made up is not the provider's).
fn call_id(call: &ToolCall) -> Option<&str> {
    call.id.provider().map(|id| id.as_str())
}

fn tool_call_part(call: &ToolCall) -> Part {
    Part::ToolCall {
        id: call_id(call).map(str::to_owned),
        name: call.function.name.as_str().to_owned(),
        // Arguments that were not a JSON object stay as the model wrote them.
        arguments: match &call.function.invalid_arguments {
            Some(raw) => serde_json::Value::String(raw.clone()),
            None => call.function.arguments_value(),
        },
    }
}

fn assistant_parts(content: &[AssistantContent]) -> Vec<Part> {
    content
        .iter()
        .filter_map(|block| match block {
            AssistantContent::Text(text) => Some(Part::Text {
                content: text.text.clone(),
            }),
            AssistantContent::ToolCall(call) => Some(tool_call_part(call)),
            AssistantContent::Reasoning(reasoning) if !reasoning.text.is_empty() => {
                Some(Part::Reasoning {
                    content: reasoning.text.clone(),
                })
            }
            _ => None,
        })
        .collect()
}

fn tool_result(content: &[ToolResultContent]) -> serde_json::Value {
    let mut values: Vec<serde_json::Value> = content
        .iter()
        .filter_map(|c| match c {
            ToolResultContent::Text(text) => Some(
                serde_json::from_str(&text.text)
                    .unwrap_or_else(|_| serde_json::Value::String(text.text.clone())),
            ),
            ToolResultContent::Json { value } => Some(value.clone()),
            _ => None,
        })
        .collect();
    match values.len() {
        1 => values.remove(0),
        _ => serde_json::Value::Array(values),
    }
}

/// A message of the conversation; `None` for system messages (the instructions).
fn message(m: &RigMessage) -> Option<Message> {
    let (role, parts) = match m {
        RigMessage::System { .. } => return None,
        RigMessage::Assistant(a) => ("assistant", assistant_parts(&a.content)),
        RigMessage::User { content } => {
            let parts: Vec<Part> = content
                .iter()
                .filter_map(|c| match c {
                    UserContent::Text(text) => Some(Part::Text {
                        content: text.text.clone(),
                    }),
                    UserContent::ToolResult(result) => Some(Part::ToolCallResponse {
                        id: Some(result.call.wire().into_owned()),
                        response: tool_result(&result.content),
                    }),
                    _ => None,
                })
                .collect();
            // rig sends tool results as user content; alone, they are the tool's turn.
            let only_results = !parts.is_empty()
                && parts
                    .iter()
                    .all(|p| matches!(p, Part::ToolCallResponse { .. }));
            (if only_results { "tool" } else { "user" }, parts)
        }
    };
    Some(Message {
        role: role.to_owned(),
        parts,
        name: None,
        finish_reason: None,
    })
}

impl ModelResponse for CompletionResponse {
    fn usage(&self) -> Option<Usage> {
        usage(&self.usage)
    }
    fn response_model(&self) -> Option<&str> {
        self.model()
    }
    fn response_id(&self) -> Option<&str> {
        CompletionResponse::response_id(self)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.finish_reason()
            .map(|reason| finish_reason(&reason, &self.raw))
            .into_iter()
            .collect()
    }
    fn cost_usd(&self) -> Option<f64> {
        let cost = self.usage.cost.as_ref()?;
        cost.is_complete().then_some(cost.total)
    }
    fn tool_calls(&self) -> Option<usize> {
        Some(CompletionResponse::tool_calls(self).count())
    }
    fn output_messages(&self) -> Vec<Message> {
        vec![Message {
            role: "assistant".into(),
            parts: assistant_parts(&self.choice),
            name: None,
            finish_reason: ModelResponse::finish_reasons(self)
                .first()
                .map(|r| (*r).to_owned()),
        }]
    }
}

/// An item of rig's stream (`Model::stream`): text deltas and tool calls. A call opens
/// (named) with its part, grows by argument fragments and ends with its id.
impl ModelStreamItem for Item<StreamEvent> {
    fn text_delta(&self) -> Option<&str> {
        match self {
            Item::Event(StreamEvent::Text { text, .. }) => Some(text),
            _ => None,
        }
    }
    fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
        let Item::Event(event) = self else {
            return Vec::new();
        };
        let index = event.part().index();
        let fragment = match event {
            StreamEvent::Start {
                kind: PartKind::ToolCall,
                name,
                ..
            } => ToolCallFragment {
                index,
                name: name.as_ref().map(|n| n.as_str()),
                ..ToolCallFragment::default()
            },
            StreamEvent::Arguments { json, .. } => ToolCallFragment {
                index,
                arguments: json.into(),
                ..ToolCallFragment::default()
            },
            StreamEvent::End {
                content: AssistantContent::ToolCall(call),
                ..
            } => ToolCallFragment {
                index,
                id: call_id(call),
                name: Some(call.function.name.as_str()),
                ..ToolCallFragment::default()
            },
            _ => return Vec::new(),
        };
        vec![fragment]
    }
}

/// An item of rig's relayed stream (`Streamed::into_relay`): the events as above, then
/// the whole response, which gives usage, response model and id, finish reason and cost.
impl ModelStreamItem for Relayed {
    fn usage(&self) -> Option<Usage> {
        match self {
            Relayed::Done(response) => ModelResponse::usage(&**response),
            _ => None,
        }
    }
    fn response_model(&self) -> Option<&str> {
        match self {
            Relayed::Done(response) => response.model(),
            _ => None,
        }
    }
    fn response_id(&self) -> Option<&str> {
        match self {
            Relayed::Done(response) => response.response_id(),
            _ => None,
        }
    }
    fn finish_reasons(&self) -> Vec<&str> {
        match self {
            Relayed::Done(response) => ModelResponse::finish_reasons(&**response),
            _ => Vec::new(),
        }
    }
    fn text_delta(&self) -> Option<&str> {
        match self {
            Relayed::Item(item) => item.text_delta(),
            _ => None,
        }
    }
    fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
        match self {
            Relayed::Item(item) => item.tool_call_fragments(),
            _ => Vec::new(),
        }
    }
    fn cost_usd(&self) -> Option<f64> {
        match self {
            Relayed::Done(response) => ModelResponse::cost_usd(&**response),
            _ => None,
        }
    }
}

fn tool_definition(tool: &ToolDefinition) -> serde_json::Value {
    serde_json::json!({
        "type": "function",
        "name": tool.name.as_str(),
        "description": tool.description,
        "parameters": tool.parameters,
    })
}

/// A request: the model it overrides, temperature, max tokens, top_p, seed, stop
/// sequences, the tools, the preamble (system messages) as system instructions and the
/// rest of the chat history (with the documents, where rig puts them) as input messages.
impl ModelRequest for CompletionRequest {
    fn request_model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn temperature(&self) -> Option<f64> {
        self.temperature
    }
    fn max_tokens(&self) -> Option<u64> {
        self.max_tokens
    }
    fn top_p(&self) -> Option<f64> {
        self.options.top_p
    }
    fn seed(&self) -> Option<i64> {
        self.options.seed.and_then(|s| i64::try_from(s).ok())
    }
    fn stop_sequences(&self) -> Vec<String> {
        self.options.stop.clone()
    }
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        (!self.tools.is_empty()).then(|| {
            serde_json::Value::Array(self.tools.iter().map(|t| tool_definition(t)).collect())
        })
    }
    fn input_messages(&self) -> Vec<Message> {
        self.messages_for_telemetry()
            .iter()
            .filter_map(|m| message(m))
            .collect()
    }
    fn system_instructions(&self) -> Vec<Part> {
        self.chat_history
            .iter()
            .filter_map(|m| match &**m {
                RigMessage::System { content } => Some(Part::Text {
                    content: content.clone(),
                }),
                _ => None,
            })
            .collect()
    }
}
