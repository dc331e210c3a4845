//! Every SPANS.md row of the four foundation macros, against the in-memory exporter:
//! span names, kinds, attributes, parent/child, status and events.

use crux::testing::{capture, SpanDataExt};
use crux_tests::{assert_keys_registered, text};
use opentelemetry::trace::{SpanKind, Status};
use opentelemetry::Value;

struct Reply {
    text: String,
}

impl crux::ModelResponse for Reply {
    fn usage(&self) -> Option<crux::Usage> {
        Some(
            crux::Usage::new(120, 30)
                .with_cache_read(100)
                .with_reasoning(8),
        )
    }
    fn response_model(&self) -> Option<&str> {
        Some("gpt-4o-mini-2024-07-18")
    }
    fn response_id(&self) -> Option<&str> {
        Some("chatcmpl-123")
    }
    fn finish_reasons(&self) -> Vec<&str> {
        vec!["stop"]
    }
    fn cost_usd(&self) -> Option<f64> {
        Some(0.00042)
    }
}

#[derive(Debug)]
struct ApiError;
impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("rate limited")
    }
}

#[crux::generate(provider = "openai", model = model, temperature = 0.2, max_tokens = 256, top_p = 0.9, prompt_id = "triage-v3")]
async fn complete(model: &str, prompt: &str) -> Result<Reply, ApiError> {
    Ok(Reply {
        text: prompt.to_uppercase(),
    })
}

/// Looks an order up by id.
///
/// More text that is not the summary.
#[crux::tool]
async fn lookup_order(id: u32) -> Result<String, ApiError> {
    Ok(format!("order {id}"))
}

#[crux::tool(name = "refund", call_id = call_id, description = "Refunds an order")]
fn refund(call_id: &str, amount: u32) -> u32 {
    amount
}

#[crux::flow_step(label = "answer", attempt = 2)]
async fn answer_step(question: &str) -> Result<String, ApiError> {
    let order = lookup_order(7).await?;
    let reply = complete("gpt-4o-mini", question).await?;
    Ok(format!("{order}: {}", reply.text))
}

#[crux::flow_step]
fn refund_step() -> u32 {
    refund("call_abc", 12)
}

