//! Every argument of `#[crux::use_reason]`: `id`, `provider`, `model`, the nested
//! `telemetry(operation, prompt, tags(..), metadata(..), capture_content)`, and
//! `telemetry = value` (a `crux::ReasonTelemetry`).
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

#[derive(crux::Prompt)]
#[prompt(name = "triage", version = 3, kind = "chat")]
struct Triage<'a> {
    #[prompt(variable)]
    question: &'a str,
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
async fn pass(question: &str) -> String {
    futures::future::ready(()).await;
    question.to_uppercase()
}

#[crux::use_reason]
fn bare() {}

#[crux::use_reason(
    id = "triage-1",
    provider = "openai",
    model = "gpt-4o",
    telemetry(
        operation = "triage",
        prompt = prompt,
        tags("vip", queue),
        metadata(attempt = 2, owner = "growth"),
        capture_content = capture,
    ),
    attributes(app.queue = queue),
)]
async fn nested(prompt: &Triage<'_>, queue: &str, capture: bool) -> String {
    pass(prompt.question).await
}

#[crux::use_reason(id = format!("batch-{}", 7), model = model, telemetry = telemetry)]
fn with_value(telemetry: &crux::ReasonTelemetry, model: &str) -> usize {
    model.len()
}

fn main() {
    let capture = crux::testing::capture();

    bare();
    let prompt = Triage { question: "why?" };
    assert_eq!(
        futures::executor::block_on(nested(&prompt, "billing", true)),
        "WHY?"
    );
    let telemetry = crux::ReasonTelemetry::new()
        .operation("summarize")
        .prompt(&prompt)
        .tag("nightly")
        .metadata("job", "digest");
    assert_eq!(with_value(&telemetry, "gpt-4o-mini"), 11);

    let reasons = capture.named("crux.use_reason");
    assert_eq!(reasons.len(), 3);
    let by_id = |id: Option<&str>| {
        reasons
            .iter()
            .find(|s| s.str_attr("crux.reason.id").as_deref() == id)
            .unwrap_or_else(|| panic!("no use_reason {id:?}"))
            .clone()
    };

    // An agent's loop for the GenAI conventions; its own operation under crux's key.
    let bare = by_id(None);
    assert_eq!(
        bare.str_attr("gen_ai.operation.name").as_deref(),
        Some("invoke_agent")
    );
    assert_eq!(
        bare.str_attr("crux.reason.operation").as_deref(),
        Some("chat")
    );

    let triage = by_id(Some("triage-1"));
    assert_eq!(
        triage.str_attr("gen_ai.provider.name").as_deref(),
        Some("openai")
    );
    assert_eq!(
        triage.str_attr("gen_ai.request.model").as_deref(),
        Some("gpt-4o")
    );
    assert_eq!(
        triage.str_attr("crux.reason.operation").as_deref(),
        Some("triage")
    );
    assert_eq!(
        triage.str_attr("gen_ai.prompt.name").as_deref(),
        Some("triage")
    );
    assert_eq!(
        triage.str_attr("gen_ai.prompt.version").as_deref(),
        Some("3")
    );
    assert_eq!(triage.str_attr("crux.prompt.type").as_deref(), Some("chat"));
    assert_eq!(
        triage.str_attr("crux.trace.tags").as_deref(),
        Some(r#"["vip","billing"]"#)
    );
    assert_eq!(triage.i64_attr("crux.trace.metadata.attempt"), Some(2));
    assert_eq!(
        triage.str_attr("crux.trace.metadata.owner").as_deref(),
        Some("growth")
    );
    assert_eq!(triage.str_attr("app.queue").as_deref(), Some("billing"));
    assert_eq!(
        triage
            .str_attr("gen_ai.prompt.variable.question")
            .as_deref(),
        Some("why?"),
        "capture_content = true records the prompt's variables"
    );
    let generate = capture.one("crux.generate");
    assert_eq!(generate.parent_span_id, triage.span_context.span_id());

    let batch = by_id(Some("batch-7"));
    assert_eq!(
        batch.str_attr("gen_ai.request.model").as_deref(),
        Some("gpt-4o-mini")
    );
    assert_eq!(
        batch.str_attr("crux.reason.operation").as_deref(),
        Some("summarize")
    );
    assert_eq!(
        batch.str_attr("gen_ai.prompt.name").as_deref(),
        Some("triage")
    );
    assert_eq!(
        batch.str_attr("crux.trace.tags").as_deref(),
        Some(r#"["nightly"]"#)
    );
    assert_eq!(
        batch.str_attr("crux.trace.metadata.job").as_deref(),
        Some("digest")
    );
    assert!(batch.attr("gen_ai.prompt.variable.question").is_none());
}
