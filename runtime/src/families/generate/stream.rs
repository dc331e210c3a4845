//! Streamed model calls: what each item of a `#[crux::generate(stream)]` stream tells
//! ([`ModelStreamItem`]), added up over the stream into one response.

use super::{ModelResponse, Usage};
use crate::core::content::{Message, Part};
use std::borrow::Cow;
use std::collections::HashMap;

/// A piece of a streamed tool call, as [`ModelStreamItem::tool_call_fragments`] gives it.
///
/// OpenAI-style streams send a tool call in fragments across items, keyed by the call's
/// index in the answer: the first fragment names the tool (and gives the call's id), the
/// later ones add text to the arguments' JSON. The fragments of one index, joined, are
/// the call; a fragment that names a tool at an index whose call is already named starts
/// a new call there. A call that arrives whole is one fragment with all three.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolCallFragment<'a> {
    /// The call's position in the answer: the fragments of one call share it.
    pub index: usize,
    /// The call's id, when this fragment gives it (usually the first one).
    pub id: Option<&'a str>,
    /// The tool's name, when this fragment starts the call.
    pub name: Option<&'a str>,
    /// Text this fragment adds to the call's arguments (JSON once joined); may be empty.
    pub arguments: Cow<'a, str>,
}

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
    /// Tool calls this item starts: the call's id and the tool's name. Items that give
    /// [`Self::tool_call_fragments`] need not give these too (a start whose id a
    /// fragment also gives is counted once).
    fn tool_call_starts(&self) -> Vec<(Option<&str>, &str)> {
        Vec::new()
    }
    /// Pieces of tool calls in this item: the stream's fragments of one call are joined
    /// (by index) into the call, recorded with its id, name and whole arguments as a
    /// non-streamed response records them.
    fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
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
    fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
        (**self).tool_call_fragments()
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
    /// Calls joined from fragments, in the order they started.
    fragment_calls: Vec<StreamedCall>,
    /// The call each index's fragments go to now (a position in `fragment_calls`).
    open_calls: HashMap<usize, usize>,
    cost: Option<f64>,
}

/// A tool call joined from its fragments.
#[derive(Debug, Default)]
struct StreamedCall {
    id: Option<String>,
    name: Option<String>,
    arguments: String,
}

impl StreamedCall {
    fn part(&self) -> Part {
        Part::ToolCall {
            id: self.id.clone(),
            name: self.name.clone().unwrap_or_default(),
            arguments: arguments(&self.arguments),
        }
    }
}

/// Whether `fragment`, at the index of `call`, starts another call there: it names a
/// tool when `call` is already named, and brings arguments or another id (a call that
/// arrives whole after another one at the same index; a fragment naming the call again
/// as it ends, with its id, does not).
fn starts_another(call: &StreamedCall, fragment: &ToolCallFragment<'_>) -> bool {
    let other_id = matches!((fragment.id, &call.id), (Some(new), Some(old)) if new != old);
    fragment.name.is_some() && call.name.is_some() && (!fragment.arguments.is_empty() || other_id)
}

