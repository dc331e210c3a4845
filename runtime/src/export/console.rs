//! The console tree: each finished trace printed as an indented tree with durations and
//! the attributes a developer looks for first (model, tokens, cost, errors).
//!
//! The console is an exporter run by crux's batch processor, like OTLP: the application's
//! threads only queue spans (a full queue drops and counts them), and the trees are
//! built and written on the console's export thread, so a slow or blocked stderr never
//! blocks an annotated call. Spans are held per trace until the trace's local root ends,
//! then the whole tree is written at once, so concurrent traces never interleave. Memory
//! is bounded: a trace keeps its first [`MAX_SPANS_PER_TRACE`] spans (and its root) and
//! counts the rest ("… N more spans"), and when [`MAX_HELD_SPANS`] spans are held in all,
//! or [`MAX_PENDING_TRACES`] traces, the oldest trace is written as it is. Traces whose
//! root never ends here are written at flush and shutdown, so nothing is silently lost.

use crate::attributes as key;
use opentelemetry::trace::{Status, TraceId};
use opentelemetry::Value;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Most traces held while waiting for their root; past this the oldest is written.
const MAX_PENDING_TRACES: usize = 1024;
/// Most spans one trace holds; later ones (except its root) are counted, not kept.
const MAX_SPANS_PER_TRACE: usize = 1000;
/// Most spans held over all traces; past this the oldest trace is written as it is.
const MAX_HELD_SPANS: usize = 20_000;
/// How soon queued spans reach the console's thread: a tree appears this long after its
/// root ends, at most.
pub(crate) const CONSOLE_DELAY: Duration = Duration::from_millis(100);

/// A readable tree of each finished trace, on stderr or any writer.
///
/// ```
/// let (console, buffer) = crux::export::Console::to_buffer();
/// let guard = crux::Telemetry::builder().console_with(console).install().unwrap();
///
/// #[crux::tool]
/// fn lookup(id: u32) -> u32 { id }
/// lookup(7);
///
/// guard.shutdown();
/// assert!(buffer.contents().contains("crux.tool.lookup"));
/// ```
pub struct Console {
    out: Box<dyn Write + Send>,
}

impl std::fmt::Debug for Console {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Console").finish_non_exhaustive()
    }
}

/// What a [`Console`] made with [`Console::to_buffer`] wrote.
#[derive(Clone, Debug, Default)]
pub struct ConsoleBuffer(Arc<Mutex<Vec<u8>>>);

impl ConsoleBuffer {
    /// Everything written so far.
    pub fn contents(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

impl Write for ConsoleBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Console {
    /// Trees on standard error.
    pub fn stderr() -> Console {
        Console::to_writer(std::io::stderr())
    }

    /// Trees on any writer.
    pub fn to_writer(out: impl Write + Send + 'static) -> Console {
        Console { out: Box::new(out) }
    }

    /// Trees into a shared buffer (for tests and examples that inspect the output).
    pub fn to_buffer() -> (Console, ConsoleBuffer) {
        let buffer = ConsoleBuffer::default();
        (Console::to_writer(buffer.clone()), buffer)
    }

    pub(crate) fn exporter(self) -> ConsoleExporter {
        ConsoleExporter {
            state: Mutex::new(State {
                pending: HashMap::new(),
                order: VecDeque::new(),
                held: 0,
                out: self.out,
            }),
        }
    }
}

/// The console's exporter; only its export thread touches the state.
pub(crate) struct ConsoleExporter {
    state: Mutex<State>,
}

impl std::fmt::Debug for ConsoleExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleExporter").finish_non_exhaustive()
    }
}

/// The spans of one trace held until its root ends.
#[derive(Default)]
struct Pending {
    spans: Vec<SpanData>,
    /// Spans of the trace past [`MAX_SPANS_PER_TRACE`], counted only.
    more: u64,
}

struct State {
    pending: HashMap<TraceId, Pending>,
    order: VecDeque<TraceId>,
    /// Spans held over all pending traces.
    held: usize,
    out: Box<dyn Write + Send>,
}