#[crux::flow(name = "support")]
async fn support(question: &str) -> Result<String, ApiError> {
    refund_step();
    answer_step(question).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flow_step_tool_generate_rows() {
    let capture = capture();
    support("where is it?").await.unwrap();
    let spans = capture.spans();
    assert_eq!(
        spans.len(),
        6,
        "{:?}",
        spans.iter().map(|s| &s.name).collect::<Vec<_>>()
    );
    assert_keys_registered(&spans);

    let flow = capture.one("crux.flow");
    assert_eq!(flow.span_kind, SpanKind::Internal);
    assert_eq!(flow.parent_span_id, opentelemetry::trace::SpanId::INVALID);
    assert_eq!(text(&flow, "crux.flow.name"), "support");
    assert_eq!(text(&flow, "gen_ai.workflow.name"), "support");
    assert_eq!(text(&flow, "gen_ai.operation.name"), "invoke_workflow");
    let flow_id = text(&flow, "crux.flow.id");
    assert!(flow_id.starts_with("flow_"), "{flow_id}");
    let started = flow.i64_attr("crux.flow.started_at").unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        (now - started).abs() < 60_000,
        "started_at {started} is not Unix ms"
    );
    assert!(flow.attr("crux.flow.parent_id").is_none());
    assert_eq!(flow.status, Status::Unset);

    let steps = capture.children(&flow);
    assert_eq!(
        steps.iter().map(|s| s.name.as_ref()).collect::<Vec<_>>(),
        ["crux.flow.step", "crux.flow.step"]
    );
    let (refund_step, answer_step) = (&steps[0], &steps[1]);
    for step in &steps {
        assert_eq!(
            text(step, "crux.flow.id"),
            flow_id,
            "steps carry the enclosing flow id"
        );
        assert!(text(step, "crux.step.id").starts_with("step_"));
        assert!(text(step, "code.file.path").ends_with("contract.rs"));
        assert!(step.i64_attr("code.line.number").unwrap() > 0);
    }
    assert_eq!(
        text(refund_step, "crux.step.label"),
        "refund_step",
        "fn name unless given"
    );
    assert_eq!(
        text(refund_step, "code.function.name"),
        "contract::refund_step"
    );
    assert!(refund_step.attr("crux.step.attempt").is_none());
    assert_eq!(text(answer_step, "crux.step.label"), "answer");
    assert_eq!(answer_step.i64_attr("crux.step.attempt"), Some(2));

    let refund = capture.one("crux.tool.refund");
    assert_eq!(
        capture.parent(&refund).unwrap().span_context.span_id(),
        refund_step.span_context.span_id()
    );
    assert_eq!(text(&refund, "crux.tool.name"), "refund");
    assert_eq!(text(&refund, "crux.tool.call_id"), "call_abc");
    assert_eq!(text(&refund, "gen_ai.tool.call.id"), "call_abc");
    assert_eq!(text(&refund, "gen_ai.operation.name"), "execute_tool");
    assert_eq!(text(&refund, "gen_ai.tool.name"), "refund");
    assert_eq!(text(&refund, "gen_ai.tool.type"), "function");
    assert_eq!(text(&refund, "gen_ai.tool.description"), "Refunds an order");

    let lookup = capture.one("crux.tool.lookup_order");
    assert_eq!(
        capture.parent(&lookup).unwrap().span_context.span_id(),
        answer_step.span_context.span_id()
    );
    assert_eq!(
        text(&lookup, "gen_ai.tool.description"),
        "Looks an order up by id."
    );
    let generated = text(&lookup, "crux.tool.call_id");
    assert!(generated.starts_with("call_"), "{generated}");
    assert_eq!(text(&lookup, "gen_ai.tool.call.id"), generated);

    let generate = capture.one("crux.generate");
    assert_eq!(generate.span_kind, SpanKind::Client);
    assert_eq!(
        capture.parent(&generate).unwrap().span_context.span_id(),
        answer_step.span_context.span_id()
    );
    assert_eq!(text(&generate, "gen_ai.operation.name"), "chat");
    assert_eq!(text(&generate, "gen_ai.provider.name"), "openai");
    assert_eq!(text(&generate, "gen_ai.system"), "openai");
    assert_eq!(text(&generate, "gen_ai.request.model"), "gpt-4o-mini");
    assert_eq!(generate.f64_attr("gen_ai.request.temperature"), Some(0.2));
    assert_eq!(generate.i64_attr("gen_ai.request.max_tokens"), Some(256));
    assert_eq!(generate.f64_attr("gen_ai.request.top_p"), Some(0.9));
    assert_eq!(text(&generate, "crux.prompt.id"), "triage-v3");
    assert!(
        generate.attr("gen_ai.request.stream").is_none(),
        "only when streaming"
    );
    // From the returned ModelResponse:
    assert_eq!(generate.i64_attr("gen_ai.usage.input_tokens"), Some(120));
    assert_eq!(generate.i64_attr("gen_ai.usage.output_tokens"), Some(30));
    assert_eq!(
        generate.i64_attr("gen_ai.usage.cache_read.input_tokens"),
        Some(100)
    );
    assert_eq!(
        generate.i64_attr("gen_ai.usage.reasoning.output_tokens"),
        Some(8)
    );
    assert!(generate
        .attr("gen_ai.usage.cache_creation.input_tokens")
        .is_none());
    assert_eq!(
        text(&generate, "gen_ai.response.model"),
        "gpt-4o-mini-2024-07-18"
    );
    assert_eq!(text(&generate, "gen_ai.response.id"), "chatcmpl-123");
    assert_eq!(
        generate.attr("gen_ai.response.finish_reasons"),
        Some(&Value::Array(
            vec![opentelemetry::StringValue::from("stop")].into()
        ))
    );
    assert_eq!(generate.f64_attr("crux.cost"), Some(0.00042));

    // One trace.
    assert!(spans
        .iter()
        .all(|s| s.span_context.trace_id() == flow.span_context.trace_id()));
}

#[crux::flow(id = "outer-1")]
async fn outer_flow() {
    inner_flow().await;
}

#[crux::flow(name = name)]
async fn inner_flow_named(name: &str) -> Option<String> {
    crux::flow::current_id()
}

#[crux::flow]
async fn inner_flow() {
    inner_flow_named("dynamic").await;
}

#[tokio::test]
async fn nested_flows_carry_the_parent_flow_id() {
    let capture = capture();
    outer_flow().await;
    let flows = capture.named("crux.flow");
    assert_eq!(flows.len(), 3);
    let by_name = |n: &str| {
        flows
            .iter()
            .find(|f| text(f, "crux.flow.name") == n)
            .unwrap()
            .clone()
    };
    let outer = by_name("outer_flow");
    let inner = by_name("inner_flow");
    let named = by_name("dynamic");
    assert_eq!(text(&outer, "crux.flow.id"), "outer-1");
    assert_eq!(text(&inner, "crux.flow.parent_id"), "outer-1");
    assert_eq!(
        text(&named, "crux.flow.parent_id"),
        text(&inner, "crux.flow.id")
    );
    assert_eq!(text(&named, "gen_ai.workflow.name"), "dynamic");
    assert_keys_registered(&flows);
}

