//! Judge scores: `#[crux::judge(metric = "..")]` around an evaluator, or [`score`] for a
//! score computed inline. Either way a `crux.judge` span with the metric and score, and
//! the GenAI `gen_ai.evaluation.result` event on the span being judged (the parent).

use crate::attributes as key;
use crate::attributes::{events, spans};
use crate::core::attrs::AttrList;
use crate::core::pipeline;
use crate::core::span::Span;
use opentelemetry::trace::{SpanBuilder, SpanKind};
use opentelemetry::{Context, KeyValue};
use std::sync::OnceLock;

pub use crate::families::compact::record_compaction;
pub use crate::families::tool::approval;

/// A score a judge returns.
pub trait Score {
    /// The score as a float.
    fn score(&self) -> f64;
}

impl Score for f64 {
    fn score(&self) -> f64 {
        *self
    }
}

impl Score for f32 {
    fn score(&self) -> f64 {
        f64::from(*self)
    }
}

fn evaluation_event(parent: &Context, metric: &str, score: f64) {
    Span::from_context(parent.clone()).add_event(
        events::EVALUATION_RESULT,
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
    if !pipeline::enabled() {
        return;
    }
    let parent = Context::current();
    let builder = SpanBuilder::from_name(spans::JUDGE)
        .with_kind(SpanKind::Internal)
        .with_attributes(vec![
            KeyValue::new(key::CRUX_JUDGE_METRIC, metric.to_owned()),
            KeyValue::new(key::CRUX_JUDGE_SCORE, score),
        ]);
    pipeline::instant_with(&parent, builder);
    evaluation_event(&parent, metric, score);
}

/// One `#[crux::judge]` call: the span it judges (its parent, where the evaluation event
/// goes), the metric, and the score its evaluator returned.
#[derive(Debug)]
pub(crate) struct JudgeState {
    judged: Context,
    metric: String,
    score: OnceLock<f64>,
}

/// Reads the metric from the start attributes; `parent` is the span judged.
pub(crate) fn open(attrs: &AttrList, parent: &Context) -> JudgeState {
    JudgeState {
        judged: parent.clone(),
        metric: attrs.text(key::CRUX_JUDGE_METRIC).unwrap_or_default(),
        score: OnceLock::new(),
    }
}

impl JudgeState {
    /// The evaluator returned `score`.
    pub(crate) fn record_score(&self, score: f64) {
        let _ = self.score.set(score);
    }

    /// The score as an end attribute, and the evaluation event on the judged span.
    pub(crate) fn end(&self, end: &mut AttrList) {
        if let Some(score) = self.score.get() {
            end.push(key::CRUX_JUDGE_SCORE, *score);
            evaluation_event(&self.judged, &self.metric, *score);
        }
    }
}
