//! Crux's other families, against the in-memory exporter: cost reports, running totals
//! and budgets, compositions, memory, corpus sync, embeddings, retrieval, compaction,
//! judge, approvals, tool output metadata. Span names, parents, every attribute, status;
//! budgets crossed once.

use crux::corpus::{SourceAction, SourceReport};
use crux::testing::{capture, capture_with, EventExt, SpanDataExt};
use crux_tests::{assert_keys_registered, text};
use opentelemetry::trace::{SpanId, Status};

struct Priced(f64);
impl crux::ModelResponse for Priced {
    fn cost_usd(&self) -> Option<f64> {
        Some(self.0)
    }
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
async fn priced(usd: f64) -> Priced {
    Priced(usd)
}

#[crux::flow_step(label = "embed", id = "step-1")]
async fn embed_step() {
    crux::cost::report(
        crux::cost::CostReport::new(0.5)
            .estimate()
            .model("text-embedding-3-small")
            .system("openai")
            .prompt_id("p-1")
            .input_tokens(800),
    );
}

#[crux::flow(name = "inner")]
async fn inner_flow() {
    priced(0.25).await;
}

#[crux::flow(name = "costly", id = "flow-c")]
async fn costly() {
    priced(1.0).await;
    embed_step().await;
    inner_flow().await;
    priced(2.0).await;
}

#[crux::agent(name = "billing", session_id = "sess-1")]
async fn billing_run() {
    costly().await;
}

#[tokio::test]
async fn cost_feeds_every_enclosing_flow_and_budgets_cross_once() {
    let capture = capture_with(crux::Telemetry::builder().cost_budget(1.5, 3.0));
    billing_run().await;
    let spans = capture.spans();
    assert_keys_registered(&spans);

    let flows = capture.named("crux.flow");
    let outer = flows
        .iter()
        .find(|f| text(f, "crux.flow.name") == "costly")
        .unwrap();
    let inner = flows
        .iter()
        .find(|f| text(f, "crux.flow.name") == "inner")
        .unwrap();
    assert_eq!(
        outer.f64_attr("crux.cost.total"),
        Some(3.75),
        "1.0 + 0.5 + 0.25 + 2.0"
    );
    assert_eq!(inner.f64_attr("crux.cost.total"), Some(0.25));

    let report = capture.one("crux.cost.report");
    let step = capture.one("crux.flow.step");
    assert_eq!(report.parent_span_id, step.span_context.span_id());
    assert_eq!(report.f64_attr("crux.cost"), Some(0.5));
    assert_eq!(
        report.f64_attr("crux.cost.total"),
        Some(1.5),
        "the flow's running total, this cost included"
    );
    assert_eq!(text(&report, "crux.cost.source"), "estimate");
    // Under crux's keys: a cost report is not a model call, and backends count any span
    // with `gen_ai.request.model` or `gen_ai.usage.*` as one (issue 14).
    assert_eq!(text(&report, "crux.cost.model"), "text-embedding-3-small");
    assert_eq!(text(&report, "crux.cost.provider"), "openai");
    for genai in [
        "gen_ai.request.model",
        "gen_ai.system",
        "gen_ai.usage.input_tokens",
    ] {
        assert!(report.attr(genai).is_none(), "{genai} on a cost report");
    }
    assert_eq!(text(&report, "openinference.span.kind"), "CHAIN");
    assert_eq!(text(&report, "mlflow.llm.cost"), r#"{"total_cost":0.5}"#);
    assert_eq!(text(&report, "crux.prompt.id"), "p-1");
    assert_eq!(text(&report, "crux.flow.id"), "flow-c");
    assert_eq!(text(&report, "crux.step.id"), "step-1");
    assert_eq!(text(&report, "crux.session.id"), "sess-1");
    assert_eq!(report.i64_attr("crux.cost.input_tokens"), Some(800));

    let warns = capture.named("crux.cost.warn");
    let limits = capture.named("crux.cost.limit");
    assert_eq!(warns.len(), 1, "crossed once");
    assert_eq!(limits.len(), 1, "crossed once");
    assert_eq!(warns[0].f64_attr("crux.cost.total"), Some(1.5));
    assert_eq!(warns[0].f64_attr("crux.cost.threshold"), Some(1.5));
    assert_eq!(text(&warns[0], "crux.cost.source"), "estimate");
    assert_eq!(limits[0].f64_attr("crux.cost.total"), Some(3.75));
    assert_eq!(limits[0].f64_attr("crux.cost.threshold"), Some(3.0));
    assert_eq!(limits[0].f64_attr("crux.cost"), Some(2.0));
    assert_eq!(text(&limits[0], "crux.cost.source"), "actual");
    for instant in [&report, &warns[0], &limits[0]] {
        assert_eq!(instant.start_time, instant.end_time, "an instant");
        assert_eq!(instant.status, Status::Unset);
    }
}

#[tokio::test]
async fn a_cost_report_outside_a_flow_has_no_flow_ids() {
    let capture = capture();
    crux::cost::report(crux::cost::CostReport::new(0.1));
    let report = capture.one("crux.cost.report");
    assert_eq!(report.parent_span_id, SpanId::INVALID);
    assert_eq!(report.f64_attr("crux.cost.total"), Some(0.1));
    assert!(report.attr("crux.flow.id").is_none());
    assert!(report.attr("crux.cost.input_tokens").is_none());
}

#[derive(Debug)]
struct Flaky;
impl std::fmt::Display for Flaky {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("agent timed out")
    }
}

#[crux::composition(kind = "consensus", id = "vote-1")]
async fn vote() -> Result<u32, Flaky> {
    let a = crux::composition::agent("alpha", async {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        Ok::<_, Flaky>(1)
    });
    let b = crux::composition::agent("beta", async { Err::<u32, _>(Flaky) });
    let c = crux::composition::agent_value("gamma", async { 3 });
    let (a, b, c) = tokio::join!(a, b, c);
    crux::composition::record_handoff();
    crux::composition::record_handoff();
    crux::composition::record_agreement(0.66);
    let _ = b;
    Ok(a? + c)
}

#[crux::composition(kind = "pipeline")]
async fn failing_pipeline() -> Result<(), Flaky> {
    Err(Flaky)
}

#[tokio::test]
async fn composition_agents_are_children_with_real_durations() {
    let capture = capture();
    assert_eq!(vote().await.unwrap(), 4);
    let composition = capture.one("crux.composition.consensus");
    assert_eq!(text(&composition, "crux.composition.id"), "vote-1");
    assert_eq!(text(&composition, "crux.composition.kind"), "consensus");
    assert_eq!(
        composition.i64_attr("crux.composition.agent_count"),
        Some(3)
    );
    assert_eq!(
        composition.i64_attr("crux.composition.handoff_count"),
        Some(2)
    );
    assert_eq!(
        composition.f64_attr("crux.composition.agreement"),
        Some(0.66)
    );
    assert_eq!(composition.status, Status::Unset);
    for id in ["alpha", "beta", "gamma"] {
        let agent = capture.one(&format!("crux.composition.agent.{id}"));
        assert_eq!(
            agent.parent_span_id,
            composition.span_context.span_id(),
            "{id}"
        );
        assert_eq!(text(&agent, "crux.composition.id"), "vote-1");
    }
    let alpha = capture.one("crux.composition.agent.alpha");
    assert!(
        alpha.end_time.duration_since(alpha.start_time).unwrap()
            >= std::time::Duration::from_millis(25)
    );
    assert_eq!(
        capture
            .one("crux.composition.agent.beta")
            .error_description()
            .as_deref(),
        Some("agent timed out")
    );

    failing_pipeline().await.unwrap_err();
    let failed = capture.one("crux.composition.pipeline");
    assert_eq!(
        failed.error_description().as_deref(),
        Some("agent timed out")
    );
    assert_eq!(failed.i64_attr("crux.composition.agent_count"), Some(0));
    assert!(failed.attr("crux.composition.handoff_count").is_none());
    assert!(text(&failed, "crux.composition.id").starts_with("comp_"));
}

const TENANT: &str = "tenant-a";
const QUERY: &str = "SENTINEL-QUERY-7781";
const CONTENT: &str = "SENTINEL-CONTENT-2209";

#[crux::memory(op = "read", kind = "semantic", operation = "search", namespace = namespace)]
fn recall(namespace: &str, query: &str) -> Vec<String> {
    vec![format!("{CONTENT} matching {query}")]
}

#[crux::memory(op = "write", kind = "block", block_id = "persona", block_kind = "core", namespace = TENANT, write_mode = "propose", proposal_status = "pending")]
fn remember(content: &str) -> bool {
    !content.is_empty()
}

#[tokio::test]
async fn memory_reads_and_writes_never_record_queries_contents_or_results() {
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    recall("tenant-a", QUERY);
    remember(CONTENT);
    let read = capture.one("crux.memory.read");
    assert_eq!(text(&read, "crux.memory.type"), "semantic");
    assert_eq!(text(&read, "crux.memory.operation"), "search");
    assert_eq!(text(&read, "gen_ai.operation.name"), "search_memory");
    assert_eq!(text(&read, "openinference.span.kind"), "CHAIN");
    assert_eq!(
        text(&read, "crux.memory.namespace_hash"),
        "93332d7b",
        "FNV-1a of tenant-a"
    );
    let write = capture.one("crux.memory.write");
    assert_eq!(text(&write, "gen_ai.operation.name"), "upsert_memory");
    assert_eq!(
        text(&write, "crux.memory.operation"),
        "write",
        "the op unless given"
    );
    assert_eq!(text(&write, "crux.memory.block.id"), "persona");
    assert_eq!(text(&write, "crux.memory.block.kind"), "core");
    assert_eq!(text(&write, "crux.memory.write_mode"), "propose");
    assert_eq!(text(&write, "crux.memory.proposal_status"), "pending");
    assert_eq!(text(&write, "crux.memory.namespace_hash"), "93332d7b");
    for span in [read, write] {
        for kv in &span.attributes {
            let v = kv.value.as_str();
            assert!(
                !v.contains(QUERY) && !v.contains(CONTENT) && !v.contains("tenant-a"),
                "{} leaks {v}",
                kv.key
            );
        }
    }
    assert_keys_registered(&capture.spans());
}

#[crux::corpus_sync(id = "docs", namespace = TENANT, mode = "incremental", stale_policy = "keep", source_set = "help-center", dry_run = false, source_count = 4)]
fn sync_docs(fail: bool) {
    crux::corpus::source(
        SourceReport::new("private/path/guide.md", SourceAction::Added).chunks(12),
    );
    crux::corpus::source(SourceReport::new("faq.md", SourceAction::Unchanged));
    crux::corpus::source(
        SourceReport::new("old.md", SourceAction::Deleted).reason("removed upstream"),
    );
    if fail {
        crux::corpus::source(
            SourceReport::new("broken.pdf", SourceAction::Failed).reason("parse error"),
        );
    }
}

#[tokio::test]
async fn corpus_sync_has_a_child_per_source_counts_and_fails_when_sources_fail() {
    let capture = capture();
    sync_docs(false);
    let sync = capture.one("crux.corpus.sync");
    assert_eq!(text(&sync, "crux.corpus.id"), "docs");
    assert_eq!(text(&sync, "crux.corpus.namespace_hash"), "93332d7b");
    assert_eq!(text(&sync, "crux.corpus.mode"), "incremental");
    assert_eq!(text(&sync, "crux.corpus.stale_policy"), "keep");
    assert_eq!(text(&sync, "crux.corpus.source_set"), "help-center");
    assert_eq!(sync.bool_attr("crux.corpus.dry_run"), Some(false));
    assert_eq!(sync.i64_attr("crux.corpus.source_count"), Some(4));
    for (k, v) in [
        ("added", 1),
        ("changed", 0),
        ("unchanged", 1),
        ("stale", 0),
        ("skipped", 0),
        ("deleted", 1),
        ("failed", 0),
        ("chunk", 12),
    ] {
        assert_eq!(
            sync.i64_attr(&format!("crux.corpus.{k}_count")),
            Some(v),
            "{k}"
        );
    }
    assert_eq!(sync.status, Status::Unset);
    let sources = capture.children(&sync);
    assert_eq!(sources.len(), 3);
    let guide = &sources[0];
    assert_eq!(guide.name, "crux.corpus.source");
    assert_eq!(
        text(guide, "crux.corpus.source_id_hash"),
        "5ac99160",
        "FNV-1a of the source id"
    );
    assert_eq!(text(guide, "crux.corpus.action"), "added");
    assert_eq!(text(guide, "crux.corpus.id"), "docs");
    assert_eq!(text(guide, "crux.corpus.namespace_hash"), "93332d7b");
    assert_eq!(guide.bool_attr("crux.corpus.dry_run"), Some(false));
    assert_eq!(guide.i64_attr("crux.corpus.chunk_count"), Some(12));
    assert_eq!(text(&sources[2], "crux.corpus.reason"), "removed upstream");

    capture.clear();
    sync_docs(true);
    let sync = capture.one("crux.corpus.sync");
    assert_eq!(
        sync.error_description().as_deref(),
        Some("1 corpus source(s) failed")
    );
    assert!(
        sync.event("exception").is_none(),
        "a status, not an exception"
    );
    assert_eq!(sync.i64_attr("crux.corpus.failed_count"), Some(1));
    let broken = capture
        .named("crux.corpus.source")
        .into_iter()
        .find(|s| text(s, "crux.corpus.action") == "failed")
        .unwrap();
    assert_eq!(broken.error_description().as_deref(), Some("parse error"));
    assert_keys_registered(&capture.spans());
}

#[tokio::test]
async fn a_hashing_key_switches_to_hmac() {
    let capture = capture_with(crux::Telemetry::builder().hashing_key("s3cret"));
    recall("tenant-a", "q");
    let hash = text(
        &capture.one("crux.memory.read"),
        "crux.memory.namespace_hash",
    );
    assert_eq!(hash, crux::hashing::keyed(b"s3cret", "tenant-a"));
    assert!(hash.starts_with("hmac:"));
}

#[crux::compact(reason = "context_window")]
async fn compact(history: Vec<String>) -> Vec<String> {
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let kept: Vec<String> = history.iter().rev().take(2).cloned().collect();
    crux::judge::record_compaction(history.len(), kept.len());
    kept
}

#[tokio::test]
async fn concurrent_compactions_are_separate_spans() {
    let capture = capture();
    let (a, b) = tokio::join!(compact(vec!["a".into(); 8]), compact(vec!["b".into(); 4]));
    assert_eq!((a.len(), b.len()), (2, 2));
    let spans = capture.named("crux.compact");
    assert_eq!(spans.len(), 2);
    let mut ratios: Vec<f64> = spans
        .iter()
        .map(|s| s.f64_attr("crux.compaction.ratio").unwrap())
        .collect();
    ratios.sort_by(f64::total_cmp);
    assert_eq!(ratios, [0.25, 0.5]);
    assert!(spans
        .iter()
        .all(|s| text(s, "crux.compaction.reason") == "context_window"));
    assert_ne!(
        spans[0].span_context.span_id(),
        spans[1].span_context.span_id()
    );
}

#[crux::judge(metric = "faithfulness")]
fn grade(answer: &str) -> Result<f64, std::io::Error> {
    Ok(if answer.is_empty() { 0.0 } else { 0.875 })
}

#[crux::flow_step(label = "evaluate")]
fn evaluate() {
    let _ = grade("the teapot was refunded");
    crux::judge::score("helpfulness", 0.5);
}

#[tokio::test]
async fn judge_scores_and_the_evaluation_event_on_the_parent() {
    let capture = capture();
    evaluate();
    let step = capture.one("crux.flow.step");
    let judges = capture.named("crux.judge");
    assert_eq!(judges.len(), 2);
    for judge in &judges {
        assert_eq!(judge.parent_span_id, step.span_context.span_id());
    }
    let faithful = judges
        .iter()
        .find(|j| text(j, "crux.judge.metric") == "faithfulness")
        .unwrap();
    assert_eq!(faithful.f64_attr("crux.judge.score"), Some(0.875));
    let helpful = judges
        .iter()
        .find(|j| text(j, "crux.judge.metric") == "helpfulness")
        .unwrap();
    assert_eq!(helpful.f64_attr("crux.judge.score"), Some(0.5));
    let events: Vec<_> = step
        .events
        .iter()
        .filter(|e| e.name == "gen_ai.evaluation.result")
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].str_attr("gen_ai.evaluation.name").as_deref(),
        Some("faithfulness")
    );
    assert_eq!(
        events[0]
            .attributes
            .iter()
            .find(|kv| kv.key.as_str() == "gen_ai.evaluation.score.value")
            .map(|kv| kv.value.clone()),
        Some(opentelemetry::Value::F64(0.875))
    );
    assert_keys_registered(&capture.spans());
}

