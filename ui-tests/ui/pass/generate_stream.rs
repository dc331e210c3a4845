//! `#[crux::generate(stream)]` on functions returning `impl Stream`: the span stays open
//! until the stream is exhausted.
#![deny(warnings)]
#![deny(clippy::all)]

use futures::stream::{self, Stream, StreamExt};

#[crux::generate(provider = "openai", model = "gpt-4o", stream)]
fn chunks(prompt: &str) -> impl Stream<Item = String> + '_ {
    stream::iter(prompt.split(' ').map(str::to_owned))
}

#[crux::generate(model = "gpt-4o", stream = true)]
fn numbered(n: usize) -> impl futures::Stream<Item = usize> + Send + Unpin {
    stream::iter(0..n)
}

#[crux::generate(model = "gpt-4o", stream)]
async fn after_connect(n: usize) -> impl Stream<Item = usize> {
    futures::future::ready(()).await;
    stream::iter(0..n).map(|i| i * 10)
}

fn main() {
    use crux::testing::SpanDataExt;
    let capture = crux::testing::capture();

    let stream = chunks("hello streaming world");
    assert!(capture.named("crux.generate").is_empty());
    let collected: Vec<String> = futures::executor::block_on(stream.collect());
    assert_eq!(collected, ["hello", "streaming", "world"]);

    let span = capture.one("crux.generate");
    assert_eq!(span.bool_attr("gen_ai.request.stream"), Some(true));
    assert!(span
        .f64_attr("gen_ai.response.time_to_first_chunk")
        .is_some());

    let mut numbers = numbered(3);
    let first = futures::executor::block_on(numbers.next());
    assert_eq!(first, Some(0));
    drop(numbers);

    let tens: Vec<usize> =
        futures::executor::block_on(async { after_connect(3).await.collect().await });
    assert_eq!(tens, [0, 10, 20]);
    assert_eq!(capture.named("crux.generate").len(), 3);
}
