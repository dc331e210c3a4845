//! The console tree: one tree per trace, written when the trace's root ends, never
//! interleaved, with nothing lost at shutdown.

use crux::export::{Console, ConsoleBuffer};
use std::time::{Duration, Instant};

/// The console writes from its own thread: waits until its output satisfies `done`.
fn written(buffer: &ConsoleBuffer, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = buffer.contents();
        if done(&out) || Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[crux::tool]
async fn search(q: &str) -> Result<usize, std::io::Error> {
    tokio::task::yield_now().await;
    if q.is_empty() {
        return Err(std::io::Error::other("empty query"));
    }
    Ok(q.len())
}

#[crux::generate(provider = "openai", model = "gpt-4o-mini")]
async fn ask() -> String {
    crux::Span::current().record_usage(&crux::Usage::new(100, 20));
    crux::Span::current().record_cost(0.25);
    "ok".into()
}

#[crux::flow_step(label = "lookup")]
async fn step() -> usize {
    let a = search("tea").await.unwrap_or(0);
    let _ = search("").await;
    ask().await;
    a
}

#[crux::flow(name = "ticket", id = id)]
async fn flow(id: String) -> usize {
    step().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_trace_is_printed_as_a_tree_when_its_root_ends() {
    let (console, buffer) = Console::to_buffer();
    let _capture = crux::testing::capture_with(crux::Telemetry::builder().console_with(console));
    let a = tokio::spawn(flow("T-1".into()));
    let b = tokio::spawn(flow("T-2".into()));
    a.await.unwrap();
    b.await.unwrap();

    let out = written(&buffer, |out| out.matches("trace ").count() == 2);
    let trees: Vec<&str> = out.split("trace ").filter(|t| !t.is_empty()).collect();
    assert_eq!(trees.len(), 2, "{out}");
    for tree in trees {
        let lines: Vec<&str> = tree.lines().collect();
        assert!(
            lines[0].contains("· 5 spans · tokens 100 in / 20 out · $0.25000"),
            "{tree}"
        );
        assert!(lines[1].starts_with("crux.flow ticket [T-"), "{tree}");
        assert!(lines[2].starts_with("└─ crux.flow.step lookup"), "{tree}");
        assert!(
            lines[3].starts_with("   ├─ crux.tool.search (call_"),
            "{tree}"
        );
        assert!(
            lines[4].starts_with("   ├─ crux.tool.search (call_"),
            "{tree}"
        );
        assert!(
            lines[4].contains("✗ std::io::error::Error: empty query"),
            "{tree}"
        );
        assert!(
            lines[5].starts_with(
                "   └─ crux.generate openai gpt-4o-mini  tokens 100 in / 20 out  $0.25000"
            ),
            "{tree}"
        );
        assert_eq!(lines.len(), 6, "{tree}");
    }
}

#[crux::flow(name = "fire_and_forget")]
async fn leaves_a_task_behind(
    release: tokio::sync::oneshot::Receiver<()>,
) -> tokio::task::JoinHandle<()> {
    crux::spawn(async move {
        release.await.ok();
        search("late").await.ok();
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_ending_after_their_root_are_printed_at_shutdown_not_lost() {
    let (console, buffer) = Console::to_buffer();
    let capture = crux::testing::capture_with(crux::Telemetry::builder().console_with(console));
    let (release, wait) = tokio::sync::oneshot::channel();
    let task = leaves_a_task_behind(wait).await;
    assert!(
        written(&buffer, |out| out.contains("crux.flow fire_and_forget"))
            .contains("crux.flow fire_and_forget"),
        "the root is printed when it ends"
    );
    release.send(()).unwrap();
    task.await.unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !buffer.contents().contains("crux.tool.search"),
        "held until the root's trace is flushed"
    );
    drop(capture);
    let out = buffer.contents();
    assert_eq!(out.matches("crux.tool.search").count(), 1, "{out}");
    assert_eq!(out.matches("trace ").count(), 2, "{out}");
}

#[tokio::test]
async fn a_span_with_a_remote_parent_is_a_local_root() {
    use opentelemetry::trace::{
        SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState,
    };
    let (console, buffer) = Console::to_buffer();
    let _capture = crux::testing::capture_with(crux::Telemetry::builder().console_with(console));
    let remote = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::NONE,
    );
    let cx = opentelemetry::Context::new().with_remote_span_context(remote);
    crux::FutureExt::in_context(step(), cx).await;
    let out = written(&buffer, |out| !out.is_empty());
    assert!(
        out.starts_with("trace 4bf92f3577b34da6a3ce929d0e0e4736 · 4 spans"),
        "{out}"
    );
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with("crux.flow.step lookup"),
        "{out}"
    );
}

#[crux::embedding(provider = "openai", model = "text-embedding-3-small")]
async fn embed(text: &str) -> Vec<f32> {
    vec![0.0; text.len()]
}

#[crux::retrieval(retriever = "kb")]
async fn retrieve(query: &str) -> Vec<String> {
    let _ = embed(query).await;
    vec![query.to_owned()]
}

#[tokio::test]
async fn retrievals_show_the_retriever_and_result_count_and_embeddings_their_dimensions() {
    let (console, buffer) = Console::to_buffer();
    let _capture = crux::testing::capture_with(crux::Telemetry::builder().console_with(console));
    retrieve("tea").await;
    let out = written(&buffer, |out| out.lines().count() >= 3);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[1].starts_with("crux.retrieval kb  1 result  "),
        "{out}"
    );
    assert!(
        lines[2].starts_with("└─ crux.embedding openai text-embedding-3-small  3 dims  "),
        "{out}"
    );
}

#[crux::tool(name = "step")]
fn one_step() {}

#[crux::flow(name = "huge")]
fn huge_flow(steps: usize) {
    for _ in 0..steps {
        one_step();
    }
}

#[test]
fn a_huge_trace_prints_its_first_spans_and_counts_the_rest() {
    let (console, buffer) = Console::to_buffer();
    let capture = crux::testing::capture_with(
        crux::Telemetry::builder()
            .console_with(console)
            .max_queue_size(5000),
    );
    huge_flow(3000);
    let health = capture.guard().shutdown().health;
    assert_eq!(
        (health.created, health.exported),
        (3001, 3001),
        "{health:?}"
    );
    let out = buffer.contents();
    assert_eq!(
        out.lines().filter(|l| l.starts_with("trace ")).count(),
        1,
        "one tree"
    );
    assert!(
        out.starts_with("trace ") && out.contains("· 1001 spans"),
        "{}",
        &out[..200]
    );
    assert!(
        out.lines().nth(1).unwrap().starts_with("crux.flow huge"),
        "the root is kept"
    );
    // The first 1000 spans, and the root beyond them.
    assert_eq!(out.matches("crux.tool.step").count(), 1000);
    assert!(
        out.trim_end().ends_with(
            "… 2000 more spans of this trace not shown (the console keeps 1000 per trace)"
        ),
        "{}",
        &out[out.len() - 200..]
    );
}

/// A writer that blocks until the test releases it, like a stderr nobody reads.
struct Blocked(std::sync::Mutex<std::sync::mpsc::Receiver<()>>);

impl std::io::Write for Blocked {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.lock().unwrap().recv();
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_blocked_console_never_blocks_the_application_and_its_memory_is_bounded() {
    let (release, blocked) = std::sync::mpsc::channel();
    let console = Console::to_writer(Blocked(std::sync::Mutex::new(blocked)));
    let capture = crux::testing::capture_with(
        crux::Telemetry::builder()
            .console_with(console)
            .max_queue_size(100)
            .shutdown_timeout(Duration::from_millis(300)),
    );
    // Each call is its own trace, written (and blocked on) as soon as it reaches the
    // console's thread; every call still returns.
    for _ in 0..2000 {
        one_step();
    }
    let during = capture.guard().health();
    assert_eq!(during.created, 2000);
    // At most the queue and one batch (as large as the queue here) in the writer.
    assert!(during.queued <= 200, "the queue bounds memory: {during:?}");
    assert!(during.dropped >= 2000 - 200, "{during:?}");
    let report = capture.guard().shutdown();
    assert_eq!(report.health.queued, 0, "{report}");
    assert_eq!(
        report.health.created,
        report.health.exported + report.health.dropped + report.health.abandoned,
        "{report}"
    );
    assert!(report.health.abandoned >= 1, "{report}");
    drop(release);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readable_naming_does_not_print_the_label_twice() {
    let (console, buffer) = Console::to_buffer();
    let capture = crux::testing::capture_with(
        crux::Telemetry::builder()
            .span_naming(crux::SpanNaming::Readable)
            .console_with(console),
    );
    flow("T-3".into()).await;
    // The console writes from its own thread: a shutdown waits for it.
    let report = capture.guard().shutdown();
    assert!(report.is_complete(), "{report}");
    let out = buffer.contents();
    assert!(out.contains("└─ crux.flow.step lookup  "), "{out}");
    assert!(!out.contains("lookup lookup"), "{out}");
    assert!(out.contains("\ncrux.flow ticket [T-3] total"), "{out}");
}
