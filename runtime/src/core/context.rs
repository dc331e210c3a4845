//! Carrying the trace context where Rust moves work: spawned tasks, blocking threads,
//! plain threads. Across `.await` nothing is needed: instrumented futures re-attach
//! their context on every poll.

use opentelemetry::Context;
use std::future::Future;

pub use opentelemetry::context::WithContext;

/// Runs futures in a given context; `in_current_context` captures the caller's.
pub trait FutureExt: Future + Sized {
    /// Polls `self` with the caller's current context attached.
    fn in_current_context(self) -> WithContext<Self> {
        opentelemetry::context::FutureExt::with_current_context(self)
    }

    /// Polls `self` with `cx` attached.
    fn in_context(self, cx: Context) -> WithContext<Self> {
        opentelemetry::context::FutureExt::with_context(self, cx)
    }
}

impl<F: Future> FutureExt for F {}

/// `tokio::spawn` that keeps the caller's trace context, so spans started by the task
/// nest under the span that spawned it.
///
/// ```
/// # #[tokio::main] async fn main() {
/// #[crux::tool]
/// async fn fetch(n: u32) -> u32 { n * 2 }
///
/// let handle = crux::spawn(async { fetch(21).await });
/// assert_eq!(handle.await.unwrap(), 42);
/// # }
/// ```
#[cfg(feature = "tokio")]
pub fn spawn<F>(future: F) -> tokio::task::JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    tokio::spawn(future.in_current_context())
}

/// `tokio::task::spawn_blocking` that keeps the caller's trace context.
#[cfg(feature = "tokio")]
pub fn spawn_blocking<F, R>(f: F) -> tokio::task::JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    tokio::task::spawn_blocking(bind(f))
}

/// Binds a closure to the caller's context, for running on another thread
/// (`std::thread::spawn`, a thread pool).
///
/// ```
/// #[crux::tool]
/// fn work() -> u8 { 7 }
///
/// let job = crux::bind(|| work());
/// assert_eq!(std::thread::spawn(job).join().unwrap(), 7);
/// ```
pub fn bind<F: FnOnce() -> R, R>(f: F) -> impl FnOnce() -> R {
    let cx = Context::current();
    move || {
        let _attached = cx.attach();
        f()
    }
}
