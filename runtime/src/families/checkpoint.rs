//! The checkpoint a suspended flow leaves behind, and its versioned JSON form.
//!
//! ```json
//! {
//!   "version": 1,
//!   "flow_id": "ticket-42",
//!   "flow_name": "refund_approval",
//!   "suspend_point": "manager_approval",
//!   "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
//!   "tracestate": "vendor=abc",
//!   "suspended_at_ms": 1795238870650
//! }
//! ```
//!
//! `traceparent` is the suspended flow span's W3C trace context, `tracestate` is optional,
//! `suspended_at_ms` is Unix milliseconds. Decoding never panics: malformed JSON, an
//! unknown version, a missing or oversized field, an invalid or all-zero traceparent are
//! each a [`CheckpointError`] that names the problem.

use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceId, TraceState};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The checkpoint format this version of crux writes and reads.
pub const CHECKPOINT_VERSION: u64 = 1;

/// Longest accepted flow id, flow name or suspend point, in bytes.
pub const MAX_FIELD_LEN: usize = 1024;

/// The latest accepted suspension time, Unix milliseconds (the last instant of the year
/// 9999): anything later, or before 1970, is not a time a flow suspended at.
pub const MAX_SUSPENDED_AT_MS: i64 = 253_402_300_799_999;

/// Where and when a flow suspended, and the trace context to link its resume to.
#[derive(Clone, Debug, PartialEq)]
pub struct Checkpoint {
    flow_id: String,
    flow_name: String,
    suspend_point: String,
    suspended_at_ms: i64,
    span_context: SpanContext,
    /// The flow's running cost when it suspended, carried into the resumed flow's total.
    cost_total: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct Wire {
    version: u64,
    flow_id: String,
    flow_name: String,
    suspend_point: String,
    traceparent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tracestate: Option<String>,
    suspended_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cost_total: Option<f64>,
}

/// Why a checkpoint could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Not JSON, or not a JSON object.
    Malformed(String),
    /// No `version` field (or not a number).
    MissingVersion,
    /// A version this crux does not know.
    UnsupportedVersion(u64),
    /// A field is missing or has the wrong type.
    InvalidField(String),
    /// A field is longer than 1,024 bytes (`MAX_FIELD_LEN`).
    FieldTooLong(&'static str),
    /// The traceparent is not a valid W3C traceparent.
    InvalidTraceparent(&'static str),
    /// The tracestate is not a valid W3C tracestate.
    InvalidTracestate,
    /// A number is outside its range (`suspended_at_ms` before 1970 or after the year
    /// 9999).
    OutOfRange(&'static str),
}

impl fmt::Display for CheckpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckpointError::Malformed(e) => write!(f, "checkpoint is not a JSON object: {e}"),
            CheckpointError::MissingVersion => f.write_str("checkpoint has no numeric `version` field"),
            CheckpointError::UnsupportedVersion(v) => write!(
                f,
                "checkpoint version {v} is not supported (this crux reads version {CHECKPOINT_VERSION})"
            ),
            CheckpointError::InvalidField(e) => write!(f, "checkpoint field error: {e}"),
            CheckpointError::FieldTooLong(field) => {
                write!(f, "checkpoint field `{field}` is longer than {MAX_FIELD_LEN} bytes")
            }
            CheckpointError::InvalidTraceparent(why) => write!(f, "checkpoint traceparent is invalid: {why}"),
            CheckpointError::InvalidTracestate => f.write_str("checkpoint tracestate is invalid"),
            CheckpointError::OutOfRange(field) => {
                write!(f, "checkpoint field `{field}` is out of range")
            }
        }
    }
}

impl std::error::Error for CheckpointError {}

impl Checkpoint {
    pub(crate) fn new(
        flow_id: &str,
        flow_name: &str,
        suspend_point: &str,
        span_context: SpanContext,
        cost_total: Option<f64>,
    ) -> Checkpoint {
        Checkpoint {
            flow_id: flow_id.to_owned(),
            flow_name: flow_name.to_owned(),
            suspend_point: suspend_point.to_owned(),
            suspended_at_ms: crate::core::ids::unix_millis(),
            span_context,
            cost_total,
        }
    }

