//! Fitting captured content into its length cap as valid JSON in the conventions' shape.
//!
//! Free text is shortened (ending in `…`), never a role, a part type, a finish reason, an
//! id, a name or a key. A list of messages that does not fit even with short texts loses
//! whole messages middle-out: the first message (the instructions or the opening request)
//! and the most recent ones stay, the oldest after the first go first. Then the texts get
//! the longest length that fits, so the result uses the cap rather than a fraction of it.

use serde_json::Value;

/// Keys of a message or part whose values are structure, not free text.
const STRUCTURE: [&str; 7] = [
    "role",
    "type",
    "finish_reason",
    "id",
    "name",
    "mime_type",
    "modality",
];

/// Texts are kept at least this long while whole messages can still be dropped instead.
const MIN_TEXT: usize = 64;

/// Content cut to fit a cap.
#[derive(Debug, PartialEq)]
pub(crate) struct Fitted {
    /// The JSON text, at most the cap in characters.
    pub text: String,
    /// Whether anything was shortened or left out.
    pub cut: bool,
    /// How many whole messages (or list items) were left out.
    pub omitted: usize,
}

/// `value` as JSON text of at most `cap` characters (a top-level string is its own text).
pub(crate) fn fit(value: Value, cap: usize) -> Fitted {
    if let Value::String(text) = value {
        let cut = text.chars().count() > cap;
        let text = if cut { shorten(&text, cap) } else { text };
        return Fitted {
            text,
            cut,
            omitted: 0,
        };
    }
    let full = render(&value);
    if chars(&full) <= cap {
        return Fitted {
            text: full,
            cut: false,
            omitted: 0,
        };
    }
    let messages = is_messages(&value);
    let mut value = value;
    let mut omitted = 0;
    // Drop list items middle-out while even short texts do not fit.
    if let Value::Array(items) = &mut value {
        // Each item's length with short texts, so the list's is their sum plus brackets
        // and commas: no re-rendering per dropped item.
        let mut sizes: Vec<usize> = items
            .iter()
            .map(|v| chars(&render(&limited_value(v, MIN_TEXT, messages))))
            .collect();
        let list_size = |sizes: &[usize]| sizes.iter().sum::<usize>() + sizes.len() + 1;
        while items.len() > 1 && list_size(&sizes) > cap {
            let at = if items.len() > 2 { 1 } else { 0 };
            items.remove(at);
            sizes.remove(at);
            omitted += 1;
        }
    }
    // The longest text length that fits.
    let longest = longest_text(&value, messages);
    let (mut low, mut high) = (0, longest);
    let fits = |limit: usize| chars(&render(&limited_value(&value, limit, messages))) <= cap;
    if !fits(0) {
        // Even without text the structure is too long (a cap below a message's skeleton).
        let empty = if matches!(value, Value::Array(_)) {
            "[]"
        } else {
            "{}"
        };
        let text = if empty.len() <= cap { empty } else { "" };
        return Fitted {
            text: text.to_owned(),
            cut: true,
            omitted: omitted + value.as_array().map_or(0, Vec::len),
        };
    }
    while low < high {
        let mid = (low + high).div_ceil(2);
        if fits(mid) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    Fitted {
        text: render(&limited_value(&value, low, messages)),
        cut: true,
        omitted,
    }
}

fn render(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// A list of chat messages (objects with a `role`), whose structure is protected.
fn is_messages(value: &Value) -> bool {
    value.as_array().is_some_and(|items| {
        !items.is_empty()
            && items
                .iter()
                .all(|m| m.get("role").is_some_and(Value::is_string))
    })
}

fn limited(items: &[Value], limit: usize, messages: bool) -> Value {
    Value::Array(
        items
            .iter()
            .map(|v| limited_value(v, limit, messages))
            .collect(),
    )
}

/// A copy of `value` whose free texts have at most `limit` characters.
fn limited_value(value: &Value, limit: usize, protect: bool) -> Value {
    match value {
        Value::String(s) if chars(s) > limit => Value::String(shorten(s, limit)),
        Value::Array(items) => limited(items, limit, protect),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if protect && STRUCTURE.contains(&k.as_str()) {
                        v.clone()
                    } else {
                        limited_value(v, limit, protect)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn longest_text(value: &Value, protect: bool) -> usize {
    match value {
        Value::String(s) => chars(s),
        Value::Array(items) => items
            .iter()
            .map(|v| longest_text(v, protect))
            .max()
            .unwrap_or(0),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| !(protect && STRUCTURE.contains(&k.as_str())))
            .map(|(_, v)| longest_text(v, protect))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// `text` cut to `limit` characters, the last one an ellipsis marking the cut.
fn shorten(text: &str, limit: usize) -> String {
    match limit {
        0 => String::new(),
        _ => text.chars().take(limit - 1).chain(['…']).collect(),
    }
}