#[tokio::test]
async fn approvals_are_instant_spans() {
    let capture = capture();
    crux::approval::request("issue_refund", "call_9", "appr-1");
    crux::approval::decision("appr-1", true, Some("issue_refund"), Some("call_9"));
    crux::approval::decision("appr-2", false, None, None);
    let request = capture.one("crux.tool.approval.request");
    assert_eq!(text(&request, "crux.tool.name"), "issue_refund");
    assert_eq!(text(&request, "crux.tool.call_id"), "call_9");
    assert_eq!(text(&request, "crux.tool.approval.id"), "appr-1");
    let decisions = capture.named("crux.tool.approval.decision");
    assert_eq!(decisions.len(), 2);
    for instant in decisions.iter().chain([&request]) {
        assert_eq!(instant.start_time, instant.end_time, "an instant");
    }
    assert_eq!(
        decisions[0].bool_attr("crux.tool.approval.approved"),
        Some(true)
    );
    assert_eq!(text(&decisions[0], "crux.tool.name"), "issue_refund");
    assert_eq!(
        decisions[1].bool_attr("crux.tool.approval.approved"),
        Some(false)
    );
    assert!(decisions[1].attr("crux.tool.name").is_none());
}

struct Page {
    html: String,
    summary: String,
}

impl crux::ToolOutput for Page {
    fn output_size(&self) -> usize {
        self.html.chars().count()
    }
    fn model_output(&self) -> crux::ModelOutput {
        crux::ModelOutput::text(&self.summary)
    }
}