impl State {
    fn add(&mut self, span: SpanData) {
        let trace_id = span.span_context.trace_id();
        let is_local_root = span.parent_span_id == opentelemetry::trace::SpanId::INVALID
            || span.parent_span_is_remote;
        let pending = self.pending.entry(trace_id).or_default();
        if pending.spans.is_empty() && pending.more == 0 {
            self.order.push_back(trace_id);
        }
        if pending.spans.len() < MAX_SPANS_PER_TRACE || is_local_root {
            pending.spans.push(span);
            self.held += 1;
        } else {
            pending.more += 1;
        }
        if is_local_root {
            self.write_trace(trace_id);
        }
        while self.order.len() > MAX_PENDING_TRACES || self.held > MAX_HELD_SPANS {
            match self.order.front().copied() {
                Some(oldest) => self.write_trace(oldest),
                None => break,
            }
        }
    }

    fn write_trace(&mut self, trace_id: TraceId) {
        if let Some(pending) = self.pending.remove(&trace_id) {
            self.order.retain(|t| *t != trace_id);
            self.held -= pending.spans.len();
            let mut text = render(trace_id, &pending.spans);
            if pending.more > 0 {
                let _ = writeln!(
                    text,
                    "… {} more spans of this trace not shown (the console keeps {MAX_SPANS_PER_TRACE} per trace)",
                    pending.more
                );
            }
            // The console is a development aid: a closed stderr must not hurt the app.
            let _ = self.out.write_all(text.as_bytes());
            let _ = self.out.flush();
        }
    }

    fn write_all_pending(&mut self) {
        while let Some(trace_id) = self.order.front().copied() {
            self.write_trace(trace_id);
        }
    }
}

impl SpanExporter for ConsoleExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        for span in batch {
            state.add(span);
        }
        Ok(())
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .write_all_pending();
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        self.force_flush()
    }
}

/// Renders one trace as a tree.
pub(crate) fn render(trace_id: TraceId, spans: &[SpanData]) -> String {
    let mut order: Vec<&SpanData> = spans.iter().collect();
    order.sort_by_key(|s| s.start_time);
    let ids: std::collections::HashSet<_> =
        order.iter().map(|s| s.span_context.span_id()).collect();
    let mut children: HashMap<_, Vec<&SpanData>> = HashMap::new();
    let mut roots = Vec::new();
    for span in &order {
        if ids.contains(&span.parent_span_id) {
            children.entry(span.parent_span_id).or_default().push(*span);
        } else {
            roots.push(*span);
        }
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "trace {trace_id} · {} span{}",
        spans.len(),
        if spans.len() == 1 { "" } else { "s" }
    );
    // Model calls (CLIENT spans) carry the usage; `use_reason` spans repeat their sums
    // under crux's own keys.
    let calls = || {
        spans
            .iter()
            .filter(|s| s.span_kind == opentelemetry::trace::SpanKind::Client)
    };
    let costs = || calls().chain(spans.iter().filter(|s| s.name == "crux.cost.report"));
    let sum = |k: &str| -> i64 {
        calls()
            .filter_map(|s| match attr(s, k) {
                Some(Value::I64(n)) => Some(*n),
                _ => None,
            })
            .sum()
    };
    let (tokens_in, tokens_out) = (
        sum(key::GEN_AI_USAGE_INPUT_TOKENS),
        sum(key::GEN_AI_USAGE_OUTPUT_TOKENS),
    );
    if tokens_in + tokens_out > 0 {
        let _ = write!(out, " · tokens {tokens_in} in / {tokens_out} out");
    }
    let cost: f64 = costs()
        .filter_map(|s| match attr(s, key::CRUX_COST) {
            Some(Value::F64(c)) => Some(*c),
            _ => None,
        })
        .sum();
    if cost > 0.0 {
        let _ = write!(out, " · ${cost:.5}");
    }
    out.push('\n');
    for (i, root) in roots.iter().enumerate() {
        write_span(&mut out, root, &children, "", i + 1 == roots.len(), true);
    }
    out
}

