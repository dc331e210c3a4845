//! The rest of Crux's families against the in-memory exporter, each span checked against
//! the TypeScript package's reference table (crux-otel.md §2.7–2.10): its name, the keys
//! it carries with their value types, its parent, its status; and the privacy rules
//! (hashed paths, no plan text, no cache keys, queries or hits).

use crux::cascade::{self, Verdict};
use crux::constraint::{Check, Severity};
use crux::semantic_cache::{self, Cache, Hit, ResultKind};
use crux::skill::SkillSource;
use crux::task::TaskStatus;
use crux::testing::{capture, capture_with, SpanDataExt};
use crux::validation::{self, Attempt};
use crux_tests::assert_keys_registered;
use opentelemetry::trace::{SpanId, Status};
use opentelemetry::Value;
use std::time::Duration;

/// The value types of the reference table.
#[derive(Clone, Copy, Debug)]
enum Ty {
    S,
    I,
    D,
    B,
}

/// Asserts that `span` carries each key with the reference's value type.
fn reference(span: &crux::opentelemetry_sdk::trace::SpanData, keys: &[(&str, Ty)]) {
    reference_in(&span.name, &span.attributes, keys);
}

/// Asserts that the attributes of `owner` (a span or an event) have each key with the
/// reference's value type.
fn reference_in(owner: &str, attrs: &[crux::opentelemetry::KeyValue], keys: &[(&str, Ty)]) {
    for (key, ty) in keys {
        let value = crux_tests::required(owner, attrs, key);
        let ok = matches!(
            (ty, value),
            (Ty::S, Value::String(_))
                | (Ty::I, Value::I64(_))
                | (Ty::D, Value::F64(_))
                | (Ty::B, Value::Bool(_))
        );
        assert!(ok, "{owner}: `{key}` is {value:?}, expected {ty:?}");
    }
}

fn all_text(spans: &[crux::opentelemetry_sdk::trace::SpanData]) -> String {
    format!("{spans:?}")
}

#[crux::flow(name = "planning")]
fn planning() {
    crux::plan::created("plan-1", "Refund the teapot");
    crux::plan::updated("plan-1", 2);
    crux::tasklist::created("todo-1", Some("plan-1"));
    crux::task::added("todo-1", "t1", "find the order");
    crux::task::updated("todo-1", "t1", TaskStatus::Done);
    crux::task::removed("todo-1", "t1");
    crux::tasklist::completed("todo-1", 3);
    crux::tasklist::discarded("todo-2", 1, 2);
    crux::context_cache::hit("ctx-1", Duration::from_millis(1500));
    crux::context_cache::miss("ctx-2");
    crux::skill::cache("refunds", false);
    crux::skill::loaded("refunds", SkillSource::File);
    crux::skill::resolved("refunds");
}