#[crux::tool]
fn fetch_page() -> Page {
    Page {
        html: "x".repeat(1000),
        summary: "y".repeat(40),
    }
}

#[crux::tool]
fn lookup_json() -> Result<serde_json::Value, std::io::Error> {
    Ok(serde_json::json!({"order": "A-1", "paid": 3450}))
}

#[crux::tool]
fn denied() -> Result<String, std::io::Error> {
    Err(std::io::Error::other("not allowed here"))
}

#[tokio::test]
async fn tool_output_metadata_and_declared_model_output() {
    let capture = capture();
    fetch_page();
    lookup_json().unwrap();
    let _ = denied();
    let page = capture.one("crux.tool.fetch_page");
    assert_eq!(text(&page, "crux.tool.model_output.type"), "text");
    assert_eq!(page.i64_attr("crux.tool.output.size"), Some(1000));
    assert_eq!(page.i64_attr("crux.tool.model_output.size"), Some(40));
    assert_eq!(page.i64_attr("crux.tool.token_savings_estimate"), Some(960));
    let json = capture.one("crux.tool.lookup_json");
    assert_eq!(text(&json, "crux.tool.model_output.type"), "json");
    let len = serde_json::to_string(&serde_json::json!({"order": "A-1", "paid": 3450}))
        .unwrap()
        .len() as i64;
    assert_eq!(json.i64_attr("crux.tool.output.size"), Some(len));
    assert_eq!(json.i64_attr("crux.tool.token_savings_estimate"), Some(0));
    let err = capture.one("crux.tool.denied");
    assert_eq!(text(&err, "crux.tool.model_output.type"), "error-text");
    assert_eq!(
        err.i64_attr("crux.tool.output.size"),
        Some("not allowed here".len() as i64)
    );
    assert!(err.attr("gen_ai.tool.call.result").is_none());
}

