//! OTLP/HTTP trace requests in, [`SpanRecord`]s out: content type and encoding checks,
//! bounded gzip inflation, protobuf or JSON decoding, id validation. Nothing here panics
//! on input; every rejection is an [`IngestError`] with a reason for the client.

use crate::span::{EventRecord, LinkRecord, SpanRecord};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use prost::Message;
use serde_json::{Map, Value};
use std::fmt;
use std::io::Read;

/// The largest request body accepted as received (compressed or not).
pub const MAX_BODY_BYTES: usize = 16 << 20;
/// The largest request body accepted once inflated.
pub const MAX_INFLATED_BYTES: usize = 64 << 20;

/// The two OTLP/HTTP encodings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// `application/x-protobuf`.
    Protobuf,
    /// `application/json`.
    Json,
}

impl Encoding {
    /// The encoding a `Content-Type` header names.
    pub fn from_content_type(content_type: Option<&str>) -> Result<Encoding, IngestError> {
        let essence = content_type
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match essence.as_str() {
            "application/x-protobuf" | "application/protobuf" => Ok(Encoding::Protobuf),
            "application/json" => Ok(Encoding::Json),
            _ => Err(IngestError::ContentType(essence)),
        }
    }

    /// The `Content-Type` of this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Protobuf => "application/x-protobuf",
            Encoding::Json => "application/json",
        }
    }

    /// An empty `ExportTraceServiceResponse` (full success) in this encoding.
    pub fn success_body(self) -> Vec<u8> {
        match self {
            Encoding::Protobuf => Vec::new(),
            Encoding::Json => b"{}".to_vec(),
        }
    }
}

/// Why a request was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestError {
    /// The `Content-Type` is neither OTLP protobuf nor JSON.
    ContentType(String),
    /// The `Content-Encoding` is not `gzip` or `identity`.
    ContentEncoding(String),
    /// The body, as received or inflated, is larger than the limit (bytes).
    TooLarge(usize),
    /// The gzip stream is corrupt.
    Gzip(String),
    /// The body is not an OTLP `ExportTraceServiceRequest`.
    Decode(String),
    /// A span carries an id of the wrong length.
    InvalidId(String),
}

impl fmt::Display for IngestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IngestError::ContentType(t) => write!(
                f,
                "unsupported content type {t:?}: send application/x-protobuf or application/json"
            ),
            IngestError::ContentEncoding(e) => {
                write!(f, "unsupported content encoding {e:?}: send gzip or none")
            }
            IngestError::TooLarge(limit) => write!(f, "request body larger than {limit} bytes"),
            IngestError::Gzip(e) => write!(f, "corrupt gzip body: {e}"),
            IngestError::Decode(e) => write!(f, "not an OTLP ExportTraceServiceRequest: {e}"),
            IngestError::InvalidId(e) => write!(f, "invalid id: {e}"),
        }
    }
}

impl std::error::Error for IngestError {}

/// Whether a `Content-Encoding` header asks for gzip (`Ok(true)`) or nothing.
pub fn is_gzip(content_encoding: Option<&str>) -> Result<bool, IngestError> {
    match content_encoding.map(|e| e.trim().to_ascii_lowercase()) {
        None => Ok(false),
        Some(e) if e.is_empty() || e == "identity" => Ok(false),
        Some(e) if e == "gzip" || e == "x-gzip" => Ok(true),
        Some(e) => Err(IngestError::ContentEncoding(e)),
    }
}

/// Decodes one OTLP/HTTP traces request body into span records.
pub fn decode(body: &[u8], encoding: Encoding, gzip: bool) -> Result<Vec<SpanRecord>, IngestError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(IngestError::TooLarge(MAX_BODY_BYTES));
    }
    let inflated;
    let bytes = if gzip {
        inflated = inflate(body)?;
        &inflated[..]
    } else {
        body
    };
    let request = match encoding {
        Encoding::Protobuf => ExportTraceServiceRequest::decode(bytes)
            .map_err(|e| IngestError::Decode(e.to_string()))?,
        Encoding::Json => serde_json::from_slice::<ExportTraceServiceRequest>(bytes)
            .map_err(|e| IngestError::Decode(e.to_string()))?,
    };
    records(request)
}