/// Joined arguments as JSON when they parse, else as the text the model wrote (none:
/// `null`), as non-streamed responses record them.
fn arguments(raw: &str) -> serde_json::Value {
    if raw.trim().is_empty() {
        return serde_json::Value::Null;
    }
    serde_json::from_str(raw).unwrap_or_else(|_| serde_json::Value::String(raw.to_owned()))
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
            let seen = id.is_some() && self.tool_calls.iter().any(|(i, _)| i.as_deref() == id);
            if !seen {
                self.tool_calls
                    .push((id.map(str::to_owned), name.to_owned()));
            }
        }
        for fragment in item.tool_call_fragments() {
            self.add_fragment(fragment);
        }
        if let Some(cost) = item.cost_usd() {
            self.cost = Some(cost);
        }
    }

    fn add_fragment(&mut self, fragment: ToolCallFragment<'_>) {
        let open = self.open_calls.get(&fragment.index).copied();
        let position = match open {
            Some(at) if !starts_another(&self.fragment_calls[at], &fragment) => at,
            _ => {
                self.fragment_calls.push(StreamedCall::default());
                let at = self.fragment_calls.len() - 1;
                self.open_calls.insert(fragment.index, at);
                at
            }
        };
        let call = &mut self.fragment_calls[position];
        if let (None, Some(id)) = (&call.id, fragment.id) {
            call.id = Some(id.to_owned());
        }
        if let (None, Some(name)) = (&call.name, fragment.name) {
            call.name = Some(name.to_owned());
        }
        call.arguments.push_str(&fragment.arguments);
    }

    /// The calls started without fragments, less those whose id a fragment gave.
    fn started_only(&self) -> impl Iterator<Item = &(Option<String>, String)> {
        self.tool_calls
            .iter()
            .filter(|(id, _)| id.is_none() || !self.fragment_calls.iter().any(|c| c.id == *id))
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
        let count = self.started_only().count() + self.fragment_calls.len();
        (count > 0).then_some(count)
    }
    fn output_messages(&self) -> Vec<Message> {
        let mut parts = Vec::new();
        if !self.text.is_empty() {
            parts.push(Part::Text {
                content: self.text.clone(),
            });
        }
        // Calls joined from fragments carry their arguments; calls only started do not.
        parts.extend(self.fragment_calls.iter().map(StreamedCall::part));
        parts.extend(self.started_only().map(|(id, name)| Part::ToolCall {
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

#[cfg(test)]
mod tests {
    use super::*;

    struct Fragments(Vec<ToolCallFragment<'static>>);

    impl ModelStreamItem for Fragments {
        fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
            self.0.clone()
        }
    }

    fn fragment(
        index: usize,
        id: Option<&'static str>,
        name: Option<&'static str>,
        arguments: &'static str,
    ) -> ToolCallFragment<'static> {
        ToolCallFragment {
            index,
            id,
            name,
            arguments: arguments.into(),
        }
    }

    fn calls(response: &StreamedResponse) -> Vec<Part> {
        response.output_messages().remove(0).parts
    }

    fn call(id: Option<&str>, name: &str, arguments: serde_json::Value) -> Part {
        Part::ToolCall {
            id: id.map(str::to_owned),
            name: name.to_owned(),
            arguments,
        }
    }

    #[test]
    fn interleaved_fragments_are_joined_per_index() {
        let mut response = StreamedResponse::default();
        for item in [
            vec![fragment(0, Some("a"), Some("first"), "")],
            vec![
                fragment(0, None, None, "{\"x\":"),
                fragment(1, Some("b"), Some("second"), "{\"y\""),
            ],
            vec![fragment(1, None, None, ": 2}")],
            vec![fragment(0, None, None, " 1}")],
        ] {
            response.add(&Fragments(item));
        }
        assert_eq!(response.tool_calls(), Some(2));
        assert_eq!(
            calls(&response),
            [
                call(Some("a"), "first", serde_json::json!({"x": 1})),
                call(Some("b"), "second", serde_json::json!({"y": 2})),
            ]
        );
    }

    #[test]
    fn whole_calls_at_one_index_are_separate_and_an_end_fragment_adds_the_id() {
        let mut response = StreamedResponse::default();
        for item in [
            vec![fragment(0, None, Some("lookup"), "{\"n\": 1}")],
            vec![fragment(0, None, Some("lookup"), "{\"n\": 2}")],
            vec![fragment(0, Some("c"), Some("lookup"), "")],
        ] {
            response.add(&Fragments(item));
        }
        assert_eq!(
            calls(&response),
            [
                call(None, "lookup", serde_json::json!({"n": 1})),
                call(Some("c"), "lookup", serde_json::json!({"n": 2})),
            ]
        );
    }

    #[test]
    fn unparsable_arguments_stay_text_and_a_started_call_is_counted_once() {
        struct Both;
        impl ModelStreamItem for Both {
            fn tool_call_starts(&self) -> Vec<(Option<&str>, &str)> {
                vec![(Some("a"), "first")]
            }
            fn tool_call_fragments(&self) -> Vec<ToolCallFragment<'_>> {
                vec![fragment(0, Some("a"), Some("first"), "{\"x\": ")]
            }
        }
        let mut response = StreamedResponse::default();
        response.add(&Both);
        assert_eq!(response.tool_calls(), Some(1));
        assert_eq!(
            calls(&response),
            [call(Some("a"), "first", serde_json::json!("{\"x\": "))]
        );
    }
}