const PASSAGE: &str = "SENTINEL-PASSAGE-5519";

#[crux::embedding(provider = "openai", model = "text-embedding-3-small", kind = "dense", operation = "embed_many", input_count = texts.len() as i64)]
async fn embed(texts: &[&str]) -> Result<Vec<Vec<f32>>, std::io::Error> {
    crux::Span::current().record_usage(&crux::Usage::new(12, 0));
    crux::Span::current().record_cost(0.0004);
    Ok(texts.iter().map(|_| vec![0.5; 8]).collect())
}

#[crux::embedding(model = "text-embedding-3-small")]
async fn embed_failing() -> Result<Vec<f32>, std::io::Error> {
    Err(std::io::Error::other("rate limited"))
}

#[crux::retrieval(retriever = "help-center", namespace = TENANT, mode = "hybrid", limit = 3, fusion = "rrf", query = query)]
async fn search(query: &str) -> Result<Vec<String>, std::io::Error> {
    let vectors = embed(&[query]).await?;
    Ok(vectors
        .iter()
        .take(2)
        .map(|_| format!("{PASSAGE} for {query}"))
        .collect())
}

#[crux::flow(name = "answer", id = "flow-rag")]
async fn rag(query: &str) -> Result<Vec<String>, std::io::Error> {
    let mut hits = search(query).await?;
    hits.extend(search(query).await?);
    Ok(hits)
}