fn inflate(body: &[u8]) -> Result<Vec<u8>, IngestError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(body)
        .take(MAX_INFLATED_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| IngestError::Gzip(e.to_string()))?;
    if out.len() > MAX_INFLATED_BYTES {
        return Err(IngestError::TooLarge(MAX_INFLATED_BYTES));
    }
    Ok(out)
}

fn records(request: ExportTraceServiceRequest) -> Result<Vec<SpanRecord>, IngestError> {
    let mut out = Vec::new();
    for resource_spans in request.resource_spans {
        let service = resource_spans
            .resource
            .iter()
            .flat_map(|r| r.attributes.iter())
            .find(|kv| kv.key == "service.name")
            .and_then(|kv| kv.value.as_ref())
            .map(|v| match json(v) {
                Value::String(s) => s,
                other => other.to_string(),
            })
            .unwrap_or_default();
        for scope_spans in resource_spans.scope_spans {
            for span in scope_spans.spans {
                let status = span.status.unwrap_or_default();
                out.push(SpanRecord {
                    trace_id: hex_id(&span.trace_id, 16, "trace id")?,
                    span_id: hex_id(&span.span_id, 8, "span id")?,
                    parent_span_id: if span.parent_span_id.is_empty() {
                        String::new()
                    } else {
                        hex_id(&span.parent_span_id, 8, "parent span id")?
                    },
                    name: span.name,
                    kind: span.kind,
                    start_ns: nanos(span.start_time_unix_nano),
                    end_ns: nanos(span.end_time_unix_nano),
                    status_code: status.code,
                    status_message: status.message,
                    service: service.clone(),
                    attributes: object(&span.attributes),
                    events: span
                        .events
                        .iter()
                        .map(|e| EventRecord {
                            name: e.name.clone(),
                            time_ns: nanos(e.time_unix_nano),
                            attributes: object(&e.attributes),
                        })
                        .collect(),
                    links: span
                        .links
                        .iter()
                        .map(|l| {
                            Ok(LinkRecord {
                                trace_id: hex_id(&l.trace_id, 16, "linked trace id")?,
                                span_id: hex_id(&l.span_id, 8, "linked span id")?,
                                attributes: object(&l.attributes),
                            })
                        })
                        .collect::<Result<_, IngestError>>()?,
                });
            }
        }
    }
    Ok(out)
}