fn write_span(
    out: &mut String,
    span: &SpanData,
    children: &HashMap<opentelemetry::trace::SpanId, Vec<&SpanData>>,
    prefix: &str,
    last: bool,
    root: bool,
) {
    let (branch, next_prefix) = match (root, last) {
        (true, _) => ("", String::new()),
        (false, true) => ("└─ ", format!("{prefix}   ")),
        (false, false) => ("├─ ", format!("{prefix}│  ")),
    };
    let duration = span
        .end_time
        .duration_since(span.start_time)
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{prefix}{branch}{}{}  {}",
        span.name,
        details(span),
        format_duration(duration)
    );
    let detail_prefix = if children.contains_key(&span.span_context.span_id()) {
        format!("{next_prefix}│ ")
    } else {
        format!("{next_prefix}  ")
    };
    // The exception event repeats what the ✗ on the span line already says.
    for event in span.events.iter().filter(|e| e.name != "exception") {
        let attrs: Vec<String> = event
            .attributes
            .iter()
            .filter(|kv| kv.key.as_str() != key::EXCEPTION_TYPE)
            .map(|kv| format!("{}={}", short_key(kv.key.as_str()), kv.value))
            .collect();
        let _ = writeln!(out, "{detail_prefix}• {} {}", event.name, attrs.join(" "));
    }
    for link in span.links.iter() {
        let _ = writeln!(
            out,
            "{detail_prefix}↪ linked to trace {} span {}",
            link.span_context.trace_id(),
            link.span_context.span_id()
        );
    }
    if let Some(kids) = children.get(&span.span_context.span_id()) {
        for (i, child) in kids.iter().enumerate() {
            write_span(
                out,
                child,
                children,
                &next_prefix,
                i + 1 == kids.len(),
                false,
            );
        }
    }
}

fn attr<'a>(span: &'a SpanData, k: &str) -> Option<&'a Value> {
    crate::core::attrs::find(&span.attributes, k)
}

fn short_key(k: &str) -> &str {
    k.strip_prefix("crux.")
        .or_else(|| k.strip_prefix("gen_ai."))
        .unwrap_or(k)
}

