//! How a function's return value becomes the span's outcome, and what the probes of
//! some kinds read from it (a tool's output, a model's response, a judge's score, ...).
//!
//! The generated code calls `(&&&OutcomeProbe(&output)).crux_outcome(&guard)`. Method
//! resolution picks the most specific impl that applies (autoref specialisation), so
//! any `Result` — `io::Result`, `anyhow::Result`, an alias of the application's — whose
//! error implements `Display` (or else `Debug`) records status Error, `error.type` and an
//! `exception` event, and every other type records nothing. No syntactic guessing from
//! the return type, so aliases work.

use super::dispatch::Family;
use super::guard::{Active, SpanGuard};
use crate::core::span::Span;
use crate::families::generate::ModelResponse;
use crate::families::judge::Score;
use crate::families::retrieval::{Embeddings, Retrieved};
use crate::families::semantic_cache::CacheLookup;
use crate::families::tool::{ToolOutput, ToolState};
use serde::Serialize;
use std::fmt::{Debug, Display};

/// The tool state of a recording `#[crux::tool]` span.
fn tool(guard: &SpanGuard) -> Option<(&Active, &ToolState)> {
    let active = guard.active()?;
    match &active.family {
        Family::Tool(state) => Some((active, state)),
        _ => None,
    }
}

fn record_tool_output<T: serde::Serialize + ?Sized>(guard: &SpanGuard, output: &T) {
    if let Some((active, state)) = tool(guard) {
        state.record_output(
            &active.cx,
            output,
            active.capture.content,
            active.capture.cap,
        );
    }
}

fn record_declared_output<T: ToolOutput + ?Sized>(guard: &SpanGuard, output: &T) {
    if let Some((_, state)) = tool(guard) {
        state.record_model_output(output.output_size(), &output.model_output());
    }
}

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
            record_tool_output(guard, value);
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
            record_tool_output(guard, self.0);
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

impl<T: ToolOutput, E> ResultDeclaredOutput for &&&&ToolOutputProbe<'_, Result<T, E>> {
    fn crux_tool_output(&self, guard: &SpanGuard) {
        if let (Ok(value), true) = (self.0, guard.is_recording()) {
            record_declared_output(guard, value);
        }
    }
}

/// A value that declares its model output.
pub trait DeclaredOutput {
    /// Records the output on `guard`.
    fn crux_tool_output(&self, guard: &SpanGuard);
}

impl<T: ToolOutput> DeclaredOutput for &&&ToolOutputProbe<'_, T> {
    fn crux_tool_output(&self, guard: &SpanGuard) {
        if guard.is_recording() {
            record_declared_output(guard, self.0);
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

output_probe! {
    /// Wraps a reference to a judge's output: its score (else record it with
    /// `crux::judge::score`).
    JudgeProbe reads Score with crux_judge,
    traits ResultScore, DirectScore, NoScore,
    record |guard, score| {
        if let Some(Family::Judge(state)) = guard.active().map(|a| &a.family) {
            state.record_score(score.score());
        }
    }
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
        let key = match guard.active().map(|a| &a.family) {
            Some(Family::Stage(key)) => key,
            _ => crate::attributes::CRUX_RETRIEVAL_RESULT_COUNT,
        };
        guard.set_attribute(key, &count);
    }
}

output_probe! {
    /// Wraps a reference to a semantic-cache lookup's output: `hit` or `miss`.
    CacheLookupProbe reads CacheLookup with crux_cache_lookup,
    traits ResultCacheLookup, DirectCacheLookup, NoCacheLookup,
    record |guard, lookup| {
        guard.set_attribute(
            crate::attributes::CRUX_SEMANTIC_CACHE_STATUS,
            crate::families::semantic_cache::status(lookup.is_hit()),
        );
    }
}

output_probe! {
    /// Wraps a reference to a `#[crux::generate]` function's output: everything a
    /// [`ModelResponse`] knows (record it through [`Span::current`] otherwise).
    ResponseProbe reads ModelResponse with crux_response,
    traits ResultResponse, DirectResponse, NoResponse,
    record |guard, response| Span::from_context(guard.context()).record_response(response)
}

output_probe! {
    /// Wraps a reference to a run's or flow's output: with output capture on, its value
    /// as the span's `output.value`.
    OutputProbe reads Serialize with crux_output_value,
    traits ResultOutputValue, DirectOutputValue, NoOutputValue,
    record |guard, value| guard.record_output_value(value)
}