    /// The flow's running cost (USD) when it suspended, if anything cost: the resumed
    /// flow's `crux.cost.total` continues from it.
    pub fn cost_total(&self) -> Option<f64> {
        self.cost_total
    }

    /// The suspended flow's id.
    pub fn flow_id(&self) -> &str {
        &self.flow_id
    }

    /// The suspended flow's name.
    pub fn flow_name(&self) -> &str {
        &self.flow_name
    }

    /// Where the flow suspended.
    pub fn suspend_point(&self) -> &str {
        &self.suspend_point
    }

    /// When the flow suspended, Unix milliseconds.
    pub fn suspended_at_ms(&self) -> i64 {
        self.suspended_at_ms
    }

    /// The suspended span's context (what a resume links to).
    pub fn span_context(&self) -> &SpanContext {
        &self.span_context
    }

    /// The suspended span's W3C `traceparent`.
    pub fn traceparent(&self) -> String {
        let sc = &self.span_context;
        format!(
            "00-{}-{}-{:02x}",
            sc.trace_id(),
            sc.span_id(),
            sc.trace_flags().to_u8()
        )
    }

    /// The JSON form (see the module documentation).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.to_wire()).expect("a checkpoint always serializes")
    }

    /// Reads the JSON form; every problem is an error, never a panic.
    pub fn from_json(json: &str) -> Result<Checkpoint, CheckpointError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        Checkpoint::from_value(value)
    }

    /// Reads the JSON form from bytes (which need not be UTF-8 to be rejected cleanly).
    pub fn from_json_slice(json: &[u8]) -> Result<Checkpoint, CheckpointError> {
        let value: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
        Checkpoint::from_value(value)
    }

    fn from_value(value: serde_json::Value) -> Result<Checkpoint, CheckpointError> {
        let object = value.as_object().ok_or_else(|| {
            CheckpointError::Malformed(format!("expected an object, found {}", kind(&value)))
        })?;
        let version = object
            .get("version")
            .and_then(serde_json::Value::as_u64)
            .ok_or(CheckpointError::MissingVersion)?;
        if version != CHECKPOINT_VERSION {
            return Err(CheckpointError::UnsupportedVersion(version));
        }
        let wire: Wire = serde_json::from_value(value)
            .map_err(|e| CheckpointError::InvalidField(e.to_string()))?;
        for (field, text) in [
            ("flow_id", &wire.flow_id),
            ("flow_name", &wire.flow_name),
            ("suspend_point", &wire.suspend_point),
            ("traceparent", &wire.traceparent),
        ] {
            if text.len() > MAX_FIELD_LEN {
                return Err(CheckpointError::FieldTooLong(field));
            }
        }
        let trace_state = match &wire.tracestate {
            None => TraceState::NONE,
            Some(s) if s.len() > 512 => return Err(CheckpointError::InvalidTracestate),
            Some(s) if !valid_tracestate(s) => return Err(CheckpointError::InvalidTracestate),
            Some(s) => TraceState::from_str(s).map_err(|_| CheckpointError::InvalidTracestate)?,
        };
        if !(0..=MAX_SUSPENDED_AT_MS).contains(&wire.suspended_at_ms) {
            return Err(CheckpointError::OutOfRange("suspended_at_ms"));
        }
        if wire.cost_total.is_some_and(|c| !c.is_finite() || c < 0.0) {
            return Err(CheckpointError::OutOfRange("cost_total"));
        }
        let span_context = parse_traceparent(&wire.traceparent, trace_state)
            .map_err(CheckpointError::InvalidTraceparent)?;
        Ok(Checkpoint {
            flow_id: wire.flow_id,
            flow_name: wire.flow_name,
            suspend_point: wire.suspend_point,
            suspended_at_ms: wire.suspended_at_ms,
            span_context,
            cost_total: wire.cost_total,
        })
    }

    fn to_wire(&self) -> Wire {
        let header = self.span_context.trace_state().header();
        Wire {
            version: CHECKPOINT_VERSION,
            flow_id: self.flow_id.clone(),
            flow_name: self.flow_name.clone(),
            suspend_point: self.suspend_point.clone(),
            traceparent: self.traceparent(),
            tracestate: (!header.is_empty()).then_some(header),
            suspended_at_ms: self.suspended_at_ms,
            cost_total: self.cost_total,
        }
    }
}

