//! Workspace file operations (`#[crux::workspace(op = "read", path = path)]`): one
//! `crux.workspace.<op>` span per operation, with the workspace, the operation, its
//! status (`ok`, or `error` for an `Err` or a panic) and the path **hashed**
//! (`crux.workspace.path_hash`, FNV-1a as the TypeScript package, or HMAC with a
//! hashing key); never the path, the workspace's namespace or the file's content.
//!
//! ```
//! #[crux::workspace(op = "read", id = "notes", path = path, mime_type = "text/markdown")]
//! fn read_note(path: &str) -> std::io::Result<String> {
//!     Ok(format!("# {path}"))
//! }
//! # let _c = crux::testing::capture();
//! read_note("private/plan.md").unwrap();
//! ```

use crate::attributes as key;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;

/// The start defaults of a workspace operation: the operation, from the macro's `op`.
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.upsert_static(key::CRUX_WORKSPACE_OPERATION, callsite.label);
}

/// The end attribute: `crux.workspace.status`.
pub(crate) fn end(end: &mut AttrList, failed: bool) {
    end.push(
        key::CRUX_WORKSPACE_STATUS,
        if failed { "error" } else { "ok" },
    );
}
