//! Suspend and resume, signals, cancellation, expiry, delegation and W3C propagation,
//! against the in-memory exporter.

use crux::flow::FlowError;
use crux::testing::{capture, capture_with, EventExt, SpanDataExt};
use crux::{Checkpoint, ResumeMode};
use crux_tests::{assert_keys_registered, text};
use opentelemetry::trace::{SpanId, Status};
use std::collections::HashMap;

#[crux::flow_step]
async fn ask_for_approval() -> Result<Checkpoint, FlowError> {
    crux::flow::suspend("manager_approval")
}

#[crux::flow_step]
async fn apply_refund() -> u32 {
    crux::flow::signal("approved");
    34
}

/// Suspends on the first run, finishes when resumed.
#[crux::flow(name = "refund", resume = checkpoint)]
async fn refund(checkpoint: Option<&Checkpoint>) -> Result<Option<Checkpoint>, FlowError> {
    if checkpoint.is_none() {
        return ask_for_approval().await.map(Some);
    }
    apply_refund().await;
    Ok(None)
}

#[tokio::test]
async fn suspend_ends_the_flow_span_and_returns_a_checkpoint() {
    let capture = capture();
    let checkpoint = refund(None).await.unwrap().expect("suspended");
    let flow = capture.one("crux.flow");
    let suspended = flow
        .event("crux.flow.suspended")
        .expect("event on the flow span");
    assert_eq!(
        suspended.str_attr("crux.flow.suspend_point").as_deref(),
        Some("manager_approval")
    );
    assert_eq!(flow.status, Status::Unset, "suspending is not an error");
    assert!(flow.attr("crux.cancelled").is_none());
    // The flow span ended at the suspension, before its step did.
    let step = capture.one("crux.flow.step");
    assert!(flow.end_time <= step.end_time);

    assert_eq!(checkpoint.flow_id(), text(&flow, "crux.flow.id"));
    assert_eq!(checkpoint.flow_name(), "refund");
    assert_eq!(checkpoint.suspend_point(), "manager_approval");
    assert_eq!(
        checkpoint.span_context().span_id(),
        flow.span_context.span_id()
    );
    assert_eq!(
        checkpoint.span_context().trace_id(),
        flow.span_context.trace_id()
    );
    assert_eq!(
        checkpoint.traceparent(),
        format!(
            "00-{}-{}-01",
            flow.span_context.trace_id(),
            flow.span_context.span_id()
        )
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now - checkpoint.suspended_at_ms()).abs() < 60_000);
}

async fn suspend_then_resume(mode: ResumeMode) {
    let capture = capture_with(crux::Telemetry::builder().resume_mode(mode));
    let json = refund(None).await.unwrap().unwrap().to_json();
    let suspended = capture.one("crux.flow");
    std::thread::sleep(std::time::Duration::from_millis(15));

    let checkpoint = Checkpoint::from_json(&json).unwrap();
    assert_eq!(refund(Some(&checkpoint)).await.unwrap(), None);
    let resumed = capture.one("crux.flow.resume");
    assert_eq!(
        text(&resumed, "crux.flow.id"),
        text(&suspended, "crux.flow.id")
    );
    assert_eq!(text(&resumed, "crux.flow.name"), "refund");
    assert_eq!(
        text(&resumed, "crux.flow.suspend_point"),
        "manager_approval"
    );
    assert!(resumed.i64_attr("crux.flow.suspended_ms").unwrap() >= 15);
    assert_eq!(resumed.links.len(), 1);
    let link = &resumed.links[0];
    assert_eq!(
        link.span_context.span_id(),
        suspended.span_context.span_id()
    );
    assert_eq!(
        link.span_context.trace_id(),
        suspended.span_context.trace_id()
    );
    assert_eq!(link.attributes[0].key.as_str(), "crux.link.kind");
    assert_eq!(link.attributes[0].value.as_str(), "resume");
    match mode {
        ResumeMode::Link => {
            assert_ne!(
                resumed.span_context.trace_id(),
                suspended.span_context.trace_id()
            );
            assert_eq!(resumed.parent_span_id, SpanId::INVALID);
        }
        ResumeMode::Continue => {
            assert_eq!(
                resumed.span_context.trace_id(),
                suspended.span_context.trace_id()
            );
            assert_eq!(resumed.parent_span_id, suspended.span_context.span_id());
            assert!(resumed.parent_span_is_remote);
        }
    }
    // Steps after the resume belong to the resumed span and carry the same flow id.
    let apply = capture
        .named("crux.flow.step")
        .into_iter()
        .find(|s| text(s, "crux.step.label") == "apply_refund")
        .unwrap();
    assert_eq!(apply.parent_span_id, resumed.span_context.span_id());
    assert_eq!(
        text(&apply, "crux.flow.id"),
        text(&suspended, "crux.flow.id")
    );
    let signal = resumed
        .event("crux.flow.signal")
        .expect("signal on the resumed flow span");
    assert_eq!(
        signal.str_attr("crux.flow.signal_name").as_deref(),
        Some("approved")
    );
    assert_keys_registered(&capture.spans());
}

