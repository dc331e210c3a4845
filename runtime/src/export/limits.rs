//! Attribute values made safe once, on each batched destination's export thread, so that
//! every destination (OTLP in any protocol, the URL exporter, callbacks, exporters, the
//! console) gets the same values and one bad value cannot sink a whole batch:
//!
//! - a non-finite float (`NaN`, `±∞`; http/json cannot carry it and collectors reject
//!   the batch) becomes the string `"NaN"`, `"Infinity"` or `"-Infinity"` (the names of
//!   the protobuf JSON mapping); in a float array, the whole array becomes strings;
//! - a string longer than the limit (in characters) is cut to it, and the span gets
//!   `crux.truncated = true`; each string of a string array likewise.
//!
//! - an attribute with an empty key is dropped, and a key set twice on a span (the SDK
//!   appends, it does not replace) keeps only its last value.
//!
//! How many attributes, events and links a span keeps is the SDK's span limits
//! (`OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, ...), applied as the span records.

use super::env;
use crate::attributes as key;
use opentelemetry::{Array, KeyValue, StringValue, Value};
use opentelemetry_sdk::trace::{SpanData, SpanLimits};

/// The most characters one string attribute value keeps unless configured otherwise.
pub(crate) const DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH: usize = 32 * 1024;

/// What attribute values may be.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ValueLimits {
    /// The most characters one string value keeps.
    pub max_value_length: usize,
}

impl ValueLimits {
    /// Makes every attribute value of `span`, its events and links safe.
    pub(crate) fn apply(&self, span: &mut SpanData) {
        // Nearly every span is safe as it is: one pass that only reads, and nothing more.
        if span.events.events.is_empty()
            && span.links.links.is_empty()
            && self.all_safe(&span.attributes)
        {
            return;
        }
        one_value_per_key(&mut span.attributes);
        // One plain loop per list (a chain of the three costs more per value than the
        // check itself).
        let mut cut = self.make_all_safe(&mut span.attributes);
        for event in &mut span.events.events {
            cut |= self.make_all_safe(&mut event.attributes);
        }
        for link in &mut span.links.links {
            cut |= self.make_all_safe(&mut link.attributes);
        }
        if cut {
            let truncated = KeyValue::new(key::CRUX_TRUNCATED, true);
            match span
                .attributes
                .iter_mut()
                .find(|kv| kv.key.as_str() == key::CRUX_TRUNCATED)
            {
                Some(kv) => *kv = truncated,
                None => span.attributes.push(truncated),
            }
        }
    }

    /// Whether `attrs` has no empty or repeated key and every value is safe as it is.
    fn all_safe(&self, attrs: &[KeyValue]) -> bool {
        keys_once_and_every(attrs, |value| self.is_safe(value))
    }

    /// Makes the values of `attrs` safe; whether a string was cut.
    fn make_all_safe(&self, attrs: &mut [KeyValue]) -> bool {
        attrs
            .iter_mut()
            .fold(false, |cut, kv| self.make_safe(&mut kv.value) | cut)
    }

    /// Makes `value` safe; whether a string was cut. Inline for the values that are
    /// safe as they are (nearly all).
    #[inline]
    fn make_safe(&self, value: &mut Value) -> bool {
        !self.is_safe(value) && self.make_unusual_safe(value)
    }

    /// Whether `value` is safe as it is: no non-finite float, no string over the limit.
    /// Only the common shapes are recognised; an array is looked at by the slow path.
    #[inline]
    fn is_safe(&self, value: &Value) -> bool {
        match value {
            Value::Bool(_) | Value::I64(_) => true,
            Value::F64(f) => f.is_finite(),
            Value::String(s) => s.as_str().len() <= self.max_value_length,
            _ => false,
        }
    }

    fn make_unusual_safe(&self, value: &mut Value) -> bool {
        match value {
            Value::F64(f) if !f.is_finite() => {
                *value = Value::String(non_finite_name(*f).into());
                false
            }
            Value::Array(Array::F64(floats)) if floats.iter().any(|f| !f.is_finite()) => {
                let names = floats.iter().map(|f| float_text(*f).into()).collect();
                *value = Value::Array(Array::String(names));
                false
            }
            Value::String(s) => self.cut(s),
            Value::Array(Array::String(strings)) => {
                strings.iter_mut().fold(false, |cut, s| self.cut(s) | cut)
            }
            _ => false,
        }
    }

    /// Cuts `s` to the length limit (at a character boundary); whether it was cut.
    fn cut(&self, s: &mut StringValue) -> bool {
        let text = s.as_str();
        // No more bytes than the limit: no more characters either, nothing to count.
        if text.len() <= self.max_value_length {
            return false;
        }
        match text.char_indices().nth(self.max_value_length) {
            Some((end, _)) => {
                *s = text[..end].to_owned().into();
                true
            }
            None => false,
        }
    }
}

