//! How a function's return value becomes the span's outcome.
//!
//! The generated code calls `(&&&OutcomeProbe(&output)).crux_outcome(&guard)`. Method
//! resolution picks the most specific impl that applies (autoref specialisation), so
//! any `Result` — `io::Result`, `anyhow::Result`, an alias of the application's — whose
//! error implements `Display` (or else `Debug`) records status Error, `error.type` and an
//! `exception` event, and every other type records nothing. No syntactic guessing from
//! the return type, so aliases work.

use crate::recording::SpanGuard;
use crate::retrieval::{Embeddings, Retrieved};
use std::fmt::{Debug, Display};

/// Wraps a reference to a function's output for outcome recording.
#[derive(Debug)]
pub struct OutcomeProbe<'a, T: ?Sized>(pub &'a T);

/// `Err` whose error implements `Display`.
pub trait DisplayErrorOutcome {
    /// Records the outcome on `guard`.
    fn crux_outcome(&self, guard: &SpanGuard);
}

impl<T, E: Display> DisplayErrorOutcome for &&OutcomeProbe<'_, Result<T, E>> {
    fn crux_outcome(&self, guard: &SpanGuard) {
        if let (Err(e), true) = (self.0, guard.is_recording()) {
            guard.record_error(std::any::type_name::<E>(), &e.to_string());
        }
    }
}

/// `Err` whose error implements only `Debug`.
pub trait DebugErrorOutcome {
    /// Records the outcome on `guard`.
    fn crux_outcome(&self, guard: &SpanGuard);
}

impl<T, E: Debug> DebugErrorOutcome for &OutcomeProbe<'_, Result<T, E>> {
    fn crux_outcome(&self, guard: &SpanGuard) {
        if let (Err(e), true) = (self.0, guard.is_recording()) {
            guard.record_error(std::any::type_name::<E>(), &format!("{e:?}"));
        }
    }
}

/// Anything else: a plain return leaves the status unset.
pub trait PlainOutcome {
    /// Records nothing.
    fn crux_outcome(&self, guard: &SpanGuard);
}

impl<T: ?Sized> PlainOutcome for OutcomeProbe<'_, T> {
    #[inline(always)]
    fn crux_outcome(&self, _guard: &SpanGuard) {}
}

/// Wraps a reference to a tool argument for content capture.
#[derive(Debug)]
pub struct ArgumentProbe<'a, T: ?Sized>(pub &'a T);

/// An argument that serializes: recorded in `gen_ai.tool.call.arguments`.
pub trait SerializableArgument {
    /// Adds the argument under `name`.
    fn crux_argument(&self, name: &str, args: &mut serde_json::Map<String, serde_json::Value>);
}

impl<T: serde::Serialize + ?Sized> SerializableArgument for &ArgumentProbe<'_, T> {
    fn crux_argument(&self, name: &str, args: &mut serde_json::Map<String, serde_json::Value>) {
        if let Ok(value) = serde_json::to_value(self.0) {
            args.insert(name.to_owned(), value);
        }
    }
}

/// Any other argument is left out.
pub trait OpaqueArgument {
    /// Records nothing.
    fn crux_argument(&self, name: &str, args: &mut serde_json::Map<String, serde_json::Value>);
}

impl<T: ?Sized> OpaqueArgument for ArgumentProbe<'_, T> {
    #[inline(always)]
    fn crux_argument(&self, _name: &str, _args: &mut serde_json::Map<String, serde_json::Value>) {}
}

/// Wraps a reference to a tool's output for its output metadata and content capture.
#[derive(Debug)]
pub struct ToolOutputProbe<'a, T: ?Sized>(pub &'a T);

/// `Ok` of a `Result` whose value serializes.
pub trait ResultToolOutput {
    /// Records the output on `guard`.
    fn crux_tool_output(&self, guard: &SpanGuard);
}

impl<T: serde::Serialize, E> ResultToolOutput for &&ToolOutputProbe<'_, Result<T, E>> {
    fn crux_tool_output(&self, guard: &SpanGuard) {
        if let (Ok(value), true) = (self.0, guard.is_recording()) {
            guard.record_tool_output(value);
        }
    }
}

/// A serializable output returned directly.
pub trait DirectToolOutput {
    /// Records the output on `guard`.
    fn crux_tool_output(&self, guard: &SpanGuard);
}

impl<T: serde::Serialize> DirectToolOutput for &ToolOutputProbe<'_, T> {
    fn crux_tool_output(&self, guard: &SpanGuard) {
        if guard.is_recording() {
            guard.record_tool_output(self.0);
        }
    }
}

/// Anything else has no output metadata.
pub trait OpaqueToolOutput {
    /// Records nothing.
    fn crux_tool_output(&self, guard: &SpanGuard);
}

