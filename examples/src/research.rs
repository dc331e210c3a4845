//! The research agent of `cargo run --example research_agent`, as a library so the tests
//! can run exactly the same code.
//!
//! It answers a research question: it plans and keeps a task list, loads a skill, reads
//! its workspace, retrieves in stages, routes the question to a model cascade, caches
//! answers semantically, retries until its summary validates as JSON, checks the answer
//! against constraints, and summarises a RAG evaluation — every span family of crux's
//! second half in one trace. The model is scripted: no network, no API key.

use crate::{Answer, Completion, ModelError, ScriptedModel};
use crux::cascade::{self, Verdict};
use crux::constraint::{Check, Severity};
use crux::router::Selection;
use crux::semantic_cache::{Hit, ResultKind};
use crux::skill::SkillSource;
use crux::task::TaskStatus;
use crux::validation::Attempt;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The system prompt.
pub const SYSTEM: &str = "You are a research assistant. Cite your sources as [n].";

/// The agent: its model, its workspace (path → contents) and its semantic cache.
#[derive(Debug)]
pub struct ResearchAgent {
    model: ScriptedModel,
    workspace: HashMap<&'static str, &'static str>,
    cache: Mutex<HashMap<String, (String, Instant)>>,
}

/// The agent failed.
#[derive(Debug)]
pub struct ResearchError(pub String);

impl std::fmt::Display for ResearchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ResearchError {}

impl From<ModelError> for ResearchError {
    fn from(e: ModelError) -> Self {
        ResearchError(e.to_string())
    }
}

fn text(completion: Completion) -> String {
    match completion.answer {
        Answer::Text(text) => text,
        Answer::ToolCalls(_) => String::new(),
    }
}

/// The documents the retriever searches: (id, text).
const PAPERS: &[(&str, &str)] = &[
    (
        "tandem-2024",
        "perovskite silicon tandem cells reached 33.9% efficiency",
    ),
    (
        "stability-2023",
        "perovskite modules keep 90% output after 1000 hours",
    ),
    (
        "cost-2022",
        "silicon module prices fell below 0.20 USD per watt",
    ),
];

/// A model call (`crux.generate`) answered by the script.
#[crux::generate(provider = "openai", model = model)]
async fn complete(
    agent: &ResearchAgent,
    model: &str,
    prompt: &str,
) -> Result<Completion, ModelError> {
    agent.model.complete(model, SYSTEM, prompt).await
}

/// Reads a file of the workspace; the path is recorded hashed, never as itself.
#[crux::workspace(op = "read", id = "research", path = path, mount = "/notes", mime_type = "text/markdown")]
fn read_note(agent: &ResearchAgent, path: &str) -> std::io::Result<String> {
    agent
        .workspace
        .get(path)
        .map(|s| (*s).to_owned())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "no such note"))
}

/// Writes the report to the workspace.
#[crux::workspace(op = "write", id = "research", path = path, mount = "/outputs", size = report.len() as i64)]
fn write_report(path: &str, report: &str) -> std::io::Result<()> {
    let _ = (path, report);
    Ok(())
}

/// Stage 1: rewrites the question into search queries.
#[crux::retrieval_stage(
    kind = "rewrite",
    phase = "query",
    pipeline = "papers-v2",
    input_query_count = 1
)]
fn rewrite(question: &str) -> Vec<String> {
    vec![question.to_lowercase(), "perovskite efficiency".to_owned()]
}

/// Stage 2: matches the queries against the papers.
#[crux::retrieval_stage(stage = "match", kind = "keyword", phase = "hits", input_query_count = queries.len() as i64)]
fn match_papers(queries: &[String]) -> Vec<&'static str> {
    PAPERS
        .iter()
        .filter(|(_, text)| {
            queries
                .iter()
                .any(|q| q.split(' ').any(|w| w.len() > 4 && text.contains(w)))
        })
        .map(|(id, _)| *id)
        .collect()
}

/// Stage 3: keeps the two best hits.
#[crux::retrieval_stage(kind = "rerank", phase = "hits", input_hit_count = hits.len() as i64)]
fn rerank(hits: Vec<&'static str>) -> Vec<&'static str> {
    hits.into_iter().take(2).collect()
}

/// Retrieval in three stages (`crux.retrieval` with `crux.retrieval.stage` children).
#[crux::retrieval(retriever = "papers", mode = "hybrid", limit = 2, query = question)]
fn retrieve(question: &str) -> Vec<&'static str> {
    let queries = rewrite(question);
    rerank(match_papers(&queries))
}