#[test]
fn plans_tasks_context_cache_and_skills_are_moments_under_the_current_span() {
    let capture = capture();
    planning();
    let spans = capture.spans();
    assert_keys_registered(&spans);
    let flow = capture.one("crux.flow");
    use Ty::*;
    for (name, keys) in [
        (
            "crux.plan.create",
            &[("crux.plan.id", S), ("crux.plan.title", S)][..],
        ),
        (
            "crux.plan.update",
            &[("crux.plan.id", S), ("crux.plan.version", I)],
        ),
        (
            "crux.tasklist.create",
            &[("crux.tasklist.id", S), ("crux.plan.id", S)],
        ),
        (
            "crux.tasklist.complete",
            &[("crux.tasklist.id", S), ("crux.tasklist.total_tasks", I)],
        ),
        (
            "crux.tasklist.discard",
            &[
                ("crux.tasklist.id", S),
                ("crux.tasklist.completed_count", I),
                ("crux.tasklist.remaining_count", I),
            ],
        ),
        (
            "crux.task.add",
            &[
                ("crux.tasklist.id", S),
                ("crux.task.id", S),
                ("crux.task.label", S),
            ],
        ),
        (
            "crux.task.update",
            &[
                ("crux.tasklist.id", S),
                ("crux.task.id", S),
                ("crux.task.status", S),
            ],
        ),
        (
            "crux.task.remove",
            &[("crux.tasklist.id", S), ("crux.task.id", S)],
        ),
        (
            "crux.skill.load",
            &[("crux.skill.id", S), ("crux.skill.source", S)],
        ),
        (
            "crux.skill.cache",
            &[("crux.skill.cache.status", S), ("crux.skill.id", S)],
        ),
        ("crux.skill.resolve", &[("crux.skill.id", S)]),
    ] {
        let span = capture.one(name);
        reference(&span, keys);
        assert_eq!(span.parent_span_id, flow.span_context.span_id(), "{name}");
        assert_eq!(span.start_time, span.end_time, "{name} is an instant");
    }
    assert_eq!(
        capture
            .one("crux.plan.update")
            .i64_attr("crux.plan.version"),
        Some(2)
    );
    assert_eq!(
        capture
            .one("crux.task.update")
            .str_attr("crux.task.status")
            .as_deref(),
        Some("done")
    );
    assert_eq!(
        capture
            .one("crux.skill.cache")
            .str_attr("crux.skill.cache.status")
            .as_deref(),
        Some("miss")
    );
    let caches = capture.named("crux.context.cache");
    assert_eq!(caches.len(), 2);
    let hit = caches
        .iter()
        .find(|s| s.str_attr("crux.context.cache.status").as_deref() == Some("hit"))
        .unwrap();
    reference(
        hit,
        &[("crux.context.id", S), ("crux.context.cache.age_ms", I)],
    );
    assert_eq!(hit.i64_attr("crux.context.cache.age_ms"), Some(1500));
    let miss = caches
        .iter()
        .find(|s| s.span_context != hit.span_context)
        .unwrap();
    assert_eq!(
        miss.str_attr("crux.context.cache.status").as_deref(),
        Some("miss")
    );
    assert!(miss.attr("crux.context.cache.age_ms").is_none());
}

#[crux::retrieval_stage(
    kind = "rewrite",
    phase = "query",
    pipeline = "kb-v2",
    input_query_count = 1
)]
fn rewrite(query: &str) -> Vec<String> {
    vec![format!("{query} policy"), format!("{query} rules")]
}

#[crux::retrieval_stage(stage = "rerank", kind = "cross-encoder", phase = "hits", input_hit_count = hits.len() as i64)]
fn rerank(hits: Vec<String>) -> Result<Vec<String>, std::io::Error> {
    Ok(hits.into_iter().take(1).collect())
}

#[crux::retrieval(retriever = "help-center")]
fn staged_search(query: &str) -> Vec<String> {
    let queries = rewrite(query);
    rerank(queries).unwrap()
}

#[test]
fn retrieval_stages_are_children_of_their_retrieval_and_count_their_output() {
    let capture = capture();
    staged_search("SECRET-QUERY refund");
    let spans = capture.spans();
    assert_keys_registered(&spans);
    let retrieval = capture.one("crux.retrieval");
    let stages = capture.named("crux.retrieval.stage");
    assert_eq!(stages.len(), 2);
    use Ty::*;
    for stage in &stages {
        assert_eq!(stage.parent_span_id, retrieval.span_context.span_id());
        reference(
            stage,
            &[
                ("crux.retriever.id", S),
                ("crux.retrieval.stage.name", S),
                ("crux.retrieval.stage.kind", S),
                ("crux.retrieval.stage.phase", S),
            ],
        );
        assert_eq!(
            stage.str_attr("crux.retriever.id").as_deref(),
            Some("help-center")
        );
    }
    let rewrite = stages
        .iter()
        .find(|s| s.str_attr("crux.retrieval.stage.name").as_deref() == Some("rewrite"))
        .unwrap();
    assert_eq!(
        rewrite.str_attr("crux.retrieval.pipeline.id").as_deref(),
        Some("kb-v2")
    );
    assert_eq!(
        rewrite.i64_attr("crux.retrieval.stage.input_query_count"),
        Some(1)
    );
    assert_eq!(
        rewrite.i64_attr("crux.retrieval.stage.output_query_count"),
        Some(2)
    );
    assert!(rewrite
        .attr("crux.retrieval.stage.output_hit_count")
        .is_none());
    let rerank = stages
        .iter()
        .find(|s| s.str_attr("crux.retrieval.stage.name").as_deref() == Some("rerank"))
        .unwrap();
    assert_eq!(
        rerank.i64_attr("crux.retrieval.stage.input_hit_count"),
        Some(2)
    );
    assert_eq!(
        rerank.i64_attr("crux.retrieval.stage.output_hit_count"),
        Some(1)
    );
    assert!(
        !all_text(&spans).contains("SECRET-QUERY"),
        "no query or hit is recorded"
    );
}

