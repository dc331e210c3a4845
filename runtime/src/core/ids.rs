//! Identifiers crux generates (flow, step, run and tool-call ids).
//!
//! A per-thread xorshift generator seeded from the process's random hasher keys:
//! unique enough to tell runs apart, cheap enough for the hot path, not secret.

use opentelemetry::trace::SpanId;
use opentelemetry::{KeyValue, StringValue, Value};
use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

thread_local! {
    static STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    hasher.finish() | 1
}

/// 64 random bits.
pub(crate) fn next_u64() -> u64 {
    STATE
        .try_with(|s| {
            // xorshift64*
            let mut x = s.get();
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            s.set(x);
            x.wrapping_mul(0x2545_F491_4F6C_DD1D)
        })
        // A span started by a thread-local's destructor, after this one is gone.
        .unwrap_or_else(|_| seed())
}

/// A new id as an attribute value, allocated once and shared by reference count, so
/// the two keys that carry a tool call's id do not copy it.
pub(crate) fn new_id_value(prefix: &str) -> Value {
    id_value(prefix, next_u64())
}

/// `prefix` and the 16 hex digits of `n`, as an attribute value.
fn id_value(prefix: &str, n: u64) -> Value {
    let mut buf = [0u8; 40];
    let hex = format_hex(n);
    let len = prefix.len().min(24);
    buf[..len].copy_from_slice(&prefix.as_bytes()[..len]);
    buf[len..len + 16].copy_from_slice(&hex);
    let text = std::str::from_utf8(&buf[..len + 16]).unwrap_or_default();
    Value::String(std::sync::Arc::<str>::from(text).into())
}

/// What a generated tool-call id is until its span is exported. Its address is what
/// [`fill_call_ids`] looks for: a static's own bytes (string literals may be merged with
/// one another; a static keeps an address of its own). The text only says what it is,
/// should it ever be seen.
static CALL_ID_AT_EXPORT: &str = match std::str::from_utf8(&CALL_ID_AT_EXPORT_BYTES) {
    Ok(text) => text,
    Err(_) => "",
};
static CALL_ID_AT_EXPORT_BYTES: [u8; 23] = *b"call_(filled at export)";

/// A tool call id left to the export thread: `call_` and the span's id, written by
/// [`fill_call_ids`] where the exported copy is made and freed. On the application's
/// thread the id would be an allocation freed on another thread (which glibc's
/// allocator serves by its slow path) and 16 digits formatted on the hot path.
pub(crate) fn call_id_at_export() -> Value {
    Value::String(StringValue::from(CALL_ID_AT_EXPORT))
}

/// Fills in the ids of `attrs` left to the export ([`call_id_at_export`]): `call_`
/// and the hex digits of `span_id`, one value shared by every key that holds it. The
/// same span gets the same id in every destination.
pub(crate) fn fill_call_ids(attrs: &mut [KeyValue], span_id: SpanId) {
    let left = |value: &Value| matches!(value, Value::String(s) if std::ptr::eq(s.as_str(), CALL_ID_AT_EXPORT));
    // The first key made, the others shared from it (no copy kept aside to drop).
    let mut first: Option<usize> = None;
    for i in 0..attrs.len() {
        if left(&attrs[i].value) {
            attrs[i].value = match first {
                None => id_value("call_", u64::from_be_bytes(span_id.to_bytes())),
                Some(at) => attrs[at].value.clone(),
            };
            first.get_or_insert(i);
        }
    }
}

fn format_hex(n: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    for (pair, byte) in out.chunks_exact_mut(2).zip(n.to_be_bytes()) {
        pair.copy_from_slice(&HEX_PAIRS[usize::from(byte)]);
    }
    out
}

/// The two hex digits of every byte: one lookup per byte instead of one per digit.
static HEX_PAIRS: [[u8; 2]; 256] = {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        pairs[i] = [DIGITS[i >> 4], DIGITS[i & 0xf]];
        i += 1;
    }
    pairs
};

/// Milliseconds since the Unix epoch (0 for a clock before it).
pub(crate) fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_prefixed_and_distinct() {
        let a = new_id_value("flow_");
        let b = new_id_value("flow_");
        assert!(a.as_str().starts_with("flow_") && a.as_str().len() == 21);
        assert_ne!(a, b);
    }

    #[test]
    fn id_values_match_the_string_form() {
        let v = new_id_value("call_");
        let text = v.as_str();
        assert!(text.starts_with("call_") && text.len() == 21, "{text}");
        assert!(text[5..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(format_hex(0xab), *b"00000000000000ab");
    }

    #[test]
    fn hex_digits_match_the_standard_formatting() {
        let mut n = 0x0123_4567_89ab_cdef_u64;
        for _ in 0..10_000 {
            assert_eq!(format_hex(n), *format!("{n:016x}").as_bytes());
            n = next_u64();
        }
        for n in [0, u64::MAX, 0xa, 0x9, 0xf0f0_f0f0_0f0f_0f0f] {
            assert_eq!(format_hex(n), *format!("{n:016x}").as_bytes());
        }
    }

    #[test]
    fn an_id_left_to_the_export_is_filled_from_the_span_id_under_every_key() {
        let left = call_id_at_export();
        let mut attrs = vec![
            KeyValue::new("crux.tool.call_id", left.clone()),
            KeyValue::new("other", "call_(filled at export)"),
            KeyValue::new("gen_ai.tool.call.id", left),
        ];
        let span_id = SpanId::from_hex("00f067aa0ba902b7").unwrap();
        fill_call_ids(&mut attrs, span_id);
        assert_eq!(attrs[0].value.as_str(), "call_00f067aa0ba902b7");
        assert_eq!(attrs[2].value, attrs[0].value);
        // The same text given by the application is its own value, left alone.
        assert_eq!(attrs[1].value.as_str(), "call_(filled at export)");
    }

    #[test]
    fn threads_get_different_sequences() {
        let here = new_id_value("");
        let there = std::thread::spawn(|| new_id_value("")).join().unwrap();
        assert_ne!(here, there);
    }
}
