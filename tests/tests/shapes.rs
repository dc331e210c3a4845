//! Every function shape the macros accept records the right span around the right work:
//! methods, generics, `impl Future`, boxed futures, async traits (native and
//! `#[async_trait]`), destructured parameters, streams.

use crux::testing::{capture, capture_with, SpanDataExt};
use crux_tests::str_array;
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

/// A client's stream chunk: what crux reads from stream items with no user code beyond
/// the trait impl.
struct Chunk {
    id: &'static str,
    model: &'static str,
    text: &'static str,
    usage: Option<crux::Usage>,
    finish: Option<&'static str>,
}

impl crux::ModelStreamItem for Chunk {
    fn usage(&self) -> Option<crux::Usage> {
        self.usage
    }
    fn response_model(&self) -> Option<&str> {
        Some(self.model)
    }
    fn response_id(&self) -> Option<&str> {
        Some(self.id)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        self.finish.into_iter().collect()
    }
    fn text_delta(&self) -> Option<&str> {
        Some(self.text)
    }
}

fn chunk(text: &'static str) -> Chunk {
    Chunk {
        id: "chatcmpl-42",
        model: "gpt-4o-mini-2024-07-18",
        text,
        usage: None,
        finish: None,
    }
}

#[crux::generate(provider = "openai", model = "gpt-4o-mini", stream)]
fn stream_chunks(fail: bool) -> impl futures::Stream<Item = Result<Chunk, std::io::Error>> {
    let last = Chunk {
        usage: Some(crux::Usage::new(120, 30).with_cache_read(100)),
        finish: Some("stop"),
        ..chunk("!")
    };
    let items = if fail {
        vec![
            Ok(chunk("Hel")),
            Err(std::io::Error::other("connection reset mid-stream")),
        ]
    } else {
        vec![Ok(chunk("Hel")), Ok(chunk("lo")), Ok(last)]
    };
    futures::stream::iter(items)
}

#[tokio::test]
async fn stream_items_give_usage_model_finish_reasons_cost_and_output() {
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let texts: Vec<_> = stream_chunks(false)
        .map(|c| c.unwrap().text)
        .collect()
        .await;
    assert_eq!(texts.concat(), "Hello!");
    let span = capture.one("crux.generate");
    assert_eq!(span.i64_attr("gen_ai.usage.input_tokens"), Some(120));
    assert_eq!(span.i64_attr("gen_ai.usage.output_tokens"), Some(30));
    assert_eq!(
        span.i64_attr("gen_ai.usage.cache_read.input_tokens"),
        Some(100)
    );
    assert_eq!(
        span.str_attr("gen_ai.response.model").as_deref(),
        Some("gpt-4o-mini-2024-07-18")
    );
    assert_eq!(
        span.str_attr("gen_ai.response.id").as_deref(),
        Some("chatcmpl-42")
    );
    assert_eq!(str_array(&span, "gen_ai.response.finish_reasons"), ["stop"]);
    // No cost in the items: the built-in price table estimates it from the usage.
    let expected = crux::cost::Prices::default()
        .price(&crux::cost::PriceQuery {
            provider: Some("openai"),
            model: "gpt-4o-mini-2024-07-18",
            input_tokens: 120,
            cached_input_tokens: 100,
            output_tokens: 30,
        })
        .unwrap();
    assert_eq!(span.f64_attr("crux.cost"), Some(expected));
    let output: serde_json::Value =
        serde_json::from_str(&span.str_attr("gen_ai.output.messages").unwrap()).unwrap();
    assert_eq!(output[0]["role"], "assistant");
    assert_eq!(output[0]["parts"][0]["content"], "Hello!");
    assert_eq!(output[0]["finish_reason"], "stop");
    assert_eq!(span.status, opentelemetry::trace::Status::Unset);
}

#[tokio::test]
async fn an_err_item_marks_the_stream_span_error_and_keeps_what_came_before() {
    let capture = capture();
    let items: Vec<_> = stream_chunks(true).collect().await;
    assert!(items[1].is_err());
    let span = capture.one("crux.generate");
    assert!(
        matches!(&span.status, opentelemetry::trace::Status::Error { description } if description.contains("connection reset")),
        "{:?}",
        span.status
    );
    assert_eq!(
        span.str_attr("error.type").as_deref(),
        Some("std::io::error::Error")
    );
    let exception = span.event("exception").expect("an exception event");
    assert!(exception
        .attributes
        .iter()
        .any(|kv| kv.key.as_str() == "exception.message"
            && kv.value.as_str().contains("connection reset")));
    assert_eq!(
        span.str_attr("gen_ai.response.id").as_deref(),
        Some("chatcmpl-42"),
        "the items before the error are still read"
    );
}

#[derive(Debug)]
struct OnlyDebug;

#[crux::generate(provider = "openai", model = "gpt-4o", stream)]
fn stream_debug_error() -> impl futures::Stream<Item = Result<String, OnlyDebug>> {
    futures::stream::iter([Ok("a".to_owned()), Err(OnlyDebug)])
}

#[tokio::test]
async fn a_stream_error_with_only_debug_is_an_error_too() {
    let capture = capture();
    let _items: Vec<_> = stream_debug_error().collect().await;
    let span = capture.one("crux.generate");
    assert!(matches!(
        span.status,
        opentelemetry::trace::Status::Error { .. }
    ));
    assert!(span.str_attr("error.type").unwrap().ends_with("OnlyDebug"));
}