#[crux::workspace(op = "read", id = "notes", path = path, mount = "/work", mime_type = "text/markdown", size = 12)]
fn read_file(path: &str) -> std::io::Result<String> {
    if path.ends_with(".md") {
        Ok("# a note".to_owned())
    } else {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file",
        ))
    }
}

#[test]
fn workspace_operations_hash_their_paths_and_say_how_they_ended() {
    let capture = capture();
    read_file("private/path/guide.md").unwrap();
    read_file("private/missing.txt").unwrap_err();
    let spans = capture.named("crux.workspace.read");
    assert_keys_registered(&spans);
    assert_eq!(spans.len(), 2);
    use Ty::*;
    for span in &spans {
        reference(
            span,
            &[
                ("crux.workspace.id", S),
                ("crux.workspace.operation", S),
                ("crux.workspace.status", S),
                ("crux.workspace.path_hash", S),
                ("crux.workspace.mount", S),
                ("crux.workspace.mime_type", S),
                ("crux.workspace.size", I),
            ],
        );
        assert_eq!(
            span.str_attr("crux.workspace.operation").as_deref(),
            Some("read")
        );
    }
    let ok = spans
        .iter()
        .find(|s| s.str_attr("crux.workspace.status").as_deref() == Some("ok"))
        .unwrap();
    // The TypeScript package's test vector for this path.
    assert_eq!(
        ok.str_attr("crux.workspace.path_hash").as_deref(),
        Some("5ac99160")
    );
    let failed = spans
        .iter()
        .find(|s| s.str_attr("crux.workspace.status").as_deref() == Some("error"))
        .unwrap();
    assert!(matches!(failed.status, Status::Error { .. }));
    assert!(
        !all_text(&spans).contains("private/"),
        "paths are never recorded"
    );
}

#[crux::flow(name = "cached")]
fn cached_flow(question: &str) -> Option<String> {
    let answer = lookup(question);
    if answer.is_none() {
        let cache = Cache::new("generate", "v3").prompt_id("answer");
        cache.write(Duration::from_secs(3600), ResultKind::Text);
        cache.skip("streaming");
        cache.replay();
    }
    answer
}

#[crux::semantic_cache(version = "v3", threshold = 0.9, prompt_id = "answer")]
fn lookup(question: &str) -> Option<String> {
    if question.contains("teapot") {
        semantic_cache::hit(Hit::new(0.97).age(Duration::from_secs(60)).cost(0.25));
        Some("CACHED-ANSWER".to_owned())
    } else {
        semantic_cache::miss();
        None
    }
}

