//! The summary of a RAG evaluation run: one `crux.rag_eval` moment under the current span
//! with the evaluated system's name, the number of samples and the mean score of each
//! metric (`crux.rag_eval.metric.<name>`), plus one GenAI `gen_ai.evaluation.result`
//! event per metric so evaluation dashboards pick it up. Questions, contexts and answers
//! are never recorded.
//!
//! ```
//! # let _c = crux::testing::capture();
//! crux::rag_eval::summary(crux::rag_eval::RagEval::new("help-center", 20)
//!     .metric("faithfulness", 0.91)
//!     .metric("context_recall", 0.78));
//! ```

use crate::attributes as key;
use crate::attributes::{events, spans};
use crate::core::pipeline::{self, count};
use crate::core::span::Span;
use opentelemetry::{Context, KeyValue};

/// A RAG evaluation's summary, for [`summary`].
#[derive(Clone, Debug)]
pub struct RagEval {
    name: String,
    samples: usize,
    metrics: Vec<(String, f64)>,
}

impl RagEval {
    /// The evaluation of `name` over `samples` samples.
    pub fn new(name: impl Into<String>, samples: usize) -> RagEval {
        RagEval {
            name: name.into(),
            samples,
            metrics: Vec::new(),
        }
    }
    /// The mean score of `metric` (a valid attribute-name segment: `faithfulness`).
    pub fn metric(mut self, metric: impl Into<String>, score: f64) -> Self {
        self.metrics.push((metric.into(), score));
        self
    }
}

/// Records the summary: `crux.rag_eval` with one `gen_ai.evaluation.result` event per
/// metric.
pub fn summary(eval: RagEval) {
    if !pipeline::enabled() {
        return;
    }
    let mut attrs = vec![
        KeyValue::new(key::CRUX_RAG_EVAL_NAME, eval.name),
        KeyValue::new(key::CRUX_RAG_EVAL_SAMPLE_COUNT, count(eval.samples)),
    ];
    attrs.extend(
        eval.metrics
            .iter()
            .map(|(m, s)| KeyValue::new(format!("{}{m}", key::CRUX_RAG_EVAL_METRIC), *s)),
    );
    let builder = opentelemetry::trace::SpanBuilder::from_name(spans::RAG_EVAL)
        .with_kind(opentelemetry::trace::SpanKind::Internal)
        .with_attributes(attrs);
    let cx = pipeline::start_span(builder, &Context::current());
    let span = Span::from_context(cx.clone());
    for (metric, score) in eval.metrics {
        span.add_event(
            events::EVALUATION_RESULT,
            vec![
                KeyValue::new(key::GEN_AI_EVALUATION_NAME, metric),
                KeyValue::new(key::GEN_AI_EVALUATION_SCORE_VALUE, score),
            ],
        );
    }
    opentelemetry::trace::TraceContextExt::span(&cx).end();
}
