//! Application hooks on crux's spans: `map_attributes` (rename, add or replace
//! attributes at each phase), `map_prompt_metadata`, and span start and end hooks.

use crate::prompt::PromptIdentity;
use opentelemetry::{Key, KeyValue, Value};
use std::sync::Arc;

/// When `map_attributes` is called.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// The attributes a span starts with (including the builder's custom attributes).
    Start,
    /// The attributes recorded when the span ends (usage, finish reasons, counts, ...).
    End,
    /// The attributes of an event crux adds (or `crux::Span::add_event`).
    Event,
    /// The attributes recorded for an error (`error.type`).
    Error,
}

/// The attributes a hook sees and edits.
#[derive(Debug)]
pub struct Attributes<'a> {
    items: &'a mut Vec<KeyValue>,
}

impl<'a> Attributes<'a> {
    pub(crate) fn new(items: &'a mut Vec<KeyValue>) -> Attributes<'a> {
        Attributes { items }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.items
            .iter()
            .find(|kv| kv.key.as_str() == key)
            .map(|kv| &kv.value)
    }

    /// Adds `key`, or replaces its value.
    pub fn set(&mut self, key: impl Into<Key>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.items.iter_mut().find(|kv| kv.key == key) {
            Some(kv) => kv.value = value,
            None => self.items.push(KeyValue::new(key, value)),
        }
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        let at = self.items.iter().position(|kv| kv.key.as_str() == key)?;
        Some(self.items.remove(at).value)
    }

    /// Moves the value of `from` to `to` (replacing `to`); false if `from` is absent.
    pub fn rename(&mut self, from: &str, to: impl Into<Key>) -> bool {
        match self.remove(from) {
            Some(value) => {
                self.set(to, value);
                true
            }
            None => false,
        }
    }

    /// Every attribute.
    pub fn iter(&self) -> impl Iterator<Item = &KeyValue> {
        self.items.iter()
    }
}

/// What a span start or end hook is told.
#[derive(Debug)]
pub struct SpanInfo<'a> {
    /// The span name.
    pub name: &'a str,
    /// The trace id (32 hex digits).
    pub trace_id: String,
    /// The span id (16 hex digits).
    pub span_id: String,
}

pub(crate) type MapAttributes = dyn Fn(Phase, &str, &mut Attributes<'_>) + Send + Sync;
pub(crate) type MapPromptMetadata = dyn Fn(&PromptIdentity) -> Vec<KeyValue> + Send + Sync;
pub(crate) type SpanHook = dyn Fn(&SpanInfo<'_>) + Send + Sync;

/// The hooks of one pipeline.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub map_attributes: Option<Arc<MapAttributes>>,
    pub map_prompt_metadata: Option<Arc<MapPromptMetadata>>,
    pub on_start: Option<Arc<SpanHook>>,
    pub on_end: Option<Arc<SpanHook>>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("map_attributes", &self.map_attributes.is_some())
            .field("map_prompt_metadata", &self.map_prompt_metadata.is_some())
            .field("on_start", &self.on_start.is_some())
            .field("on_end", &self.on_end.is_some())
            .finish()
    }
}

impl Hooks {
    /// Runs `map_attributes` over `attrs` for `phase`.
    pub(crate) fn map(&self, phase: Phase, span_name: &str, attrs: &mut Vec<KeyValue>) {
        if let Some(map) = &self.map_attributes {
            map(phase, span_name, &mut Attributes::new(attrs));
        }
    }
}
