//! Judge scores: `#[crux::judge(metric = "..")]` around an evaluator, or [`score`] for a
//! score computed inline. Either way a `crux.judge` span with the metric and score, and
//! the GenAI `gen_ai.evaluation.result` event on the span being judged (the parent).

use crate::attributes as key;
use opentelemetry::trace::{SpanBuilder, SpanKind};
use opentelemetry::{Context, KeyValue};

pub(crate) fn evaluation_event(parent: &Context, metric: &str, score: f64) {
    crate::span::Span::from_context(parent.clone()).add_event(
        "gen_ai.evaluation.result",
        vec![
            KeyValue::new(key::GEN_AI_EVALUATION_NAME, metric.to_owned()),
            KeyValue::new(key::GEN_AI_EVALUATION_SCORE_VALUE, score),
        ],
    );
}

/// Records a score computed inline: an instant `crux.judge` span under the current
/// span, and the evaluation event on the current span.
///
/// ```
/// # let _c = crux::testing::capture();
/// crux::judge::score("faithfulness", 0.92);
/// ```
pub fn score(metric: &str, score: f64) {
    if !crate::is_enabled() {
        return;
    }
    let parent = Context::current();
    let builder = SpanBuilder::from_name("crux.judge")
        .with_kind(SpanKind::Internal)
        .with_attributes(vec![
            KeyValue::new(key::CRUX_JUDGE_METRIC, metric.to_owned()),
            KeyValue::new(key::CRUX_JUDGE_SCORE, score),
        ]);
    crate::cost::instant_with(&parent, builder);
    evaluation_event(&parent, metric, score);
}

/// Records a compaction's ratio (size after / size before) on the current
/// `#[crux::compact]` span.
pub fn record_compaction(before: usize, after: usize) {
    if before > 0 {
        #[allow(clippy::cast_precision_loss)]
        let ratio = after as f64 / before as f64;
        crate::Span::current().set_attribute(key::CRUX_COMPACTION_RATIO, &ratio);
    }
}

/// Tool approvals: a request and the human's decision, as instant spans.
pub mod approval {
    use crate::attributes as key;
    use opentelemetry::{Context, KeyValue};

    /// A tool call waits for approval: `crux.tool.approval.request`.
    pub fn request(tool: &str, call_id: &str, approval_id: &str) {
        if crate::is_enabled() {
            crate::cost::instant(
                &Context::current(),
                "crux.tool.approval.request",
                vec![
                    KeyValue::new(key::CRUX_TOOL_NAME, tool.to_owned()),
                    KeyValue::new(key::CRUX_TOOL_CALL_ID, call_id.to_owned()),
                    KeyValue::new(key::CRUX_TOOL_APPROVAL_ID, approval_id.to_owned()),
                ],
            );
        }
    }

    /// The decision: `crux.tool.approval.decision`.
    pub fn decision(approval_id: &str, approved: bool, tool: Option<&str>, call_id: Option<&str>) {
        if !crate::is_enabled() {
            return;
        }
        let mut attrs = vec![
            KeyValue::new(key::CRUX_TOOL_APPROVAL_ID, approval_id.to_owned()),
            KeyValue::new(key::CRUX_TOOL_APPROVAL_APPROVED, approved),
        ];
        if let Some(tool) = tool {
            attrs.push(KeyValue::new(key::CRUX_TOOL_NAME, tool.to_owned()));
        }
        if let Some(call_id) = call_id {
            attrs.push(KeyValue::new(key::CRUX_TOOL_CALL_ID, call_id.to_owned()));
        }
        crate::cost::instant(&Context::current(), "crux.tool.approval.decision", attrs);
    }
}