#[tokio::test]
async fn a_stream_dropped_early_still_records_what_its_items_said() {
    let capture = capture();
    let first: Vec<_> = stream_chunks(false).take(1).collect().await;
    assert_eq!(first.len(), 1);
    let span = capture.one("crux.generate");
    assert_eq!(span.bool_attr("crux.cancelled"), Some(true));
    assert_eq!(
        span.str_attr("gen_ai.response.id").as_deref(),
        Some("chatcmpl-42")
    );
}

/// A client's request type: passed as an argument, it gives the request attributes.
struct ChatRequest {
    model: String,
    system: String,
    question: String,
}

impl crux::ModelRequest for ChatRequest {
    fn request_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn temperature(&self) -> Option<f64> {
        Some(0.25)
    }
    fn max_tokens(&self) -> Option<u64> {
        Some(256)
    }
    fn top_p(&self) -> Option<f64> {
        Some(0.9)
    }
    fn seed(&self) -> Option<i64> {
        Some(7)
    }
    fn stop_sequences(&self) -> Vec<String> {
        vec!["END".into()]
    }
    fn tool_definitions(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!([{"type": "function", "function": {"name": "lookup_order"}}]))
    }
    fn input_messages(&self) -> Vec<crux::Message> {
        vec![crux::Message::user(&*self.question)]
    }
    fn system_instructions(&self) -> Vec<crux::Part> {
        vec![crux::Part::Text {
            content: self.system.clone(),
        }]
    }
}

#[crux::generate(provider = "openai")]
async fn ask(request: ChatRequest) -> String {
    request.question
}

#[crux::generate(provider = "openai", model = "gpt-4o", temperature = 1.0)]
fn ask_with_arguments(request: &ChatRequest) -> usize {
    request.question.len()
}

#[tokio::test]
async fn a_request_argument_gives_the_request_attributes() {
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let request = || ChatRequest {
        model: "gpt-4o-mini".into(),
        system: "Be brief.".into(),
        question: "Where is my parcel?".into(),
    };
    ask(request()).await;
    let span = capture.one("crux.generate");
    assert_eq!(
        span.str_attr("gen_ai.request.model").as_deref(),
        Some("gpt-4o-mini")
    );
    assert_eq!(span.f64_attr("gen_ai.request.temperature"), Some(0.25));
    assert_eq!(span.i64_attr("gen_ai.request.max_tokens"), Some(256));
    assert_eq!(span.f64_attr("gen_ai.request.top_p"), Some(0.9));
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(7));
    assert_eq!(str_array(&span, "gen_ai.request.stop_sequences"), ["END"]);
    let tools: serde_json::Value =
        serde_json::from_str(&span.str_attr("gen_ai.tool.definitions").unwrap()).unwrap();
    assert_eq!(tools[0]["function"]["name"], "lookup_order");
    let input: serde_json::Value =
        serde_json::from_str(&span.str_attr("gen_ai.input.messages").unwrap()).unwrap();
    assert_eq!(input[0]["parts"][0]["content"], "Where is my parcel?");
    let system: serde_json::Value =
        serde_json::from_str(&span.str_attr("gen_ai.system_instructions").unwrap()).unwrap();
    assert_eq!(system[0]["content"], "Be brief.");

    // The macro's own arguments win over the request's.
    capture.clear();
    ask_with_arguments(&request());
    let span = capture.one("crux.generate");
    assert_eq!(
        span.str_attr("gen_ai.request.model").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(span.f64_attr("gen_ai.request.temperature"), Some(1.0));
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(7));
}

#[crux::generate(provider = "openai", model = "gpt-4o-mini")]
fn forgot_the_adapter(prompt: &str) -> String {
    prompt.to_owned()
}

#[tokio::test]
async fn a_call_without_usage_is_reported_once_per_function() {
    let _capture = capture();
    let listed = || {
        crux::usage::calls_without_usage()
            .into_iter()
            .filter(|f| f.ends_with("::forgot_the_adapter"))
            .count()
    };
    forgot_the_adapter("a");
    forgot_the_adapter("b");
    assert_eq!(listed(), 1);
    // A call that reports usage is not listed.
    let _ = stream_chunks(false).collect::<Vec<_>>().await;
    assert!(!crux::usage::calls_without_usage()
        .iter()
        .any(|f| f.ends_with("::stream_chunks")));
}

#[crux::generate(provider = "local", model = "my-finetune")]
fn local_model() -> Chunk {
    Chunk {
        model: "my-finetune",
        usage: Some(crux::Usage::new(1_000_000, 1_000_000)),
        ..chunk("ok")
    }
}

impl crux::ModelResponse for Chunk {
    fn usage(&self) -> Option<crux::Usage> {
        self.usage
    }
    fn response_model(&self) -> Option<&str> {
        Some(self.model)
    }
}

#[tokio::test]
async fn the_application_prices_calls_with_its_own_table_or_closure() {
    use crux::cost::{ModelPrice, Prices};
    // Not in the built-in table: no cost, never a guess.
    let capture = capture();
    local_model();
    assert_eq!(capture.one("crux.generate").f64_attr("crux.cost"), None);
    drop(capture);

    let table = Prices::empty().with("my-finetune", ModelPrice::new(2.0, 1.0, 8.0));
    let capture = capture_with(crux::Telemetry::builder().prices(table));
    local_model();
    assert_eq!(
        capture.one("crux.generate").f64_attr("crux.cost"),
        Some(10.0)
    );
    drop(capture);

    let capture =
        capture_with(crux::Telemetry::builder().price_with(|q| {
            (q.provider == Some("local")).then_some(q.output_tokens as f64 * 1e-9)
        }));
    local_model();
    assert_eq!(
        capture.one("crux.generate").f64_attr("crux.cost"),
        Some(1e-3)
    );
}