#[crux::generate(provider = provider, model = "claude-sonnet-4", operation = "text_completion", stream, seed = 7, stop_sequences = ["\n\n"])]
fn raw_call(provider: &str) -> String {
    let span = crux::Span::current();
    span.record_usage(&crux::Usage::new(5, 6).with_cache_creation(3));
    span.record_finish_reasons(["length"]);
    span.record_cost(0.5);
    "ok".into()
}

#[test]
fn generate_records_through_the_span_handle() {
    let capture = capture();
    raw_call("anthropic");
    let span = capture.one("crux.generate");
    assert_eq!(text(&span, "gen_ai.operation.name"), "text_completion");
    assert_eq!(text(&span, "gen_ai.provider.name"), "anthropic");
    assert_eq!(text(&span, "gen_ai.system"), "anthropic");
    assert_eq!(span.bool_attr("gen_ai.request.stream"), Some(true));
    assert_eq!(span.i64_attr("gen_ai.request.seed"), Some(7));
    assert_eq!(
        span.i64_attr("gen_ai.usage.cache_creation.input_tokens"),
        Some(3)
    );
    assert_eq!(span.f64_attr("crux.cost"), Some(0.5));
    assert_eq!(
        text(&span, "gen_ai.response.finish_reasons"),
        r#"["length"]"#
    );
    assert_keys_registered(&[span]);
}

#[crux::tool(attributes(app.tier = tier, "app.region" = "eu-west-1", gen_ai.agent.name = "support"))]
fn with_attributes(tier: &str) {}

#[test]
fn attributes_arguments_and_builder_attributes() {
    let capture = crux::testing::capture_with(
        crux::Telemetry::builder().attribute("app.deployment", "canary"),
    );
    with_attributes("gold");
    let span = capture.one("crux.tool.with_attributes");
    assert_eq!(text(&span, "app.tier"), "gold");
    assert_eq!(text(&span, "app.region"), "eu-west-1");
    assert_eq!(text(&span, "gen_ai.agent.name"), "support");
    assert_eq!(text(&span, "app.deployment"), "canary");
}

#[test]
fn genai_naming_renames_spans_not_keys() {
    let capture = crux::testing::capture_with(
        crux::Telemetry::builder().span_naming(crux::SpanNaming::GenAi),
    );
    raw_call("anthropic");
    refund("c1", 1);
    assert_eq!(
        capture.one("text_completion claude-sonnet-4").span_kind,
        SpanKind::Client
    );
    let tool = capture.one("execute_tool refund");
    assert_eq!(text(&tool, "crux.tool.name"), "refund");
}

#[test]
fn telemetry_off_records_nothing_and_still_runs() {
    let capture = capture();
    crux::set_enabled(false);
    assert_eq!(refund("c", 3), 3);
    crux::set_enabled(true);
    assert!(capture.spans().is_empty());
    refund("c", 3);
    assert_eq!(capture.spans().len(), 1);
}

/// Counts how often crux looks at a returned value.
static INSPECTED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct Inspected;

impl crux::ToolOutput for Inspected {
    fn output_size(&self) -> usize {
        INSPECTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        1
    }
    fn model_output(&self) -> crux::ModelOutput {
        crux::ModelOutput::text("x")
    }
}

impl crux::retrieval::Retrieved for Inspected {
    fn result_count(&self) -> usize {
        INSPECTED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        1
    }
}

#[crux::tool]
fn declared() -> Inspected {
    Inspected
}

#[crux::retrieval]
fn retrieved() -> Result<Inspected, std::io::Error> {
    Ok(Inspected)
}

#[test]
fn telemetry_off_never_inspects_the_returned_value() {
    use std::sync::atomic::Ordering::Relaxed;
    let capture = capture();
    crux::set_enabled(false);
    let _ = (declared(), retrieved());
    crux::set_enabled(true);
    assert_eq!(INSPECTED.load(Relaxed), 0);
    let _ = (declared(), retrieved());
    assert_eq!(INSPECTED.load(Relaxed), 2, "inspected once each when on");
    assert_eq!(capture.spans().len(), 2);
}

