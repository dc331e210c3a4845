//! A flow suspended in one OS process and resumed in another, both exporting to a real
//! collector: the resume span is linked to exactly the suspended span and keeps the
//! flow id, in both resume modes.

use crux_tests::collector::{Collector, ReceivedSpan};
use std::process::Command;
use std::time::Duration;

fn worker(collector: &Collector, args: &[&str]) {
    let status = Command::new(env!("CARGO_BIN_EXE_approval_worker"))
        .args(args)
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", collector.http_endpoint())
        .status()
        .expect("the worker runs");
    assert!(status.success(), "approval_worker {args:?} failed");
}

fn resume_in_another_process(mode: &str) -> (ReceivedSpan, ReceivedSpan) {
    let collector = Collector::start();
    let file = std::env::temp_dir().join(format!(
        "crux-checkpoint-{}-{mode}.json",
        std::process::id()
    ));
    let file = file.to_str().unwrap();
    worker(&collector, &["suspend", file]);
    worker(&collector, &["resume", file, mode]);
    let spans = collector.wait_for(Duration::from_secs(15), |s| {
        s.iter().any(|s| s.name == "crux.flow.resume")
    });
    let _ = std::fs::remove_file(file);
    let suspended = spans
        .iter()
        .find(|s| s.name == "crux.flow")
        .expect("the first process's flow")
        .clone();
    let resumed = spans
        .iter()
        .find(|s| s.name == "crux.flow.resume")
        .unwrap()
        .clone();
    assert_eq!(
        suspended.resource_attr("service.name"),
        Some("Str(approval-worker-suspend)")
    );
    assert_eq!(
        resumed.resource_attr("service.name"),
        Some("Str(approval-worker-resume)")
    );
    assert_eq!(resumed.attr("crux.flow.id"), suspended.attr("crux.flow.id"));
    assert_eq!(
        resumed.attr("crux.flow.suspend_point"),
        Some("Str(manager_approval)")
    );
    assert_eq!(resumed.links.len(), 1);
    assert_eq!(resumed.links[0].trace_id, suspended.trace_id);
    assert_eq!(resumed.links[0].span_id, suspended.id);
    assert_eq!(
        resumed.links[0].attributes,
        [("crux.link.kind".to_owned(), "Str(resume)".to_owned())]
    );
    let tool = spans.iter().find(|s| s.name == "crux.tool.refund").unwrap();
    assert_eq!(tool.parent_id, resumed.id);
    (suspended, resumed)
}

#[test]
fn link_mode_starts_a_new_trace_linked_to_the_suspension() {
    let (suspended, resumed) = resume_in_another_process("link");
    assert_ne!(resumed.trace_id, suspended.trace_id);
    assert_eq!(resumed.parent_id, "");
}

#[test]
fn continue_mode_is_a_child_of_the_suspended_span() {
    let (suspended, resumed) = resume_in_another_process("continue");
    assert_eq!(resumed.trace_id, suspended.trace_id);
    assert_eq!(resumed.parent_id, suspended.id);
}