#[tokio::test]
async fn embeddings_and_retrievals_are_client_spans_with_counts_and_no_content() {
    let capture = capture();
    rag(QUERY).await.unwrap();
    let flow = capture.one("crux.flow");
    let retrievals = capture.named("crux.retrieval");
    let embeddings = capture.named("crux.embedding");
    assert_eq!((retrievals.len(), embeddings.len()), (2, 2));
    let (retrieval, embedding) = (&retrievals[0], &embeddings[0]);
    assert_eq!(retrieval.parent_span_id, flow.span_context.span_id());
    assert_eq!(embedding.parent_span_id, retrieval.span_context.span_id());
    assert_eq!(retrieval.span_kind, opentelemetry::trace::SpanKind::Client);
    assert_eq!(embedding.span_kind, opentelemetry::trace::SpanKind::Client);

    assert_eq!(text(retrieval, "gen_ai.operation.name"), "retrieval");
    assert_eq!(text(retrieval, "crux.retriever.id"), "help-center");
    assert_eq!(text(retrieval, "gen_ai.data_source.id"), "help-center");
    assert_eq!(text(retrieval, "crux.retrieval.namespace_hash"), "93332d7b");
    assert_eq!(text(retrieval, "crux.retrieval.mode"), "hybrid");
    assert_eq!(text(retrieval, "crux.retrieval.fusion"), "rrf");
    assert_eq!(retrieval.i64_attr("crux.retrieval.limit"), Some(3));
    assert_eq!(retrieval.i64_attr("gen_ai.retrieval.top_k"), Some(3));
    assert_eq!(retrieval.i64_attr("crux.retrieval.result_count"), Some(1));
    assert_eq!(retrieval.attr("gen_ai.retrieval.query.text"), None);

    assert_eq!(text(embedding, "gen_ai.operation.name"), "embeddings");
    assert_eq!(
        text(embedding, "crux.embedding.name"),
        "embed",
        "the fn name"
    );
    assert_eq!(text(embedding, "gen_ai.provider.name"), "openai");
    assert_eq!(
        text(embedding, "gen_ai.request.model"),
        "text-embedding-3-small"
    );
    assert_eq!(text(embedding, "crux.embedding.kind"), "dense");
    assert_eq!(text(embedding, "crux.embedding.operation"), "embed_many");
    assert_eq!(embedding.i64_attr("crux.embedding.input_count"), Some(1));
    assert_eq!(embedding.i64_attr("crux.embedding.dimensions"), Some(8));
    assert_eq!(
        embedding.i64_attr("gen_ai.embeddings.dimension.count"),
        Some(8)
    );
    assert_eq!(embedding.i64_attr("gen_ai.usage.input_tokens"), Some(12));
    assert_eq!(embedding.f64_attr("crux.cost"), Some(0.0004));
    // Both embedding calls' cost reaches the flow's total.
    let total = flow.f64_attr("crux.cost.total").expect("the flow's total");
    assert!((total - 0.0008).abs() < 1e-12, "{total}");

    for span in capture.spans() {
        for kv in &span.attributes {
            let v = kv.value.as_str();
            assert!(
                !v.contains(QUERY) && !v.contains(PASSAGE) && !v.contains("tenant-a"),
                "{} leaks {v}",
                kv.key
            );
        }
    }
    assert_keys_registered(&capture.spans());
}