/// Looks the question up in the semantic cache (exact match stands in for similarity).
#[crux::semantic_cache(version = "v1", threshold = 0.92, prompt_id = "research.answer")]
fn cached_answer(agent: &ResearchAgent, question: &str) -> Option<String> {
    let cache = agent.cache.lock().expect("cache lock");
    match cache.get(question) {
        Some((answer, stored)) => {
            crux::semantic_cache::hit(Hit::new(0.98).age(stored.elapsed()).cost(0.00002));
            crux::semantic_cache::replay();
            Some(answer.clone())
        }
        None => {
            crux::semantic_cache::miss();
            None
        }
    }
}

/// Picks the first model of the cascade from the question.
#[crux::router(name = "difficulty")]
fn route(question: &str) -> &'static [&'static str] {
    let hard = question.split(' ').count() > 6;
    crux::router::select(
        Selection::new(if hard { "gpt-4o-mini" } else { "gpt-4o" }).classified_as(if hard {
            "analysis"
        } else {
            "lookup"
        }),
    );
    if hard {
        &["gpt-4o-mini", "gpt-4o"]
    } else {
        &["gpt-4o"]
    }
}

/// Asks the routed models in turn until one answers with a citation.
#[crux::cascade(id = "answer", budget = 0.01)]
async fn answer(
    agent: &ResearchAgent,
    models: &[&'static str],
    prompt: &str,
) -> Result<String, ResearchError> {
    for (index, model) in models.iter().enumerate() {
        let verdict = cascade::tier(index, model, async {
            match complete(agent, model, prompt).await {
                Ok(done) => {
                    let answer = text(done);
                    if answer.contains("[1]") {
                        Verdict::Accepted(answer)
                    } else {
                        Verdict::Rejected(answer)
                    }
                }
                Err(_) => Verdict::Skipped,
            }
        })
        .await;
        if let Some(answer) = verdict.accepted() {
            return Ok(answer);
        }
    }
    Err(ResearchError("no tier gave a cited answer".into()))
}

/// Asks for the answer's summary as JSON until it parses.
#[crux::validation_retry(id = "summary-json", max_attempts = 3, prompt_id = "research.summary")]
async fn summarize(
    agent: &ResearchAgent,
    answer: &str,
) -> Result<serde_json::Value, ResearchError> {
    // Structured output is never served from the cache.
    crux::semantic_cache::Cache::new("generate", "v1").skip("structured_output");
    for _ in 0..3 {
        let raw = text(complete(agent, "gpt-4o-mini", answer).await?);
        match serde_json::from_str::<serde_json::Value>(&raw) {
            Ok(summary) => {
                crux::validation::attempt(Attempt::passed());
                return Ok(summary);
            }
            Err(_) => {
                crux::validation::attempt(
                    Attempt::failed("expected a JSON object").repair(true, false),
                );
            }
        }
    }
    Err(ResearchError("the summary never validated".into()))
}

/// Checks the answer against its constraints, asking once more when one fails.
async fn constrain(agent: &ResearchAgent, mut answer: String) -> Result<String, ResearchError> {
    for attempt in 1..=2u32 {
        let short = answer.split(' ').count() <= 40;
        let two_sources = answer.contains("[2]");
        crux::constraint::check(
            Check::new("under_40_words", Severity::Assert, short)
                .attempt(attempt)
                .feedback("shorten the answer to 40 words"),
        );
        crux::constraint::check(
            Check::new("cites_two_sources", Severity::Suggest, two_sources).attempt(attempt),
        );
        if short && two_sources {
            return Ok(answer);
        }
        if attempt == 2 {
            crux::constraint::violation(&["cites_two_sources"], attempt);
            return Ok(answer);
        }
        crux::constraint::retry(attempt + 1, &["under_40_words", "cites_two_sources"]);
        answer = text(complete(agent, "gpt-4o", &answer).await?);
    }
    Ok(answer)
}

impl ResearchAgent {
    /// The agent with its script for one question and its workspace.
    pub fn new() -> ResearchAgent {
        let long = "Perovskite tandem cells are the most efficient option today: they \
            reached 33.9% efficiency in 2024 [1], far above silicon alone, and recent modules \
            keep most of their output over time, though long-term stability in the field and \
            manufacturing at scale remain open questions that decide whether they replace silicon.";
        ResearchAgent {
            model: ScriptedModel::new([
                // The cascade: the small model forgets its citation, the large one cites.
                Answer::Text("Tandem cells are very efficient.".into()),
                Answer::Text(long.into()),
                // The summary: prose first, JSON on the second attempt.
                Answer::Text("Here is the summary you asked for: tandem cells lead.".into()),
                Answer::Text(r#"{"claim": "tandem cells lead", "sources": [1]}"#.into()),
                // The constraints' retry: shorter, still one source.
                Answer::Text("Perovskite tandem cells lead at 33.9% efficiency [1].".into()),
            ]),
            workspace: HashMap::from([(
                "notes/brief.md",
                "Compare solar cell technologies by efficiency.",
            )]),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Answers `question` as one run of the agent.
    #[crux::agent(name = "research", session_id = session)]
    pub async fn research(&self, session: &str, question: &str) -> Result<String, ResearchError> {
        self.investigate(question).await
    }

    #[crux::flow(name = "investigate")]
    async fn investigate(&self, question: &str) -> Result<String, ResearchError> {
        if let Some(answer) = cached_answer(self, question) {
            crux::context_cache::hit("ctx-solar", Duration::from_secs(1));
            return Ok(answer);
        }
        crux::context_cache::miss("ctx-solar");
        crux::plan::created("plan-solar", "Compare solar cell efficiency");
        crux::tasklist::created("todo-solar", Some("plan-solar"));
        for (id, label) in [
            ("t1", "read the brief"),
            ("t2", "find papers"),
            ("t3", "write the report"),
        ] {
            crux::task::added("todo-solar", id, label);
        }

        // A follow-up list from an earlier plan is dropped; so is a task not needed now.
        crux::tasklist::created("todo-followups", None);
        crux::tasklist::discarded("todo-followups", 0, 2);
        crux::task::added("todo-solar", "t4", "email the authors");
        crux::task::removed("todo-solar", "t4");

        crux::skill::cache("literature-review", false);
        crux::skill::loaded("literature-review", SkillSource::File);
        crux::skill::resolved("literature-review");

        crux::task::updated("todo-solar", "t1", TaskStatus::InProgress);
        let brief = read_note(self, "notes/brief.md").unwrap_or_default();
        // An older draft is gone: the read fails, the agent goes on without it.
        let _ = read_note(self, "notes/old-draft.md");
        crux::task::updated("todo-solar", "t1", TaskStatus::Done);

        crux::task::updated("todo-solar", "t2", TaskStatus::InProgress);
        let papers = retrieve(question);
        crux::plan::updated("plan-solar", 2);
        crux::task::updated("todo-solar", "t2", TaskStatus::Done);

        let prompt = format!(
            "{brief}\nQuestion: {question}\nSources: {}",
            papers.join(", ")
        );
        let models = route(question);
        let answer = answer(self, models, &prompt).await?;
        let summary = summarize(self, &answer).await?;
        let answer = constrain(self, answer).await?;

        let report = format!("{answer}\n\n{summary}");
        write_report("outputs/report.md", &report).map_err(|e| ResearchError(e.to_string()))?;
        crux::semantic_cache::Cache::new("generate", "v1")
            .prompt_id("research.answer")
            .write(Duration::from_secs(86_400), ResultKind::Text);
        self.cache
            .lock()
            .expect("cache lock")
            .insert(question.to_owned(), (answer.clone(), Instant::now()));
        crux::task::updated("todo-solar", "t3", TaskStatus::Done);
        crux::tasklist::completed("todo-solar", 3);

        // How the retriever did on the evaluation set last night.
        crux::rag_eval::summary(
            crux::rag_eval::RagEval::new("papers-v2", 24)
                .metric("context_precision", 0.83)
                .metric("faithfulness", 0.91),
        );
        Ok(answer)
    }
}

impl Default for ResearchAgent {
    fn default() -> Self {
        ResearchAgent::new()
    }
}

/// The question of the demo.
pub const QUESTION: &str = "Which solar cell technology is the most efficient today?";
