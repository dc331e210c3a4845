//! Content capture: prompts, completions, tool arguments and results, prompt variables.
//! Off by default; on, content is recorded in the GenAI semantic conventions' JSON shape
//! and cut at a length cap (`crux.truncated = true` when cut).

use crate::core::truncate::{self, Fitted};
use serde::{Deserialize, Serialize};

/// Which sides of a call to capture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CaptureContent {
    /// Prompts, input messages, system instructions, tool arguments, prompt variables.
    pub input: bool,
    /// Completions, output messages, tool results.
    pub output: bool,
}

impl CaptureContent {
    /// Capture nothing.
    pub const OFF: CaptureContent = CaptureContent {
        input: false,
        output: false,
    };
    /// Capture both sides.
    pub const ALL: CaptureContent = CaptureContent {
        input: true,
        output: true,
    };

    /// The setting of `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`: `true`,
    /// `SPAN_ONLY` or `SPAN_AND_EVENT` capture both sides; anything else nothing.
    pub fn from_env() -> CaptureContent {
        match std::env::var("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT") {
            Ok(v)
                if matches!(
                    v.trim().to_ascii_lowercase().as_str(),
                    "true" | "1" | "span_only" | "span_and_event"
                ) =>
            {
                CaptureContent::ALL
            }
            _ => CaptureContent::OFF,
        }
    }
}

impl From<bool> for CaptureContent {
    fn from(on: bool) -> CaptureContent {
        if on {
            CaptureContent::ALL
        } else {
            CaptureContent::OFF
        }
    }
}

/// A chat message in the GenAI conventions' shape (`gen_ai.input.messages`,
/// `gen_ai.output.messages`).
///
/// ```
/// let m = crux::Message::user("Where is my order?");
/// assert_eq!(serde_json::to_string(&m).unwrap(),
///     r#"{"role":"user","parts":[{"type":"text","content":"Where is my order?"}]}"#);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `system`, `user`, `assistant`, `tool`, or any other role.
    pub role: String,
    /// The message's parts.
    pub parts: Vec<Part>,
    /// The participant's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Why the model stopped (output messages).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

/// A part of a [`Message`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Part {
    /// Text.
    Text {
        /// The text.
        content: String,
    },
    /// A tool call the model requested.
    ToolCall {
        /// The call's id.
        id: Option<String>,
        /// The tool.
        name: String,
        /// The arguments.
        arguments: serde_json::Value,
    },
    /// A tool's response.
    ToolCallResponse {
        /// The call's id.
        id: Option<String>,
        /// The response.
        response: serde_json::Value,
    },
    /// The model's reasoning.
    Reasoning {
        /// The reasoning text.
        content: String,
    },
}

impl Message {
    fn text(role: &str, text: impl Into<String>) -> Message {
        Message {
            role: role.to_owned(),
            parts: vec![Part::Text {
                content: text.into(),
            }],
            name: None,
            finish_reason: None,
        }
    }

    /// A system message.
    pub fn system(text: impl Into<String>) -> Message {
        Message::text("system", text)
    }

    /// A user message.
    pub fn user(text: impl Into<String>) -> Message {
        Message::text("user", text)
    }

    /// An assistant message.
    pub fn assistant(text: impl Into<String>) -> Message {
        Message::text("assistant", text)
    }

    /// A tool's response to call `id`.
    pub fn tool_response(id: impl Into<String>, response: serde_json::Value) -> Message {
        Message {
            role: "tool".into(),
            parts: vec![Part::ToolCallResponse {
                id: Some(id.into()),
                response,
            }],
            name: None,
            finish_reason: None,
        }
    }

    /// Sets the finish reason (for output messages).
    pub fn with_finish_reason(mut self, reason: impl Into<String>) -> Message {
        self.finish_reason = Some(reason.into());
        self
    }
}

/// Serialises `value` for a content attribute of at most `cap` characters, valid JSON in
/// the conventions' shape however long it is (see [`crate::core::truncate`]).
pub(crate) fn capped_json<T: Serialize + ?Sized>(value: &T, cap: usize) -> Option<Fitted> {
    Some(truncate::fit(serde_json::to_value(value).ok()?, cap))
}

/// The model-facing shape of a value and its size in characters: `("text", chars of the
/// string)` for a string, `("json", chars of its JSON)` otherwise; measured without
/// building the JSON (nor copying a string).
pub(crate) fn measure<T: Serialize + ?Sized>(value: &T) -> Option<(&'static str, usize)> {
    if let Ok(chars) = value.serialize(StrChars) {
        return Some(("text", chars));
    }
    let mut counter = Counter { chars: 0 };
    serde_json::to_writer(&mut counter, value).ok()?;
    Some(("json", counter.chars))
}

