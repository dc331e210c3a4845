//! Task lists: created (optionally for a plan), completed, or discarded part-way. Each
//! is a moment under the current span; see [`crate::task`] for the tasks in a list.
//!
//! ```
//! # let _c = crux::testing::capture();
//! crux::tasklist::created("todo-1", Some("plan-1"));
//! crux::tasklist::completed("todo-1", 3);
//! crux::tasklist::discarded("todo-2", 1, 2);
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::pipeline::{count, MomentAttrs};

/// A task list was created: `crux.tasklist.create` with `crux.tasklist.id` and the plan
/// it serves (`crux.plan.id`), if any.
pub fn created(tasklist_id: &str, plan_id: Option<&str>) {
    MomentAttrs::default()
        .with(key::CRUX_TASKLIST_ID, tasklist_id.to_owned())
        .maybe(key::CRUX_PLAN_ID, plan_id.map(str::to_owned))
        .record(spans::TASKLIST_CREATE);
}

/// Every task of the list is done: `crux.tasklist.complete` with
/// `crux.tasklist.total_tasks`.
pub fn completed(tasklist_id: &str, total_tasks: usize) {
    MomentAttrs::default()
        .with(key::CRUX_TASKLIST_ID, tasklist_id.to_owned())
        .with(key::CRUX_TASKLIST_TOTAL_TASKS, count(total_tasks))
        .record(spans::TASKLIST_COMPLETE);
}

/// The list was abandoned: `crux.tasklist.discard` with how many tasks were done and
/// how many were left.
pub fn discarded(tasklist_id: &str, completed: usize, remaining: usize) {
    MomentAttrs::default()
        .with(key::CRUX_TASKLIST_ID, tasklist_id.to_owned())
        .with(key::CRUX_TASKLIST_COMPLETED_COUNT, count(completed))
        .with(key::CRUX_TASKLIST_REMAINING_COUNT, count(remaining))
        .record(spans::TASKLIST_DISCARD);
}
