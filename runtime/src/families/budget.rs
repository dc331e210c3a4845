//! Budgets exceeded: `crux.budget.exceeded`, an instant span with the budget's type
//! (`cost` in USD, `latency` in ms), its limit and what was actually spent. The cost
//! budget is the flows' (see [`crate::cost`]); the latency budget
//! ([`crate::TelemetryBuilder::latency_budget`]) is checked here: each outermost flow
//! carries its start time, and the first crux span to end after the limit — or the
//! flow itself — reports it, once per flow, as a child of the flow.

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::pipeline::{self, instant};
use opentelemetry::{Context, KeyValue};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What a budget limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BudgetType {
    /// USD.
    Cost,
    /// Milliseconds.
    Latency,
}

/// Emits `crux.budget.exceeded` under `cx`.
pub(crate) fn exceeded(cx: &Context, kind: BudgetType, limit: f64, actual: f64) {
    let kind = match kind {
        BudgetType::Cost => "cost",
        BudgetType::Latency => "latency",
    };
    instant(
        cx,
        spans::BUDGET_EXCEEDED,
        vec![
            KeyValue::new(key::CRUX_BUDGET_TYPE, kind),
            KeyValue::new(key::CRUX_BUDGET_LIMIT, limit),
            KeyValue::new(key::CRUX_BUDGET_ACTUAL, actual),
        ],
    );
}

/// The latency budget of the outermost flow, carried in the context.
#[derive(Clone, Debug)]
pub(crate) struct LatencyScope(Arc<Latency>);

#[derive(Debug)]
struct Latency {
    /// The flow's span, which the report is a child of.
    flow: Context,
    started: Instant,
    limit: Duration,
    reported: AtomicBool,
}

/// Starts the latency budget of a flow in `cx` when one is set and no enclosing flow
/// (in `parent`) already runs one.
pub(crate) fn enter_flow(cx: Context, parent: &Context) -> Context {
    if parent.get::<LatencyScope>().is_some() {
        return cx;
    }
    match pipeline::load().options().latency_budget {
        Some(limit) => cx.clone().with_value(LatencyScope(Arc::new(Latency {
            flow: cx,
            started: Instant::now(),
            limit,
            reported: AtomicBool::new(false),
        }))),
        None => cx,
    }
}

/// A crux span is ending in `cx`: reports the flow's latency budget if it has just been
/// found exceeded.
#[inline]
pub(crate) fn check_latency(cx: &Context) {
    let Some(LatencyScope(latency)) = cx.get::<LatencyScope>() else {
        return;
    };
    let elapsed = latency.started.elapsed();
    if elapsed > latency.limit && !latency.reported.swap(true, Ordering::AcqRel) {
        exceeded(
            &latency.flow,
            BudgetType::Latency,
            latency.limit.as_secs_f64() * 1000.0,
            elapsed.as_secs_f64() * 1000.0,
        );
    }
}