/// Drops empty keys and, for a key set more than once, every value but the last.
fn one_value_per_key(attrs: &mut Vec<KeyValue>) {
    if !has_empty_or_repeated_key(attrs) {
        return;
    }
    attrs.retain(|kv| !kv.key.as_str().is_empty());
    let mut kept: Vec<KeyValue> = Vec::with_capacity(attrs.len());
    for kv in attrs.drain(..).rev() {
        if !kept.iter().any(|k| k.key == kv.key) {
            kept.push(kv);
        }
    }
    kept.reverse();
    *attrs = kept;
}

/// Whether a key of `attrs` is empty or set more than once.
fn has_empty_or_repeated_key(attrs: &[KeyValue]) -> bool {
    !keys_once_and_every(attrs, |_| true)
}

/// Whether every key of `attrs` is set, and only once, and `ok` holds for every value:
/// one pass that only reads.
#[inline]
fn keys_once_and_every(attrs: &[KeyValue], mut ok: impl FnMut(&Value) -> bool) -> bool {
    let mut seen = 0u64;
    for (i, kv) in attrs.iter().enumerate() {
        let key = kv.key.as_str();
        match key_bit(key) {
            Some(bit) if seen & bit == 0 => seen |= bit,
            Some(_) if !attrs[..i].iter().any(|earlier| earlier.key.as_str() == key) => {}
            _ => return false,
        }
        if !ok(&kv.value) {
            return false;
        }
    }
    true
}

/// One of 64 bits for `key` (`None` for an empty key), from its length and last two
/// bytes, where a span's keys mostly differ: a key is compared with the earlier keys only
/// when its bit was seen before, so most keys are checked without any comparison (where
/// comparing every pair was most of the export thread's work per span).
#[inline]
fn key_bit(key: &str) -> Option<u64> {
    let mix = match key.as_bytes() {
        [] => return None,
        [only] => 1 + 7 * usize::from(*only),
        [.., before, last] => key.len() + 7 * usize::from(*last) + 13 * usize::from(*before),
    };
    Some(1u64 << (mix % 64))
}

impl Default for ValueLimits {
    fn default() -> ValueLimits {
        ValueLimits {
            max_value_length: DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH,
        }
    }
}

fn non_finite_name(f: f64) -> &'static str {
    if f.is_nan() {
        "NaN"
    } else if f > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

fn float_text(f: f64) -> String {
    if f.is_finite() {
        f.to_string()
    } else {
        non_finite_name(f).to_owned()
    }
}

