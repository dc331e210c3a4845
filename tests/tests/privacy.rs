//! Content capture and privacy, on the example's own support agent: with capture off no
//! attribute, event, status or link anywhere holds the prompt, the completion, a tool
//! argument or a tool result (sentinel strings); with it on they are there, cut at the cap.

use crux::testing::{capture_with, SpanDataExt};
use crux_examples::support::{call, SupportAgent, Ticket};
use crux_examples::{Answer, ScriptedModel};
use opentelemetry_sdk::trace::SpanData;
use std::collections::HashMap;

const PROMPT: &str = "SENTINEL-PROMPT-4471";
const COMPLETION: &str = "SENTINEL-COMPLETION-9012";
const ARGUMENT: &str = "SENTINEL-ARG-3318";
const RESULT: &str = "SENTINEL-RESULT-5560";

fn agent() -> (SupportAgent, Ticket) {
    let agent = SupportAgent {
        orders: HashMap::from([(ARGUMENT, (RESULT, 1234))]),
        model: ScriptedModel::new([
            Answer::Text("refund_request".into()),
            Answer::ToolCalls(vec![call("call_1", "lookup_order", ARGUMENT)]),
            Answer::Text(format!("{COMPLETION} your refund is on its way")),
        ]),
    };
    let ticket = Ticket {
        id: "T-1".into(),
        session: "chat-1".into(),
        customer: "dana@example.com".into(),
        text: format!("{PROMPT}: my order is {ARGUMENT}"),
    };
    (agent, ticket)
}

/// Every string crux put anywhere on the spans.
fn every_value(spans: &[SpanData]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for s in spans {
        let mut push = |k: &str, v: String| out.push((s.name.to_string(), k.to_owned(), v));
        push("name", s.name.to_string());
        for kv in &s.attributes {
            push(kv.key.as_str(), kv.value.as_str().into_owned());
        }
        for e in s.events.iter() {
            push(&e.name, e.name.to_string());
            for kv in &e.attributes {
                push(kv.key.as_str(), kv.value.as_str().into_owned());
            }
        }
        for l in s.links.iter() {
            for kv in &l.attributes {
                push(kv.key.as_str(), kv.value.as_str().into_owned());
            }
        }
        if let Some(d) = s.error_description() {
            push("status", d);
        }
    }
    out
}

async fn run_agent(builder: crux::TelemetryBuilder) -> Vec<SpanData> {
    let capture = capture_with(builder);
    let (agent, ticket) = agent();
    let reply = agent.handle(&ticket).await.unwrap();
    assert!(
        reply.contains(COMPLETION),
        "the agent really saw the sentinels"
    );
    capture.spans()
}

#[tokio::test]
async fn with_capture_off_no_content_is_recorded_anywhere() {
    let spans = run_agent(crux::Telemetry::builder().capture_content(false)).await;
    assert!(spans.len() > 10);
    for (span, key, value) in every_value(&spans) {
        for sentinel in [PROMPT, COMPLETION, ARGUMENT, RESULT] {
            assert!(
                !value.contains(sentinel),
                "{span} {key} leaks {sentinel}: {value}"
            );
        }
    }
    // The privacy-safe metadata is still there.
    let tool = spans
        .iter()
        .find(|s| s.name == "crux.tool.lookup_order")
        .unwrap();
    assert_eq!(
        tool.str_attr("crux.tool.model_output.type").as_deref(),
        Some("text")
    );
    let size = tool.i64_attr("crux.tool.output.size").unwrap();
    assert_eq!(
        size as usize,
        format!("order {ARGUMENT}: {RESULT}, paid $12.34")
            .chars()
            .count()
    );
}