/// Counts the characters of the JSON written to it.
struct Counter {
    chars: usize,
}

impl std::io::Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        // Count characters: every byte that does not continue a UTF-8 sequence.
        self.chars += buf.iter().filter(|b| (**b & 0xC0) != 0x80).count();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A serializer that takes only what JSON writes as a string (a string, a char, a unit
/// variant, and those inside `Some` or a newtype, as `serde_json` does), giving its
/// characters: how [`measure`] tells text (anything else fails at its first call).
struct StrChars;

/// What [`StrChars`] says of anything but a string.
#[derive(Debug)]
struct NotAString;

impl std::fmt::Display for NotAString {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not a string")
    }
}

impl std::error::Error for NotAString {}

impl serde::ser::Error for NotAString {
    fn custom<T: std::fmt::Display>(_: T) -> NotAString {
        NotAString
    }
}

/// The methods of [`StrChars`] for everything but a string: each fails.
macro_rules! not_a_string {
    ($($method:ident($($arg:ty),*);)*) => {
        $(fn $method(self $(, _: $arg)*) -> Result<usize, NotAString> {
            Err(NotAString)
        })*
    };
}

impl serde::Serializer for StrChars {
    type Ok = usize;
    type Error = NotAString;
    type SerializeSeq = serde::ser::Impossible<usize, NotAString>;
    type SerializeTuple = serde::ser::Impossible<usize, NotAString>;
    type SerializeTupleStruct = serde::ser::Impossible<usize, NotAString>;
    type SerializeTupleVariant = serde::ser::Impossible<usize, NotAString>;
    type SerializeMap = serde::ser::Impossible<usize, NotAString>;
    type SerializeStruct = serde::ser::Impossible<usize, NotAString>;
    type SerializeStructVariant = serde::ser::Impossible<usize, NotAString>;

    fn serialize_str(self, text: &str) -> Result<usize, NotAString> {
        Ok(text.chars().count())
    }