/// The few attributes worth a glance, in a fixed order.
fn details(span: &SpanData) -> String {
    let mut d = String::new();
    let text = |k: &str| attr(span, k).map(|v| v.as_str().into_owned());
    // Under readable naming the span name already ends with the label.
    let named = |label: &str| span.name.ends_with(&format!(" {label}"));
    if span.name.starts_with("crux.flow") || span.name.starts_with("invoke_workflow") {
        if let Some(name) = text(key::CRUX_FLOW_NAME)
            .filter(|_| span.name == "crux.flow" || span.name == "crux.flow.resume")
        {
            let _ = write!(d, " {name}");
        }
        if let Some(label) = text(key::CRUX_STEP_LABEL).filter(|l| !named(l)) {
            let _ = write!(d, " {label}");
        }
        if let Some(id) =
            text(key::CRUX_FLOW_ID).filter(|_| attr(span, key::CRUX_STEP_ID).is_none())
        {
            let _ = write!(d, " [{id}]");
        }
    }
    if attr(span, key::CRUX_RUN_ID).is_some() {
        if let Some(agent) = text(key::GEN_AI_AGENT_NAME) {
            let _ = write!(d, " {agent}");
        }
        if let Some(session) = text(key::SESSION_ID) {
            let _ = write!(d, " session={session}");
        }
        if let Some(Value::Bool(true)) = attr(span, key::CRUX_RUN_AWAITING_HUMAN_INPUT) {
            d.push_str(" [awaiting human input]");
        }
    }
    if let Some(Value::I64(waited)) = attr(span, key::CRUX_FLOW_SUSPENDED_MS) {
        let point = text(key::CRUX_FLOW_SUSPEND_POINT).unwrap_or_default();
        let waited = Duration::from_millis(u64::try_from(*waited).unwrap_or(0));
        let _ = write!(d, " resumed from {point} after {}", format_duration(waited));
    }
    if let Some(provider) = text(key::GEN_AI_PROVIDER_NAME) {
        let _ = write!(d, " {provider}");
    }
    if let Some(model) = text(key::GEN_AI_RESPONSE_MODEL)
        .or_else(|| text(key::GEN_AI_REQUEST_MODEL))
        .or_else(|| text(key::CRUX_COST_MODEL))
    {
        let _ = write!(d, " {model}");
    }
    // A model call's usage, or the sums of a `use_reason` (under crux's keys).
    let usage = |genai: &str, reason: &str| attr(span, genai).or_else(|| attr(span, reason));
    if let (Some(i), Some(o)) = (
        usage(
            key::GEN_AI_USAGE_INPUT_TOKENS,
            key::CRUX_REASON_USAGE_INPUT_TOKENS,
        ),
        usage(
            key::GEN_AI_USAGE_OUTPUT_TOKENS,
            key::CRUX_REASON_USAGE_OUTPUT_TOKENS,
        ),
    ) {
        let _ = write!(d, "  tokens {i} in / {o} out");
    }
    if let (Some(Value::F64(cost)), false) = (
        attr(span, key::CRUX_COST),
        attr(span, key::CRUX_COST_THRESHOLD).is_some(),
    ) {
        let _ = write!(d, "  ${cost:.5}");
    }
    if let Some(reasons) = attr(span, key::GEN_AI_RESPONSE_FINISH_REASONS) {
        let _ = write!(d, "  finish {reasons}");
    }
    if let Some(id) = text(key::CRUX_TOOL_CALL_ID) {
        let _ = write!(d, " ({id})");
    }
    if let (Some(metric), Some(Value::F64(score))) = (
        text(key::CRUX_JUDGE_METRIC),
        attr(span, key::CRUX_JUDGE_SCORE),
    ) {
        let _ = write!(d, " {metric} = {score:.2}");
    }
    if let Some(op) = text(key::CRUX_MEMORY_OPERATION) {
        let kind = text(key::CRUX_MEMORY_TYPE)
            .map(|k| format!(" {k}"))
            .unwrap_or_default();
        let _ = write!(d, " {op}{kind}");
    }
    if let Some(action) = text(key::CRUX_CORPUS_ACTION) {
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
        .filter_map(|k| match attr(span, &format!("crux.corpus.{k}_count")) {
            Some(Value::I64(n)) if *n > 0 => Some(format!("{k} {n}")),
            _ => None,
        })
        .collect();
        let _ = write!(d, " {}", counts.join(", "));
    }
    if let Some(retriever) = text(key::CRUX_RETRIEVER_ID) {
        let _ = write!(d, " {retriever}");
        if let Some(Value::I64(n)) = attr(span, key::CRUX_RETRIEVAL_RESULT_COUNT) {
            let _ = write!(d, "  {n} result{}", if *n == 1 { "" } else { "s" });
        }
    }
    for id in [key::CRUX_INDEXER_ID, key::CRUX_INGEST_PARSER] {
        if let Some(id) = text(id) {
            let _ = write!(d, " {id}");
        }
    }
    if let Some(Value::I64(n)) = attr(span, key::CRUX_EMBEDDING_DIMENSIONS) {
        let _ = write!(d, "  {n} dims");
    }
    if let Some(Value::F64(ratio)) = attr(span, key::CRUX_COMPACTION_RATIO) {
        let _ = write!(d, " ratio {ratio:.2}");
    }
    if let Some(Value::I64(agents)) = attr(span, key::CRUX_COMPOSITION_AGENT_COUNT) {
        let _ = write!(d, " {agents} agents");
    }
    if let (Some(Value::F64(total)), Some(Value::F64(threshold))) = (
        attr(span, key::CRUX_COST_TOTAL),
        attr(span, key::CRUX_COST_THRESHOLD),
    ) {
        let _ = write!(d, " total ${total:.5} ≥ ${threshold:.5}");
    } else if let (Some(Value::F64(total)), true) = (
        attr(span, key::CRUX_COST_TOTAL),
        span.name.starts_with("crux.flow"),
    ) {
        let _ = write!(d, " total ${total:.5}");
    }
    family_details(span, &mut d);
    if let Some(Value::Bool(true)) = attr(span, key::CRUX_CANCELLED) {
        d.push_str("  [cancelled]");
    }
    if let Status::Error { description } = &span.status {
        let kind = text(key::ERROR_TYPE).unwrap_or_else(|| "error".into());
        let _ = write!(d, "  ✗ {kind}: {description}");
    }
    d
}

