//! The spine every span goes through, knowing no family: the callsite, the attribute
//! list, the installed pipeline and its hooks, the public span handle, values and
//! content, ids and hashing, context and propagation.
//!
//! Imports run one way: `recording` → `families` → `core`. Nothing here names a family
//! or the recording layer (`tests/layers.rs` in the runtime checks it).

pub(crate) mod attrs;
pub(crate) mod callsite;
pub(crate) mod content;
pub(crate) mod context;
pub mod hashing;
pub mod hooks;
pub(crate) mod ids;
pub(crate) mod io;
pub(crate) mod metrics;
pub(crate) mod pipeline;
pub mod propagation;
pub(crate) mod recorder;
pub(crate) mod span;
pub(crate) mod total;
pub(crate) mod truncate;
pub(crate) mod value;

/// Locks `mutex`, through a poisoning: crux's locks guard counts and buffers that stay
/// consistent whatever panicked while one was held.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
