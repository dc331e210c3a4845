//! The one attribute list: a span's attributes while crux assembles them, searched and
//! updated by key (OpenTelemetry hands over a plain `Vec<KeyValue>`, so every lookup
//! goes through here instead of a hand-written loop).

use opentelemetry::{Context, Key, KeyValue, StringValue, Value};
use std::sync::Arc;

/// The value of `key` among `items` (a span's exported attributes, an event's).
#[inline]
pub(crate) fn find<'a>(items: &'a [KeyValue], key: &str) -> Option<&'a Value> {
    items
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

/// Empties `list`, a list a thread keeps to reuse, and says whether to keep it: one
/// grown unusually large (over 64 attributes) is not kept for the thread's life. An
/// empty list is left alone (clearing it would still call drop glue).
#[inline]
pub(crate) fn empty_for_reuse(list: &mut Vec<KeyValue>) -> bool {
    const KEEP: usize = 64;
    if !list.is_empty() {
        list.clear();
    }
    list.capacity() <= KEEP
}

/// Attributes by key, at most one value per key.
///
/// A span's list allocates nothing until it may get its first attribute (the macro's
/// arguments, what it inherits, its defaults), and then [`ROOM`], so that neither the
/// arguments nor the end attributes reallocate it: a tool that leaves all its defaults
/// to the export, and inherits nothing, allocates no list at its start.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct AttrList {
    items: Vec<KeyValue>,
}

/// Room for a typical span's start and end attributes (a tool has 7 + 4).
pub(crate) const ROOM: usize = 16;

impl AttrList {
    /// Makes room for a typical span's attributes in a list that has none yet: called
    /// where a span's list may get its first attribute, so that pushing (into a list
    /// known to have room, or a short one) checks nothing.
    #[inline]
    fn make_room(&mut self) {
        if self.items.capacity() == 0 {
            // Empty (no room, no attribute): replaced, not grown.
            self.items = Vec::with_capacity(ROOM);
        }
    }

    /// The value of `key`.
    #[inline]
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        find(&self.items, key)
    }

    /// An empty list with room for `capacity` attributes.
    pub(crate) fn with_capacity(capacity: usize) -> AttrList {
        AttrList {
            items: Vec::with_capacity(capacity),
        }
    }

    /// How many attributes the list holds.
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether the list holds no attribute.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Whether `key` has a value.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The value of `key` as text.
    pub(crate) fn text(&self, key: &str) -> Option<String> {
        self.get(key).map(|v| v.as_str().into_owned())
    }

    /// Sets `key` to `value`, replacing a value it had.
    #[inline]
    pub(crate) fn upsert(&mut self, key: impl Into<Key>, value: Value) {
        let key = key.into();
        match self.items.iter_mut().find(|kv| kv.key == key) {
            Some(kv) => kv.value = value,
            None => {
                self.make_room();
                self.items.push(KeyValue::new(key, value));
            }
        }
    }

    /// Sets `key` to a string literal without copying it.
    #[inline]
    pub(crate) fn upsert_static(&mut self, key: &'static str, value: &'static str) {
        self.upsert(key, Value::String(StringValue::from(value)));
    }

    /// Sets `key` to `value` unless it has a value already.
    pub(crate) fn default_static(&mut self, key: &'static str, value: &'static str) {
        // Known to be new once looked for: pushed, not searched for again.
        if !self.has(key) {
            self.make_room();
            self.push(key, Value::String(StringValue::from(value)));
        }
    }

    /// Sets `key` to what `value` makes unless it has a value already.
    pub(crate) fn default_with(&mut self, key: &'static str, value: impl FnOnce() -> Value) {
        if !self.has(key) {
            self.make_room();
            self.push(key, value());
        }
    }

    /// Copies the value of `from` to `to`, unless `to` has one or `from` has none.
    pub(crate) fn mirror(&mut self, from: &'static str, to: &'static str) {
        if self.has(to) {
            return;
        }
        if let Some(v) = self.get(from).cloned() {
            self.make_room();
            self.push(to, v);
        }
    }

    /// Removes `key`, returning its value.
    pub(crate) fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.items.iter().position(|kv| kv.key.as_str() == key)?;
        Some(self.items.remove(at).value)
    }

    /// Appends attributes as they are (keys the caller knows to be new).
    pub(crate) fn extend(&mut self, attrs: impl IntoIterator<Item = KeyValue>) {
        self.make_room();
        self.items.extend(attrs);
    }

    /// Appends one attribute as it is (a key the caller knows to be new), into the room
    /// the list has (see [`AttrList::make_room`]).
    pub(crate) fn push(&mut self, key: &'static str, value: impl Into<Value>) {
        self.items.push(KeyValue::new(key, value));
    }

    /// Every attribute.
    pub(crate) fn iter(&self) -> std::slice::Iter<'_, KeyValue> {
        self.items.iter()
    }

    /// The attributes, for the SDK.
    pub(crate) fn into_vec(self) -> Vec<KeyValue> {
        self.items
    }

    /// Adds what `parent` makes every span inherit, for keys this list does not have.
    pub(crate) fn inherit(&mut self, parent: &Context) {
        if let Some(inherited) = parent.get::<Inherited>() {
            self.make_room();
            inherited.add_to(&mut self.items);
        }
    }

    /// The list made of `items` (the SDK's plain vector), without copying.
    pub(crate) fn from_vec(items: Vec<KeyValue>) -> AttrList {
        AttrList { items }
    }
}