#[test]
fn semantic_cache_lookups_end_hit_or_miss_and_hits_feed_the_flow_total() {
    let capture = capture();
    cached_flow("SECRET-PROMPT teapot");
    cached_flow("SECRET-PROMPT kettle");
    let spans = capture.spans();
    assert_keys_registered(&spans);
    use Ty::*;
    let lookups = capture.named("crux.semantic_cache.lookup");
    assert_eq!(lookups.len(), 2);
    for l in &lookups {
        reference(
            l,
            &[
                ("crux.prompt.id", S),
                ("crux.semantic_cache.operation", S),
                ("crux.semantic_cache.version", S),
                ("crux.semantic_cache.threshold", D),
                ("crux.semantic_cache.status", S),
            ],
        );
        assert_eq!(
            l.str_attr("crux.semantic_cache.operation").as_deref(),
            Some("generate")
        );
    }
    let hit_lookup = lookups
        .iter()
        .find(|l| l.str_attr("crux.semantic_cache.status").as_deref() == Some("hit"))
        .unwrap();
    assert_eq!(hit_lookup.f64_attr("crux.semantic_cache.score"), Some(0.97));

    let hit = capture.one("crux.semantic_cache.hit");
    assert_eq!(hit.parent_span_id, hit_lookup.span_context.span_id());
    reference(
        &hit,
        &[
            ("crux.prompt.id", S),
            ("crux.semantic_cache.operation", S),
            ("crux.semantic_cache.version", S),
            ("crux.semantic_cache.score", D),
            ("crux.semantic_cache.age_ms", I),
        ],
    );
    let miss = capture.one("crux.semantic_cache.miss");
    reference(
        &miss,
        &[
            ("crux.prompt.id", S),
            ("crux.semantic_cache.operation", S),
            ("crux.semantic_cache.version", S),
        ],
    );
    let write = capture.one("crux.semantic_cache.write");
    reference(
        &write,
        &[
            ("crux.prompt.id", S),
            ("crux.semantic_cache.operation", S),
            ("crux.semantic_cache.version", S),
            ("crux.semantic_cache.ttl_ms", I),
            ("crux.semantic_cache.result_kind", S),
        ],
    );
    reference(
        &capture.one("crux.semantic_cache.skip"),
        &[
            ("crux.prompt.id", S),
            ("crux.semantic_cache.operation", S),
            ("crux.semantic_cache.skip_reason", S),
        ],
    );
    reference(
        &capture.one("crux.semantic_cache.replay"),
        &[("crux.prompt.id", S), ("crux.semantic_cache.version", S)],
    );

    let flows = capture.named("crux.flow");
    let totals: Vec<Option<f64>> = flows
        .iter()
        .map(|f| f.f64_attr("crux.cost.total"))
        .collect();
    assert!(
        totals.contains(&Some(0.25)),
        "the hit's cost is the flow's total: {totals:?}"
    );
    let text = all_text(&spans);
    assert!(!text.contains("SECRET-PROMPT") && !text.contains("CACHED-ANSWER"));
}

#[crux::validation_retry(id = "json-answer", max_attempts = 3, prompt_id = "answer")]
fn validated(outputs: &[&str]) -> Result<String, String> {
    for output in outputs {
        if output.starts_with('{') {
            validation::attempt(Attempt::passed());
            return Ok((*output).to_owned());
        }
        validation::attempt(Attempt::failed("expected a JSON object").repair(true, false));
    }
    Err(format!("no valid output after {} attempts", outputs.len()))
}

#[test]
fn a_validation_retry_that_succeeds_ends_its_span_and_one_that_runs_out_is_an_error() {
    let capture = capture();
    validated(&["RAW-OUTPUT", "{\"ok\":true}"]).unwrap();
    validated(&["RAW-OUTPUT", "RAW-OUTPUT", "RAW-OUTPUT"]).unwrap_err();
    let spans = capture.named("crux.validation.retry");
    assert_keys_registered(&spans);
    assert_eq!(spans.len(), 2, "both retries ended and were exported");
    use Ty::*;
    for span in &spans {
        reference(
            span,
            &[
                ("crux.validation.retry_id", S),
                ("crux.validation.max_attempts", I),
                ("crux.validation.total_attempts", I),
                ("crux.validation.exhausted", B),
                ("crux.validation.prompt_id", S),
            ],
        );
    }
    let succeeded = spans
        .iter()
        .find(|s| s.bool_attr("crux.validation.exhausted") == Some(false))
        .unwrap();
    assert_eq!(
        succeeded.i64_attr("crux.validation.total_attempts"),
        Some(2)
    );
    assert_eq!(succeeded.status, Status::Unset);
    let first = succeeded.event("validation.attempt.1").unwrap();
    reference_in(
        "validation.attempt.1",
        &first.attributes,
        &[
            ("crux.validation.attempt_number", I),
            ("crux.validation.error", S),
            ("crux.validation.repair_attempted", B),
            ("crux.validation.repair_succeeded", B),
        ],
    );
    assert!(succeeded.event("validation.attempt.2").is_some());
    let exhausted = spans
        .iter()
        .find(|s| s.bool_attr("crux.validation.exhausted") == Some(true))
        .unwrap();
    assert_eq!(
        exhausted.i64_attr("crux.validation.total_attempts"),
        Some(3)
    );
    assert_eq!(
        exhausted.error_description().as_deref(),
        Some("no valid output after 3 attempts")
    );
    assert!(
        !all_text(&spans).contains("RAW-OUTPUT"),
        "raw output is never recorded"
    );
}

