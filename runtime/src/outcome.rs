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
        if let Ok(value) = self.0 {
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
        guard.record_tool_model_output(self.0.output_size(), &self.0.model_output());
    }
}

/// Wraps a reference to a judge's output: its score.
#[derive(Debug)]
pub struct JudgeProbe<'a, T: ?Sized>(pub &'a T);

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

/// `Ok` of a `Result` of a score.
pub trait ResultScore {
    /// Records the score on `guard`.
    fn crux_judge(&self, guard: &SpanGuard);
}

impl<S: Score, E> ResultScore for &&JudgeProbe<'_, Result<S, E>> {
    fn crux_judge(&self, guard: &SpanGuard) {
        if let Ok(score) = self.0 {
            guard.record_judge_score(score.score());
        }
    }
}

/// A score returned directly.
pub trait DirectScore {
    /// Records the score on `guard`.
    fn crux_judge(&self, guard: &SpanGuard);
}

impl<S: Score> DirectScore for &JudgeProbe<'_, S> {
    fn crux_judge(&self, guard: &SpanGuard) {
        guard.record_judge_score(self.0.score());
    }
}

/// Anything else carries no score (record it with `crux::judge::score`).
pub trait NoScore {
    /// Records nothing.
    fn crux_judge(&self, guard: &SpanGuard);
}

impl<T: ?Sized> NoScore for JudgeProbe<'_, T> {
    #[inline(always)]
    fn crux_judge(&self, _guard: &SpanGuard) {}
}

/// Wraps a reference to an embedding fn's output: its vectors' length.
#[derive(Debug)]
pub struct EmbeddingsProbe<'a, T: ?Sized>(pub &'a T);

fn record_dimensions(guard: &SpanGuard, dimensions: Option<usize>) {
    if let Some(n) = dimensions.and_then(|n| i64::try_from(n).ok()) {
        guard.set_attribute(crate::attributes::CRUX_EMBEDDING_DIMENSIONS, &n);
        guard.set_attribute(crate::attributes::GEN_AI_EMBEDDINGS_DIMENSION_COUNT, &n);
    }
}

/// `Ok` of a `Result` of embeddings.
pub trait ResultEmbeddings {
    /// Records the dimensions on `guard`.
    fn crux_embeddings(&self, guard: &SpanGuard);
}

impl<T: Embeddings, E> ResultEmbeddings for &&EmbeddingsProbe<'_, Result<T, E>> {
    fn crux_embeddings(&self, guard: &SpanGuard) {
        if let (Ok(vectors), true) = (self.0, guard.is_recording()) {
            record_dimensions(guard, vectors.dimensions());
        }
    }
}

/// Embeddings returned directly.
pub trait DirectEmbeddings {
    /// Records the dimensions on `guard`.
    fn crux_embeddings(&self, guard: &SpanGuard);
}

impl<T: Embeddings> DirectEmbeddings for &EmbeddingsProbe<'_, T> {
    fn crux_embeddings(&self, guard: &SpanGuard) {
        if guard.is_recording() {
            record_dimensions(guard, self.0.dimensions());
        }
    }
}

/// Anything else records nothing.
pub trait NoEmbeddings {
    /// Records nothing.
    fn crux_embeddings(&self, guard: &SpanGuard);
}

impl<T: ?Sized> NoEmbeddings for EmbeddingsProbe<'_, T> {
    #[inline(always)]
    fn crux_embeddings(&self, _guard: &SpanGuard) {}
}

/// Wraps a reference to a retrieval fn's output: its result count.
#[derive(Debug)]
pub struct RetrievedProbe<'a, T: ?Sized>(pub &'a T);

fn record_results(guard: &SpanGuard, count: usize) {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    guard.set_attribute(crate::attributes::CRUX_RETRIEVAL_RESULT_COUNT, &count);
}

/// `Ok` of a `Result` of results.
pub trait ResultRetrieved {
    /// Records the result count on `guard`.
    fn crux_retrieved(&self, guard: &SpanGuard);
}

impl<T: Retrieved, E> ResultRetrieved for &&RetrievedProbe<'_, Result<T, E>> {
    fn crux_retrieved(&self, guard: &SpanGuard) {
        if let (Ok(results), true) = (self.0, guard.is_recording()) {
            record_results(guard, results.result_count());
        }
    }
}

/// Results returned directly.
pub trait DirectRetrieved {
    /// Records the result count on `guard`.
    fn crux_retrieved(&self, guard: &SpanGuard);
}

impl<T: Retrieved> DirectRetrieved for &RetrievedProbe<'_, T> {
    fn crux_retrieved(&self, guard: &SpanGuard) {
        if guard.is_recording() {
            record_results(guard, self.0.result_count());
        }
    }
}

/// Anything else records nothing.
pub trait NoRetrieved {
    /// Records nothing.
    fn crux_retrieved(&self, guard: &SpanGuard);
}

impl<T: ?Sized> NoRetrieved for RetrievedProbe<'_, T> {
    #[inline(always)]
    fn crux_retrieved(&self, _guard: &SpanGuard) {}
}