#[tokio::test]
async fn resume_links_to_the_suspended_span_in_a_new_trace() {
    suspend_then_resume(ResumeMode::Link).await;
}

#[tokio::test]
async fn resume_continues_the_suspended_trace_as_a_child() {
    suspend_then_resume(ResumeMode::Continue).await;
}

#[crux::flow(name = "interview", resume = resume)]
async fn interview(resume: Option<Checkpoint>, question: u32) -> Option<Checkpoint> {
    crux::flow::suspend(&format!("question_{question}")).ok()
}

#[tokio::test]
async fn each_resume_links_to_the_suspension_it_came_from() {
    let capture = capture();
    let mut checkpoint = interview(None, 1).await;
    for q in 2..=4 {
        checkpoint = interview(checkpoint, q).await;
    }
    let first = capture.one("crux.flow");
    let resumes = capture.named("crux.flow.resume");
    assert_eq!(resumes.len(), 3);
    let mut previous = first.clone();
    for (i, resumed) in resumes.iter().enumerate() {
        assert_eq!(text(resumed, "crux.flow.id"), text(&first, "crux.flow.id"));
        assert_eq!(
            resumed.links[0].span_context.span_id(),
            previous.span_context.span_id(),
            "resume {i}"
        );
        assert_eq!(
            text(resumed, "crux.flow.suspend_point"),
            format!("question_{}", i + 1)
        );
        previous = resumed.clone();
    }
    assert_eq!(checkpoint.unwrap().suspend_point(), "question_4");
}

#[crux::flow(name = "watch")]
async fn watch() {
    crux::flow::cancel(Some("customer closed the chat"));
    crux::flow::cancel(None);
}

#[tokio::test]
async fn cancel_adds_an_event_with_the_reason() {
    let capture = capture();
    watch().await;
    let flow = capture.one("crux.flow");
    let events: Vec<_> = flow
        .events
        .iter()
        .filter(|e| e.name == "crux.flow.cancelled")
        .collect();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].str_attr("crux.flow.cancel_reason").as_deref(),
        Some("customer closed the chat")
    );
    assert!(events[1].attributes.is_empty());
}

#[tokio::test]
async fn expire_emits_its_own_span_linked_to_the_suspension() {
    let capture = capture();
    let checkpoint = refund(None).await.unwrap().unwrap();
    crux::flow::expire(&checkpoint);
    let suspended = capture.one("crux.flow");
    let expired = capture.one("crux.flow.expired");
    assert_eq!(text(&expired, "crux.flow.id"), checkpoint.flow_id());
    assert_eq!(text(&expired, "crux.flow.name"), "refund");
    assert_eq!(
        text(&expired, "crux.flow.suspend_point"),
        "manager_approval"
    );
    assert_eq!(
        expired.links[0].span_context.span_id(),
        suspended.span_context.span_id()
    );
    assert_eq!(expired.links[0].attributes[0].value.as_str(), "expire");
    assert!(expired.end_time >= expired.start_time);
}

