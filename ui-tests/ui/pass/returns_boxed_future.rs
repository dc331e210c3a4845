//! Functions returning `Pin<Box<dyn Future<Output = T> + Send + 'a>>`, with the body
//! `Box::pin(async move { .. })` (the shape `#[async_trait]` produces) or any other body.
#![deny(warnings)]
#![deny(clippy::all)]

use std::future::Future;
use std::pin::Pin;

#[crux::tool]
async fn inner(n: usize) -> usize {
    futures::future::ready(()).await;
    n * 10
}

#[crux::flow_step]
fn boxed_async_move<'a>(text: &'a str) -> Pin<Box<dyn Future<Output = usize> + Send + 'a>> {
    Box::pin(async move {
        let n = text.len();
        inner(n).await
    })
}

#[crux::flow_step]
fn prepared_then_boxed(text: &str) -> Pin<Box<dyn Future<Output = usize> + Send + '_>> {
    let n = text.len();
    Box::pin(async move { inner(n).await + 1 })
}

#[crux::flow_step]
fn std_paths(n: usize) -> std::pin::Pin<std::boxed::Box<dyn std::future::Future<Output = usize>>> {
    std::boxed::Box::pin(async move { inner(n).await + 2 })
}

fn main() {
    let capture = crux::testing::capture();

    assert_eq!(futures::executor::block_on(boxed_async_move("abc")), 30);
    assert_eq!(futures::executor::block_on(prepared_then_boxed("abcd")), 41);
    assert_eq!(futures::executor::block_on(std_paths(1)), 12);

    let steps = capture.named("crux.flow.step");
    assert_eq!(steps.len(), 3);
    for step in steps {
        let children = capture.children(&step);
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].name, "crux.tool.inner");
    }
}
