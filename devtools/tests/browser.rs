//! A real browser on the real UI: the support agent of `examples/` sends its traces to a
//! devtools server through `crux::Telemetry::builder().devtools_at(..)`, then headless
//! Chromium loads the trace list and the T-1001 trace page, runs their scripts, and the
//! rendered DOM must show what the spans say — recomputed here from an in-memory copy of
//! the same spans: trace names, flow ids, step labels, token totals, cost, tool calls,
//! the captured chat.
//!
//! Needs Chromium (`chromium`, `chromium-browser` or `google-chrome` on PATH, or
//! `CRUX_CHROMIUM`); `./scripts/test` installs Debian's `chromium` when it is missing.
//! `CRUX_DEVTOOLS_SCREENSHOT=docs/devtools-trace.png` (relative to the workspace root)
//! also saves a screenshot of the trace page: that is how the README's is made.

mod common;

use common::*;
use crux::export::InMemorySpans;
use crux_examples::support;
use opentelemetry::trace::SpanKind;
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> PathBuf {
    if let Some(path) = std::env::var_os("CRUX_CHROMIUM") {
        return PathBuf::from(path);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the browser test needs Chromium: `apt-get install chromium` (./scripts/test does), \
         or set CRUX_CHROMIUM to its path"
    );
}

/// Runs headless Chromium on `url` with `extra` arguments; returns its stdout.
fn chromium_run(url: &str, profile: &Path, extra: &[&str]) -> String {
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-sync",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--hide-scrollbars",
            // Virtual time: the page's fetches and timers run, then the result is taken.
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed on {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The DOM of `url` once it shows `ready` (the page renders after its first fetch).
fn rendered_dom(url: &str, profile: &Path, ready: &str) -> String {
    let mut dom = String::new();
    for _ in 0..3 {
        dom = chromium_run(url, profile, &["--dump-dom"]);
        if dom.contains(ready) {
            return dom;
        }
    }
    panic!("{url} never rendered {ready:?}; last DOM:\n{dom}");
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a Value> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| &kv.value)
}

fn text(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The list row of `trace_id` in the list's DOM.
fn row<'a>(dom: &'a str, trace_id: &str) -> &'a str {
    let start = dom
        .find(&format!("data-trace-id=\"{trace_id}\""))
        .unwrap_or_else(|| panic!("no row for trace {trace_id} in:\n{dom}"));
    let end = dom[start..].find("</tr>").map_or(dom.len(), |e| start + e);
    &dom[start..end]
}

