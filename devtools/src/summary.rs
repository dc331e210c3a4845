//! What a developer looks for first, per span and per trace — the same one-line
//! summaries as crux's console tree (model, tokens, cost, finish reasons, tool call ids,
//! judge scores, ...), computed from stored attributes.

use crate::span::{SpanRecord, KIND_CLIENT, STATUS_ERROR};
use serde_json::Value;
use std::fmt::Write as _;

/// The usage a span adds to its trace's totals: input tokens, output tokens, cost (USD).
///
/// Only model calls (`CLIENT` spans) count tokens — a `crux.use_reason` span repeats the
/// sums of the calls inside it — and cost comes from model calls and `crux.cost.report`.
pub fn counted_usage(span: &SpanRecord) -> (Option<i64>, Option<i64>, Option<f64>) {
    let call = span.kind == KIND_CLIENT;
    let int = |k: &str| span.attr(k).and_then(Value::as_i64).filter(|_| call);
    let cost = span
        .attr("crux.cost")
        .and_then(Value::as_f64)
        .filter(|_| call || span.name == "crux.cost.report");
    (
        int("gen_ai.usage.input_tokens"),
        int("gen_ai.usage.output_tokens"),
        cost,
    )
}

/// The text of a JSON attribute value as the console prints it: strings bare, anything
/// else as JSON.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The one-line summary after a span's name, e.g. ` openai gpt-4o  tokens 104 in / 11 out
/// $0.00033  finish ["tool_calls"]` (empty when nothing is worth a glance).
pub fn span_summary(span: &SpanRecord) -> String {
    let mut d = String::new();
    let text = |k: &str| span.text(k).map(str::to_owned);
    let num = |k: &str| span.attr(k).and_then(Value::as_f64);
    let int = |k: &str| span.attr(k).and_then(Value::as_i64);
    if span.name.starts_with("crux.flow") || span.name.starts_with("invoke_workflow") {
        if span.name == "crux.flow" || span.name == "crux.flow.resume" {
            if let Some(name) = text("crux.flow.name") {
                let _ = write!(d, " {name}");
            }
        }
        if let Some(label) = text("crux.step.label") {
            let _ = write!(d, " {label}");
        }
        if let Some(id) = text("crux.flow.id").filter(|_| span.attr("crux.step.id").is_none()) {
            let _ = write!(d, " [{id}]");
        }
    }
    if span.attr("crux.run.id").is_some() {
        if let Some(agent) = text("gen_ai.agent.name") {
            let _ = write!(d, " {agent}");
        }
        if let Some(session) = text("session.id") {
            let _ = write!(d, " session={session}");
        }
        if span.attr("crux.run.awaiting_human_input") == Some(&Value::Bool(true)) {
            d.push_str(" [awaiting human input]");
        }
    }
    if let Some(waited) = int("crux.flow.suspended_ms") {
        let point = text("crux.flow.suspend_point").unwrap_or_default();
        let waited = format_duration_ns(waited.saturating_mul(1_000_000));
        let _ = write!(d, " resumed from {point} after {waited}");
    }
    if let Some(provider) = text("gen_ai.provider.name") {
        let _ = write!(d, " {provider}");
    }
    if let Some(model) = text("gen_ai.response.model")
        .or_else(|| text("gen_ai.request.model"))
        .or_else(|| text("crux.cost.model"))
    {
        let _ = write!(d, " {model}");
    }
    // A model call's usage, or a `use_reason`'s sums (under crux's keys).
    let usage = |genai: &str, reason: &str| span.attr(genai).or_else(|| span.attr(reason));
    if let (Some(i), Some(o)) = (
        usage(
            "gen_ai.usage.input_tokens",
            "crux.reason.usage.input_tokens",
        ),
        usage(
            "gen_ai.usage.output_tokens",
            "crux.reason.usage.output_tokens",
        ),
    ) {
        let _ = write!(d, "  tokens {} in / {} out", show(i), show(o));
    }
    if let (Some(cost), None) = (num("crux.cost"), span.attr("crux.cost.threshold")) {
        let _ = write!(d, "  ${cost:.5}");
    }
    if let Some(reasons) = span.attr("gen_ai.response.finish_reasons") {
        let _ = write!(d, "  finish {}", show(reasons));
    }
    if let Some(id) = text("crux.tool.call_id") {
        let _ = write!(d, " ({id})");
    }
    if let (Some(metric), Some(score)) = (text("crux.judge.metric"), num("crux.judge.score")) {
        let _ = write!(d, " {metric} = {score:.2}");
    }
    if let Some(op) = text("crux.memory.operation") {
        let kind = text("crux.memory.type")
            .map(|k| format!(" {k}"))
            .unwrap_or_default();
        let _ = write!(d, " {op}{kind}");
    }
    if let Some(action) = text("crux.corpus.action") {
        let _ = write!(d, " {action}");
    } else if span.name == "crux.corpus.sync" {
        let counts: Vec<String> = [
            "added",
            "changed",
            "unchanged",
            "stale",
            "skipped",
            "deleted",
            "failed",
        ]
        .iter()
        .filter_map(|k| {
            int(&format!("crux.corpus.{k}_count"))
                .filter(|n| *n > 0)
                .map(|n| format!("{k} {n}"))
        })
        .collect();
        let _ = write!(d, " {}", counts.join(", "));
    }
    if let Some(retriever) = text("crux.retriever.id") {
        let _ = write!(d, " {retriever}");
        if let Some(n) = int("crux.retrieval.result_count") {
            let _ = write!(d, "  {n} result{}", if n == 1 { "" } else { "s" });
        }
    }
    for key in ["crux.indexer.id", "crux.ingest.parser"] {
        if let Some(id) = text(key) {
            let _ = write!(d, " {id}");
        }
    }
    if let Some(n) = int("crux.embedding.dimensions") {
        let _ = write!(d, "  {n} dims");
    }
    if let Some(ratio) = num("crux.compaction.ratio") {
        let _ = write!(d, " ratio {ratio:.2}");
    }
    if let Some(agents) = int("crux.composition.agent_count") {
        let _ = write!(d, " {agents} agents");
    }
    match (num("crux.cost.total"), num("crux.cost.threshold")) {
        (Some(total), Some(threshold)) => {
            let _ = write!(d, " total ${total:.5} ≥ ${threshold:.5}");
        }
        (Some(total), None) if span.name.starts_with("crux.flow") => {
            let _ = write!(d, " total ${total:.5}");
        }
        _ => {}
    }
    if span.attr("crux.cancelled") == Some(&Value::Bool(true)) {
        d.push_str("  [cancelled]");
    }
    if span.status_code == STATUS_ERROR {
        let kind = text("error.type").unwrap_or_else(|| "error".into());
        let _ = write!(d, "  ✗ {kind}: {}", span.status_message);
    }
    d
}

