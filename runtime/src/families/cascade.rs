//! Cascades (cheap model first, better ones only when needed): `#[crux::cascade]` opens
//! `crux.cascade.run`, and each tier run with [`tier`] is its child span
//! `crux.cascade.tier.<index>` with its real duration — the TypeScript package emits the
//! run as an instant after the fact, so it never covers its tiers. A tier ends with its
//! status (`accepted`, `rejected`, `skipped`, from the [`Verdict`] it returns), duration
//! and cost; the run with the accepted tier, the tier count, the total cost and duration
//! and whether the cost went over the cascade's `budget`.
//!
//! A tier's cost is what was recorded inside it — `#[crux::generate]` calls,
//! [`crate::cost::report`] — and, like them, it counts once in every enclosing flow's
//! `crux.cost.total`.
//!
//! ```
//! use crux::cascade::{self, Verdict};
//!
//! #[crux::generate(provider = "openai", model = model)]
//! async fn ask(model: &str, question: &str) -> String {
//!     crux::Span::current().record_cost(if model == "gpt-4o" { 0.002 } else { 0.0001 });
//!     format!("{model} answers {question}")
//! }
//!
//! #[crux::cascade(id = "answer", budget = 0.01)]
//! async fn answer(question: &str) -> Option<String> {
//!     for (index, model) in ["gpt-4o-mini", "gpt-4o"].into_iter().enumerate() {
//!         let verdict = cascade::tier(index, model, async {
//!             let answer = ask(model, question).await;
//!             if model == "gpt-4o" { Verdict::Accepted(answer) } else { Verdict::Rejected(answer) }
//!         })
//!         .await;
//!         if let Verdict::Accepted(answer) = verdict {
//!             return Some(answer);
//!         }
//!     }
//!     None
//! }
//! # #[tokio::main] async fn main() {
//! # let _c = crux::testing::capture();
//! answer("why is the sky blue?").await;
//! # }
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;
use crate::core::context::FutureExt;
use crate::core::pipeline;
use crate::families::cost;
use opentelemetry::trace::{SpanBuilder, SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue, Value};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

/// What a tier decided, returned by the future given to [`tier`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict<T> {
    /// The tier's answer is good enough: the cascade stops here.
    Accepted(T),
    /// The tier answered, not well enough: the next tier runs.
    Rejected(T),
    /// The tier did not run (its model is unavailable, over budget, ...).
    Skipped,
}

impl<T> Verdict<T> {
    fn status(&self) -> &'static str {
        match self {
            Verdict::Accepted(_) => "accepted",
            Verdict::Rejected(_) => "rejected",
            Verdict::Skipped => "skipped",
        }
    }

    /// The accepted answer, if this is one.
    pub fn accepted(self) -> Option<T> {
        match self {
            Verdict::Accepted(answer) => Some(answer),
            _ => None,
        }
    }
}

/// What the tiers of one cascade add up to.
#[derive(Debug, Default)]
struct Totals {
    tiers: i64,
    accepted: Option<i64>,
    cost: f64,
    duration_ms: f64,
}

/// The enclosing cascade, carried in the context.
#[derive(Clone, Debug)]
pub(crate) struct CascadeScope {
    budget: Option<f64>,
    totals: Arc<Mutex<Totals>>,
}

/// The start default of a cascade: its id, the fn name unless given.
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_CASCADE_ID, callsite.label);
}

/// Reads the cascade's budget from its start attributes.
pub(crate) fn open(attrs: &AttrList) -> CascadeScope {
    CascadeScope {
        budget: match attrs.get(key::CRUX_CASCADE_BUDGET) {
            Some(Value::F64(usd)) => Some(*usd),
            Some(Value::I64(usd)) => Some(*usd as f64),
            _ => None,
        },
        totals: Arc::default(),
    }
}

/// Puts the cascade's scope into its span's context `cx`, with a running cost total
/// under the enclosing flows'.
pub(crate) fn enter(scope: &CascadeScope, cx: Context, parent: &Context) -> Context {
    cost::enter_flow(cx, parent).with_value(scope.clone())
}

impl CascadeScope {
    /// The end attributes of the run: the accepted tier, the tier count, the totals and
    /// whether they went over the budget.
    pub(crate) fn end(&self, end: &mut AttrList) {
        let totals = self.totals.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(accepted) = totals.accepted {
            end.push(key::CRUX_CASCADE_ACCEPTED_TIER, accepted);
        }
        end.push(key::CRUX_CASCADE_TOTAL_TIERS, totals.tiers);
        end.push(key::CRUX_CASCADE_TOTAL_COST, totals.cost);
        end.push(key::CRUX_CASCADE_TOTAL_DURATION_MS, totals.duration_ms);
        end.push(
            key::CRUX_CASCADE_BUDGET_EXCEEDED,
            self.budget.is_some_and(|b| totals.cost > b),
        );
    }
}

/// Runs tier `index` (with `model`) of the current cascade in its own child span
/// `crux.cascade.tier.<index>`; the future's [`Verdict`] is the tier's status. Outside a
/// cascade (or with telemetry off) it just runs the future.
pub async fn tier<T, F: Future<Output = Verdict<T>>>(
    index: usize,
    model: &str,
    future: F,
) -> Verdict<T> {
    let parent = Context::current();
    let Some(scope) = parent
        .get::<CascadeScope>()
        .filter(|_| pipeline::enabled())
        .cloned()
    else {
        return future.await;
    };
    let index = pipeline::count(index);
    let builder = SpanBuilder::from_name(format!("{}{index}", spans::CASCADE_TIER_PREFIX))
        .with_kind(SpanKind::Internal)
        .with_attributes(vec![
            KeyValue::new(key::CRUX_CASCADE_TIER_INDEX, index),
            KeyValue::new(key::CRUX_CASCADE_TIER_MODEL, model.to_owned()),
        ]);
    let span_cx = pipeline::start_span(builder, &parent);
    // The tier's own running total, inside the cascade's: what is recorded in the tier
    // is its cost, and counts in the cascade and the flows once.
    let cx = cost::enter_flow(span_cx, &parent);
    let started = Instant::now();
    let cancelled = CancelledUnlessDone(Some(cx.clone()));
    let verdict = future.in_context(cx.clone()).await;
    cancelled.done();
    let duration_ms = started.elapsed().as_secs_f64() * 1000.0;
    let tier_cost = cost::scope_total(&cx).unwrap_or(0.0);
    {
        let mut totals = scope.totals.lock().unwrap_or_else(PoisonError::into_inner);
        totals.tiers += 1;
        totals.cost += tier_cost;
        totals.duration_ms += duration_ms;
        if matches!(verdict, Verdict::Accepted(_)) && totals.accepted.is_none() {
            totals.accepted = Some(index);
        }
    }
    let span = cx.span();
    span.set_attributes([
        KeyValue::new(key::CRUX_CASCADE_TIER_STATUS, verdict.status()),
        KeyValue::new(key::CRUX_CASCADE_TIER_DURATION_MS, duration_ms),
        KeyValue::new(key::CRUX_CASCADE_TIER_COST, tier_cost),
    ]);
    span.end();
    verdict
}

/// Ends a tier's span marked `crux.cancelled` if its future is dropped before it
/// completes, so a cancelled tier is not lost.
struct CancelledUnlessDone(Option<Context>);

impl CancelledUnlessDone {
    fn done(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelledUnlessDone {
    fn drop(&mut self) {
        if let Some(cx) = self.0.take() {
            let span = cx.span();
            span.set_attribute(KeyValue::new(key::CRUX_CANCELLED, true));
            span.end();
        }
    }
}