#[crux::generate(provider = "openai", model = model)]
async fn ask(model: &str) -> String {
    crux::Span::current().record_cost(if model == "gpt-4o" { 0.5 } else { 0.125 });
    format!("answer from {model}")
}

#[crux::router(name = "difficulty")]
fn route(question: &str) -> &'static str {
    let model = if question.len() > 10 {
        "gpt-4o"
    } else {
        "gpt-4o-mini"
    };
    crux::router::select(
        crux::router::Selection::new(model)
            .classified_as("hard")
            .overridden(false)
            .cost(0.25),
    );
    model
}

#[crux::cascade(id = "answer", budget = 0.5)]
async fn answer_cascade() -> Option<String> {
    let models = ["small", "gpt-4o-mini", "gpt-4o"];
    for (index, model) in models.into_iter().enumerate() {
        let verdict = cascade::tier(index, model, async move {
            if model == "small" {
                return Verdict::Skipped;
            }
            let answer = ask(model).await;
            if model == "gpt-4o" {
                Verdict::Accepted(answer)
            } else {
                Verdict::Rejected(answer)
            }
        })
        .await;
        if let Some(answer) = verdict.accepted() {
            return Some(answer);
        }
    }
    None
}

#[crux::flow(name = "routed")]
async fn routed() {
    route("a long and hard question");
    answer_cascade().await;
}

#[tokio::test]
async fn router_and_cascade_tiers_nest_and_feed_the_flow_total() {
    let capture = capture();
    routed().await;
    crux::router::select(crux::router::Selection::new("gpt-4o-mini"));
    let spans = capture.spans();
    assert_keys_registered(&spans);
    use Ty::*;
    let flow = capture.one("crux.flow");
    let routers = capture.named("crux.router.select");
    assert_eq!(
        routers.len(),
        2,
        "the router fn's span, and an instant outside one"
    );
    let router = routers
        .iter()
        .find(|r| r.str_attr("crux.router.name").as_deref() == Some("difficulty"))
        .unwrap();
    assert_eq!(router.parent_span_id, flow.span_context.span_id());
    reference(
        router,
        &[
            ("crux.router.classified_as", S),
            ("crux.router.selected_model", S),
            ("crux.router.overridden", B),
        ],
    );
    assert_eq!(
        router.str_attr("crux.router.selected_model").as_deref(),
        Some("gpt-4o")
    );
    let outside = routers
        .iter()
        .find(|r| r.span_context != router.span_context)
        .unwrap();
    assert_eq!(outside.parent_span_id, SpanId::INVALID);
    assert_eq!(outside.start_time, outside.end_time);

    let run = capture.one("crux.cascade.run");
    assert_eq!(run.parent_span_id, flow.span_context.span_id());
    reference(
        &run,
        &[
            ("crux.cascade.accepted_tier", I),
            ("crux.cascade.total_tiers", I),
            ("crux.cascade.budget_exceeded", B),
            ("crux.cascade.total_cost", D),
            ("crux.cascade.total_duration_ms", D),
        ],
    );
    assert_eq!(run.i64_attr("crux.cascade.accepted_tier"), Some(2));
    assert_eq!(run.i64_attr("crux.cascade.total_tiers"), Some(3));
    assert_eq!(run.f64_attr("crux.cascade.total_cost"), Some(0.625));
    assert_eq!(
        run.bool_attr("crux.cascade.budget_exceeded"),
        Some(true),
        "0.625 > 0.5"
    );
    let mut statuses = Vec::new();
    for (i, expected) in ["skipped", "rejected", "accepted"].iter().enumerate() {
        let tier = capture.one(&format!("crux.cascade.tier.{i}"));
        assert_eq!(tier.parent_span_id, run.span_context.span_id(), "tier {i}");
        reference(
            &tier,
            &[
                ("crux.cascade.tier_index", I),
                ("crux.cascade.tier_model", S),
                ("crux.cascade.tier_status", S),
                ("crux.cascade.tier.duration_ms", D),
                ("crux.cascade.tier.cost", D),
            ],
        );
        assert!(tier.start_time <= run.end_time && tier.start_time >= run.start_time);
        statuses.push(tier.str_attr("crux.cascade.tier_status").unwrap());
        assert_eq!(
            tier.str_attr("crux.cascade.tier_status").as_deref(),
            Some(*expected)
        );
    }
    // Each model call is a child of its tier.
    for generate in capture.named("crux.generate") {
        let parent = capture.parent(&generate).unwrap();
        assert!(
            parent.name.starts_with("crux.cascade.tier."),
            "{}",
            parent.name
        );
    }
    // 0.25 (router) + 0.125 + 0.5 (tiers), each counted once.
    assert_eq!(flow.f64_attr("crux.cost.total"), Some(0.875));
}

