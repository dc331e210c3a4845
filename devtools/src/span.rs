//! The devtools' own span record: one OTLP span flattened into plain values (hex ids,
//! Unix nanoseconds, attributes as a JSON object), as stored and as served.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// OTLP's span kind `CLIENT`: crux's model calls, the spans that carry usage.
pub const KIND_CLIENT: i32 = 3;
/// OTLP's status code `ERROR`.
pub const STATUS_ERROR: i32 = 2;

/// One finished span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SpanRecord {
    /// The trace id, 32 lowercase hex digits.
    pub trace_id: String,
    /// The span id, 16 lowercase hex digits.
    pub span_id: String,
    /// The parent's span id, or empty for a root.
    pub parent_span_id: String,
    /// The span name, e.g. `crux.flow.step`.
    pub name: String,
    /// The OTLP span kind number (1 internal, 2 server, 3 client, 4 producer, 5 consumer).
    pub kind: i32,
    /// Start, Unix nanoseconds.
    pub start_ns: i64,
    /// End, Unix nanoseconds.
    pub end_ns: i64,
    /// The OTLP status code (0 unset, 1 ok, 2 error).
    pub status_code: i32,
    /// The status description (set with an error).
    pub status_message: String,
    /// `service.name` of the resource that sent the span.
    pub service: String,
    /// The span's attributes.
    pub attributes: Map<String, Value>,
    /// The span's events, in the order they were recorded.
    pub events: Vec<EventRecord>,
    /// The span's links to other spans (a resumed flow links to its suspended span).
    pub links: Vec<LinkRecord>,
}

/// An event recorded on a span.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// The event name, e.g. `use_reason.tool-call.start`.
    pub name: String,
    /// When, Unix nanoseconds.
    pub time_ns: i64,
    /// The event's attributes.
    pub attributes: Map<String, Value>,
}

/// A link from a span to another span, maybe in another trace.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkRecord {
    /// The linked span's trace id.
    pub trace_id: String,
    /// The linked span's id.
    pub span_id: String,
    /// The link's attributes (`crux.link.kind = "resume"` for a resume).
    pub attributes: Map<String, Value>,
}

impl SpanRecord {
    /// The attribute `key`, if present.
    pub fn attr(&self, key: &str) -> Option<&Value> {
        self.attributes.get(key)
    }

    /// The attribute `key` as text, if it is a string.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.attr(key).and_then(Value::as_str)
    }

    /// The span's duration in nanoseconds (never negative).
    pub fn duration_ns(&self) -> i64 {
        self.end_ns.saturating_sub(self.start_ns).max(0)
    }
}