#[tokio::test]
async fn a_retrieval_query_is_recorded_only_with_input_capture_and_cut_at_the_cap() {
    let capture = capture_with(
        crux::Telemetry::builder()
            .capture_content(true)
            .max_content_length(10),
    );
    search(QUERY).await.unwrap();
    let retrieval = capture.one("crux.retrieval");
    assert_eq!(
        text(&retrieval, "gen_ai.retrieval.query.text"),
        &QUERY[..10]
    );
    assert_eq!(retrieval.bool_attr("crux.truncated"), Some(true));
}

#[tokio::test]
async fn a_failed_embedding_is_an_error_and_genai_naming_names_both() {
    let capture = capture_with(crux::Telemetry::builder().span_naming(crux::SpanNaming::GenAi));
    assert!(embed_failing().await.is_err());
    search("q").await.unwrap();
    let embeddings = capture.named("embeddings text-embedding-3-small");
    assert_eq!(embeddings.len(), 2, "embed_failing's and search's");
    let failed = embeddings
        .into_iter()
        .find(|s| matches!(s.status, Status::Error { .. }))
        .expect("the failed embedding's span is an error");
    assert_eq!(text(&failed, "error.type"), "std::io::error::Error");
    assert_eq!(failed.attr("crux.embedding.dimensions"), None);
    capture.one("retrieval help-center");
}