/// The one-line summary of the plan, task, skill, cache, routing, validation, budget,
/// constraint and workspace families: their attributes joined in a fixed order, each
/// shown when present.
fn family_details(span: &SpanData, d: &mut String) {
    const SHOWN: &[(&str, &str)] = &[
        (key::CRUX_PLAN_TITLE, ""),
        (key::CRUX_PLAN_VERSION, "v"),
        (key::CRUX_TASKLIST_ID, ""),
        (key::CRUX_TASK_ID, ""),
        (key::CRUX_TASK_LABEL, ""),
        (key::CRUX_TASK_STATUS, ""),
        (key::CRUX_TASKLIST_TOTAL_TASKS, "tasks "),
        (key::CRUX_TASKLIST_REMAINING_COUNT, "left "),
        (key::CRUX_SKILL_ID, ""),
        (key::CRUX_SKILL_SOURCE, "from "),
        (key::CRUX_SKILL_CACHE_STATUS, ""),
        (key::CRUX_CONTEXT_ID, ""),
        (key::CRUX_CONTEXT_CACHE_STATUS, ""),
        (key::CRUX_WORKSPACE_PATH_HASH, "path#"),
        (key::CRUX_WORKSPACE_STATUS, ""),
        (key::CRUX_RETRIEVAL_STAGE_NAME, ""),
        (key::CRUX_RETRIEVAL_STAGE_OUTPUT_QUERY_COUNT, "queries → "),
        (key::CRUX_RETRIEVAL_STAGE_OUTPUT_HIT_COUNT, "hits → "),
        (key::CRUX_SEMANTIC_CACHE_STATUS, ""),
        (key::CRUX_SEMANTIC_CACHE_SCORE, "score "),
        (key::CRUX_SEMANTIC_CACHE_SKIP_REASON, "skipped: "),
        (key::CRUX_SEMANTIC_CACHE_RESULT_KIND, ""),
        (key::CRUX_VALIDATION_TOTAL_ATTEMPTS, "attempts "),
        (key::CRUX_ROUTER_CLASSIFIED_AS, ""),
        (key::CRUX_ROUTER_SELECTED_MODEL, "→ "),
        (key::CRUX_CASCADE_TIER_MODEL, ""),
        (key::CRUX_CASCADE_TIER_STATUS, ""),
        (key::CRUX_CASCADE_ACCEPTED_TIER, "accepted tier "),
        (key::CRUX_CASCADE_TOTAL_TIERS, "of "),
        (key::CRUX_BUDGET_TYPE, ""),
        (key::CRUX_CONSTRAINT_NAME, ""),
        (key::CRUX_CONSTRAINT_PASS, "pass="),
        (key::CRUX_CONSTRAINT_NAMES, ""),
        (key::CRUX_RAG_EVAL_NAME, ""),
        (key::CRUX_RAG_EVAL_SAMPLE_COUNT, "samples "),
    ];
    for (k, label) in SHOWN {
        match attr(span, k) {
            Some(Value::F64(x)) => {
                let _ = write!(d, " {label}{x:.2}");
            }
            Some(v) => {
                let _ = write!(d, " {label}{v}");
            }
            None => {}
        }
    }
    if let (Some(Value::F64(limit)), Some(Value::F64(actual))) = (
        attr(span, key::CRUX_BUDGET_LIMIT),
        attr(span, key::CRUX_BUDGET_ACTUAL),
    ) {
        let _ = write!(d, " {actual:.2} > {limit:.2}");
    }
    if let Some(Value::Bool(true)) = attr(span, key::CRUX_VALIDATION_EXHAUSTED) {
        d.push_str(" exhausted");
    }
}

fn format_duration(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
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
    use opentelemetry::trace::TracerProvider as _;
    use opentelemetry::trace::{SpanContext, SpanId, TraceFlags, TraceState, Tracer as _};

    /// A finished span of trace `trace` whose parent (never ending here) is local.
    fn orphan(template: &SpanData, trace: u128, id: u64) -> SpanData {
        let mut span = template.clone();
        span.span_context = SpanContext::new(
            TraceId::from(trace),
            SpanId::from(id),
            TraceFlags::SAMPLED,
            false,
            TraceState::NONE,
        );
        span.parent_span_id = SpanId::from(u64::MAX);
        span.parent_span_is_remote = false;
        span
    }

    #[test]
    fn spans_held_in_all_are_bounded_by_writing_the_oldest_traces() {
        let spans = crate::export::InMemorySpans::new();
        let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder()
            .with_span_processor(spans.processor())
            .build();
        drop(provider.tracer("t").start("child"));
        let template = spans.spans().remove(0);
        let (console, buffer) = Console::to_buffer();
        let exporter = console.exporter();
        let mut state = exporter.state.lock().unwrap();
        // 50 traces of 600 spans each, none with its root here: 30,000 spans.
        for trace in 1..=50u128 {
            for id in 1..=600u64 {
                state.add(orphan(&template, trace, id));
                assert!(state.held <= MAX_HELD_SPANS);
            }
        }
        let written = buffer.contents();
        let trees = written.lines().filter(|l| l.starts_with("trace ")).count();
        assert!(trees >= 50 - MAX_HELD_SPANS / 600, "{trees} trees written");
        assert!(written.starts_with(&format!("trace {}", TraceId::from(1u128))));
    }

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(format_duration(Duration::from_micros(12)), "12µs");
        assert_eq!(format_duration(Duration::from_micros(12_340)), "12.3ms");
        assert_eq!(format_duration(Duration::from_millis(2_500)), "2.50s");
    }
}