#[test]
fn chromium_shows_the_support_agents_traces() {
    let data = TempDir::new("browser-data");
    let profile = TempDir::new("browser-profile");
    let server = Server::default_retention(&data.0);

    // The support agent, as `cargo run --example support_agent` runs it, with content
    // capture on so the trace page has a chat to show.
    let spans = InMemorySpans::new();
    let telemetry = crux::Telemetry::builder()
        .service_name("support-agent")
        .cost_budget(0.001, 0.01)
        .capture_content(true)
        .devtools_at(&server.base)
        .in_memory(&spans)
        .install()
        .expect("telemetry installs");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let replies: Vec<(String, String)> = runtime.block_on(async {
        support::sync_help_center();
        let mut replies = Vec::new();
        for (agent, ticket) in support::demo() {
            let reply = agent
                .handle(&ticket)
                .await
                .unwrap_or_else(|e| e.to_string());
            replies.push((ticket.id.clone(), reply));
        }
        replies
    });
    let report = telemetry.shutdown();
    assert!(
        report.is_complete(),
        "every span delivered to the devtools: {report}"
    );
    let spans = spans.spans();

    // What the DOM must show, from the spans themselves.
    let flow_trace = |flow_id: &str| {
        spans
            .iter()
            .find(|s| s.name == "crux.flow" && text(s, "crux.flow.id").as_deref() == Some(flow_id))
            .map(|s| s.span_context.trace_id().to_string())
            .unwrap_or_else(|| panic!("the example ran flow {flow_id}"))
    };
    let ticket_ids: Vec<&str> = replies.iter().map(|(id, _)| id.as_str()).collect();
    let first = flow_trace(ticket_ids[0]);
    let sync_trace = spans
        .iter()
        .find(|s| s.name == "crux.corpus.sync")
        .map(|s| s.span_context.trace_id().to_string())
        .expect("the example synced its corpus");
    let in_first: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_context.trace_id().to_string() == first)
        .collect();
    let sum = |key: &str| -> i64 {
        in_first
            .iter()
            .filter(|s| s.span_kind == SpanKind::Client)
            .filter_map(|s| match attr(s, key) {
                Some(Value::I64(n)) => Some(*n),
                _ => None,
            })
            .sum()
    };
    let tokens = format!(
        "{} in / {} out",
        sum("gen_ai.usage.input_tokens"),
        sum("gen_ai.usage.output_tokens")
    );
    let cost: f64 = in_first
        .iter()
        .filter(|s| s.span_kind == SpanKind::Client || s.name == "crux.cost.report")
        .filter_map(|s| match attr(s, "crux.cost") {
            Some(Value::F64(c)) => Some(*c),
            _ => None,
        })
        .sum();
    let cost = format!("${cost:.5}");
    let labels: Vec<String> = in_first
        .iter()
        .filter_map(|s| text(s, "crux.step.label"))
        .collect();
    let call_ids: Vec<String> = in_first
        .iter()
        .flat_map(|s| s.events.iter())
        .filter(|e| e.name == "use_reason.tool-call.start")
        .flat_map(|e| e.attributes.iter())
        .filter(|kv| kv.key.as_str() == "gen_ai.tool.call.id")
        .map(|kv| kv.value.as_str().into_owned())
        .collect();
    assert!(
        labels.len() >= 3 && !call_ids.is_empty(),
        "the example's flow has steps and tool calls"
    );

    // The list: both tickets and the corpus sync, T-1001 with its tokens and cost.
    let list = rendered_dom(&server.base, &profile.0, "data-trace-id=");
    for id in &ticket_ids {
        assert!(
            list.contains(&format!("<td class=\"mono flow\">{id}</td>")),
            "{id} in the list"
        );
    }
    assert!(row(&list, &sync_trace).contains("<b>crux.corpus.sync</b>"));
    let first_row = row(&list, &first);
    assert!(first_row.contains("<b>crux.run</b>"), "{first_row}");
    assert!(first_row.contains(&tokens), "{tokens} in {first_row}");
    assert!(first_row.contains(&cost), "{cost} in {first_row}");
    assert!(
        list.find(&first).unwrap_or(0) < list.find(&sync_trace).unwrap_or(0),
        "newest first: the sync ran before the tickets"
    );

    // The trace page: the waterfall of every span, step labels, totals, tool loop, chat.
    let url = format!("{}/trace/{first}", server.base);
    let page = rendered_dom(&url, &profile.0, "id=\"waterfall\"");
    assert_eq!(
        page.matches("class=\"row").count(),
        in_first.len(),
        "one waterfall row per span"
    );
    assert!(
        page.contains(&format!("<b>{tokens}</b>")),
        "the trace's tokens {tokens}"
    );
    assert!(
        page.contains(&format!("<b>{cost}</b>")),
        "the trace's cost {cost}"
    );
    for label in &labels {
        assert!(
            page.contains(&format!("<span class=\"summary\"> {label}</span>")),
            "step {label} in the waterfall"
        );
    }
    let flow_summary = format!(" support_ticket [{}]", ticket_ids[0]);
    assert!(page.contains(&escape(&flow_summary)), "the flow's summary");
    let tool_loop = &page[page.find("id=\"tool-loop\"").expect("a tool loop section")..];
    for id in &call_ids {
        assert!(
            tool_loop.contains(&format!("<td class=\"mono\">{id}</td>")),
            "tool call {id}"
        );
    }
    let chat = &page[page
        .find("id=\"conversations\"")
        .expect("a messages section")..];
    assert!(chat.contains("class=\"msg assistant\""));
    assert!(
        chat.contains(&escape(&replies[0].1)),
        "the final answer as a chat message"
    );

    if let Some(path) = std::env::var_os("CRUX_DEVTOOLS_SCREENSHOT") {
        // Relative to the workspace root, where the README lives.
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
        chromium_run(
            &url,
            &profile.0,
            &[
                "--window-size=1280,900",
                &format!("--screenshot={}", path.display()),
            ],
        );
        assert!(path.is_file(), "the screenshot was written");
    }
}

#[test]
fn resume_links_lead_to_the_suspended_trace_and_back() {
    use prost::Message;
    let data = TempDir::new("browser-links-data");
    let profile = TempDir::new("browser-links-profile");
    let server = Server::default_retention(&data.0);
    let (suspended, resumed) = suspended_and_resumed("F-7");
    for s in [suspended, resumed] {
        let body = request_of("svc", vec![s]).encode_to_vec();
        assert_eq!(server.post("/v1/traces", &[PROTOBUF], &body).status, 200);
    }
    let (first, second) = (trace_id(1).1, trace_id(2).1);
    let span_hex: String = span_id(1).iter().map(|b| format!("{b:02x}")).collect();

    let page = rendered_dom(
        &format!("{}/trace/{second}", server.base),
        &profile.0,
        "resume-link",
    );
    let forward = format!("class=\"resume-link\" href=\"/trace/{first}#span-{span_hex}\"");
    assert!(
        page.contains(&forward),
        "the resumed flow links to the suspended one:\n{page}"
    );

    let page = rendered_dom(
        &format!("{}/trace/{first}", server.base),
        &profile.0,
        "resume-link",
    );
    let back = format!("class=\"resume-link back\" href=\"/trace/{second}#span-{span_hex}\"");
    assert!(page.contains(&back), "and back:\n{page}");
}
