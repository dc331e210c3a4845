//! Every argument of `#[crux::generate]`, as literals and as expressions.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

struct Request {
    provider: &'static str,
    model: String,
    temperature: f32,
    max_tokens: u32,
    stream: bool,
    stops: Vec<String>,
    conversation: Option<String>,
}

#[crux::generate]
fn bare() {}

#[crux::generate(
    provider = "openai",
    model = "gpt-4o",
    operation = "text_completion",
    stream,
    temperature = 1,
    max_tokens = 1024,
    top_p = 0.9,
    top_k = 40,
    seed = -42,
    frequency_penalty = 0.5,
    presence_penalty = 0.25,
    stop_sequences = ["\n\n", "END"],
    reasoning_level = "high",
    prompt_id = "prompt-1",
    prompt_name = "summarize",
    prompt_version = "v3",
    conversation_id = "conv-1",
    attributes(app.route = "/v1/complete", gen_ai.request.choice.count = 2),
)]
fn literals() {}

#[crux::generate(
    provider = request.provider,
    model = request.model,
    operation = String::from("chat"),
    stream = request.stream,
    temperature = request.temperature,
    max_tokens = request.max_tokens,
    top_p = 0.5f32,
    top_k = Some(10u8),
    seed = 7u64,
    frequency_penalty = f64::from(request.max_tokens) / 2048.0,
    presence_penalty = 0,
    stop_sequences = request.stops,
    reasoning_level = None::<&str>,
    prompt_id = &request.model,
    prompt_name = Some("summarize"),
    prompt_version = std::borrow::Cow::Borrowed("v4"),
    conversation_id = request.conversation,
)]
async fn expressions(request: &Request) -> String {
    futures::future::ready(()).await;
    request.model.to_uppercase()
}

const SYSTEM: &str = "Answer in one line.";

/// `messages` and `system` are recorded only when content capture is on.
#[crux::generate(model = "gpt-4o-mini", system = SYSTEM, messages = [("user", prompt)])]
fn with_content(prompt: &str) -> String {
    prompt.to_lowercase()
}

fn main() {
    let capture = crux::testing::capture();

    bare();
    literals();
    let request = Request {
        provider: "anthropic",
        model: "claude-sonnet-4".to_owned(),
        temperature: 0.5,
        max_tokens: 512,
        stream: false,
        stops: vec!["STOP".to_owned()],
        conversation: None,
    };
    assert_eq!(
        futures::executor::block_on(expressions(&request)),
        "CLAUDE-SONNET-4"
    );
    assert_eq!(with_content("Hi"), "hi");

    let spans = capture.named("crux.generate");
    assert_eq!(spans.len(), 4);
    let by_model = |model: Option<&str>| {
        spans
            .iter()
            .find(|s| s.str_attr("gen_ai.request.model").as_deref() == model)
            .unwrap_or_else(|| panic!("no span for {model:?}"))
            .clone()
    };

    let bare = by_model(None);
    assert_eq!(
        bare.str_attr("gen_ai.operation.name").as_deref(),
        Some("chat")
    );

    let lit = by_model(Some("gpt-4o"));
    assert_eq!(
        lit.str_attr("gen_ai.provider.name").as_deref(),
        Some("openai")
    );
    assert_eq!(lit.str_attr("gen_ai.system").as_deref(), Some("openai"));
    assert_eq!(
        lit.str_attr("gen_ai.operation.name").as_deref(),
        Some("text_completion")
    );
    assert_eq!(lit.bool_attr("gen_ai.request.stream"), Some(true));
    assert_eq!(lit.f64_attr("gen_ai.request.temperature"), Some(1.0));
    assert_eq!(lit.i64_attr("gen_ai.request.max_tokens"), Some(1024));
    assert_eq!(lit.f64_attr("gen_ai.request.top_p"), Some(0.9));
    assert_eq!(lit.i64_attr("gen_ai.request.top_k"), Some(40));
    assert_eq!(lit.i64_attr("gen_ai.request.seed"), Some(-42));
    assert_eq!(lit.f64_attr("gen_ai.request.frequency_penalty"), Some(0.5));
    assert_eq!(lit.f64_attr("gen_ai.request.presence_penalty"), Some(0.25));
    assert!(lit.attr("gen_ai.request.stop_sequences").is_some());
    assert_eq!(
        lit.str_attr("gen_ai.request.reasoning.level").as_deref(),
        Some("high")
    );
    assert_eq!(lit.str_attr("crux.prompt.id").as_deref(), Some("prompt-1"));
    assert_eq!(
        lit.str_attr("gen_ai.prompt.name").as_deref(),
        Some("summarize")
    );
    assert_eq!(lit.str_attr("gen_ai.prompt.version").as_deref(), Some("v3"));
    assert_eq!(
        lit.str_attr("gen_ai.conversation.id").as_deref(),
        Some("conv-1")
    );
    assert_eq!(lit.str_attr("app.route").as_deref(), Some("/v1/complete"));
    assert_eq!(lit.i64_attr("gen_ai.request.choice.count"), Some(2));

    let expr = by_model(Some("claude-sonnet-4"));
    assert_eq!(
        expr.str_attr("gen_ai.provider.name").as_deref(),
        Some("anthropic")
    );
    assert_eq!(
        expr.str_attr("gen_ai.operation.name").as_deref(),
        Some("chat")
    );
    assert_eq!(expr.bool_attr("gen_ai.request.stream"), Some(false));
    assert_eq!(expr.f64_attr("gen_ai.request.temperature"), Some(0.5));
    assert_eq!(expr.i64_attr("gen_ai.request.max_tokens"), Some(512));
    assert_eq!(expr.f64_attr("gen_ai.request.top_p"), Some(0.5));
    assert_eq!(expr.i64_attr("gen_ai.request.top_k"), Some(10));
    assert_eq!(expr.i64_attr("gen_ai.request.seed"), Some(7));
    assert_eq!(
        expr.f64_attr("gen_ai.request.frequency_penalty"),
        Some(0.25)
    );
    assert_eq!(expr.f64_attr("gen_ai.request.presence_penalty"), Some(0.0));
    assert!(expr.attr("gen_ai.request.stop_sequences").is_some());
    assert!(expr.attr("gen_ai.request.reasoning.level").is_none());
    assert_eq!(
        expr.str_attr("crux.prompt.id").as_deref(),
        Some("claude-sonnet-4")
    );
    assert_eq!(
        expr.str_attr("gen_ai.prompt.name").as_deref(),
        Some("summarize")
    );
    assert_eq!(
        expr.str_attr("gen_ai.prompt.version").as_deref(),
        Some("v4")
    );
    assert!(expr.attr("gen_ai.conversation.id").is_none());
}
