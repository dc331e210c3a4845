//! Every function shape the macros accept records the right span around the right work:
//! methods, generics, `impl Future`, boxed futures, async traits (native and
//! `#[async_trait]`), destructured parameters, streams.

use crux::testing::{capture, SpanDataExt};
use futures::StreamExt;
use std::future::Future;
use std::pin::Pin;

struct Agent {
    name: String,
    calls: Vec<String>,
}

impl Agent {
    #[crux::tool]
    fn by_ref(&self) -> &str {
        &self.name
    }

    #[crux::tool]
    fn by_mut(&mut self, call: &str) -> &mut Vec<String> {
        self.calls.push(call.to_owned());
        &mut self.calls
    }

    #[crux::tool]
    fn by_value(self) -> String {
        self.name
    }

    #[crux::flow_step(label = "async_method")]
    async fn by_ref_async(&self, n: u32) -> Result<u32, std::io::Error> {
        tokio::task::yield_now().await;
        Ok(n + self.calls.len() as u32)
    }
}

#[crux::tool]
fn generic<'a, T>(items: &'a [&'a T], (skip, take): (usize, usize)) -> Vec<&'a str>
where
    T: AsRef<str> + ?Sized + 'a,
{
    items
        .iter()
        .skip(skip)
        .take(take)
        .map(|s| (*s).as_ref())
        .collect()
}

#[crux::tool]
fn impl_trait_args(words: impl IntoIterator<Item = String>) -> impl Iterator<Item = usize> {
    words
        .into_iter()
        .map(|w| w.len())
        .collect::<Vec<_>>()
        .into_iter()
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
fn returns_impl_future(n: u32) -> impl Future<Output = u32> + Send {
    async move {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        n * 2
    }
}

#[crux::tool]
fn returns_boxed_future<'a>(s: &'a str) -> Pin<Box<dyn Future<Output = usize> + Send + 'a>> {
    Box::pin(async move {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        s.len()
    })
}

trait Tool {
    fn call(&self, input: u32) -> impl Future<Output = u32> + Send;
}

struct Doubler;
impl Tool for Doubler {
    #[crux::tool(name = "doubler")]
    async fn call(&self, input: u32) -> u32 {
        tokio::task::yield_now().await;
        input * 2
    }
}

#[async_trait::async_trait]
trait DynTool: Send + Sync {
    async fn call(&self, input: u32) -> Result<u32, String>;
}

