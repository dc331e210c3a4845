//! `#[crux::compact(reason)]` and `#[crux::judge(metric)]` (metric required) with
//! literals, expressions and `attributes(..)`; a judge's returned score (plain or in a
//! `Result`) is its `crux.judge.score`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

#[crux::compact]
fn bare_compact() {}

#[crux::compact(reason = "context_window", attributes(app.model_limit = 128_000))]
fn compact(history: &[&str]) -> usize {
    let kept = history.len().min(2);
    crux::judge::record_compaction(history.len(), kept);
    kept
}

#[crux::compact(reason = reason)]
async fn compact_for(reason: &str) {
    futures::future::ready(()).await;
}

#[crux::judge(metric = "faithfulness")]
fn faithful(answer: &str) -> f64 {
    if answer.is_empty() {
        0.0
    } else {
        0.875
    }
}

#[crux::judge(metric = metric, attributes(app.judge_model = "gpt-4o-mini"))]
async fn graded(metric: &str) -> Result<f64, std::io::Error> {
    futures::future::ready(Ok(0.5)).await
}

#[crux::flow_step(label = "evaluate")]
fn evaluate() {
    faithful("the teapot was refunded");
    futures::executor::block_on(graded("helpfulness")).unwrap();
}

fn main() {
    let capture = crux::testing::capture();

    bare_compact();
    assert_eq!(compact(&["a", "b", "c", "d"]), 2);
    futures::executor::block_on(compact_for("user_request"));
    evaluate();

    let compactions = capture.named("crux.compact");
    assert_eq!(compactions.len(), 3);
    let window = compactions
        .iter()
        .find(|s| s.str_attr("crux.compaction.reason").as_deref() == Some("context_window"))
        .unwrap();
    assert_eq!(window.f64_attr("crux.compaction.ratio"), Some(0.5));
    assert_eq!(window.i64_attr("app.model_limit"), Some(128_000));
    assert!(compactions
        .iter()
        .any(|s| s.str_attr("crux.compaction.reason").as_deref() == Some("user_request")));

    let step = capture.one("crux.flow.step");
    let judges = capture.named("crux.judge");
    assert_eq!(judges.len(), 2);
    let by_metric = |metric: &str| {
        judges
            .iter()
            .find(|s| s.str_attr("crux.judge.metric").as_deref() == Some(metric))
            .unwrap_or_else(|| panic!("no judge {metric}"))
            .clone()
    };
    let faithful = by_metric("faithfulness");
    assert_eq!(faithful.f64_attr("crux.judge.score"), Some(0.875));
    assert_eq!(faithful.parent_span_id, step.span_context.span_id());
    let helpful = by_metric("helpfulness");
    assert_eq!(helpful.f64_attr("crux.judge.score"), Some(0.5));
    assert_eq!(
        helpful.str_attr("app.judge_model").as_deref(),
        Some("gpt-4o-mini")
    );
    assert_eq!(
        step.events
            .iter()
            .filter(|e| e.name == "gen_ai.evaluation.result")
            .count(),
        2,
        "each score is an evaluation event on the judged span"
    );
}
