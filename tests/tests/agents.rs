//! Agent runs, use_reason, derived prompts and the attribute hooks, against the
//! in-memory exporter: names, parents, every attribute, every event, the counts.

use crux::testing::{capture, capture_with, EventExt, SpanDataExt};
use crux::{Checkpoint, ModelResponse, Usage};
use crux_tests::{assert_keys_registered, text};
use opentelemetry::trace::SpanId;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

struct Pass {
    usage: Usage,
    tools: usize,
    reason: &'static str,
}

impl ModelResponse for Pass {
    fn usage(&self) -> Option<Usage> {
        Some(self.usage)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        vec![self.reason]
    }
    fn tool_calls(&self) -> Option<usize> {
        Some(self.tools)
    }
    fn cost_usd(&self) -> Option<f64> {
        Some(0.25)
    }
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
async fn pass(input: u64, tools: usize) -> Result<Pass, std::io::Error> {
    let reason = if tools > 0 { "tool_calls" } else { "stop" };
    Ok(Pass {
        usage: Usage::new(input, 10).with_cache_read(input / 2),
        tools,
        reason,
    })
}

#[crux::tool]
fn search(query: &str) -> Result<String, std::io::Error> {
    if query == "fail" {
        return Err(std::io::Error::other("backend down"));
    }
    Ok(format!("results for {query}"))
}

#[derive(crux::Prompt)]
#[prompt(name = "triage", kind = "chat", source = "store")]
struct Triage<'a, T: std::fmt::Display> {
    #[prompt(version)]
    version: String,
    #[prompt(attribute = "app.candidate.id")]
    candidate: i64,
    #[prompt(variable)]
    question: &'a str,
    #[prompt(metadata = "owner")]
    owner: &'a str,
    #[prompt(skip)]
    secret: T,
}

#[crux::use_reason(id = "triage-1", provider = "openai", model = "gpt-4o",
    telemetry(operation = "triage", prompt = prompt, tags("vip", "eu"), metadata(queue = "billing", attempt = 2)))]
async fn reason<T: std::fmt::Display>(prompt: &Triage<'_, T>) -> Result<String, std::io::Error> {
    // Pass 1 asks for two tools, pass 2 for one, pass 3 answers.
    pass(100, 2).await?;
    let _ = search("tea");
    let _ = search("fail");
    pass(200, 1).await?;
    let _ = search("cups");
    pass(300, 0).await?;
    Ok(prompt.secret.to_string())
}

#[crux::flow_step(label = "answer")]
async fn step<T: std::fmt::Display>(prompt: &Triage<'_, T>) -> Result<String, std::io::Error> {
    reason(prompt).await
}

#[crux::flow(name = "support")]
async fn flow<T: std::fmt::Display>(prompt: &Triage<'_, T>) -> Result<String, std::io::Error> {
    step(prompt).await
}

#[crux::agent(name = "helpdesk", session_id = session, user_id = "u-7", tenant_id = tenant,
    metadata(accountId = "acct-9", plan = "pro"), tags("support", tag))]
async fn run<T: std::fmt::Display>(
    session: Option<&str>,
    tenant: &str,
    tag: &str,
    prompt: &Triage<'_, T>,
) -> Result<String, std::io::Error> {
    flow(prompt).await
}

fn triage() -> Triage<'static, &'static str> {
    Triage {
        version: "v3".into(),
        candidate: 42,
        question: "why?",
        owner: "growth",
        secret: "hunter2",
    }
}