struct Tripler;
#[async_trait::async_trait]
impl DynTool for Tripler {
    #[crux::tool(name = "tripler")]
    async fn call(&self, input: u32) -> Result<u32, String> {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        if input == 0 {
            return Err("zero".into());
        }
        Ok(input * 3)
    }
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_generics_and_traits() {
    let capture = capture();
    let mut agent = Agent {
        name: "a".into(),
        calls: vec![],
    };
    assert_eq!(agent.by_ref(), "a");
    agent.by_mut("x").push("y".into());
    assert_eq!(agent.calls, ["x", "y"]);
    assert_eq!(assert_send(agent.by_ref_async(1)).await.unwrap(), 3);
    assert_eq!(agent.by_value(), "a");
    assert_eq!(generic::<str>(&["a", "b", "c"], (1, 1)), ["b"]);
    assert_eq!(impl_trait_args(["ab".to_string()]).collect::<Vec<_>>(), [2]);
    assert_eq!(assert_send(Doubler.call(4)).await, 8);
    let dyn_tool: Box<dyn DynTool> = Box::new(Tripler);
    assert_eq!(dyn_tool.call(2).await, Ok(6));
    assert_eq!(dyn_tool.call(0).await, Err("zero".to_owned()));

    for name in [
        "crux.tool.by_ref",
        "crux.tool.by_mut",
        "crux.tool.by_value",
        "crux.tool.generic",
        "crux.tool.impl_trait_args",
        "crux.tool.doubler",
    ] {
        capture.one(name);
    }
    assert_eq!(
        capture
            .one("crux.flow.step")
            .str_attr("crux.step.label")
            .as_deref(),
        Some("async_method")
    );
    let tripler = capture.named("crux.tool.tripler");
    assert_eq!(tripler.len(), 2);
    assert!(tripler
        .iter()
        .any(|s| s.error_description().as_deref() == Some("zero")));
    for span in &tripler {
        let took = span.end_time.duration_since(span.start_time).unwrap();
        assert!(
            took >= std::time::Duration::from_millis(25),
            "the span covers the boxed future: {took:?}"
        );
    }
}

#[tokio::test]
async fn returned_futures_are_covered_until_they_complete() {
    let capture = capture();
    assert_eq!(returns_impl_future(2).await, 4);
    assert_eq!(returns_boxed_future("abc").await, 3);
    for name in ["crux.generate", "crux.tool.returns_boxed_future"] {
        let span = capture.one(name);
        let took = span.end_time.duration_since(span.start_time).unwrap();
        assert!(
            took >= std::time::Duration::from_millis(25),
            "{name}: {took:?}"
        );
    }
}

#[tokio::test]
async fn a_returned_future_never_polled_is_cancelled() {
    let capture = capture();
    drop(returns_impl_future(1));
    assert_eq!(
        capture.one("crux.generate").bool_attr("crux.cancelled"),
        Some(true)
    );
}

#[crux::tool]
fn inner() {}

#[crux::generate(provider = "openai", model = "gpt-4o", stream)]
fn stream_tokens(n: usize) -> impl futures::Stream<Item = String> {
    futures::stream::iter(0..n).then(|i| async move {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        inner();
        format!("tok{i}")
    })
}

#[tokio::test]
async fn a_stream_span_lasts_until_exhausted_and_records_first_chunk_time() {
    let capture = capture();
    let tokens: Vec<_> = stream_tokens(3).collect().await;
    assert_eq!(tokens, ["tok0", "tok1", "tok2"]);
    let span = capture.one("crux.generate");
    assert_eq!(span.bool_attr("gen_ai.request.stream"), Some(true));
    let ttfc = span
        .f64_attr("gen_ai.response.time_to_first_chunk")
        .unwrap();
    let took = span
        .end_time
        .duration_since(span.start_time)
        .unwrap()
        .as_secs_f64();
    assert!(ttfc > 0.0 && ttfc < took, "ttfc {ttfc} within {took}");
    assert!(took >= 0.015);
    assert!(span.attr("crux.cancelled").is_none());
    // Work done while the stream is polled nests under the generate span.
    let inner = capture.named("crux.tool.inner");
    assert!(!inner.is_empty());
    for tool in inner {
        assert_eq!(tool.parent_span_id, span.span_context.span_id());
    }
}

#[tokio::test]
async fn a_stream_dropped_early_ends_its_span_cancelled() {
    let capture = capture();
    let first: Vec<_> = stream_tokens(5).take(1).collect().await;
    assert_eq!(first.len(), 1);
    let span = capture.one("crux.generate");
    assert_eq!(span.bool_attr("crux.cancelled"), Some(true));
}

#[crux::tool]
async fn leaf() -> u32 {
    1
}

/// Declares an annotated fn whose return type comes in as a macro fragment (`$ret`),
/// which the attribute macro sees wrapped in an invisible group.
macro_rules! fn_returning {
    ($name:ident -> $ret:ty) => {
        #[crux::tool]
        fn $name() -> $ret {
            async { leaf().await + 1 }
        }
    };
}

fn_returning!(from_macro -> impl Future<Output = u32>);

#[tokio::test]
async fn an_impl_future_return_type_from_a_macro_fragment_is_still_awaited_in_the_span() {
    let capture = capture();
    assert_eq!(from_macro().await, 2);
    let outer = capture.one("crux.tool.from_macro");
    let inner = capture.one("crux.tool.leaf");
    assert_eq!(inner.parent_span_id, outer.span_context.span_id());
}
