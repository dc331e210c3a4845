//! Helpers shared by the integration tests.

pub mod clients;
pub mod collector;
pub mod fake;

use crux::opentelemetry::Value;
use crux::opentelemetry_sdk::trace::SpanData;
use crux::testing::SpanDataExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// What `scripts/test` installed under `.tools/` whose folder name starts with `prefix`,
/// or the path in the variable `var`; `what` names it in the panic when neither is there.
pub fn installed(var: &str, prefix: &str, what: &str) -> PathBuf {
    if let Ok(path) = std::env::var(var) {
        return PathBuf::from(path);
    }
    let tools = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.tools");
    std::fs::read_dir(&tools)
        .ok()
        .and_then(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.path())
                .find(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(prefix)))
        })
        .unwrap_or_else(|| {
            panic!("{what} is not installed: run ./scripts/test (it installs it into .tools/) or set {var}")
        })
}

/// The value of the attribute `key` of `span`, as recorded.
pub fn value(span: &SpanData, key: &str) -> Option<Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.clone())
}

/// What a callback destination receives: the spans so far, and the callback to pass to
/// `.callback(..)`.
#[allow(clippy::type_complexity)]
pub fn collected() -> (
    Arc<Mutex<Vec<SpanData>>>,
    impl Fn(Vec<SpanData>) + Send + Sync + 'static,
) {
    let spans = Arc::new(Mutex::new(Vec::new()));
    let sink = spans.clone();
    (spans, move |batch| {
        sink.lock().expect("spans").extend(batch)
    })
}

/// Asserts that every attribute key on `spans` and their events is in crux's key table,
/// except keys under `app.` that the tests set themselves.
pub fn assert_keys_registered(spans: &[SpanData]) {
    for span in spans {
        let event_keys = span.events.iter().flat_map(|e| e.attributes.iter());
        for kv in span.attributes.iter().chain(event_keys) {
            let key = kv.key.as_str();
            if key.starts_with("app.") {
                continue;
            }
            assert!(
                crux::attributes::KEYS.iter().any(|k| if k.template {
                    key.starts_with(k.name)
                } else {
                    k.name == key
                }),
                "span {} emits `{key}`, which is not in crux's key table",
                span.name
            );
        }
    }
}

/// The attribute `key` among `attrs` (of the span or event `owner`), panicking with
/// the keys there are if absent.
pub fn required<'a>(
    owner: &str,
    attrs: &'a [crux::opentelemetry::KeyValue],
    key: &str,
) -> &'a crux::opentelemetry::Value {
    attrs
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
        .unwrap_or_else(|| {
            panic!(
                "{owner} has no `{key}`; it has {:?}",
                attrs.iter().map(|kv| kv.key.as_str()).collect::<Vec<_>>()
            )
        })
}

/// The attribute `key` of `span` as text, panicking with the span's attributes if absent.
pub fn text(span: &SpanData, key: &str) -> String {
    required(&format!("span {}", span.name), &span.attributes, key)
        .as_str()
        .into_owned()
}

/// The JSON attribute `key` of `span` (captured messages, tool definitions), parsed.
pub fn json_attr(span: &SpanData, key: &str) -> serde_json::Value {
    serde_json::from_str(&text(span, key))
        .unwrap_or_else(|e| panic!("`{key}` of {} is not JSON: {e}", span.name))
}

/// The string-array attribute `key` of `span` (finish reasons, stop sequences).
pub fn str_array(span: &SpanData, key: &str) -> Vec<String> {
    match span.attr(key) {
        Some(crux::opentelemetry::Value::Array(crux::opentelemetry::Array::String(items))) => {
            items.iter().map(|s| s.as_str().to_owned()).collect()
        }
        other => panic!("`{key}` of {} is not a string array: {other:?}", span.name),
    }
}
