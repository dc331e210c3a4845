//! Every argument form of `#[crux::delegate]`: none, `id` as a literal and as an
//! expression, `attributes(..)`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;
use std::collections::HashMap;

#[crux::delegate]
fn bare() -> HashMap<String, String> {
    crux::propagation::headers()
}

#[crux::delegate(id = "billing-agent", attributes(app.region = "eu", app.attempt = 2))]
fn literal() -> HashMap<String, String> {
    crux::propagation::headers()
}

#[crux::delegate(id = agent)]
async fn expression(agent: &str) -> HashMap<String, String> {
    futures::future::ready(()).await;
    crux::propagation::headers()
}

fn main() {
    let capture = crux::testing::capture();

    assert!(bare().contains_key("traceparent"));
    let headers = literal();
    let remote = futures::executor::block_on(expression("python-agent"));
    assert!(remote.contains_key("traceparent"));

    let spans = capture.named("crux.delegate");
    assert_eq!(spans.len(), 3);
    let by_id = |id: &str| {
        spans
            .iter()
            .find(|s| s.str_attr("crux.delegate.id").as_deref() == Some(id))
            .unwrap_or_else(|| panic!("no delegate {id}"))
            .clone()
    };
    let billing = by_id("billing-agent");
    assert_eq!(billing.str_attr("app.region").as_deref(), Some("eu"));
    assert_eq!(billing.i64_attr("app.attempt"), Some(2));
    assert_eq!(
        headers["traceparent"],
        format!(
            "00-{}-{}-01",
            billing.span_context.trace_id(),
            billing.span_context.span_id()
        ),
        "the headers carry the delegate span"
    );
    by_id("python-agent");
    assert!(spans.iter().any(|s| s
        .str_attr("crux.delegate.id")
        .is_some_and(|id| id.starts_with("delegate_"))));
}
