//! Streamed model calls: what each item of a `#[crux::generate(stream)]` stream tells
//! ([`ModelStreamItem`]), added up over the stream into one response.

use super::{ModelResponse, Usage};
use crate::core::content::{Message, Part};

/// Implemented by the item type of a model client's stream (a chunk, a delta, an event)
/// so that a `#[crux::generate(stream)]` function returning a stream of it records what
/// the whole stream said when it ends: usage, response model and id, finish reasons,
/// tool calls and, with output capture, the output message assembled from the text
/// deltas. Every method has a default of "nothing in this item".
///
/// A stream of `Result<Item, E>` works too: `Ok` items are read, and an `Err` item whose
/// error implements `Display` (or `Debug`) marks the span Error with `error.type` and an
/// `exception` event, as an `Err` returned by a plain fn does.
///
/// ```
/// use futures::{stream, Stream, StreamExt};
///
/// struct Chunk { text: &'static str, done: bool }
///
/// impl crux::ModelStreamItem for Chunk {
///     fn text_delta(&self) -> Option<&str> { Some(self.text) }
///     fn usage(&self) -> Option<crux::Usage> { self.done.then(|| crux::Usage::new(12, 2)) }
///     fn finish_reasons(&self) -> Vec<&str> { if self.done { vec!["stop"] } else { vec![] } }
/// }
///
/// #[crux::generate(provider = "openai", model = "gpt-4o-mini", stream)]
/// fn reply(prompt: &str) -> impl Stream<Item = Result<Chunk, std::io::Error>> {
///     stream::iter([Ok(Chunk { text: "Hel", done: false }), Ok(Chunk { text: "lo", done: true })])
/// }
///
/// # #[tokio::main] async fn main() {
/// let capture = crux::testing::capture();
/// let text: Vec<_> = reply("hi").map(|c| c.unwrap().text).collect().await;
/// assert_eq!(text.concat(), "Hello");
/// let span = capture.one("crux.generate");
/// let output = span.attributes.iter().find(|kv| kv.key.as_str() == "gen_ai.usage.output_tokens");
/// assert_eq!(output.map(|kv| kv.value.clone()), Some(2i64.into()));
/// # }
/// ```
pub trait ModelStreamItem {
    /// Tokens used so far, as reported by this item (the last item reporting usage
    /// gives the stream's usage).
    fn usage(&self) -> Option<Usage> {
        None
    }
    /// The model that answers.
    fn response_model(&self) -> Option<&str> {
        None
    }
    /// The provider's id for the response.
    fn response_id(&self) -> Option<&str> {
        None
    }
    /// Finish reasons that this item reports (one per choice that finished).
    fn finish_reasons(&self) -> Vec<&str> {
        Vec::new()
    }
    /// Output text this item adds.
    fn text_delta(&self) -> Option<&str> {
        None
    }
    /// Tool calls this item starts: the call's id and the tool's name.
    fn tool_call_starts(&self) -> Vec<(Option<&str>, &str)> {
        Vec::new()
    }
    /// What the call cost in USD, if this item says.
    fn cost_usd(&self) -> Option<f64> {
        None
    }
}

impl<T: ModelStreamItem + ?Sized> ModelStreamItem for &T {
    fn usage(&self) -> Option<Usage> {
        (**self).usage()
    }
    fn response_model(&self) -> Option<&str> {
        (**self).response_model()
    }
    fn response_id(&self) -> Option<&str> {
        (**self).response_id()
    }
    fn finish_reasons(&self) -> Vec<&str> {
        (**self).finish_reasons()
    }
    fn text_delta(&self) -> Option<&str> {
        (**self).text_delta()
    }
    fn tool_call_starts(&self) -> Vec<(Option<&str>, &str)> {
        (**self).tool_call_starts()
    }
    fn cost_usd(&self) -> Option<f64> {
        (**self).cost_usd()
    }
}

/// A stream's items added up: recorded as one [`ModelResponse`] when the stream ends.
#[derive(Debug, Default)]
pub struct StreamedResponse {
    seen: bool,
    usage: Option<Usage>,
    model: Option<String>,
    id: Option<String>,
    finish_reasons: Vec<String>,
    text: String,
    tool_calls: Vec<(Option<String>, String)>,
    cost: Option<f64>,
}

impl StreamedResponse {
    /// Adds what `item` tells.
    pub fn add<I: ModelStreamItem + ?Sized>(&mut self, item: &I) {
        self.seen = true;
        if let Some(usage) = item.usage() {
            self.usage = Some(usage);
        }
        if let (None, Some(model)) = (&self.model, item.response_model()) {
            self.model = Some(model.to_owned());
        }
        if let (None, Some(id)) = (&self.id, item.response_id()) {
            self.id = Some(id.to_owned());
        }
        self.finish_reasons
            .extend(item.finish_reasons().into_iter().map(str::to_owned));
        if let Some(text) = item.text_delta() {
            self.text.push_str(text);
        }
        for (id, name) in item.tool_call_starts() {
            self.tool_calls
                .push((id.map(str::to_owned), name.to_owned()));
        }
        if let Some(cost) = item.cost_usd() {
            self.cost = Some(cost);
        }
    }

    /// Whether any item was read.
    pub fn is_empty(&self) -> bool {
        !self.seen
    }
}

impl ModelResponse for StreamedResponse {
    fn usage(&self) -> Option<Usage> {
        self.usage
    }
    fn response_model(&self) -> Option<&str> {
        self.model.as_deref()
    }
    fn response_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.finish_reasons.iter().map(String::as_str).collect()
    }
    fn cost_usd(&self) -> Option<f64> {
        self.cost
    }
    fn tool_calls(&self) -> Option<usize> {
        (!self.tool_calls.is_empty()).then_some(self.tool_calls.len())
    }
    fn output_messages(&self) -> Vec<Message> {
        let mut parts = Vec::new();
        if !self.text.is_empty() {
            parts.push(Part::Text {
                content: self.text.clone(),
            });
        }
        // The arguments arrive in fragments; the call itself is what the trace needs.
        parts.extend(self.tool_calls.iter().map(|(id, name)| Part::ToolCall {
            id: id.clone(),
            name: name.clone(),
            arguments: serde_json::Value::Null,
        }));
        if parts.is_empty() {
            return Vec::new();
        }
        vec![Message {
            role: "assistant".into(),
            parts,
            name: None,
            finish_reason: self.finish_reasons.first().cloned(),
        }]
    }
}