/// A duration in a readable unit: `12µs`, `12.3ms`, `2.50s`.
pub fn format_duration_ns(ns: i64) -> String {
    let micros = ns as f64 / 1e3;
    if micros < 1_000.0 {
        format!("{micros:.0}µs")
    } else if micros < 1_000_000.0 {
        format!("{:.1}ms", micros / 1e3)
    } else {
        format!("{:.2}s", micros / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn span(name: &str, kind: i32, attributes: Value) -> SpanRecord {
        SpanRecord {
            trace_id: "0".repeat(32),
            span_id: "1".repeat(16),
            parent_span_id: String::new(),
            name: name.into(),
            kind,
            start_ns: 0,
            end_ns: 1,
            status_code: 0,
            status_message: String::new(),
            service: String::new(),
            attributes: attributes.as_object().cloned().unwrap_or_default(),
            events: vec![],
            links: vec![],
        }
    }

    #[test]
    fn a_model_call_shows_model_tokens_cost_and_finish_reasons() {
        let call = span(
            "crux.generate",
            KIND_CLIENT,
            json!({"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
                   "gen_ai.response.model": "gpt-4o-2024-07-18",
                   "gen_ai.usage.input_tokens": 104, "gen_ai.usage.output_tokens": 11,
                   "crux.cost": 0.00033, "gen_ai.response.finish_reasons": ["tool_calls"]}),
        );
        assert_eq!(
            span_summary(&call),
            r#" openai gpt-4o-2024-07-18  tokens 104 in / 11 out  $0.00033  finish ["tool_calls"]"#
        );
        assert_eq!(counted_usage(&call), (Some(104), Some(11), Some(0.00033)));
    }

    #[test]
    fn use_reason_repeats_usage_but_does_not_count_it() {
        let reason = span(
            "crux.use_reason",
            1,
            json!({"crux.reason.usage.input_tokens": 308, "crux.reason.usage.output_tokens": 40, "crux.cost": 0.001}),
        );
        assert!(span_summary(&reason).contains("tokens 308 in / 40 out"));
        assert_eq!(counted_usage(&reason), (None, None, None));
        // Older producers put the sums under the GenAI keys: shown, still not counted.
        let older = span(
            "crux.use_reason",
            1,
            json!({"gen_ai.usage.input_tokens": 308, "gen_ai.usage.output_tokens": 40}),
        );
        assert!(span_summary(&older).contains("tokens 308 in / 40 out"));
        assert_eq!(counted_usage(&older), (None, None, None));
        let report = span(
            "crux.cost.report",
            1,
            json!({"crux.cost": 0.00002, "crux.cost.model": "text-embedding-3-small"}),
        );
        assert_eq!(counted_usage(&report), (None, None, Some(0.00002)));
        assert!(span_summary(&report).contains("text-embedding-3-small"));
    }

    #[test]
    fn flows_steps_tools_and_judges_have_their_labels() {
        let flow = span(
            "crux.flow",
            1,
            json!({"crux.flow.name": "support_ticket", "crux.flow.id": "T-1001", "crux.cost.total": 0.00107}),
        );
        assert_eq!(
            span_summary(&flow),
            " support_ticket [T-1001] total $0.00107"
        );
        let step = span(
            "crux.flow.step",
            1,
            json!({"crux.step.label": "classify", "crux.flow.id": "T-1001", "crux.step.id": "s1"}),
        );
        assert_eq!(span_summary(&step), " classify");
        let tool = span(
            "crux.tool.lookup_order",
            1,
            json!({"crux.tool.call_id": "call_lk1"}),
        );
        assert_eq!(span_summary(&tool), " (call_lk1)");
        let judge = span(
            "crux.judge",
            1,
            json!({"crux.judge.metric": "helpfulness", "crux.judge.score": 0.9}),
        );
        assert_eq!(span_summary(&judge), " helpfulness = 0.90");
        let mut failed = span("crux.tool.x", 1, json!({"error.type": "AgentError"}));
        failed.status_code = STATUS_ERROR;
        failed.status_message = "no such order".into();
        assert_eq!(span_summary(&failed), "  ✗ AgentError: no such order");
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(format_duration_ns(12_000), "12µs");
        assert_eq!(format_duration_ns(12_340_000), "12.3ms");
        assert_eq!(format_duration_ns(2_500_000_000), "2.50s");
    }
}