#[test]
fn outside_a_flow_suspend_is_an_error_and_signals_are_no_ops() {
    let capture = capture();
    assert_eq!(crux::flow::suspend("x").unwrap_err(), FlowError::NotInFlow);
    assert!(!crux::flow::signal("x"));
    assert!(!crux::flow::cancel(None));
    crux::set_enabled(false);
    assert_eq!(crux::flow::suspend("x").unwrap_err(), FlowError::Disabled);
    crux::set_enabled(true);
    assert!(capture.spans().is_empty());
}

#[tokio::test]
async fn a_corrupt_checkpoint_still_runs_the_flow_without_a_link() {
    let capture = capture();
    // The documented recovery: decode, report, resume with `None`.
    let stored = r#"{"version":1,"flow_id":"f","flow_name":"refund","suspend_point":"p","traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01","suspended_at_ms":1}"#;
    let error = Checkpoint::from_json(stored).expect_err("an all-zero trace id is refused");
    assert_eq!(
        error.to_string(),
        "checkpoint traceparent is invalid: the trace id is all zeros"
    );
    refund(None).await.unwrap();
    let flow = capture.one("crux.flow");
    assert!(flow.links.is_empty());
}

#[crux::delegate(id = agent)]
async fn delegate_to(agent: &str) -> HashMap<String, String> {
    crux::propagation::headers()
}

#[crux::flow(name = "remote_billing", parent = headers)]
async fn remote_side(headers: &HashMap<String, String>) -> Option<String> {
    crux::flow::current_id()
}

#[tokio::test]
async fn delegation_hands_w3c_headers_to_a_remote_flow() {
    let capture = capture();
    let headers = delegate_to("billing-agent").await;
    let delegate = capture.one("crux.delegate");
    assert_eq!(delegate.span_kind, opentelemetry::trace::SpanKind::Client);
    assert_eq!(text(&delegate, "crux.delegate.id"), "billing-agent");
    assert_eq!(
        headers["traceparent"],
        format!(
            "00-{}-{}-01",
            delegate.span_context.trace_id(),
            delegate.span_context.span_id()
        )
    );
    // "Another process": only the headers cross.
    remote_side(&headers).await;
    let remote = capture.one("crux.flow");
    assert_eq!(
        remote.span_context.trace_id(),
        delegate.span_context.trace_id()
    );
    assert_eq!(remote.parent_span_id, delegate.span_context.span_id());
    assert!(remote.parent_span_is_remote);

    // Headers without a valid trace context leave the caller's context in charge.
    capture.clear();
    let junk = HashMap::from([("traceparent".to_owned(), "00-zz-yy-01".to_owned())]);
    remote_side(&junk).await;
    assert_eq!(capture.one("crux.flow").parent_span_id, SpanId::INVALID);
}

#[tokio::test]
async fn http_header_maps_carry_trace_context_and_baggage() {
    use opentelemetry::baggage::BaggageExt;
    use opentelemetry::KeyValue;
    let capture = capture();
    #[crux::tool]
    fn call_remote() -> http::HeaderMap {
        let cx =
            opentelemetry::Context::current().with_baggage(vec![KeyValue::new("tenant", "acme")]);
        let _attached = cx.attach();
        let mut headers = http::HeaderMap::new();
        crux::propagation::inject_headers(&mut headers);
        headers
    }
    let headers = call_remote();
    let tool = capture.one("crux.tool.call_remote");
    let extracted = crux::propagation::extract_headers(&headers);
    use opentelemetry::trace::TraceContextExt;
    assert_eq!(
        extracted.span().span_context().span_id(),
        tool.span_context.span_id()
    );
    assert_eq!(
        extracted
            .baggage()
            .get("tenant")
            .map(|v| v.as_str().to_string()),
        Some("acme".into())
    );
    assert!(headers.contains_key("baggage"));
}