const SOURCE_PATH: &str = "private/path/guide.md";

#[crux::ingest(parser = "markdown", format = "text/markdown", namespace = TENANT, source_id = path, byte_length = text.len() as i64)]
fn parse(path: &str, text: &str) -> Vec<String> {
    let parts: Vec<String> = text.split("\n\n").map(str::to_owned).collect();
    crux::Span::current().set_attribute(
        crux::attributes::CRUX_INGEST_PART_COUNT,
        &(parts.len() as i64),
    );
    parts
}

#[crux::indexing(indexer = "help-center", namespace = TENANT, operation = "upsert", source_count = 1)]
fn index(path: &str, text: &str) -> usize {
    let parts = parse(path, text);
    let span = crux::Span::current();
    span.set_attribute(
        crux::attributes::CRUX_INDEX_CHUNK_COUNT,
        &(parts.len() as i64),
    );
    span.set_attribute(crux::attributes::CRUX_INDEX_STAGE_COUNT, &2_i64);
    span.set_attribute(crux::attributes::CRUX_INDEX_STAGE_CACHE_HIT_COUNT, &1_i64);
    parts.len()
}

#[tokio::test]
async fn indexing_and_ingestion_hash_namespaces_and_source_ids() {
    let capture = capture_with(crux::Telemetry::builder().capture_content(true));
    let body = format!("{CONTENT}\n\nsecond part");
    assert_eq!(index(SOURCE_PATH, &body), 2);
    let indexing = capture.one("crux.indexing");
    let parse = capture.one("crux.ingest.parse");
    assert_eq!(parse.parent_span_id, indexing.span_context.span_id());
    assert_eq!(indexing.span_kind, opentelemetry::trace::SpanKind::Internal);
    assert_eq!(text(&indexing, "crux.indexer.id"), "help-center");
    assert_eq!(text(&indexing, "crux.index.namespace_hash"), "93332d7b");
    assert_eq!(text(&indexing, "crux.index.operation"), "upsert");
    assert_eq!(indexing.i64_attr("crux.index.source_count"), Some(1));
    assert_eq!(indexing.i64_attr("crux.index.chunk_count"), Some(2));
    assert_eq!(indexing.i64_attr("crux.index.stage_count"), Some(2));
    assert_eq!(
        indexing.i64_attr("crux.index.stage_cache_hit_count"),
        Some(1)
    );
    assert_eq!(text(&parse, "crux.ingest.parser"), "markdown");
    assert_eq!(text(&parse, "crux.ingest.format"), "text/markdown");
    assert_eq!(text(&parse, "crux.ingest.namespace_hash"), "93332d7b");
    assert_eq!(
        text(&parse, "crux.ingest.source_id_hash"),
        "5ac99160",
        "FNV-1a of the path, the TypeScript package's vector"
    );
    assert_eq!(
        parse.i64_attr("crux.ingest.byte_length"),
        Some(body.len() as i64)
    );
    assert_eq!(parse.i64_attr("crux.ingest.part_count"), Some(2));
    // Even with content capture on: a source's path and text are never recorded.
    for span in [indexing, parse] {
        for kv in &span.attributes {
            let v = kv.value.as_str();
            assert!(
                !v.contains(SOURCE_PATH) && !v.contains(CONTENT) && !v.contains("tenant-a"),
                "{} leaks {v}",
                kv.key
            );
        }
    }
    assert_keys_registered(&capture.spans());
}