/// What LLM backends classify a span by (issue 14): one OpenInference kind per family,
/// and MLflow's own type on model calls so a chat stays a chat there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_span_carries_its_openinference_kind() {
    let capture = capture();
    support("where is my order?").await.unwrap();
    raw_call("anthropic");
    let expected = [
        ("crux.flow", "CHAIN"),
        ("crux.flow.step", "CHAIN"),
        ("crux.tool.refund", "TOOL"),
        ("crux.tool.lookup_order", "TOOL"),
        ("crux.generate", "LLM"),
    ];
    for span in capture.spans() {
        let kind = expected
            .iter()
            .find(|(name, _)| *name == span.name)
            .map(|(_, kind)| *kind)
            .unwrap_or_else(|| panic!("unexpected span {}", span.name));
        assert_eq!(
            text(&span, "openinference.span.kind"),
            kind,
            "{}",
            span.name
        );
    }
    let generates = capture.named("crux.generate");
    let chat = generates
        .iter()
        .find(|g| text(g, "gen_ai.operation.name") == "chat")
        .unwrap();
    assert_eq!(text(chat, "mlflow.spanType"), "CHAT_MODEL");
    assert_eq!(text(chat, "mlflow.llm.cost"), r#"{"total_cost":0.00042}"#);
    let completion = generates
        .iter()
        .find(|g| text(g, "gen_ai.operation.name") == "text_completion")
        .unwrap();
    assert_eq!(text(completion, "mlflow.spanType"), "LLM");
}

#[derive(serde::Serialize)]
struct Ticket<'a> {
    id: &'a str,
    text: &'a str,
}

struct Answer;

impl crux::ModelResponse for Answer {
    fn output_messages(&self) -> Vec<crux::Message> {
        vec![crux::Message::assistant("Your parcel arrives Monday.").with_finish_reason("stop")]
    }
}

#[crux::generate(provider = "openai", model = "gpt-4o",
                 messages = [crux::Message::user("earlier"), crux::Message::assistant("ok"), crux::Message::user(question)])]
fn answer(question: &str) -> Answer {
    Answer
}

#[crux::flow(name = "ticket")]
fn ticket_flow(ticket: &Ticket<'_>) -> Result<String, ApiError> {
    answer(ticket.text);
    Ok("Your parcel arrives Monday.".to_owned())
}

#[crux::agent(name = "support", session_id = session, user_id = "u-1",
              metadata(channel = "chat", tier = "gold"), tags("vip", "eu"))]
fn support_run(session: &str, question: &str) -> String {
    ticket_flow(&Ticket {
        id: "T-9",
        text: question,
    })
    .unwrap()
}

/// With content capture on, a run's and a flow's input and output and a model call's
/// prompt and answer are what backends show as the trace's request and response; the
/// run's metadata and tags are there in OpenInference's keys.
#[test]
fn trace_input_output_metadata_and_tags_for_llm_backends() {
    let capture = crux::testing::capture_with(crux::Telemetry::builder().capture_content(true));
    support_run("s-1", "where is my parcel?");
    let run = capture.one("crux.run");
    assert_eq!(text(&run, "openinference.span.kind"), "AGENT");
    assert_eq!(
        text(&run, "input.value"),
        r#"{"question":"where is my parcel?","session":"s-1"}"#
    );
    assert_eq!(text(&run, "input.mime_type"), "application/json");
    assert_eq!(text(&run, "output.value"), "Your parcel arrives Monday.");
    assert_eq!(text(&run, "output.mime_type"), "text/plain");
    assert_eq!(
        text(&run, "metadata"),
        r#"{"channel":"chat","tier":"gold"}"#
    );
    assert_eq!(text(&run, "tag.tags"), r#"["vip","eu"]"#);

    let flow = capture.one("crux.flow");
    assert_eq!(
        text(&flow, "input.value"),
        r#"{"ticket":{"id":"T-9","text":"where is my parcel?"}}"#,
        "arguments by name, unless the only one is a string"
    );
    assert_eq!(text(&flow, "output.value"), "Your parcel arrives Monday.");

    let generate = capture.one("crux.generate");
    assert_eq!(
        text(&generate, "input.value"),
        "where is my parcel?",
        "the last user message"
    );
    assert_eq!(text(&generate, "input.mime_type"), "text/plain");
    assert_eq!(
        text(&generate, "output.value"),
        "Your parcel arrives Monday."
    );
    assert_keys_registered(&capture.spans());
}

#[test]
fn without_capture_no_input_or_output_is_recorded() {
    let capture = capture();
    support_run("s-1", "where is my parcel?");
    for span in capture.spans() {
        for key in [
            "input.value",
            "output.value",
            "input.mime_type",
            "output.mime_type",
        ] {
            assert!(span.attr(key).is_none(), "{key} on {}", span.name);
        }
    }
    assert_eq!(
        text(&capture.one("crux.run"), "tag.tags"),
        r#"["vip","eu"]"#
    );
}

#[test]
fn readable_naming_puts_labels_in_span_names() {
    let capture = crux::testing::capture_with(
        crux::Telemetry::builder().span_naming(crux::SpanNaming::Readable),
    );
    support_run("s-1", "where is my parcel?");
    refund_step();
    for name in [
        "crux.run support",
        "crux.flow ticket",
        "crux.generate gpt-4o",
        "crux.flow.step refund_step",
        "crux.tool.refund",
    ] {
        assert_eq!(capture.named(name).len(), 1, "{name}");
    }
}
