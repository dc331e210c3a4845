//! A span's input or output as one value: what LLM backends (Arize Phoenix, MLflow, any
//! OpenInference reader) show as a trace's request and response, and a model call's
//! prompt and answer (`input.value` / `output.value` with their MIME types). Recorded
//! only with content capture on, cut at the same length as other content.

use crate::attributes as key;
use crate::core::content;
use opentelemetry::KeyValue;
use serde_json::Value as Json;

/// Which side of a span a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    /// What the span was given.
    Input,
    /// What it produced.
    Output,
}

/// `value` under `input.value` / `output.value`: a JSON string is the text itself
/// (`text/plain`), anything else its JSON (`application/json`); `null` is nothing.
/// Returns the attributes and whether the value was cut to `cap` characters.
pub(crate) fn attributes(side: Side, value: &Json, cap: usize) -> (Vec<KeyValue>, bool) {
    let (value_key, mime_key) = match side {
        Side::Input => (key::INPUT_VALUE, key::INPUT_MIME_TYPE),
        Side::Output => (key::OUTPUT_VALUE, key::OUTPUT_MIME_TYPE),
    };
    let (text, mime, cut) = match value {
        Json::Null => return (Vec::new(), false),
        Json::String(text) => {
            let (text, cut) = content::capped_text(text, cap);
            (text, "text/plain", cut)
        }
        other => match content::capped_json(other, cap) {
            Some(fitted) => (fitted.text, "application/json", fitted.cut),
            None => return (Vec::new(), false),
        },
    };
    (
        vec![
            KeyValue::new(value_key, text),
            KeyValue::new(mime_key, mime),
        ],
        cut,
    )
}

/// The value a list of GenAI messages (`[{role, parts: [..]}]`) stands for on one side:
/// for the input, the last user message; for the output, the last message. Its text
/// parts joined, or its parts as JSON when it has no text (an answer that only calls
/// tools).
pub(crate) fn from_messages(side: Side, messages: &Json) -> Json {
    let Some(list) = messages.as_array() else {
        return messages.clone();
    };
    let message = match side {
        Side::Input => list
            .iter()
            .rev()
            .find(|m| m.get("role").and_then(Json::as_str) == Some("user")),
        Side::Output => list.last(),
    };
    let Some(parts) = message
        .and_then(|m| m.get("parts"))
        .and_then(Json::as_array)
    else {
        return Json::Null;
    };
    let texts: Vec<&str> = parts
        .iter()
        .filter(|p| p.get("type").and_then(Json::as_str) == Some("text"))
        .filter_map(|p| p.get("content").and_then(Json::as_str))
        .collect();
    if texts.is_empty() {
        Json::Array(parts.clone())
    } else {
        Json::String(texts.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_is_plain_and_anything_else_json() {
        let (attrs, cut) = attributes(Side::Input, &json!("where is my parcel?"), 100);
        assert!(!cut);
        assert_eq!(attrs[0].value.as_str(), "where is my parcel?");
        assert_eq!(attrs[1].value.as_str(), "text/plain");
        let (attrs, _) = attributes(Side::Output, &json!({"ticket": "T-1"}), 100);
        assert_eq!(attrs[0].key.as_str(), key::OUTPUT_VALUE);
        assert_eq!(attrs[0].value.as_str(), r#"{"ticket":"T-1"}"#);
        assert_eq!(attrs[1].value.as_str(), "application/json");
        assert!(attributes(Side::Output, &Json::Null, 100).0.is_empty());
        let (attrs, cut) = attributes(Side::Input, &json!("abcdef"), 3);
        assert!(cut);
        assert_eq!(attrs[0].value.as_str(), "abc");
    }

    #[test]
    fn messages_give_the_last_user_text_and_the_answer() {
        let input = json!([
            {"role": "user", "parts": [{"type": "text", "content": "first"}]},
            {"role": "assistant", "parts": [{"type": "text", "content": "reply"}]},
            {"role": "user", "parts": [{"type": "text", "content": "second"}]},
            {"role": "tool", "parts": [{"type": "tool_call_response", "id": "c", "response": 1}]}
        ]);
        assert_eq!(from_messages(Side::Input, &input), json!("second"));
        let calls = json!([{"role": "assistant", "parts": [
            {"type": "tool_call", "id": "c1", "name": "lookup_order", "arguments": {}}
        ]}]);
        assert_eq!(
            from_messages(Side::Output, &calls),
            json!([{"type": "tool_call", "id": "c1", "name": "lookup_order", "arguments": {}}])
        );
        assert_eq!(from_messages(Side::Input, &json!([])), Json::Null);
    }
}
