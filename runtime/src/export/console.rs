//! The console tree: each finished trace printed as an indented tree with durations and
//! the attributes a developer looks for first (model, tokens, cost, errors).
//!
//! Spans are held per trace until the trace's local root ends, then the whole tree is
//! written at once, so concurrent traces never interleave. Traces whose root never ends
//! here (a root in another process, children outliving their root) are written when the
//! pending list is full and at flush or shutdown, so nothing is silently lost.

use crate::attributes as key;
use opentelemetry::trace::{Status, TraceId};
use opentelemetry::{Context, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Most traces held while waiting for their root; past this the oldest is written.
const MAX_PENDING_TRACES: usize = 1024;

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
/// drop(guard);
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

    pub(crate) fn processor(self) -> ConsoleProcessor {
        ConsoleProcessor {
            state: Mutex::new(State {
                pending: HashMap::new(),
                order: VecDeque::new(),
                out: self.out,
            }),
        }
    }
}

pub(crate) struct ConsoleProcessor {
    state: Mutex<State>,
}

impl std::fmt::Debug for ConsoleProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConsoleProcessor").finish_non_exhaustive()
    }
}

struct State {
    pending: HashMap<TraceId, Vec<SpanData>>,
    order: VecDeque<TraceId>,
    out: Box<dyn Write + Send>,
}

impl State {
    fn write_trace(&mut self, trace_id: TraceId) {
        if let Some(spans) = self.pending.remove(&trace_id) {
            self.order.retain(|t| *t != trace_id);
            let text = render(trace_id, &spans);
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

impl SpanProcessor for ConsoleProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let trace_id = span.span_context.trace_id();
        let is_local_root = span.parent_span_id == opentelemetry::trace::SpanId::INVALID
            || span.parent_span_is_remote;
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let spans = state.pending.entry(trace_id).or_default();
        let new_trace = spans.is_empty();
        spans.push(span);
        if new_trace {
            state.order.push_back(trace_id);
        }
        if is_local_root {
            state.write_trace(trace_id);
        } else if state.order.len() > MAX_PENDING_TRACES {
            if let Some(oldest) = state.order.front().copied() {
                state.write_trace(oldest);
            }
        }
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
    if let Some(Value::Bool(true)) = attr(span, key::CRUX_CANCELLED) {
        d.push_str("  [cancelled]");
    }
    if let Status::Error { description } = &span.status {
        let kind = text(key::ERROR_TYPE).unwrap_or_else(|| "error".into());
        let _ = write!(d, "  ✗ {kind}: {description}");
    }
    d
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

    #[test]
    fn durations_pick_a_readable_unit() {
        assert_eq!(format_duration(Duration::from_micros(12)), "12µs");
        assert_eq!(format_duration(Duration::from_micros(12_340)), "12.3ms");
        assert_eq!(format_duration(Duration::from_millis(2_500)), "2.50s");
    }
}