/// The SDK's span limits: `given`, else the `OTEL_*_COUNT_LIMIT` variables (which must
/// be whole numbers), else OpenTelemetry's defaults (128 of each).
pub(crate) fn span_limits(given: Option<SpanLimits>) -> Result<SpanLimits, String> {
    if let Some(limits) = given {
        return Ok(limits);
    }
    let mut limits = SpanLimits::default();
    let count = |vars: &[&'static str], default: u32| -> Result<u32, String> {
        match env::first(vars) {
            Some((var, _)) => {
                Ok(env::number(var, 0)?.map_or(default, |n| u32::try_from(n).unwrap_or(u32::MAX)))
            }
            None => Ok(default),
        }
    };
    limits.max_attributes_per_span = count(
        &[
            "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT",
            "OTEL_ATTRIBUTE_COUNT_LIMIT",
        ],
        limits.max_attributes_per_span,
    )?;
    limits.max_events_per_span =
        count(&["OTEL_SPAN_EVENT_COUNT_LIMIT"], limits.max_events_per_span)?;
    limits.max_links_per_span = count(&["OTEL_SPAN_LINK_COUNT_LIMIT"], limits.max_links_per_span)?;
    limits.max_attributes_per_event = count(
        &[
            "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT",
            "OTEL_ATTRIBUTE_COUNT_LIMIT",
        ],
        limits.max_attributes_per_event,
    )?;
    limits.max_attributes_per_link = count(
        &[
            "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT",
            "OTEL_ATTRIBUTE_COUNT_LIMIT",
        ],
        limits.max_attributes_per_link,
    )?;
    Ok(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn safe(limit: usize, value: Value) -> (Value, bool) {
        let mut value = value;
        let cut = ValueLimits {
            max_value_length: limit,
        }
        .make_safe(&mut value);
        (value, cut)
    }

    fn span(attributes: Vec<KeyValue>, event: Option<Vec<KeyValue>>) -> SpanData {
        let mut events = opentelemetry_sdk::trace::SpanEvents::default();
        events.events.extend(event.map(|attributes| {
            opentelemetry::trace::Event::new("e", std::time::SystemTime::UNIX_EPOCH, attributes, 0)
        }));
        crate::export::test_span(attributes, events)
    }

    /// Whatever a span holds that is not safe is made safe, wherever it is among safe
    /// attributes (the common span takes a pass that only reads: it must not skip one).
    #[test]
    fn a_span_is_made_safe_whatever_it_holds() {
        let limits = ValueLimits {
            max_value_length: 4,
        };
        let safe = || {
            vec![
                KeyValue::new("gen_ai.tool.name", "ok"),
                KeyValue::new("crux.n", 1),
                KeyValue::new("crux.f", 0.5),
                KeyValue::new("crux.b", true),
            ]
        };
        let applied = |mut span: SpanData| {
            limits.apply(&mut span);
            span
        };
        assert_eq!(
            applied(span(safe(), None)).attributes,
            safe(),
            "left as it is"
        );

        let with = |kv: KeyValue| {
            let mut attrs = safe();
            attrs.insert(2, kv);
            applied(span(attrs, None)).attributes
        };
        let value = |attrs: &[KeyValue], k: &str| {
            attrs
                .iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.clone())
        };
        let long = with(KeyValue::new("crux.long", "abcdefgh"));
        assert_eq!(value(&long, "crux.long"), Some("abcd".into()));
        assert_eq!(value(&long, key::CRUX_TRUNCATED), Some(true.into()));
        let nan = with(KeyValue::new("crux.nan", f64::NAN));
        assert_eq!(value(&nan, "crux.nan"), Some("NaN".into()));
        assert_eq!(value(&nan, key::CRUX_TRUNCATED), None);
        let array = with(KeyValue::new(
            "crux.list",
            Value::Array(vec![StringValue::from("abcdefgh")].into()),
        ));
        assert_eq!(
            value(&array, "crux.list"),
            Some(Value::Array(vec![StringValue::from("abcd")].into()))
        );
        let repeated = with(KeyValue::new("gen_ai.tool.name", "new"));
        assert_eq!(repeated.len(), safe().len(), "{repeated:?}");
        assert_eq!(value(&repeated, "gen_ai.tool.name"), Some("new".into()));
        let empty = with(KeyValue::new("", "no key"));
        assert_eq!(empty, safe());

        let event = applied(span(
            safe(),
            Some(vec![KeyValue::new("e.long", "abcdefgh")]),
        ));
        assert_eq!(
            event.events.events[0].attributes,
            vec![KeyValue::new("e.long", "abcd")]
        );
        assert_eq!(
            value(&event.attributes, key::CRUX_TRUNCATED),
            Some(true.into())
        );
    }

    #[test]
    fn a_key_keeps_its_last_value_and_empty_keys_go() {
        let mut attrs = vec![
            KeyValue::new("gen_ai.tool.name", "first"),
            KeyValue::new("", "no key"),
            KeyValue::new("app.x", 1),
            KeyValue::new("gen_ai.tool.name", "second"),
        ];
        one_value_per_key(&mut attrs);
        assert_eq!(
            attrs,
            vec![
                KeyValue::new("app.x", 1),
                KeyValue::new("gen_ai.tool.name", "second")
            ]
        );
    }

    #[test]
    fn repeated_keys_are_found_among_keys_of_one_length() {
        // Distinct keys of one length (and of lengths 64 apart) are not repeats; a repeat
        // is found wherever it is, and only a repeat or an empty key is.
        let distinct: Vec<KeyValue> = ["gen_ai.tool.name", "gen_ai.tool.type", "a", "b"]
            .into_iter()
            .map(|k| KeyValue::new(k, 1))
            .chain([
                KeyValue::new("x".repeat(3), 1),
                KeyValue::new("x".repeat(67), 1),
            ])
            .collect();
        assert!(!has_empty_or_repeated_key(&distinct));
        for at in 0..=distinct.len() {
            for repeated in 0..distinct.len() {
                let mut attrs = distinct.clone();
                attrs.insert(at, distinct[repeated].clone());
                assert!(has_empty_or_repeated_key(&attrs), "{repeated} at {at}");
            }
            let mut attrs = distinct.clone();
            attrs.insert(at, KeyValue::new("", 1));
            assert!(has_empty_or_repeated_key(&attrs), "empty key at {at}");
        }
    }

    #[test]
    fn non_finite_floats_become_their_json_names() {
        assert_eq!(safe(8, Value::F64(f64::NAN)).0, Value::from("NaN"));
        assert_eq!(
            safe(8, Value::F64(f64::INFINITY)).0,
            Value::from("Infinity")
        );
        assert_eq!(
            safe(8, Value::F64(f64::NEG_INFINITY)).0,
            Value::from("-Infinity")
        );
        assert_eq!(safe(8, Value::F64(0.5)).0, Value::F64(0.5));
        let floats = Value::Array(Array::F64(vec![1.5, f64::NAN]));
        assert_eq!(
            safe(8, floats).0,
            Value::Array(Array::String(vec!["1.5".into(), "NaN".into()]))
        );
    }

    #[test]
    fn strings_are_cut_at_a_character_boundary() {
        assert_eq!(safe(3, Value::from("ééééé")), (Value::from("ééé"), true));
        assert_eq!(safe(5, Value::from("ééééé")), (Value::from("ééééé"), false));
        let strings = Value::Array(Array::String(vec!["abcdef".into(), "ab".into()]));
        assert_eq!(
            safe(3, strings),
            (
                Value::Array(Array::String(vec!["abc".into(), "ab".into()])),
                true
            )
        );
    }
}
