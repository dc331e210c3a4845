//! How a function's return value becomes the span's outcome, and what the probes of
//! some kinds read from it (a tool's output, a model's response, a judge's score, ...).
//!
//! The generated code calls `(&&&OutcomeProbe(&output)).crux_outcome(&guard)`. Method
//! resolution picks the most specific impl that applies (autoref specialisation), so
//! any `Result` — `io::Result`, `anyhow::Result`, an alias of the application's — whose
//! error implements `Display` (or else `Debug`) records status Error, `error.type` and an
//! `exception` event, and every other type records nothing. No syntactic guessing from
//! the return type, so aliases work.
//!
//! A `#[crux::generate(stream)]` stream gets its readers the same way, once, from its
//! item type ([`StreamItemProbe`]): `Result` items with a `Display` (else `Debug`) error
//! mark the span Error on an `Err`, and [`ModelStreamItem`] items (bare or in `Ok`) add
//! up into the response recorded when the stream ends.

use super::dispatch::Family;
use super::guard::{Active, SpanGuard};
use super::start::Start;
use crate::core::span::Span;
use crate::families::generate::request::ModelRequest;
use crate::families::generate::stream::{ModelStreamItem, StreamedResponse};
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
    #[inline]
    fn crux_outcome(&self, guard: &SpanGuard) {
        if let (Err(e), true) = (self.0, guard.is_recording()) {
            record_error(guard, std::any::type_name::<E>(), &ErrorText::Display(e));
        }
    }
}

/// `Err` whose error implements only `Debug`.
pub trait DebugErrorOutcome {
    /// Records the outcome on `guard`.
    fn crux_outcome(&self, guard: &SpanGuard);
}

impl<T, E: Debug> DebugErrorOutcome for &OutcomeProbe<'_, Result<T, E>> {
    #[inline]
    fn crux_outcome(&self, guard: &SpanGuard) {
        if let (Err(e), true) = (self.0, guard.is_recording()) {
            record_error(guard, std::any::type_name::<E>(), &ErrorText::Debug(e));
        }
    }
}

/// An error as the probe found it, its text not yet made (the probes stay thin shims:
/// formatting happens once, here, for every error type).
enum ErrorText<'a> {
    Display(&'a dyn Display),
    Debug(&'a dyn Debug),
}

impl ErrorText<'_> {
    fn text(&self) -> String {
        match self {
            ErrorText::Display(e) => e.to_string(),
            ErrorText::Debug(e) => format!("{e:?}"),
        }
    }
}

fn record_error(guard: &SpanGuard, error_type: &str, error: &ErrorText<'_>) {
    guard.record_error(error_type, &error.text());
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

/// What the generated code hands a `#[crux::generate(stream)]` stream: how to read its
/// items, picked by autoref on the item type (see [`StreamItemProbe`]).
pub struct StreamReaders<I> {
    /// Adds what an item tells to the stream's response.
    pub data: fn(&I, &mut StreamedResponse),
    /// The error an item carries: its type and message.
    pub error: fn(&I) -> Option<(&'static str, String)>,
}

impl<I> Debug for StreamReaders<I> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamReaders").finish_non_exhaustive()
    }
}

/// Names a stream's item type for the stream probes:
/// `(&&&StreamItemProbe::of(&stream)).crux_stream_data()`.
#[derive(Debug)]
pub struct StreamItemProbe<I>(std::marker::PhantomData<fn() -> I>);

impl<I> StreamItemProbe<I> {
    /// The probe of `stream`'s item type.
    pub fn of<S: futures_core::Stream<Item = I>>(_stream: &S) -> StreamItemProbe<I> {
        StreamItemProbe(std::marker::PhantomData)
    }
}

fn read_ok<T: ModelStreamItem, E>(item: &Result<T, E>, response: &mut StreamedResponse) {
    if let Ok(item) = item {
        response.add(item);
    }
}

fn read_item<T: ModelStreamItem>(item: &T, response: &mut StreamedResponse) {
    response.add(item);
}

fn read_nothing<T>(_item: &T, _response: &mut StreamedResponse) {}

fn display_error<T, E: Display>(item: &Result<T, E>) -> Option<(&'static str, String)> {
    item.as_ref()
        .err()
        .map(|e| (std::any::type_name::<E>(), ErrorText::Display(e).text()))
}

fn debug_error<T, E: Debug>(item: &Result<T, E>) -> Option<(&'static str, String)> {
    item.as_ref()
        .err()
        .map(|e| (std::any::type_name::<E>(), ErrorText::Debug(e).text()))
}