#[crux::flow(name = "instants")]
async fn every_instant() {
    crux::cost::report(crux::cost::CostReport::new(0.01));
    crux::judge::score("helpfulness", 0.5);
    crux::approval::request("refund", "call_1", "appr-1");
    crux::approval::decision("appr-1", true, Some("refund"), Some("call_1"));
    sync_docs(false);
    vote().await.unwrap();
    let checkpoint = crux::flow::suspend("approval").expect("inside a flow");
    crux::flow::expire(&checkpoint);
}

#[tokio::test]
async fn instant_and_agent_spans_get_the_custom_attributes_and_the_start_phase() {
    let mapped = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = mapped.clone();
    let capture = capture_with(
        crux::Telemetry::builder()
            .attribute("app.region", "eu")
            .map_attributes(move |phase, span, attrs| {
                if phase == crux::hooks::Phase::Start {
                    record.lock().unwrap().push(span.to_owned());
                    attrs.set("app.mapped", true);
                }
            }),
    );
    every_instant().await;
    let mapped = mapped.lock().unwrap();
    // Each with the OpenInference kind backends classify it by.
    let names = [
        ("crux.cost.report", "CHAIN"),
        ("crux.judge", "EVALUATOR"),
        ("crux.tool.approval.request", "GUARDRAIL"),
        ("crux.tool.approval.decision", "GUARDRAIL"),
        ("crux.corpus.source", "CHAIN"),
        ("crux.composition.agent.alpha", "AGENT"),
        ("crux.flow.expired", "CHAIN"),
    ];
    for (name, kind) in names {
        let spans = capture.named(name);
        assert!(!spans.is_empty(), "no {name} span");
        for span in spans {
            assert_eq!(text(&span, "app.region"), "eu", "{name}");
            assert_eq!(span.bool_attr("app.mapped"), Some(true), "{name}");
            assert_eq!(text(&span, "openinference.span.kind"), kind, "{name}");
        }
        assert!(mapped.iter().any(|m| m == name), "{name} not mapped");
    }
}
