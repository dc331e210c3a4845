//! `BoxFuture<'_, T>` (an alias of `Pin<Box<dyn Future + Send>>`) is a future: the span
//! stays open until the future completes, and the calls it makes are its children.
#![deny(warnings)]
#![deny(clippy::all)]

use futures::future::{BoxFuture, FutureExt};

#[crux::tool]
async fn inner() -> u32 {
    futures::future::ready(()).await;
    1
}

#[crux::flow_step]
fn outer() -> BoxFuture<'static, u32> {
    async { inner().await + 1 }.boxed()
}

fn main() {
    let capture = crux::testing::capture();
    let future = outer();
    assert!(
        capture.named("crux.flow.step").is_empty(),
        "the span ended before the future ran"
    );
    assert_eq!(futures::executor::block_on(future), 2);
    let inner = capture.one("crux.tool.inner");
    assert_eq!(
        capture
            .parent(&inner)
            .map(|p| p.name.to_string())
            .as_deref(),
        Some("crux.flow.step")
    );
}