fn no_error<T>(_item: &T) -> Option<(&'static str, String)> {
    None
}

/// Items that are `Result`s of a [`ModelStreamItem`].
pub trait ResultStreamData {
    /// The stream's item type.
    type Item;
    /// How to read an item.
    fn crux_stream_data(&self) -> fn(&Self::Item, &mut StreamedResponse);
}

impl<T: ModelStreamItem, E> ResultStreamData for &&StreamItemProbe<Result<T, E>> {
    type Item = Result<T, E>;
    fn crux_stream_data(&self) -> fn(&Result<T, E>, &mut StreamedResponse) {
        read_ok::<T, E>
    }
}

/// Items that are [`ModelStreamItem`]s themselves.
pub trait DirectStreamData {
    /// The stream's item type.
    type Item;
    /// How to read an item.
    fn crux_stream_data(&self) -> fn(&Self::Item, &mut StreamedResponse);
}

impl<T: ModelStreamItem> DirectStreamData for &StreamItemProbe<T> {
    type Item = T;
    fn crux_stream_data(&self) -> fn(&T, &mut StreamedResponse) {
        read_item::<T>
    }
}

/// Any other item tells nothing.
pub trait NoStreamData {
    /// The stream's item type.
    type Item;
    /// How to read an item: not at all.
    fn crux_stream_data(&self) -> fn(&Self::Item, &mut StreamedResponse);
}

impl<T> NoStreamData for StreamItemProbe<T> {
    type Item = T;
    fn crux_stream_data(&self) -> fn(&T, &mut StreamedResponse) {
        read_nothing::<T>
    }
}

/// `Result` items whose error implements `Display`.
pub trait DisplayStreamError {
    /// The stream's item type.
    type Item;
    /// How to find an item's error.
    fn crux_stream_error(&self) -> fn(&Self::Item) -> Option<(&'static str, String)>;
}

impl<T, E: Display> DisplayStreamError for &&StreamItemProbe<Result<T, E>> {
    type Item = Result<T, E>;
    fn crux_stream_error(&self) -> fn(&Result<T, E>) -> Option<(&'static str, String)> {
        display_error::<T, E>
    }
}

/// `Result` items whose error implements only `Debug`.
pub trait DebugStreamError {
    /// The stream's item type.
    type Item;
    /// How to find an item's error.
    fn crux_stream_error(&self) -> fn(&Self::Item) -> Option<(&'static str, String)>;
}

impl<T, E: Debug> DebugStreamError for &StreamItemProbe<Result<T, E>> {
    type Item = Result<T, E>;
    fn crux_stream_error(&self) -> fn(&Result<T, E>) -> Option<(&'static str, String)> {
        debug_error::<T, E>
    }
}

/// Any other item is never an error.
pub trait NoStreamError {
    /// The stream's item type.
    type Item;
    /// How to find an item's error: there is none.
    fn crux_stream_error(&self) -> fn(&Self::Item) -> Option<(&'static str, String)>;
}

impl<T> NoStreamError for StreamItemProbe<T> {
    type Item = T;
    fn crux_stream_error(&self) -> fn(&T) -> Option<(&'static str, String)> {
        no_error::<T>
    }
}

/// Wraps a reference to a `#[crux::generate]` fn's argument: a [`ModelRequest`] gives
/// the request attributes.
#[derive(Debug)]
pub struct RequestProbe<'a, T: ?Sized>(pub &'a T);

/// An argument that is a model request.
pub trait Request {
    /// Records the request on the starting span.
    fn crux_request(&self, start: &mut Start);
}

impl<T: ModelRequest + ?Sized> Request for &RequestProbe<'_, T> {
    fn crux_request(&self, start: &mut Start) {
        start.model_request(self.0);
    }
}

/// Any other argument is not looked at.
pub trait NoRequest {
    /// Records nothing.
    fn crux_request(&self, start: &mut Start);
}

impl<T: ?Sized> NoRequest for RequestProbe<'_, T> {
    #[inline(always)]
    fn crux_request(&self, _start: &mut Start) {}
}

output_probe! {
    /// Wraps a reference to a run's or flow's output: with output capture on, its value
    /// as the span's `output.value`.
    OutputProbe reads Serialize with crux_output_value,
    traits ResultOutputValue, DirectOutputValue, NoOutputValue,
    record |guard, value| guard.record_output_value(value)
}