#[crux::generate(provider = "openai", model = "gpt-4o-mini")]
fn priced_call(usd: f64) -> u32 {
    crux::Span::current().record_cost(usd);
    1
}

/// Costs 0.25 + 0.5 before suspending; when resumed, 1.0 more.
#[crux::flow(name = "priced", resume = checkpoint)]
fn priced(checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    match checkpoint {
        None => {
            priced_call(0.25);
            priced_call(0.5);
            crux::flow::suspend("approval").ok()
        }
        Some(_) => {
            priced_call(1.0);
            None
        }
    }
}

#[test]
fn a_suspended_flow_keeps_its_cost_and_the_resumed_flow_continues_it() {
    let ends = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = ends.clone();
    let capture = capture_with(crux::Telemetry::builder().map_attributes(
        move |phase, span, attrs| {
            if phase == crux::hooks::Phase::End
                && (span == "crux.flow" || span == "crux.flow.resume")
            {
                let total = attrs.get("crux.cost.total").map(|v| v.to_string());
                seen.lock().unwrap().push(total);
            }
        },
    ));
    let checkpoint = priced(None).expect("suspended");
    let suspended = capture.one("crux.flow");
    assert_eq!(suspended.f64_attr("crux.cost.total"), Some(0.75));
    assert_eq!(checkpoint.cost_total(), Some(0.75));
    // The checkpoint carries it through its JSON form, to another process.
    let checkpoint = Checkpoint::from_json(&checkpoint.to_json()).unwrap();
    // The End phase of map_attributes saw the suspended span's end, once.
    assert_eq!(*ends.lock().unwrap(), vec![Some("0.75".to_owned())]);
    capture.clear();
    assert!(priced(Some(&checkpoint)).is_none());
    let resumed = capture.one("crux.flow.resume");
    assert_eq!(resumed.f64_attr("crux.cost.total"), Some(1.75));
    assert_eq!(ends.lock().unwrap().len(), 2);
}

/// A ticket flow keeps the application's own id, and can be resumed.
#[crux::flow(name = "ticket", id = ticket, resume = checkpoint)]
fn ticket_flow(ticket: &str, checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    match checkpoint {
        None => crux::flow::suspend("customer_reply").ok(),
        Some(_) => None,
    }
}

#[test]
fn a_resumable_flow_carries_the_applications_id_and_the_checkpoints_wins_on_resume() {
    let capture = capture();
    let checkpoint = ticket_flow("T-7", None).expect("suspended");
    assert_eq!(text(&capture.one("crux.flow"), "crux.flow.id"), "T-7");
    assert_eq!(checkpoint.flow_id(), "T-7");
    capture.clear();
    ticket_flow("T-7", Some(&checkpoint));
    assert_eq!(
        text(&capture.one("crux.flow.resume"), "crux.flow.id"),
        "T-7"
    );
    capture.clear();
    // An id that disagrees with the checkpoint's: the resumed flow is the suspended one.
    ticket_flow("T-8", Some(&checkpoint));
    assert_eq!(
        text(&capture.one("crux.flow.resume"), "crux.flow.id"),
        "T-7"
    );
}

#[test]
fn headers_carry_tracestate_and_baggage_only_when_set() {
    let _capture = capture();
    #[crux::tool]
    fn headers_now() -> HashMap<String, String> {
        crux::propagation::headers()
    }
    let headers = headers_now();
    assert!(headers.contains_key("traceparent"));
    assert!(!headers.contains_key("tracestate"), "{headers:?}");
    assert!(!headers.contains_key("baggage"), "{headers:?}");
}