    fn serialize_char(self, _: char) -> Result<usize, NotAString> {
        Ok(1)
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<usize, NotAString> {
        self.serialize_str(variant)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<usize, NotAString> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<usize, NotAString> {
        value.serialize(self)
    }

    not_a_string! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<usize, NotAString> {
        Err(NotAString)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, NotAString> {
        Err(NotAString)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, NotAString> {
        Err(NotAString)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, NotAString> {
        Err(NotAString)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, NotAString> {
        Err(NotAString)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, NotAString> {
        Err(NotAString)
    }

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, NotAString> {
        Err(NotAString)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, NotAString> {
        Err(NotAString)
    }
}

/// Cuts `text` to `cap` characters.
pub(crate) fn capped_text(text: &str, cap: usize) -> (String, bool) {
    if text.chars().count() > cap {
        (text.chars().take(cap).collect(), true)
    } else {
        (text.to_owned(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn content_is_cut_keeping_json_valid() {
        let fitted = capped_json(&vec![Message::user("short")], 1000).unwrap();
        assert!(!fitted.cut);
        let parsed: Vec<Message> = serde_json::from_str(&fitted.text).unwrap();
        assert_eq!(parsed[0], Message::user("short"));
        let fitted = capped_json(&vec![Message::user("y".repeat(300))], 100).unwrap();
        assert!(fitted.cut, "the string inside was shortened");
        assert!(fitted.text.chars().count() <= 100);
        let parsed: Vec<Message> = serde_json::from_str(&fitted.text).expect("still valid JSON");
        assert_eq!(parsed[0].role, "user");
    }

    #[test]
    fn measure_counts_characters_without_building_json() {
        assert_eq!(measure(&"héllo"), Some(("text", 5)));
        // Escaped characters count once: quotes, backslashes, control characters (as
        // `\n` or `\u001f`), next to multi-byte ones.
        for text in [
            "",
            "a\"b\\c",
            "line\nnext\ttab\r",
            "\u{1f}\u{0}\u{7f}",
            "\\u0041 is not an escape",
            "émoji 🦀 \"quoted\" \u{1}",
            &"\\\"\n".repeat(1000),
        ] {
            assert_eq!(
                measure(text),
                Some(("text", text.chars().count())),
                "{text:?}"
            );
            assert_eq!(
                measure(&Some(std::borrow::Cow::Borrowed(text))),
                Some(("text", text.chars().count()))
            );
            assert_eq!(
                measure(&text.to_owned()),
                Some(("text", text.chars().count()))
            );
        }
        assert_eq!(measure(&12345u64), Some(("json", 5)));
        // What JSON writes as a string is text, as it is for a string.
        #[derive(serde::Serialize)]
        enum Mode {
            Fast,
        }
        #[derive(serde::Serialize)]
        struct Name(String);
        assert_eq!(measure(&'é'), Some(("text", 1)));
        assert_eq!(measure(&Mode::Fast), Some(("text", 4)));
        assert_eq!(measure(&Name("ab".into())), Some(("text", 2)));
        assert_eq!(measure(&None::<String>), Some(("json", 4)));
        assert_eq!(measure(&vec!["a"]), Some(("json", 5)));
        assert_eq!(measure(&vec!["é", "b"]), Some(("json", 9)));
    }

    #[test]
    fn a_bool_means_both_sides_and_the_default_is_off() {
        // The environment variable itself is tested in tests/tests/capture_env.rs.
        assert_eq!(CaptureContent::from(true), CaptureContent::ALL);
        assert_eq!(CaptureContent::default(), CaptureContent::OFF);
    }

    fn char_count(text: &str) -> usize {
        text.chars().count()
    }

    fn history(n: usize, text_len: usize) -> Value {
        let messages: Vec<Message> = (0..n)
            .map(|i| {
                let text = format!("{i:04} {}", "word ".repeat(text_len / 5));
                if i % 2 == 0 {
                    Message::user(text)
                } else {
                    Message::assistant(text).with_finish_reason("stop")
                }
            })
            .collect();
        serde_json::to_value(messages).unwrap()
    }

    #[test]
    fn long_histories_stay_valid_messages_at_every_cap() {
        for cap in [8192, 600, 200] {
            let fitted = truncate::fit(history(300, 200), cap);
            assert!(fitted.cut);
            assert!(char_count(&fitted.text) <= cap, "cap {cap}");
            let parsed: Vec<Message> = serde_json::from_str(&fitted.text)
                .unwrap_or_else(|e| panic!("cap {cap}: {e}: {}", fitted.text));
            assert!(!parsed.is_empty(), "cap {cap}");
            for m in &parsed {
                assert!(m.role == "user" || m.role == "assistant", "{}", m.role);
                if m.role == "assistant" {
                    assert_eq!(m.finish_reason.as_deref(), Some("stop"));
                }
            }
            // Middle-out: the first message and the most recent one stay.
            let first = |m: &Message| match &m.parts[0] {
                Part::Text { content } => content.clone(),
                _ => String::new(),
            };
            if parsed.len() > 1 {
                assert!(first(&parsed[0]).starts_with("0000"), "cap {cap}");
            }
            assert!(
                first(parsed.last().unwrap()).starts_with("0299"),
                "cap {cap}"
            );
            assert_eq!(fitted.omitted, 300 - parsed.len(), "cap {cap}");
        }
    }

    #[test]
    fn one_long_completion_uses_the_cap() {
        let value = serde_json::to_value(vec![Message::assistant("x".repeat(20_000))]).unwrap();
        let fitted = truncate::fit(value, 8192);
        assert!(char_count(&fitted.text) <= 8192);
        assert!(
            char_count(&fitted.text) > 8100,
            "uses {} of 8192",
            char_count(&fitted.text)
        );
        let parsed: Vec<Message> = serde_json::from_str(&fitted.text).unwrap();
        match &parsed[0].parts[0] {
            Part::Text { content } => assert!(content.ends_with('…')),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn roles_and_types_are_never_cut() {
        let value = serde_json::to_value(vec![Message::user("y".repeat(300))]).unwrap();
        let fitted = truncate::fit(value, 80);
        let parsed: Vec<Message> = serde_json::from_str(&fitted.text).unwrap();
        assert_eq!(parsed[0].role, "user");
        assert!(char_count(&fitted.text) <= 80);
        // Below a message's skeleton: an empty list, still valid.
        let fitted = truncate::fit(serde_json::to_value(vec![Message::user("hi")]).unwrap(), 20);
        assert_eq!(fitted.text, "[]");
        assert_eq!(fitted.omitted, 1);
    }

    #[test]
    fn content_that_fits_is_unchanged() {
        let value = serde_json::json!({"query": "parcels", "limit": 3});
        let fitted = truncate::fit(value.clone(), 100);
        assert_eq!(fitted.text, serde_json::to_string(&value).unwrap());
        assert!(!fitted.cut);
    }
}