#[tokio::test]
async fn with_capture_on_content_is_recorded_and_cut_at_the_cap() {
    let spans = run_agent(crux::Telemetry::builder().capture_content(true)).await;
    let values = every_value(&spans);
    let holds = |key: &str, sentinel: &str| {
        values
            .iter()
            .any(|(_, k, v)| k == key && v.contains(sentinel))
    };
    assert!(holds("gen_ai.input.messages", PROMPT));
    assert!(holds("gen_ai.output.messages", COMPLETION));
    assert!(holds(
        "gen_ai.system_instructions",
        "support agent of Parcel"
    ));
    assert!(holds("gen_ai.tool.call.arguments", ARGUMENT));
    assert!(holds("gen_ai.tool.call.result", RESULT));
    assert!(holds("gen_ai.prompt.variable.ticket_text", PROMPT));
    let tool = spans
        .iter()
        .find(|s| s.name == "crux.tool.lookup_order")
        .unwrap();
    let args: serde_json::Value =
        serde_json::from_str(&tool.str_attr("gen_ai.tool.call.arguments").unwrap()).unwrap();
    assert_eq!(args["order"], ARGUMENT);
    assert_eq!(args["call_id"], "call_1");
    let output: serde_json::Value = serde_json::from_str(
        &spans
            .iter()
            .filter(|s| s.name == "crux.generate")
            .filter_map(|s| s.str_attr("gen_ai.output.messages"))
            .next_back()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(output[0]["role"], "assistant");
    assert_eq!(output[0]["parts"][0]["type"], "text");
    assert_eq!(output[0]["finish_reason"], "stop");

    let cap = 48;
    let spans = run_agent(
        crux::Telemetry::builder()
            .capture_content(true)
            .max_content_length(cap),
    )
    .await;
    let content_keys = [
        "gen_ai.input.messages",
        "gen_ai.output.messages",
        "gen_ai.system_instructions",
        "gen_ai.tool.call.arguments",
        "gen_ai.tool.call.result",
        "gen_ai.prompt.variable.ticket_text",
    ];
    let mut cut = 0;
    for span in &spans {
        for key in content_keys {
            if let Some(v) = span.str_attr(key) {
                assert!(
                    v.chars().count() <= cap,
                    "{} {key} is {} chars",
                    span.name,
                    v.chars().count()
                );
                if span.bool_attr("crux.truncated") == Some(true) {
                    cut += 1;
                }
            }
        }
    }
    assert!(cut >= 4, "long content is marked truncated ({cut})");
}

#[tokio::test]
async fn capture_per_side() {
    let spans = run_agent(
        crux::Telemetry::builder().capture_content(crux::CaptureContent {
            input: true,
            output: false,
        }),
    )
    .await;
    let values = every_value(&spans);
    assert!(values
        .iter()
        .any(|(_, k, v)| k == "gen_ai.input.messages" && v.contains(PROMPT)));
    // Output is not captured: no completion, no tool result as a result. (A tool result
    // fed back to the model is part of the next pass's input, so it may appear there.)
    assert!(!values.iter().any(|(_, _, v)| v.contains(COMPLETION)));
    assert!(!values
        .iter()
        .any(|(_, k, _)| k == "gen_ai.tool.call.result" || k == "gen_ai.output.messages"));
}

#[crux::generate(provider = "openai", model = "gpt-4o", messages = [crux::Message::user(prompt)])]
async fn ask(prompt: &str) -> String {
    prompt.to_owned()
}

#[crux::use_reason(telemetry(capture_content = capture))]
async fn reason_with(capture: bool, prompt: &str) -> String {
    ask(prompt).await
}

#[tokio::test]
async fn a_per_call_override_replaces_the_builder_setting() {
    let c = capture_with(crux::Telemetry::builder().capture_content(false));
    reason_with(true, PROMPT).await;
    assert!(c
        .one("crux.generate")
        .str_attr("gen_ai.input.messages")
        .unwrap()
        .contains(PROMPT));
    drop(c);
    let c = capture_with(crux::Telemetry::builder().capture_content(true));
    reason_with(false, PROMPT).await;
    assert!(c
        .one("crux.generate")
        .attr("gen_ai.input.messages")
        .is_none());
}
