//! Output constraints (assertions and suggestions checked on a model's output): each
//! check, each retry because checks failed, and the final violation are moments under
//! the current span.
//!
//! A failed check is not an error (status stays unset, `crux.constraint.pass = false`);
//! a violation — constraints still failing after the last attempt — is, with
//! "Constraint violation: a, b" as its description. A check's feedback may quote the
//! model's output, so it is recorded only with output content capture on (cut at the
//! cap, like other content); the TypeScript package records it always.
//!
//! ```
//! # let _c = crux::testing::capture();
//! use crux::constraint::{Check, Severity};
//! crux::constraint::check(Check::new("cites_sources", Severity::Assert, false).attempt(1).feedback("no citation"));
//! crux::constraint::retry(2, &["cites_sources"]);
//! crux::constraint::check(Check::new("cites_sources", Severity::Assert, true).attempt(2));
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::content::capped_text;
use crate::core::pipeline::{self, count, MomentAttrs};
use crate::core::span::Span;
use crate::families::reason;
use opentelemetry::Context;

/// How binding a constraint is (`crux.constraint.severity`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// Must hold: failing it forces a retry.
    Assert,
    /// Should hold: failing it is feedback only.
    Suggest,
}

impl Severity {
    /// The recorded value: `assert` or `suggest`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Assert => "assert",
            Severity::Suggest => "suggest",
        }
    }
}

/// One constraint checked on one attempt, for [`check`].
#[derive(Clone, Debug)]
pub struct Check<'a> {
    name: &'a str,
    severity: Severity,
    pass: bool,
    attempt: u32,
    feedback: Option<&'a str>,
}

impl<'a> Check<'a> {
    /// The constraint `name` passed or not (attempt 1 unless [`Check::attempt`] says).
    pub fn new(name: &'a str, severity: Severity, pass: bool) -> Check<'a> {
        Check {
            name,
            severity,
            pass,
            attempt: 1,
            feedback: None,
        }
    }
    /// The attempt checked, from 1.
    pub fn attempt(mut self, attempt: u32) -> Self {
        self.attempt = attempt;
        self
    }
    /// What to tell the model when the check failed (recorded with output capture only).
    pub fn feedback(mut self, feedback: &'a str) -> Self {
        self.feedback = Some(feedback);
        self
    }
}

/// The feedback as recorded: only when it failed and output capture is on, cut at the cap.
fn captured_feedback(check: &Check<'_>) -> Option<String> {
    let feedback = check.feedback.filter(|_| !check.pass)?;
    let loaded = pipeline::load();
    let options = loaded.options();
    let capture = reason::inherited_capture(&Context::current()).unwrap_or(options.capture());
    capture
        .output
        .then(|| capped_text(feedback, options.max_content_length).0)
}

/// A constraint was checked: `crux.constraint.check` with its name, severity, result and
/// attempt.
pub fn check(check: Check<'_>) {
    if !pipeline::enabled() {
        return;
    }
    MomentAttrs::default()
        .with(key::CRUX_CONSTRAINT_NAME, check.name.to_owned())
        .with(key::CRUX_CONSTRAINT_SEVERITY, check.severity.as_str())
        .with(key::CRUX_CONSTRAINT_PASS, check.pass)
        .with(key::CRUX_CONSTRAINT_ATTEMPT, i64::from(check.attempt))
        .maybe(key::CRUX_CONSTRAINT_FEEDBACK, captured_feedback(&check))
        .record(spans::CONSTRAINT_CHECK);
}

/// The output is generated again (attempt `attempt`) because `failed` constraints did not
/// hold: `crux.constraint.retry` with `crux.constraint.names` (comma-joined).
pub fn retry(attempt: u32, failed: &[&str]) {
    MomentAttrs::default()
        .with(key::CRUX_CONSTRAINT_ATTEMPT, i64::from(attempt))
        .with(key::CRUX_CONSTRAINT_NAMES, failed.join(","))
        .record(spans::CONSTRAINT_RETRY);
}

/// Constraints still failed after `total_attempts`: `crux.constraint.violation`, an
/// error ("Constraint violation: a, b") with an `exception` event.
pub fn violation(failed: &[&str], total_attempts: u32) {
    if !pipeline::enabled() {
        return;
    }
    let attrs = MomentAttrs::default()
        .with(key::CRUX_CONSTRAINT_NAMES, failed.join(","))
        .with(key::CRUX_CONSTRAINT_TOTAL_ATTEMPTS, count(total_attempts));
    let builder = opentelemetry::trace::SpanBuilder::from_name(spans::CONSTRAINT_VIOLATION)
        .with_kind(opentelemetry::trace::SpanKind::Internal)
        .with_attributes(attrs.0);
    let cx = pipeline::start_span(builder, &Context::current());
    Span::from_context(cx.clone()).record_error(
        &pipeline::load().options().hooks,
        spans::CONSTRAINT_VIOLATION,
        "ConstraintViolation",
        &format!("Constraint violation: {}", failed.join(", ")),
    );
    opentelemetry::trace::TraceContextExt::span(&cx).end();
}
