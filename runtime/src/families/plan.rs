//! Plans: `crux::plan::created(..)` and `crux::plan::updated(..)` record the moments
//! `crux.plan.create` and `crux.plan.update` under the current span. A plan's id, title
//! and version only: its content, steps and change lists are never recorded.
//!
//! ```
//! # let _c = crux::testing::capture();
//! crux::plan::created("plan-1", "Answer the refund question");
//! crux::plan::updated("plan-1", 2);
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::pipeline::{count, MomentAttrs};

/// A plan was created: `crux.plan.create` with `crux.plan.id` and `crux.plan.title`.
pub fn created(plan_id: &str, title: &str) {
    MomentAttrs::default()
        .with(key::CRUX_PLAN_ID, plan_id.to_owned())
        .with(key::CRUX_PLAN_TITLE, title.to_owned())
        .record(spans::PLAN_CREATE);
}

/// A plan was updated to `version`: `crux.plan.update` with `crux.plan.id` and
/// `crux.plan.version`.
pub fn updated(plan_id: &str, version: u64) {
    MomentAttrs::default()
        .with(key::CRUX_PLAN_ID, plan_id.to_owned())
        .with(key::CRUX_PLAN_VERSION, count(version))
        .record(spans::PLAN_UPDATE);
}
