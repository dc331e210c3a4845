//! How a function's return value becomes the span's outcome.
//!
//! The generated code calls `(&&&OutcomeProbe(&output)).crux_outcome(&guard)`. Method
//! resolution picks the most specific impl that applies (autoref specialisation), so
//! any `Result` — `io::Result`, `anyhow::Result`, an alias of the application's — whose
//! error implements `Display` (or else `Debug`) records status Error, `error.type` and an
//! `exception` event, and every other type records nothing. No syntactic guessing from
//! the return type, so aliases work.

use crate::recording::SpanGuard;
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