fn hex_id(bytes: &[u8], len: usize, what: &str) -> Result<String, IngestError> {
    if bytes.len() != len || bytes.iter().all(|b| *b == 0) {
        return Err(IngestError::InvalidId(format!(
            "{what} must be {len} bytes, not all zero (got {} bytes)",
            bytes.len()
        )));
    }
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn nanos(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn object(attributes: &[KeyValue]) -> Map<String, Value> {
    attributes
        .iter()
        .map(|kv| (kv.key.clone(), kv.value.as_ref().map_or(Value::Null, json)))
        .collect()
}

/// An OTLP `AnyValue` as JSON: numbers stay numbers (integers as integers), bytes become
/// hex text, arrays and key-value lists nest.
fn json(value: &AnyValue) -> Value {
    match &value.value {
        None => Value::Null,
        Some(any_value::Value::StringValue(s)) => Value::String(s.clone()),
        Some(any_value::Value::BoolValue(b)) => Value::Bool(*b),
        Some(any_value::Value::IntValue(i)) => Value::from(*i),
        Some(any_value::Value::DoubleValue(d)) => {
            serde_json::Number::from_f64(*d).map_or(Value::Null, Value::Number)
        }
        Some(any_value::Value::ArrayValue(a)) => Value::Array(a.values.iter().map(json).collect()),
        Some(any_value::Value::KvlistValue(kv)) => Value::Object(object(&kv.values)),
        Some(any_value::Value::BytesValue(b)) => {
            Value::String(b.iter().map(|b| format!("{b:02x}")).collect())
        }
        #[allow(unreachable_patterns)]
        Some(_) => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_choose_the_encoding_and_others_are_refused() {
        assert_eq!(
            Encoding::from_content_type(Some("application/json; charset=utf-8")),
            Ok(Encoding::Json)
        );
        assert_eq!(
            Encoding::from_content_type(Some("Application/X-Protobuf")),
            Ok(Encoding::Protobuf)
        );
        assert!(Encoding::from_content_type(Some("text/plain")).is_err());
        assert!(Encoding::from_content_type(None).is_err());
    }

    #[test]
    fn content_encodings_other_than_gzip_are_refused() {
        assert_eq!(is_gzip(None), Ok(false));
        assert_eq!(is_gzip(Some("GZIP")), Ok(true));
        assert!(is_gzip(Some("br")).is_err());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode(b"\xff\xff\xff\xff", Encoding::Protobuf, false).is_err());
        for body in [&b"\xff\xff"[..], b"{", b"[1,2]", br#"{"resourceSpans": 7}"#] {
            assert!(decode(body, Encoding::Json, false).is_err());
            assert!(matches!(
                decode(body, Encoding::Json, true),
                Err(IngestError::Gzip(_))
            ));
        }
    }

    #[test]
    fn mutated_and_random_bodies_never_panic() {
        let valid = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"x","attributes":[{"key":"k","value":{"arrayValue":{"values":[{"kvlistValue":{"values":[{"key":"a","value":{"bytesValue":"AQI="}}]}}]}}}]}]}]}]}"#;
        let request =
            serde_json::from_slice::<ExportTraceServiceRequest>(valid).expect("a valid request");
        let protobuf = request.encode_to_vec();
        assert_eq!(
            decode(&protobuf, Encoding::Protobuf, false).map(|s| s.len()),
            Ok(1)
        );
        // xorshift: deterministic, no dependency.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..3000 {
            let mut body = if round % 2 == 0 {
                protobuf.clone()
            } else {
                valid.to_vec()
            };
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % body.len();
                body[at] = next() as u8;
            }
            if round % 7 == 0 {
                body.truncate((next() as usize) % body.len());
            }
            for encoding in [Encoding::Protobuf, Encoding::Json] {
                let _ = decode(&body, encoding, false);
                let _ = decode(&body, encoding, true);
            }
        }
    }

    #[test]
    fn a_gzip_bomb_is_refused() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..(MAX_INFLATED_BYTES >> 20) + 1 {
            gz.write_all(&zeros).expect("in-memory write");
        }
        let body = gz.finish().expect("in-memory gzip");
        assert!(body.len() < MAX_BODY_BYTES);
        assert_eq!(
            decode(&body, Encoding::Protobuf, true),
            Err(IngestError::TooLarge(MAX_INFLATED_BYTES))
        );
    }

    #[test]
    fn ids_of_the_wrong_length_are_refused() {
        let body = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"abcd","spanId":"0102030405060708","name":"x"}]}]}]}"#;
        assert!(matches!(
            decode(body, Encoding::Json, false),
            Err(IngestError::InvalidId(_))
        ));
    }

    #[test]
    fn otlp_json_attributes_keep_their_types() {
        let body = br#"{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
          "scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708",
          "name":"crux.generate","kind":3,"startTimeUnixNano":"1000","endTimeUnixNano":"3000",
          "attributes":[{"key":"gen_ai.usage.input_tokens","value":{"intValue":"42"}},
                        {"key":"crux.cost","value":{"doubleValue":0.5}},
                        {"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"stop"}]}}}],
          "status":{"code":2,"message":"boom"}}]}]}]}"#;
        let spans = decode(body, Encoding::Json, false).expect("valid OTLP/JSON");
        assert_eq!(spans.len(), 1);
        let span = &spans[0];
        assert_eq!(span.service, "svc");
        assert_eq!(span.kind, 3);
        assert_eq!(span.duration_ns(), 2000);
        assert_eq!(
            span.attr("gen_ai.usage.input_tokens"),
            Some(&Value::from(42))
        );
        assert_eq!(span.attr("crux.cost"), Some(&Value::from(0.5)));
        assert_eq!(
            span.attr("gen_ai.response.finish_reasons"),
            Some(&serde_json::json!(["stop"]))
        );
        assert_eq!(
            (span.status_code, span.status_message.as_str()),
            (2, "boom")
        );
    }
}