#[tokio::test]
async fn run_use_reason_and_generate_nest_with_every_attribute() {
    let capture = capture_with(crux::Telemetry::builder().map_prompt_metadata(|identity| {
        identity
            .metadata
            .iter()
            .map(|(k, v)| opentelemetry::KeyValue::new(format!("app.prompt.{k}"), v.clone()))
            .collect()
    }));
    run(Some("chat-1"), "acme", "refunds", &triage())
        .await
        .unwrap();
    let spans = capture.spans();
    assert_keys_registered(&spans);

    let run = capture.one("crux.run");
    assert_eq!(run.parent_span_id, SpanId::INVALID);
    assert!(text(&run, "crux.run.id").starts_with("run_"));
    assert_eq!(text(&run, "gen_ai.operation.name"), "invoke_agent");
    assert_eq!(text(&run, "gen_ai.agent.name"), "helpdesk");
    assert_eq!(text(&run, "session.id"), "chat-1");
    assert_eq!(text(&run, "gen_ai.conversation.id"), "chat-1");
    assert_eq!(text(&run, "crux.session.id"), "chat-1");
    assert_eq!(text(&run, "user.id"), "u-7");
    assert_eq!(text(&run, "crux.tenant.id"), "acme");
    assert_eq!(text(&run, "crux.trace.metadata.accountId"), "acct-9");
    assert_eq!(text(&run, "crux.trace.metadata.plan"), "pro");
    assert_eq!(text(&run, "crux.trace.tags"), r#"["support","refunds"]"#);
    assert!(run.attr("crux.run.awaiting_human_input").is_none());

    // generate under use_reason under step under flow under run
    let flow = capture.one("crux.flow");
    let step = capture.one("crux.flow.step");
    let reason = capture.one("crux.use_reason");
    assert_eq!(flow.parent_span_id, run.span_context.span_id());
    assert_eq!(step.parent_span_id, flow.span_context.span_id());
    assert_eq!(reason.parent_span_id, step.span_context.span_id());
    let (generates, tools) = (
        capture.named("crux.generate"),
        capture.named("crux.tool.search"),
    );
    assert!(!generates.is_empty() && !tools.is_empty());
    for span in generates.iter().chain(&tools) {
        assert_eq!(span.parent_span_id, reason.span_context.span_id());
    }

    assert_eq!(text(&reason, "crux.reason.id"), "triage-1");
    // An agent's loop for the GenAI conventions (a model call's `chat` would make
    // backends count it as one); its own operation under crux's key.
    assert_eq!(text(&reason, "gen_ai.operation.name"), "invoke_agent");
    assert_eq!(text(&reason, "crux.reason.operation"), "triage");
    assert_eq!(text(&reason, "openinference.span.kind"), "AGENT");
    assert_eq!(text(&reason, "gen_ai.provider.name"), "openai");
    assert_eq!(text(&reason, "gen_ai.request.model"), "gpt-4o");
    assert_eq!(text(&reason, "gen_ai.prompt.name"), "triage");
    assert_eq!(text(&reason, "crux.prompt.name"), "triage");
    assert_eq!(text(&reason, "gen_ai.prompt.version"), "v3");
    assert_eq!(text(&reason, "crux.prompt.version"), "v3");
    assert_eq!(text(&reason, "crux.prompt.type"), "chat");
    assert_eq!(text(&reason, "crux.prompt.source"), "store");
    assert_eq!(reason.i64_attr("app.candidate.id"), Some(42));
    assert_eq!(
        text(&reason, "app.prompt.owner"),
        "growth",
        "map_prompt_metadata"
    );
    assert_eq!(text(&reason, "crux.trace.tags"), r#"["vip","eu"]"#);
    assert_eq!(text(&reason, "crux.trace.metadata.queue"), "billing");
    assert_eq!(reason.i64_attr("crux.trace.metadata.attempt"), Some(2));
    assert!(
        reason.attr("gen_ai.prompt.variable.question").is_none(),
        "variables only with input capture"
    );
    assert!(
        !reason
            .attributes
            .iter()
            .any(|kv| kv.value.as_str().contains("hunter2")),
        "skip is never recorded"
    );

    // Usage summed over the three passes (under crux's keys: backends adding up
    // `gen_ai.usage.*` would count the passes twice), finish reasons of the last.
    assert_eq!(reason.i64_attr("crux.reason.usage.input_tokens"), Some(600));
    assert_eq!(reason.i64_attr("crux.reason.usage.output_tokens"), Some(30));
    assert_eq!(
        reason.i64_attr("crux.reason.usage.cache_read.input_tokens"),
        Some(300)
    );
    assert!(
        !reason
            .attributes
            .iter()
            .any(|kv| kv.key.as_str().starts_with("gen_ai.usage.")),
        "no model-call usage on the wrapper"
    );
    assert_eq!(reason.f64_attr("crux.cost"), Some(0.75));
    assert_eq!(
        text(&reason, "gen_ai.response.finish_reasons"),
        r#"["stop"]"#
    );
    // The tool loop: two steps, three calls, three results (one of them an error).
    assert_eq!(reason.i64_attr("crux.tool.call.count"), Some(3));
    assert_eq!(reason.i64_attr("crux.tool.result.count"), Some(3));
    assert_eq!(reason.i64_attr("crux.tool.step.count"), Some(2));
    let names: Vec<&str> = reason.events.iter().map(|e| e.name.as_ref()).collect();
    assert_eq!(
        names,
        [
            "use_reason.first-pass.complete",
            "use_reason.tool-step.start",
            "use_reason.tool-call.start",
            "use_reason.tool-call.complete",
            "use_reason.tool-call.start",
            "use_reason.tool-call.error",
            "use_reason.tool-step.start",
            "use_reason.tool-call.start",
            "use_reason.tool-call.complete",
        ]
    );
    // The tool loop's events, after the first pass completed.
    let ev: Vec<&opentelemetry::trace::Event> = reason.events.iter().skip(1).collect();
    let i64_of = |e: &opentelemetry::trace::Event, k: &str| {
        e.attributes
            .iter()
            .find(|kv| kv.key.as_str() == k)
            .map(|kv| kv.value.clone())
    };
    assert_eq!(
        i64_of(ev[0], "crux.tool.step.index"),
        Some(opentelemetry::Value::I64(0))
    );
    assert_eq!(
        i64_of(ev[0], "crux.tool.count"),
        Some(opentelemetry::Value::I64(2))
    );
    assert_eq!(
        i64_of(ev[5], "crux.tool.step.index"),
        Some(opentelemetry::Value::I64(1))
    );
    assert_eq!(
        i64_of(ev[5], "crux.tool.count"),
        Some(opentelemetry::Value::I64(1))
    );
    assert_eq!(
        ev[1].str_attr("gen_ai.tool.name").as_deref(),
        Some("search")
    );
    let failed_call = capture
        .named("crux.tool.search")
        .into_iter()
        .find(|s| s.error_description().is_some())
        .unwrap();
    assert_eq!(
        ev[4].str_attr("gen_ai.tool.call.id"),
        failed_call.str_attr("crux.tool.call_id")
    );
    assert_eq!(
        i64_of(ev[4], "crux.tool.is_error"),
        Some(opentelemetry::Value::Bool(true))
    );
    assert_eq!(
        i64_of(ev[2], "crux.tool.is_error"),
        Some(opentelemetry::Value::Bool(false))
    );
}

#[tokio::test]
async fn no_session_no_conversation_id() {
    let capture = capture();
    run(None, "acme", "x", &triage()).await.unwrap();
    let run = capture.one("crux.run");
    assert!(run.attr("session.id").is_none());
    assert!(
        run.attr("gen_ai.conversation.id").is_none(),
        "never invented"
    );
}

#[crux::flow(name = "approval", resume = checkpoint)]
async fn approval(checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    crux::flow::suspend("approve").ok()
}

#[crux::agent(name = "approver")]
async fn approver() -> Option<Checkpoint> {
    approval(None).await
}

#[tokio::test]
async fn a_run_whose_flow_suspended_awaits_human_input() {
    let capture = capture();
    approver().await.unwrap();
    assert_eq!(
        capture
            .one("crux.run")
            .bool_attr("crux.run.awaiting_human_input"),
        Some(true)
    );
}

/// A reasoning call that suspends after its first pass and, once resumed, makes a second.
#[crux::use_reason(provider = "openai", model = "gpt-4o")]
async fn resumable_reason(resumed: bool) -> Option<Checkpoint> {
    if !resumed {
        pass(100, 0).await.unwrap();
        return crux::flow::suspend("await_human").ok();
    }
    pass(40, 0).await.unwrap();
    None
}

#[crux::flow(name = "hitl", resume = checkpoint)]
async fn hitl(checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    resumable_reason(checkpoint.is_some()).await
}

#[tokio::test]
async fn after_a_resume_usage_is_never_counted_twice() {
    let capture = capture();
    let checkpoint = hitl(None).await.unwrap();
    hitl(Some(&checkpoint)).await;
    let reasons = capture.named("crux.use_reason");
    assert_eq!(reasons.len(), 2);
    let inputs: Vec<_> = reasons
        .iter()
        .map(|r| r.i64_attr("crux.reason.usage.input_tokens").unwrap())
        .collect();
    assert_eq!(
        inputs,
        [100, 40],
        "each reasoning span counts only its own model calls"
    );
    let generated: i64 = capture
        .named("crux.generate")
        .iter()
        .map(|g| g.i64_attr("gen_ai.usage.input_tokens").unwrap())
        .sum();
    assert_eq!(inputs.iter().sum::<i64>(), generated);
}

#[crux::use_reason(telemetry = telemetry)]
async fn with_telemetry_value(telemetry: &crux::ReasonTelemetry) {
    pass(1, 0).await.unwrap();
}

#[tokio::test]
async fn telemetry_as_an_expression() {
    let capture = capture();
    let telemetry = crux::ReasonTelemetry::new()
        .operation("summarize")
        .prompt(&triage())
        .tag("batch")
        .metadata("job", "nightly");
    with_telemetry_value(&telemetry).await;
    let reason = capture.one("crux.use_reason");
    assert_eq!(text(&reason, "crux.reason.operation"), "summarize");
    assert_eq!(text(&reason, "gen_ai.operation.name"), "invoke_agent");
    assert_eq!(text(&reason, "gen_ai.prompt.name"), "triage");
    assert_eq!(text(&reason, "crux.trace.tags"), r#"["batch"]"#);
    assert_eq!(text(&reason, "crux.trace.metadata.job"), "nightly");
}

#[tokio::test]
async fn map_attributes_sees_each_phase_once_per_span_and_its_renames_win() {
    let seen: Arc<Mutex<HashMap<(String, crux::hooks::Phase), usize>>> = Arc::default();
    let record = seen.clone();
    let capture = capture_with(crux::Telemetry::builder().map_attributes(
        move |phase, span, attrs| {
            *record
                .lock()
                .unwrap()
                .entry((span.to_owned(), phase))
                .or_default() += 1;
            match phase {
                crux::hooks::Phase::Start => {
                    attrs.rename("crux.trace.metadata.accountId", "app.account.id");
                    attrs.set("app.mapped_at_start", true);
                }
                crux::hooks::Phase::End => attrs.set("app.mapped_at_end", true),
                crux::hooks::Phase::Error => attrs.set("app.error_seen", true),
                crux::hooks::Phase::Event => attrs.set("app.event_seen", true),
            }
        },
    ));
    run(Some("s"), "acme", "x", &triage()).await.unwrap();
    let seen = seen.lock().unwrap();
    use crux::hooks::Phase::*;
    for span in capture.spans() {
        let name = span.name.to_string();
        assert_eq!(
            seen.get(&(name.clone(), Start)),
            Some(&(capture.named(&name).len())),
            "{name} start"
        );
        assert_eq!(
            seen.get(&(name.clone(), End)),
            Some(&(capture.named(&name).len())),
            "{name} end"
        );
        assert_eq!(span.bool_attr("app.mapped_at_start"), Some(true), "{name}");
        assert_eq!(span.bool_attr("app.mapped_at_end"), Some(true), "{name}");
    }
    let run = capture.one("crux.run");
    assert_eq!(text(&run, "app.account.id"), "acct-9", "the rename wins");
    assert!(run.attr("crux.trace.metadata.accountId").is_none());
    // One error (the failing search): error phase once; events mapped once each.
    assert_eq!(seen.get(&("crux.tool.search".to_owned(), Error)), Some(&1));
    let failed = capture
        .named("crux.tool.search")
        .into_iter()
        .find(|s| s.error_description().is_some())
        .unwrap();
    assert_eq!(failed.bool_attr("app.error_seen"), Some(true));
    let reason = capture.one("crux.use_reason");
    assert!(reason.events.iter().all(|e| e
        .attributes
        .iter()
        .any(|kv| kv.key.as_str() == "app.event_seen")));
    let event_calls: usize = seen
        .iter()
        .filter(|((_, p), _)| *p == Event)
        .map(|(_, n)| n)
        .sum();
    let events: usize = capture.spans().iter().map(|s| s.events.len()).sum();
    assert_eq!(event_calls, events);
    // Usage recorded by the ModelResponse went through the end phase.
    assert!(capture
        .named("crux.generate")
        .iter()
        .all(|g| g.i64_attr("gen_ai.usage.input_tokens").is_some()));
}

#[tokio::test]
async fn span_start_and_end_hooks_see_every_crux_span() {
    let started = Arc::new(Mutex::new(Vec::new()));
    let ended = Arc::new(Mutex::new(Vec::new()));
    let (s, e) = (started.clone(), ended.clone());
    let capture = capture_with(
        crux::Telemetry::builder()
            .on_span_start(move |info| s.lock().unwrap().push(info.span_id.clone()))
            .on_span_end(move |info| e.lock().unwrap().push(info.span_id.clone())),
    );
    run(Some("s"), "acme", "x", &triage()).await.unwrap();
    let ids: std::collections::HashSet<String> = capture
        .spans()
        .iter()
        .map(|s| s.span_context.span_id().to_string())
        .collect();
    let started: std::collections::HashSet<String> =
        started.lock().unwrap().iter().cloned().collect();
    let ended: std::collections::HashSet<String> = ended.lock().unwrap().iter().cloned().collect();
    assert_eq!(started, ids);
    assert_eq!(ended, ids);
}

#[crux::tool]
fn leaky(customer: &str) -> Result<(), std::io::Error> {
    Err(std::io::Error::other(format!("no account for {customer}")))
}

#[test]
fn the_error_phase_can_redact_the_error_message_everywhere() {
    let capture = capture_with(
        crux::Telemetry::builder().map_attributes(|phase, _, attrs| {
            if phase == crux::hooks::Phase::Error {
                attrs.set("exception.message", "[redacted]");
            }
        }),
    );
    let _ = leaky("dana@example.com");
    let span = capture.one("crux.tool.leaky");
    assert_eq!(span.error_description().as_deref(), Some("[redacted]"));
    assert_eq!(
        span.event("exception")
            .unwrap()
            .str_attr("exception.message")
            .as_deref(),
        Some("[redacted]")
    );
    assert!(
        span.attr("exception.message").is_none(),
        "not a span attribute"
    );
    assert_eq!(text(&span, "error.type"), "std::io::error::Error");
    assert!(!format!("{span:?}").contains("dana@example.com"));
}

#[tokio::test]
async fn every_span_of_a_run_carries_its_identity_and_model_calls_their_prompt() {
    let capture = capture();
    run(Some("chat-9"), "acme", "refunds", &triage())
        .await
        .unwrap();
    // A tool four levels below crux.run (flow, step, use_reason, tool).
    let tool = &capture.named("crux.tool.search")[0];
    assert_eq!(text(tool, "session.id"), "chat-9");
    assert_eq!(text(tool, "gen_ai.conversation.id"), "chat-9");
    assert_eq!(text(tool, "user.id"), "u-7");
    assert_eq!(text(tool, "crux.tenant.id"), "acme");
    assert_eq!(text(tool, "crux.trace.metadata.accountId"), "acct-9");
    assert_eq!(text(tool, "crux.trace.tags"), r#"["support","refunds"]"#);
    // The use_reason's own tags win over the run's.
    let reason = capture.one("crux.use_reason");
    assert_eq!(text(&reason, "crux.trace.tags"), r#"["vip","eu"]"#);
    assert_eq!(text(&reason, "session.id"), "chat-9");
    // Model calls inside a use_reason with a prompt carry the prompt's identity.
    for generate in capture.named("crux.generate") {
        assert_eq!(text(&generate, "gen_ai.prompt.name"), "triage");
        assert_eq!(text(&generate, "crux.prompt.version"), "v3");
        assert_eq!(text(&generate, "gen_ai.prompt.type"), "chat");
    }
}

#[tokio::test]
async fn identity_on_every_span_can_be_turned_off() {
    let capture = capture_with(crux::Telemetry::builder().identity_on_every_span(false));
    run(Some("chat-9"), "acme", "refunds", &triage())
        .await
        .unwrap();
    let tool = &capture.named("crux.tool.search")[0];
    assert!(tool.attr("session.id").is_none());
    assert!(tool.attr("user.id").is_none());
    assert_eq!(text(&capture.one("crux.run"), "session.id"), "chat-9");
}

/// A reasoning call cut by a human-in-the-loop pause, and taken up after the resume.
#[crux::use_reason(provider = "openai", model = "gpt-4o")]
async fn approve_refund(resumed: bool) -> Option<Checkpoint> {
    pass(50, 0).await.ok()?;
    if resumed {
        return None;
    }
    crux::flow::suspend("manager_approval").ok()
}

#[crux::flow(name = "refund_with_reasoning", resume = checkpoint)]
async fn refund_flow(checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    approve_refund(checkpoint.is_some()).await
}

#[tokio::test]
async fn a_use_reason_cut_by_a_suspend_is_marked_and_the_resumed_one_continues() {
    let capture = capture();
    let checkpoint = refund_flow(None).await.expect("suspended");
    let cut = capture.one("crux.use_reason");
    assert_eq!(cut.attr("crux.use_reason.interrupted"), Some(&true.into()));
    assert!(cut.event("use_reason.first-pass.complete").is_some());
    assert!(cut.event("use_reason.interrupt").is_some());
    assert!(cut
        .attr("crux.use_reason.resumed_from_checkpoint")
        .is_none());
    capture.clear();

    refund_flow(Some(&checkpoint)).await;
    let resumed = capture.one("crux.use_reason");
    assert_eq!(
        resumed.attr("crux.use_reason.resumed_from_checkpoint"),
        Some(&true.into())
    );
    let event = resumed.event("use_reason.resume").expect("resume event");
    assert_eq!(
        event.str_attr("crux.flow.suspend_point").as_deref(),
        Some("manager_approval")
    );
    assert!(resumed.event("use_reason.continuation.complete").is_some());
    assert!(resumed.event("use_reason.first-pass.complete").is_none());
    assert!(resumed.attr("crux.use_reason.interrupted").is_none());
}
