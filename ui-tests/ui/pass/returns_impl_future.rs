//! Functions returning `impl Future`: the body builds the future inside the span, and the
//! span stays open until that future completes.
#![deny(warnings)]
#![deny(clippy::all)]

use std::future::Future;

#[crux::tool]
async fn inner(n: u32) -> u32 {
    futures::future::ready(()).await;
    n + 1
}

#[crux::flow_step]
fn plain_async_block(n: u32) -> impl Future<Output = u32> + Send {
    async move { inner(n).await * 2 }
}

#[crux::flow_step(label = "prepared")]
fn prepared_then_async(name: &str) -> impl Future<Output = String> + Send + '_ {
    let upper = name.to_uppercase();
    async move { format!("{upper}/{name}/{}", inner(0).await) }
}

#[crux::generate(model = "gpt-4o")]
fn ready_future(prompt: String) -> impl Future<Output = String> {
    futures::future::ready(prompt)
}

fn main() {
    let capture = crux::testing::capture();

    let future = plain_async_block(1);
    // Building the future started the span but did not end it.
    assert!(capture.named("crux.flow.step").is_empty());
    assert_eq!(futures::executor::block_on(future), 4);

    let name = String::from("ada");
    assert_eq!(
        futures::executor::block_on(prepared_then_async(&name)),
        "ADA/ada/1"
    );
    assert_eq!(
        futures::executor::block_on(ready_future("hi".to_owned())),
        "hi"
    );

    // Each `inner` call ran inside the span of the step that built its future.
    for step in capture.named("crux.flow.step") {
        let children = capture.children(&step);
        assert_eq!(children.len(), 1);
        assert_eq!(children[0].name, "crux.tool.inner");
    }
    assert_eq!(capture.named("crux.generate").len(), 1);
}