#[crux::flow(name = "slow")]
async fn slow_flow() {
    checked_step().await;
    tokio::time::sleep(Duration::from_millis(30)).await;
    checked_step().await;
    checked_step().await;
}

#[crux::flow_step]
async fn checked_step() {}

#[tokio::test]
async fn a_latency_budget_is_reported_once_per_flow_and_the_cost_limit_is_a_budget_too() {
    let capture = capture_with(
        crux::Telemetry::builder()
            .latency_budget(Duration::from_millis(10))
            .cost_budget(0.1, 0.2),
    );
    slow_flow().await;
    let exceeded = capture.named("crux.budget.exceeded");
    assert_keys_registered(&exceeded);
    assert_eq!(exceeded.len(), 1, "once per flow");
    let latency = &exceeded[0];
    use Ty::*;
    reference(
        latency,
        &[
            ("crux.budget.type", S),
            ("crux.budget.limit", D),
            ("crux.budget.actual", D),
        ],
    );
    assert_eq!(
        latency.str_attr("crux.budget.type").as_deref(),
        Some("latency")
    );
    assert_eq!(latency.f64_attr("crux.budget.limit"), Some(10.0));
    assert!(latency.f64_attr("crux.budget.actual").unwrap() > 10.0);
    let flow = capture.one("crux.flow");
    assert_eq!(
        latency.span_context.trace_id(),
        flow.span_context.trace_id()
    );

    capture.clear();
    routed().await; // costs 0.875: over the 0.2 limit
    let exceeded = capture.named("crux.budget.exceeded");
    let cost = exceeded
        .iter()
        .find(|s| s.str_attr("crux.budget.type").as_deref() == Some("cost"))
        .expect("a cost budget exceeded");
    assert_eq!(cost.f64_attr("crux.budget.limit"), Some(0.2));
    assert!(cost.f64_attr("crux.budget.actual").unwrap() >= 0.2);
    assert_eq!(capture.named("crux.cost.limit").len(), 1);
}

#[crux::flow(name = "constrained")]
fn constrained() {
    crux::constraint::check(
        Check::new("cites_sources", Severity::Assert, false)
            .attempt(1)
            .feedback("MODEL-TEXT lacks a citation"),
    );
    crux::constraint::retry(2, &["cites_sources", "polite"]);
    crux::constraint::check(Check::new("cites_sources", Severity::Suggest, true).attempt(2));
    crux::constraint::violation(&["cites_sources", "polite"], 2);
    crux::rag_eval::summary(
        crux::rag_eval::RagEval::new("help-center", 20)
            .metric("faithfulness", 0.9)
            .metric("context_recall", 0.75),
    );
}

