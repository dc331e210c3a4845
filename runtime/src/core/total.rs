//! Running totals held in the context (a flow's cost, a cascade's, a tier's), each
//! chained to the enclosing one: what is added inside counts in every enclosing total.

use opentelemetry::Context;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, PoisonError};

/// One running total and the total it counts toward.
#[derive(Debug, Default)]
pub(crate) struct RunningTotal {
    total: Mutex<Option<f64>>,
    /// Thresholds this total crossed, each reported once (a budget's warning, its limit).
    pub crossed: [AtomicBool; 2],
    /// The enclosing total.
    pub parent: Option<Arc<RunningTotal>>,
}

impl RunningTotal {
    /// The total so far, if anything was added (or carried in).
    pub(crate) fn total(&self) -> Option<f64> {
        *self.total.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `amount`; returns the new total.
    pub(crate) fn add(&self, amount: f64) -> f64 {
        let mut total = self.total.lock().unwrap_or_else(PoisonError::into_inner);
        let now = total.unwrap_or(0.0) + amount;
        *total = Some(now);
        now
    }
}

/// The innermost running total, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct TotalScope(pub Arc<RunningTotal>);

/// Opens a running total in `cx`, starting at `carried` (a resumed flow's), counting
/// toward the innermost one of `parent`.
pub(crate) fn open(
    cx: Context,
    parent: &Context,
    carried: Option<f64>,
) -> (Context, Arc<RunningTotal>) {
    let total = Arc::new(RunningTotal {
        total: Mutex::new(carried),
        parent: parent.get::<TotalScope>().map(|t| t.0.clone()),
        ..RunningTotal::default()
    });
    (cx.with_value(TotalScope(total.clone())), total)
}

/// The innermost running total of `cx`.
pub(crate) fn innermost(cx: &Context) -> Option<&Arc<RunningTotal>> {
    cx.get::<TotalScope>().map(|t| &t.0)
}