/// A span's attribute list while its family fills in the start defaults.
///
/// With nothing given (no macro argument, no tag) the list holds at most what the span
/// inherits, a run's identity, and none of those keys is set here (a tool's keys and
/// the OpenInference kind): every key set is then known to be new, and is pushed
/// without a search among the others.
#[derive(Debug)]
pub(crate) struct Defaults<'a> {
    list: &'a mut AttrList,
    fresh: bool,
}

impl<'a> Defaults<'a> {
    /// The defaults of `list`; `given`: whether the macro's arguments set anything.
    pub(crate) fn new(list: &'a mut AttrList, given: bool) -> Defaults<'a> {
        list.make_room();
        Defaults {
            list,
            fresh: !given,
        }
    }

    /// Checks, in crux's own unit tests, what the fast path takes for granted (never in
    /// an application's build: telemetry does not panic).
    #[cfg(test)]
    fn known_new(&self, key: &str) {
        assert!(!self.list.has(key), "{key} was set before the defaults");
    }

    #[cfg(not(test))]
    fn known_new(&self, _key: &str) {}

    /// Pushes `key`, known to be new.
    #[inline(always)]
    fn push_new(&mut self, key: &'static str, value: Value) {
        self.known_new(key);
        self.list.push(key, value);
    }

    /// The list, for a family whose defaults search it.
    pub(crate) fn into_list(self) -> &'a mut AttrList {
        self.list
    }

    /// Sets `key` to a string literal, replacing a value it had.
    #[inline(always)]
    pub(crate) fn set_static(&mut self, key: &'static str, value: &'static str) {
        if self.fresh {
            self.push_new(key, Value::String(StringValue::from(value)));
        } else {
            self.list.upsert_static(key, value);
        }
    }

    /// Sets `key` to a string literal unless it has a value already.
    #[inline(always)]
    pub(crate) fn default_static(&mut self, key: &'static str, value: &'static str) {
        if self.fresh {
            self.push_new(key, Value::String(StringValue::from(value)));
        } else {
            self.list.default_static(key, value);
        }
    }

    /// Sets `key` to what `value` makes unless it has a value already.
    #[inline(always)]
    pub(crate) fn default_with(&mut self, key: &'static str, value: impl FnOnce() -> Value) {
        if self.fresh {
            self.push_new(key, value());
        } else {
            self.list.default_with(key, value);
        }
    }

    /// Copies the value of `from` to `to`, unless `to` has one or `from` has none.
    #[inline(always)]
    pub(crate) fn mirror(&mut self, from: &'static str, to: &'static str) {
        if self.fresh {
            if let Some(v) = self.list.get(from).cloned() {
                self.push_new(to, v);
            }
        } else {
            self.list.mirror(from, to);
        }
    }
}

/// Attributes every span started below carries unless it sets them itself (an agent
/// run's identity), held in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct Inherited(Arc<[KeyValue]>);

/// `cx` with `attrs` inherited by every span started in it (on top of what it inherits
/// already). String values become shared, so each span copies a pointer, not the text.
pub(crate) fn with_inherited(cx: Context, attrs: Vec<KeyValue>) -> Context {
    if attrs.is_empty() {
        return cx;
    }
    let mut all: Vec<KeyValue> = cx
        .get::<Inherited>()
        .map(|i| i.0.to_vec())
        .unwrap_or_default();
    for kv in attrs {
        let value = match kv.value {
            Value::String(s) => Value::String(StringValue::from(Arc::<str>::from(s.as_str()))),
            other => other,
        };
        match all.iter_mut().find(|a| a.key == kv.key) {
            Some(a) => a.value = value,
            None => all.push(KeyValue::new(kv.key, value)),
        }
    }
    cx.with_value(Inherited(all.into()))
}

/// Adds what `parent` makes every span inherit, for keys `attrs` does not have.
pub(crate) fn inherit(parent: &Context, attrs: &mut Vec<KeyValue>) {
    if let Some(inherited) = parent.get::<Inherited>() {
        inherited.add_to(attrs);
    }
}

impl Inherited {
    /// Adds the inherited attributes `attrs` does not have.
    fn add_to(&self, attrs: &mut Vec<KeyValue>) {
        for kv in self.0.iter() {
            if !attrs.iter().any(|a| a.key == kv.key) {
                attrs.push(kv.clone());
            }
        }
    }
}

impl From<Vec<KeyValue>> for AttrList {
    fn from(items: Vec<KeyValue>) -> AttrList {
        AttrList::from_vec(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_key() {
        let mut list = AttrList::default();
        list.upsert("a", Value::from(1));
        list.upsert("a", Value::from(2));
        list.default_static("a", "x");
        list.default_static("b", "y");
        list.mirror("b", "c");
        list.mirror("a", "c");
        assert_eq!(list.get("a"), Some(&Value::from(2)));
        assert_eq!(list.text("c").as_deref(), Some("y"));
        assert_eq!(list.remove("a"), Some(Value::from(2)));
        assert_eq!(list.iter().count(), 2);
    }
}