impl<T: ?Sized> OpaqueToolOutput for ToolOutputProbe<'_, T> {
    #[inline(always)]
    fn crux_tool_output(&self, _guard: &SpanGuard) {}
}

/// `Ok` of a `Result` whose value declares its model output.
pub trait ResultDeclaredOutput {
    /// Records the output on `guard`.
    fn crux_tool_output(&self, guard: &SpanGuard);
}

impl<T: crate::ToolOutput, E> ResultDeclaredOutput for &&&&ToolOutputProbe<'_, Result<T, E>> {
    fn crux_tool_output(&self, guard: &SpanGuard) {
        if let (Ok(value), true) = (self.0, guard.is_recording()) {
            guard.record_tool_model_output(value.output_size(), &value.model_output());
        }
    }
}

/// A value that declares its model output.
pub trait DeclaredOutput {
    /// Records the output on `guard`.
    fn crux_tool_output(&self, guard: &SpanGuard);
}

impl<T: crate::ToolOutput> DeclaredOutput for &&&ToolOutputProbe<'_, T> {
    fn crux_tool_output(&self, guard: &SpanGuard) {
        if guard.is_recording() {
            guard.record_tool_model_output(self.0.output_size(), &self.0.model_output());
        }
    }
}

/// Declares a probe that reads one thing from a function's output, whether returned
/// directly or as the `Ok` of a `Result`: the probe struct and its three traits (the
/// `Ok` case, the direct case, anything else), tried in that order by autoref. `record`
/// gets the span guard and the value that implements `bound`.
macro_rules! output_probe {
    (
        $(#[$doc:meta])*
        $probe:ident reads $bound:ident with $method:ident,
        traits $result:ident, $direct:ident, $none:ident,
        record |$guard:ident, $value:ident| $record:expr
    ) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $probe<'a, T: ?Sized>(pub &'a T);

        #[doc = concat!("`Ok` of a `Result` whose value implements `", stringify!($bound), "`.")]
        pub trait $result {
            /// Records what the value tells on `guard`.
            fn $method(&self, guard: &SpanGuard);
        }

        impl<T: $bound, E> $result for &&$probe<'_, Result<T, E>> {
            fn $method(&self, $guard: &SpanGuard) {
                // With telemetry off, the value is not even looked at.
                if let (Ok($value), true) = (self.0, $guard.is_recording()) {
                    $record
                }
            }
        }

        #[doc = concat!("A value implementing `", stringify!($bound), "`, returned directly.")]
        pub trait $direct {
            /// Records what the value tells on `guard`.
            fn $method(&self, guard: &SpanGuard);
        }

        impl<T: $bound> $direct for &$probe<'_, T> {
            fn $method(&self, $guard: &SpanGuard) {
                if $guard.is_recording() {
                    let $value = self.0;
                    $record
                }
            }
        }

        /// Anything else records nothing.
        pub trait $none {
            /// Records nothing.
            fn $method(&self, guard: &SpanGuard);
        }

        impl<T: ?Sized> $none for $probe<'_, T> {
            #[inline(always)]
            fn $method(&self, _guard: &SpanGuard) {}
        }
    };
}

/// A score a judge returns.
pub trait Score {
    /// The score as a float.
    fn score(&self) -> f64;
}

impl Score for f64 {
    fn score(&self) -> f64 {
        *self
    }
}

impl Score for f32 {
    fn score(&self) -> f64 {
        f64::from(*self)
    }
}

output_probe! {
    /// Wraps a reference to a judge's output: its score (else record it with
    /// `crux::judge::score`).
    JudgeProbe reads Score with crux_judge,
    traits ResultScore, DirectScore, NoScore,
    record |guard, score| guard.record_judge_score(score.score())
}

output_probe! {
    /// Wraps a reference to an embedding fn's output: its vectors' length.
    EmbeddingsProbe reads Embeddings with crux_embeddings,
    traits ResultEmbeddings, DirectEmbeddings, NoEmbeddings,
    record |guard, vectors| {
        if let Some(n) = vectors.dimensions().and_then(|n| i64::try_from(n).ok()) {
            guard.set_attribute(crate::attributes::CRUX_EMBEDDING_DIMENSIONS, &n);
            guard.set_attribute(crate::attributes::GEN_AI_EMBEDDINGS_DIMENSION_COUNT, &n);
        }
    }
}

output_probe! {
    /// Wraps a reference to a retrieval fn's output: its result count.
    RetrievedProbe reads Retrieved with crux_retrieved,
    traits ResultRetrieved, DirectRetrieved, NoRetrieved,
    record |guard, results| {
        let count = i64::try_from(results.result_count()).unwrap_or(i64::MAX);
        guard.set_attribute(crate::attributes::CRUX_RETRIEVAL_RESULT_COUNT, &count);
    }
}
