//! Early `return` in sync, async, `impl Future` and boxed-future bodies returns from the
//! function, and the span still records and ends.
#![deny(warnings)]
#![deny(clippy::all)]

use std::future::Future;
use std::pin::Pin;

#[crux::tool]
fn sync_return(n: i32) -> &'static str {
    if n < 0 {
        return "negative";
    }
    for i in 0..n {
        if i == 3 {
            return "reached three";
        }
    }
    "small"
}

#[crux::tool]
fn sync_unit_return(items: &mut Vec<u32>, n: u32) {
    if n == 0 {
        return;
    }
    items.push(n);
}

#[crux::flow_step]
async fn async_return(n: i32) -> Option<i32> {
    futures::future::ready(()).await;
    if n < 0 {
        return None;
    }
    Some(n)
}

#[crux::flow_step]
async fn async_unit_return(n: i32) {
    if n < 0 {
        return;
    }
    futures::future::ready(()).await;
}

#[crux::generate(model = "gpt-4o")]
fn future_return(n: i32) -> impl Future<Output = i32> {
    async move {
        if n < 0 {
            return 0;
        }
        n
    }
}

#[crux::flow]
fn boxed_return(n: i32) -> Pin<Box<dyn Future<Output = i32> + Send>> {
    Box::pin(async move {
        if n < 0 {
            return -1;
        }
        n * 2
    })
}

fn main() {
    let capture = crux::testing::capture();

    assert_eq!(sync_return(-1), "negative");
    assert_eq!(sync_return(5), "reached three");
    assert_eq!(sync_return(2), "small");
    let mut items = Vec::new();
    sync_unit_return(&mut items, 0);
    sync_unit_return(&mut items, 4);
    assert_eq!(items, [4]);
    futures::executor::block_on(async {
        assert_eq!(async_return(-1).await, None);
        assert_eq!(async_return(1).await, Some(1));
        async_unit_return(-1).await;
        async_unit_return(1).await;
        assert_eq!(future_return(-1).await, 0);
        assert_eq!(future_return(3).await, 3);
        assert_eq!(boxed_return(-1).await, -1);
        assert_eq!(boxed_return(3).await, 6);
    });

    assert_eq!(capture.named("crux.tool.sync_return").len(), 3);
    assert_eq!(capture.named("crux.tool.sync_unit_return").len(), 2);
    assert_eq!(capture.named("crux.flow.step").len(), 4);
    assert_eq!(capture.named("crux.generate").len(), 2);
    assert_eq!(capture.named("crux.flow").len(), 2);
    // Every span ended normally: none was marked cancelled.
    assert!(capture.spans().iter().all(|s| s
        .attributes
        .iter()
        .all(|kv| kv.key.as_str() != "crux.cancelled")));
}
