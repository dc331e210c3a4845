//! `#[crux::flow(resume = ..)]` (a `Checkpoint`, a reference or an `Option` of one) and
//! `#[crux::flow(parent = ..)]` (W3C headers from another process).
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;
use crux::Checkpoint;
use std::collections::HashMap;

/// Suspends on the first run, finishes when resumed.
#[crux::flow(name = "refund", resume = checkpoint)]
fn refund(checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    match checkpoint {
        None => crux::flow::suspend("manager_approval").ok(),
        Some(_) => None,
    }
}

#[crux::flow(name = "refund", resume = &checkpoint)]
async fn refund_owned(checkpoint: Checkpoint) -> Option<String> {
    futures::future::ready(()).await;
    crux::flow::current_id()
}

#[crux::delegate(id = "billing")]
fn hand_off() -> HashMap<String, String> {
    crux::propagation::headers()
}

#[crux::flow(name = "remote_billing", parent = headers, attributes(app.side = "remote"))]
fn remote(headers: &HashMap<String, String>) -> Option<String> {
    crux::flow::current_id()
}

fn main() {
    let capture = crux::testing::capture();

    let checkpoint = refund(None).expect("suspended");
    assert_eq!(checkpoint.suspend_point(), "manager_approval");
    let json = checkpoint.to_json();
    assert!(refund(Some(&checkpoint)).is_none());
    let restored = Checkpoint::from_json(&json).unwrap();
    let id = futures::executor::block_on(refund_owned(restored));
    assert_eq!(id.as_deref(), Some(checkpoint.flow_id()));

    let first = capture.one("crux.flow");
    let resumes = capture.named("crux.flow.resume");
    assert_eq!(resumes.len(), 2);
    for resumed in &resumes {
        assert_eq!(
            resumed.str_attr("crux.flow.id"),
            first.str_attr("crux.flow.id"),
            "a resumed flow keeps its id"
        );
        assert_eq!(
            resumed.str_attr("crux.flow.suspend_point").as_deref(),
            Some("manager_approval")
        );
        assert_eq!(
            resumed.links[0].span_context.span_id(),
            first.span_context.span_id()
        );
    }

    capture.clear();
    let headers = hand_off();
    let remote_id = remote(&headers);
    let delegate = capture.one("crux.delegate");
    let flow = capture.one("crux.flow");
    assert_eq!(flow.parent_span_id, delegate.span_context.span_id());
    assert_eq!(
        flow.span_context.trace_id(),
        delegate.span_context.trace_id()
    );
    assert_eq!(flow.str_attr("crux.flow.id"), remote_id);
    assert_eq!(flow.str_attr("app.side").as_deref(), Some("remote"));
}
