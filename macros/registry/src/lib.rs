//! The registry of crux: every attribute key it emits with its value type, every kind
//! of span with the keys the runtime derives on it, and every span and event name.
//!
//! This crate is the single table behind things that must never drift apart: the public
//! constants the runtime re-exports as `crux::attributes`, the kinds the runtime
//! dispatches on, and the compile-time checks in `crux-macros` (unknown reserved keys,
//! wrong literal types, keys the runtime sets itself, "did you mean"). Users never
//! depend on it directly.

#![forbid(unsafe_code)]

mod kinds;
mod names;
mod table;

pub use kinds::{events, openinference, spans, Derived, Kind, Probe, PROMPT_IDENTITY};
pub use names::{
    check_user_key, did_you_mean, edit_distance, invalid_name_reason, lookup, nearest_key,
    reserved_prefix, KeyError,
};
pub use table::{keys, KEYS};

/// The type an attribute's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// A UTF-8 string.
    Str,
    /// A boolean.
    Bool,
    /// A 64-bit signed integer.
    Int,
    /// A 64-bit float (integers are accepted too).
    Double,
    /// A homogeneous array of strings.
    StrArray,
    /// Structured data, recorded as JSON text (OpenTelemetry span attributes have no maps).
    Json,
}

impl ValueType {
    /// A short human name, used in diagnostics.
    pub const fn describe(self) -> &'static str {
        match self {
            ValueType::Str => "a string",
            ValueType::Bool => "a bool",
            ValueType::Int => "an integer",
            ValueType::Double => "a number",
            ValueType::StrArray => "an array of strings",
            ValueType::Json => "JSON text",
        }
    }
}

/// One entry of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    /// The attribute key, or for a template the prefix ending in `.` (e.g. `crux.trace.metadata.`).
    pub name: &'static str,
    /// The value type.
    pub ty: ValueType,
    /// True when `name` is a prefix to which the application appends its own suffix.
    pub template: bool,
}

/// Namespaces crux (and the conventions it follows) own. A key in one of these must be
/// in [`KEYS`]; keys anywhere else (`app.…`) belong to the application.
pub const RESERVED_PREFIXES: &[&str] = &[
    "gen_ai.",
    "crux.",
    "session.",
    "user.",
    "code.",
    "error.",
    "exception.",
    // What LLM backends read (OpenInference, MLflow), where crux sets it. Only the keys
    // crux sets in MLflow's namespace: `mlflow.traceTag.<k>` stays the application's.
    "openinference.",
    "input.",
    "output.",
    "tag.",
    "metadata",
    "mlflow.spanType",
    "mlflow.llm.",
];
