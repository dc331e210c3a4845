//! Tasks of a task list ([`crate::tasklist`]): added, updated, removed — moments under the
//! current span with the list's and the task's ids. A task's label is recorded; its
//! assignee and progress notes never are.
//!
//! ```
//! # let _c = crux::testing::capture();
//! crux::task::added("todo-1", "t1", "find the order");
//! crux::task::updated("todo-1", "t1", crux::task::TaskStatus::Done);
//! crux::task::removed("todo-1", "t1");
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::pipeline::MomentAttrs;

/// Where a task stands (`crux.task.status`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskStatus {
    /// Not started.
    Pending,
    /// Being worked on.
    InProgress,
    /// Finished.
    Done,
    /// Given up on, or failed.
    Failed,
}

impl TaskStatus {
    /// The recorded value: `pending`, `in_progress`, `done`, `failed`.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
            TaskStatus::Failed => "failed",
        }
    }
}

fn task(tasklist_id: &str, task_id: &str) -> MomentAttrs {
    MomentAttrs::default()
        .with(key::CRUX_TASKLIST_ID, tasklist_id.to_owned())
        .with(key::CRUX_TASK_ID, task_id.to_owned())
}

/// A task was added: `crux.task.add` with its label.
pub fn added(tasklist_id: &str, task_id: &str, label: &str) {
    task(tasklist_id, task_id)
        .with(key::CRUX_TASK_LABEL, label.to_owned())
        .record(spans::TASK_ADD);
}

/// A task's status changed: `crux.task.update` with `crux.task.status`.
pub fn updated(tasklist_id: &str, task_id: &str, status: TaskStatus) {
    task(tasklist_id, task_id)
        .with(key::CRUX_TASK_STATUS, status.as_str())
        .record(spans::TASK_UPDATE);
}

/// A task was removed: `crux.task.remove`.
pub fn removed(tasklist_id: &str, task_id: &str) {
    task(tasklist_id, task_id).record(spans::TASK_REMOVE);
}