#[test]
fn constraints_record_checks_retries_and_violations_and_feedback_only_with_capture() {
    use Ty::*;
    for capture_on in [false, true] {
        let capture = capture_with(crux::Telemetry::builder().capture_content(capture_on));
        constrained();
        let spans = capture.spans();
        assert_keys_registered(&spans);
        let flow = capture.one("crux.flow");
        let checks = capture.named("crux.constraint.check");
        assert_eq!(checks.len(), 2);
        for check in &checks {
            assert_eq!(check.parent_span_id, flow.span_context.span_id());
            reference(
                check,
                &[
                    ("crux.constraint.name", S),
                    ("crux.constraint.severity", S),
                    ("crux.constraint.pass", B),
                    ("crux.constraint.attempt", I),
                ],
            );
            assert_eq!(
                check.status,
                Status::Unset,
                "a failed check is not an error"
            );
        }
        let failed = checks
            .iter()
            .find(|c| c.bool_attr("crux.constraint.pass") == Some(false))
            .unwrap();
        assert_eq!(
            failed.str_attr("crux.constraint.feedback").is_some(),
            capture_on,
            "feedback only with output capture"
        );
        let retry = capture.one("crux.constraint.retry");
        reference(
            &retry,
            &[("crux.constraint.attempt", I), ("crux.constraint.names", S)],
        );
        assert_eq!(
            retry.str_attr("crux.constraint.names").as_deref(),
            Some("cites_sources,polite")
        );
        let violation = capture.one("crux.constraint.violation");
        reference(
            &violation,
            &[
                ("crux.constraint.names", S),
                ("crux.constraint.total_attempts", I),
            ],
        );
        assert_eq!(
            violation.error_description().as_deref(),
            Some("Constraint violation: cites_sources, polite")
        );
        assert!(violation.event("exception").is_some());

        let eval = capture.one("crux.rag_eval");
        assert_eq!(eval.parent_span_id, flow.span_context.span_id());
        reference(
            &eval,
            &[
                ("crux.rag_eval.name", S),
                ("crux.rag_eval.sample_count", I),
                ("crux.rag_eval.metric.faithfulness", D),
                ("crux.rag_eval.metric.context_recall", D),
            ],
        );
        assert_eq!(
            eval.events
                .iter()
                .filter(|e| e.name == "gen_ai.evaluation.result")
                .count(),
            2
        );
    }
}

#[test]
fn with_telemetry_off_no_moment_is_recorded() {
    let capture = capture();
    crux::set_enabled(false);
    planning();
    constrained();
    validated(&["{}"]).unwrap();
    crux::set_enabled(true);
    assert!(capture.spans().is_empty());
}

#[tokio::test]
async fn the_research_example_emits_every_family_and_never_a_path_or_a_question() {
    let capture =
        capture_with(crux::Telemetry::builder().latency_budget(Duration::from_millis(100)));
    let agent = crux_examples::research::ResearchAgent::new();
    let question = crux_examples::research::QUESTION;
    agent.research("s-1", question).await.unwrap();
    agent.research("s-1", question).await.unwrap();
    let spans = capture.spans();
    assert_keys_registered(&spans);
    for name in [
        "crux.plan.create",
        "crux.plan.update",
        "crux.tasklist.create",
        "crux.tasklist.complete",
        "crux.tasklist.discard",
        "crux.task.add",
        "crux.task.update",
        "crux.task.remove",
        "crux.context.cache",
        "crux.skill.load",
        "crux.skill.cache",
        "crux.skill.resolve",
        "crux.workspace.read",
        "crux.workspace.write",
        "crux.retrieval",
        "crux.retrieval.stage",
        "crux.semantic_cache.lookup",
        "crux.semantic_cache.hit",
        "crux.semantic_cache.miss",
        "crux.semantic_cache.write",
        "crux.semantic_cache.skip",
        "crux.semantic_cache.replay",
        "crux.validation.retry",
        "crux.router.select",
        "crux.cascade.run",
        "crux.cascade.tier.0",
        "crux.cascade.tier.1",
        "crux.budget.exceeded",
        "crux.constraint.check",
        "crux.constraint.retry",
        "crux.constraint.violation",
        "crux.rag_eval",
    ] {
        assert!(
            spans.iter().any(|s| s.name == name),
            "the research agent's trace has no {name}"
        );
    }
    let text = all_text(&spans);
    assert!(
        !text.contains("notes/") && !text.contains("outputs/"),
        "paths are hashed"
    );
    assert!(
        !text.contains("solar cell technology"),
        "the question is not recorded"
    );
}

#[crux::cascade]
async fn abandoned_cascade() {
    let never = cascade::tier(0, "gpt-4o", std::future::pending::<Verdict<()>>());
    let _ = tokio::time::timeout(Duration::from_millis(1), never).await;
}

#[tokio::test]
async fn a_tier_dropped_before_it_decided_ends_cancelled() {
    let capture = capture();
    abandoned_cascade().await;
    let tier = capture.one("crux.cascade.tier.0");
    assert_eq!(tier.bool_attr("crux.cancelled"), Some(true));
    assert_eq!(
        tier.parent_span_id,
        capture.one("crux.cascade.run").span_context.span_id()
    );
}
