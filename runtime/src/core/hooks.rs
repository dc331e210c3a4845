//! Application hooks on crux's spans: `map_attributes` (rename, add or replace
//! attributes at each phase), `map_prompt_metadata`, and span start and end hooks.

use crate::core::attrs::AttrList;
use opentelemetry::{Key, KeyValue, Value};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Who a prompt is: the identity recorded on `crux.use_reason` (and usable by
/// `map_prompt_metadata`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PromptIdentity {
    /// The prompt's id.
    pub id: Option<String>,
    /// The prompt's name (`gen_ai.prompt.name`, `crux.prompt.name`).
    pub name: Option<String>,
    /// The prompt's version (`gen_ai.prompt.version`, `crux.prompt.version`).
    pub version: Option<String>,
    /// The prompt's type: `chat`, `text` (`crux.prompt.type`).
    pub kind: Option<String>,
    /// Where it came from (`crux.prompt.source`).
    pub source: Option<String>,
    /// Free-form metadata, recorded only through `map_prompt_metadata`.
    pub metadata: Vec<(String, String)>,
}

impl PromptIdentity {
    /// The identity part named `role` in the registry's prompt-identity table.
    pub(crate) fn part(&self, role: &str) -> Option<&String> {
        match role {
            "name" => self.name.as_ref(),
            "version" => self.version.as_ref(),
            "kind" => self.kind.as_ref(),
            "source" => self.source.as_ref(),
            "id" => self.id.as_ref(),
            _ => None,
        }
    }
}

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
    items: &'a mut AttrList,
}

impl<'a> Attributes<'a> {
    pub(crate) fn new(items: &'a mut AttrList) -> Attributes<'a> {
        Attributes { items }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.items.get(key)
    }

    /// Adds `key`, or replaces its value.
    pub fn set(&mut self, key: impl Into<Key>, value: impl Into<Value>) {
        self.items.upsert(key, value.into());
    }

    /// Removes `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.items.remove(key)
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

/// Panics of user hooks caught so far, in this process.
static HOOK_PANICS: AtomicU64 = AtomicU64::new(0);

/// How many times a user hook (`map_attributes`, `map_prompt_metadata`, the span start
/// and end hooks) panicked in this process; each panic was caught and the span went on
/// with what it had.
pub fn panicked_hooks() -> u64 {
    HOOK_PANICS.load(Ordering::Relaxed)
}

/// Runs the user hook `hook` so that a panic in it never reaches the application: it is
/// caught, counted, reported once per hook on stderr, and `None` is returned. Safe during
/// an unwind too (a hook that panics while the annotated fn unwinds does not abort).
fn contained<R>(hook: &'static str, run: impl FnOnce() -> R) -> Option<R> {
    match catch_unwind(AssertUnwindSafe(run)) {
        Ok(out) => Some(out),
        Err(payload) => {
            HOOK_PANICS.fetch_add(1, Ordering::Relaxed);
            static REPORTED: Mutex<Vec<&str>> = Mutex::new(Vec::new());
            let mut reported = REPORTED.lock().unwrap_or_else(PoisonError::into_inner);
            if !reported.contains(&hook) {
                reported.push(hook);
                let message = payload
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("a non-string payload");
                eprintln!(
                    "crux: the {hook} hook panicked ({message}); the panic was caught and the \
                     span kept what it had (reported once; counted in crux::hooks::panicked_hooks)"
                );
            }
            None
        }
    }
}

impl Hooks {
    /// Runs `map_attributes` over `attrs` for `phase`; a panicking hook leaves the
    /// attributes as far as it got. Inline for the check: every span's start and end
    /// ask, and most applications set no hook.
    #[inline]
    pub(crate) fn map(&self, phase: Phase, span_name: &str, attrs: &mut Vec<KeyValue>) {
        if self.map_attributes.is_some() {
            self.run_map(phase, span_name, attrs);
        }
    }

    fn run_map(&self, phase: Phase, span_name: &str, attrs: &mut Vec<KeyValue>) {
        if let Some(map) = &self.map_attributes {
            let mut list = AttrList::from_vec(std::mem::take(attrs));
            contained("map_attributes", || {
                map(phase, span_name, &mut Attributes::new(&mut list));
            });
            *attrs = list.into_vec();
        }
    }

    /// What `map_prompt_metadata` adds for `identity` (nothing if it panics).
    pub(crate) fn prompt_metadata(&self, identity: &PromptIdentity) -> Vec<KeyValue> {
        self.map_prompt_metadata
            .as_ref()
            .and_then(|map| contained("map_prompt_metadata", || map(identity)))
            .unwrap_or_default()
    }

    /// Runs `on_span_start`.
    pub(crate) fn started(&self, info: &SpanInfo<'_>) {
        if let Some(hook) = &self.on_start {
            contained("on_span_start", || hook(info));
        }
    }

    /// Runs `on_span_end`.
    pub(crate) fn ended(&self, info: &SpanInfo<'_>) {
        if let Some(hook) = &self.on_end {
            contained("on_span_end", || hook(info));
        }
    }
}
