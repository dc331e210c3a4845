//! `async fn`s whose body is a single expression: the generated code must not make
//! `unused_braces` fire on the user's braces (the body is spliced into an async block).
#![deny(warnings)]
#![deny(clippy::all)]

#[crux::tool]
async fn double(n: u32) -> u32 {
    n * 2
}

#[crux::flow_step]
async fn label(id: u32) -> String {
    format!("step-{id}")
}

#[crux::generate(model = "gpt-4o")]
async fn echo(prompt: &str) -> &str {
    prompt
}

#[crux::flow]
async fn nothing() {}

fn main() {
    let capture = crux::testing::capture();
    futures::executor::block_on(async {
        assert_eq!(double(2).await, 4);
        assert_eq!(label(1).await, "step-1");
        assert_eq!(echo("hi").await, "hi");
        nothing().await;
    });
    assert_eq!(capture.spans().len(), 4);
}