fn kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a bool",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

impl Serialize for Checkpoint {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_wire().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Checkpoint {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Checkpoint::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// W3C tracestate: at most 32 `key=value` members; keys are lowercase letters, digits,
/// `_-*/` (with one optional `@`), starting with a letter or digit; values are printable
/// ASCII without `,` and `=`, not ending in a space. (The SDK's own parser is lenient.)
fn valid_tracestate(header: &str) -> bool {
    let members: Vec<&str> = header
        .split(',')
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .collect();
    !members.is_empty()
        && members.len() <= 32
        && members.iter().all(|member| {
            let Some((key, value)) = member.split_once('=') else {
                return false;
            };
            let key_ok = !key.is_empty()
                && key.len() <= 256
                && key
                    .bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && key.bytes().filter(|b| *b == b'@').count() <= 1
                && key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*/@".contains(&b));
            let value_ok = !value.is_empty()
                && value.len() <= 256
                && !value.ends_with(' ')
                && value
                    .bytes()
                    .all(|b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=');
            key_ok && value_ok
        })
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Parses a W3C `traceparent` (version 00) into a remote span context.
pub(crate) fn parse_traceparent(
    value: &str,
    trace_state: TraceState,
) -> Result<SpanContext, &'static str> {
    let parts: Vec<&str> = value.split('-').collect();
    let [version, trace_id, span_id, flags] = parts.as_slice() else {
        return Err("expected four dash-separated fields: version-traceid-spanid-flags");
    };
    if *version != "00" {
        return Err("only version 00 is supported");
    }
    if trace_id.len() != 32 || !is_lower_hex(trace_id) {
        return Err("the trace id must be 32 lowercase hex digits");
    }
    if span_id.len() != 16 || !is_lower_hex(span_id) {
        return Err("the span id must be 16 lowercase hex digits");
    }
    if flags.len() != 2 || !is_lower_hex(flags) {
        return Err("the flags must be 2 lowercase hex digits");
    }
    let trace_id = TraceId::from_hex(trace_id).map_err(|_| "the trace id is not hex")?;
    let span_id = SpanId::from_hex(span_id).map_err(|_| "the span id is not hex")?;
    if trace_id == TraceId::INVALID {
        return Err("the trace id is all zeros");
    }
    if span_id == SpanId::INVALID {
        return Err("the span id is all zeros");
    }
    let flags = u8::from_str_radix(flags, 16).map_err(|_| "the flags are not hex")?;
    Ok(SpanContext::new(
        trace_id,
        span_id,
        TraceFlags::new(flags) & TraceFlags::SAMPLED,
        true,
        trace_state,
    ))
}

/// What a `#[crux::flow(resume = ..)]` argument may be: an `Option` of a checkpoint, by
/// value or by reference, or a checkpoint.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a checkpoint to resume from",
    label = "`resume = ..` takes an `Option` of a `crux::Checkpoint` (by value or reference), or a `Checkpoint`"
)]
pub trait ResumeFrom {
    /// The checkpoint to resume from, if any.
    fn checkpoint(&self) -> Option<&Checkpoint>;
}

impl ResumeFrom for Checkpoint {
    fn checkpoint(&self) -> Option<&Checkpoint> {
        Some(self)
    }
}

impl<T: ResumeFrom + ?Sized> ResumeFrom for &T {
    fn checkpoint(&self) -> Option<&Checkpoint> {
        (**self).checkpoint()
    }
}

impl<T: ResumeFrom> ResumeFrom for Option<T> {
    fn checkpoint(&self) -> Option<&Checkpoint> {
        self.as_ref().and_then(ResumeFrom::checkpoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"version":1,"flow_id":"f-1","flow_name":"refund","suspend_point":"approval","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"vendor=abc","suspended_at_ms":1700000000000}"#;

    #[test]
    fn round_trips() {
        let cp = Checkpoint::from_json(VALID).unwrap();
        assert_eq!(cp.flow_id(), "f-1");
        assert_eq!(
            cp.traceparent(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
        assert_eq!(cp.span_context().trace_state().header(), "vendor=abc");
        assert!(cp.span_context().is_remote() && cp.span_context().is_sampled());
        let again = Checkpoint::from_json(&cp.to_json()).unwrap();
        assert_eq!(again, cp);
        let via_serde: Checkpoint = serde_json::from_str(VALID).unwrap();
        assert_eq!(via_serde, cp);
    }

    fn error_of(json: &str) -> CheckpointError {
        Checkpoint::from_json(json).unwrap_err()
    }

    #[test]
    fn times_out_of_range_are_rejected_at_decode() {
        for bad in [i64::MIN, -1, MAX_SUSPENDED_AT_MS + 1, i64::MAX] {
            let json = VALID.replace("1700000000000", &bad.to_string());
            assert_eq!(
                error_of(&json),
                CheckpointError::OutOfRange("suspended_at_ms"),
                "{bad}"
            );
        }
        for good in [0, MAX_SUSPENDED_AT_MS] {
            let json = VALID.replace("1700000000000", &good.to_string());
            assert_eq!(
                Checkpoint::from_json(&json).unwrap().suspended_at_ms(),
                good
            );
        }
    }

    #[test]
    fn every_problem_is_named() {
        assert!(matches!(
            error_of("{not json"),
            CheckpointError::Malformed(_)
        ));
        assert!(error_of("[1]")
            .to_string()
            .contains("expected an object, found an array"));
        assert_eq!(
            error_of(r#"{"flow_id":"x"}"#),
            CheckpointError::MissingVersion
        );
        assert_eq!(
            error_of(&VALID.replace(r#""version":1"#, r#""version":7"#)),
            CheckpointError::UnsupportedVersion(7)
        );
        assert!(error_of(&VALID.replace(r#""flow_id":"f-1","#, ""))
            .to_string()
            .contains("missing field `flow_id`"));
        assert!(error_of(&VALID.replace(
            r#""suspended_at_ms":1700000000000"#,
            r#""suspended_at_ms":"soon""#
        ))
        .to_string()
        .contains("invalid type"));
        let zeros = VALID.replace("4bf92f3577b34da6a3ce929d0e0e4736", &"0".repeat(32));
        assert_eq!(
            error_of(&zeros),
            CheckpointError::InvalidTraceparent("the trace id is all zeros")
        );
        let zero_span = VALID.replace("00f067aa0ba902b7", &"0".repeat(16));
        assert_eq!(
            error_of(&zero_span),
            CheckpointError::InvalidTraceparent("the span id is all zeros")
        );
        let upper = VALID.replace("4bf92f", "4BF92F");
        assert!(matches!(
            error_of(&upper),
            CheckpointError::InvalidTraceparent(_)
        ));
        let short = VALID.replace("-01\"", "\"");
        assert!(matches!(
            error_of(&short),
            CheckpointError::InvalidTraceparent(_)
        ));
        let long = VALID.replace("f-1", &"x".repeat(MAX_FIELD_LEN + 1));
        assert_eq!(error_of(&long), CheckpointError::FieldTooLong("flow_id"));
        let bad_state = VALID.replace("vendor=abc", "=,=");
        assert_eq!(error_of(&bad_state), CheckpointError::InvalidTracestate);
    }
}
