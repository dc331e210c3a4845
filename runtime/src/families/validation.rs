//! Validation retries (`#[crux::validation_retry]` around a loop that asks a model again
//! until its output validates): one `crux.validation.retry` span for the loop, one
//! `validation.attempt.<n>` event per attempt reported with [`attempt`], and at the end
//! `crux.validation.total_attempts` and `crux.validation.exhausted`. The span ends when
//! the function returns — `Ok` after a successful attempt as much as `Err` once the
//! attempts ran out (an error then, with `exhausted = true`); the TypeScript package
//! ends it only on exhaustion, so a retry that succeeds is never exported there.
//! The model's raw output is never recorded.
//!
//! ```
//! use crux::validation::{self, Attempt};
//!
//! #[crux::validation_retry(id = "answer-json", max_attempts = 3)]
//! fn answer_json(outputs: &[&str]) -> Result<String, String> {
//!     for output in outputs {
//!         if output.starts_with('{') {
//!             validation::attempt(Attempt::passed());
//!             return Ok(output.to_string());
//!         }
//!         validation::attempt(Attempt::failed("expected a JSON object").repair(true, false));
//!     }
//!     Err("no valid output after 3 attempts".to_owned())
//! }
//! # let _c = crux::testing::capture();
//! answer_json(&["sure!", "{\"ok\": true}"]).unwrap();
//! ```

use crate::attributes as key;
use crate::attributes::events;
use crate::core::attrs::AttrList;
use crate::core::pipeline;
use crate::core::span::Span;
use opentelemetry::{Context, KeyValue};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// One attempt's result, for [`attempt`].
#[derive(Clone, Debug)]
pub struct Attempt<'a> {
    error: Option<&'a str>,
    repair_attempted: bool,
    repair_succeeded: bool,
}

impl<'a> Attempt<'a> {
    /// The output validated.
    pub fn passed() -> Attempt<'a> {
        Attempt {
            error: None,
            repair_attempted: false,
            repair_succeeded: false,
        }
    }
    /// The output failed validation with `error` (the validator's message, recorded as
    /// `crux.validation.error`: keep the model's output out of it).
    pub fn failed(error: &'a str) -> Attempt<'a> {
        Attempt {
            error: Some(error),
            ..Attempt::passed()
        }
    }
    /// Whether a repair of the output was tried, and whether it worked.
    pub fn repair(mut self, attempted: bool, succeeded: bool) -> Self {
        self.repair_attempted = attempted;
        self.repair_succeeded = succeeded;
        self
    }
}

/// The enclosing validation retry, carried in the context.
#[derive(Clone, Debug)]
pub(crate) struct RetryScope {
    attempts: Arc<AtomicI64>,
    span: Context,
}

/// Records one attempt of the enclosing `#[crux::validation_retry]`: an event
/// `validation.attempt.<n>` (numbered from 1) on its span. Returns `n`; outside a retry
/// (or with telemetry off) it records nothing and returns 0.
pub fn attempt(attempt: Attempt<'_>) -> u32 {
    let cx = Context::current();
    let Some(scope) = cx.get::<RetryScope>().filter(|_| pipeline::enabled()) else {
        return 0;
    };
    let n = scope.attempts.fetch_add(1, Ordering::AcqRel) + 1;
    let mut attrs = vec![
        KeyValue::new(key::CRUX_VALIDATION_ATTEMPT_NUMBER, n),
        KeyValue::new(
            key::CRUX_VALIDATION_REPAIR_ATTEMPTED,
            attempt.repair_attempted,
        ),
        KeyValue::new(
            key::CRUX_VALIDATION_REPAIR_SUCCEEDED,
            attempt.repair_succeeded,
        ),
    ];
    if let Some(error) = attempt.error {
        attrs.push(KeyValue::new(key::CRUX_VALIDATION_ERROR, error.to_owned()));
    }
    Span::from_context(scope.span.clone())
        .add_event(format!("{}{n}", events::VALIDATION_ATTEMPT_PREFIX), attrs);
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The start default of a retry: a generated id unless given.
pub(crate) fn start_defaults(attrs: &mut AttrList) {
    attrs.default_with(key::CRUX_VALIDATION_RETRY_ID, || {
        crate::core::ids::new_id_value("vr_")
    });
}

/// Opens the retry's scope in its span's context `cx`.
pub(crate) fn enter(cx: Context) -> Context {
    let span = cx.clone();
    cx.with_value(RetryScope {
        attempts: Arc::default(),
        span,
    })
}

/// The end attributes: attempts made, and whether they ran out (the function failed).
pub(crate) fn end(cx: &Context, end: &mut AttrList, failed: bool) {
    let attempts = cx
        .get::<RetryScope>()
        .map_or(0, |s| s.attempts.load(Ordering::Acquire));
    end.push(key::CRUX_VALIDATION_TOTAL_ATTEMPTS, attempts);
    end.push(key::CRUX_VALIDATION_EXHAUSTED, failed);
}
