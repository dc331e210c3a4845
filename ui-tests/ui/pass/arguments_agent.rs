//! Every argument of `#[crux::agent]`: identity as literals and expressions,
//! `metadata(..)`, `tags(..)` with literals and expressions, `parent = headers`,
//! `attributes(..)`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;
use std::collections::HashMap;

struct Request {
    session: Option<String>,
    tenant: &'static str,
    queue: String,
}

#[crux::agent]
fn bare() {}

#[crux::agent(
    name = "helpdesk",
    id = "run-1",
    session_id = "sess-1",
    user_id = "user-7",
    tenant_id = "acme",
    metadata(plan = "pro", seats = 12, "account.id" = "acct-9"),
    tags("vip", "eu",),
    attributes(app.channel = "email"),
)]
fn literals() {}

#[crux::agent(
    name = req.queue.as_str(),
    session_id = req.session,
    user_id = format!("user-{}", 8),
    tenant_id = req.tenant,
    metadata(queue = req.queue),
    tags(req.queue, "fallback"),
    parent = headers,
)]
async fn expressions(req: &Request, headers: &HashMap<String, String>) -> usize {
    futures::future::ready(()).await;
    req.queue.len()
}

#[crux::delegate(id = "remote")]
fn hand_off() -> HashMap<String, String> {
    crux::propagation::headers()
}

fn main() {
    let capture = crux::testing::capture();

    bare();
    literals();
    let headers = hand_off();
    let req = Request {
        session: None,
        tenant: "globex",
        queue: "billing".to_owned(),
    };
    assert_eq!(futures::executor::block_on(expressions(&req, &headers)), 7);

    let runs = capture.named("crux.run");
    assert_eq!(runs.len(), 3);
    let by_name = |name: &str| {
        runs.iter()
            .find(|s| s.str_attr("gen_ai.agent.name").as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no run {name}"))
            .clone()
    };

    let bare = by_name("bare");
    assert!(bare
        .str_attr("crux.run.id")
        .is_some_and(|id| id.starts_with("run_")));
    assert_eq!(
        bare.str_attr("gen_ai.operation.name").as_deref(),
        Some("invoke_agent")
    );
    assert!(bare.attr("gen_ai.conversation.id").is_none());

    let helpdesk = by_name("helpdesk");
    assert_eq!(helpdesk.str_attr("crux.run.id").as_deref(), Some("run-1"));
    assert_eq!(helpdesk.str_attr("session.id").as_deref(), Some("sess-1"));
    assert_eq!(
        helpdesk.str_attr("gen_ai.conversation.id").as_deref(),
        Some("sess-1")
    );
    assert_eq!(
        helpdesk.str_attr("crux.session.id").as_deref(),
        Some("sess-1")
    );
    assert_eq!(helpdesk.str_attr("user.id").as_deref(), Some("user-7"));
    assert_eq!(helpdesk.str_attr("crux.tenant.id").as_deref(), Some("acme"));
    assert_eq!(
        helpdesk.str_attr("crux.trace.metadata.plan").as_deref(),
        Some("pro")
    );
    assert_eq!(helpdesk.i64_attr("crux.trace.metadata.seats"), Some(12));
    assert_eq!(
        helpdesk
            .str_attr("crux.trace.metadata.account.id")
            .as_deref(),
        Some("acct-9")
    );
    assert_eq!(
        helpdesk.str_attr("crux.trace.tags").as_deref(),
        Some(r#"["vip","eu"]"#)
    );
    assert_eq!(helpdesk.str_attr("app.channel").as_deref(), Some("email"));

    let billing = by_name("billing");
    assert!(billing.attr("session.id").is_none());
    assert_eq!(billing.str_attr("user.id").as_deref(), Some("user-8"));
    assert_eq!(
        billing.str_attr("crux.tenant.id").as_deref(),
        Some("globex")
    );
    assert_eq!(
        billing.str_attr("crux.trace.metadata.queue").as_deref(),
        Some("billing")
    );
    assert_eq!(
        billing.str_attr("crux.trace.tags").as_deref(),
        Some(r#"["billing","fallback"]"#)
    );
    let delegate = capture.one("crux.delegate");
    assert_eq!(
        billing.parent_span_id,
        delegate.span_context.span_id(),
        "parent = headers continues the delegating trace"
    );
    assert_eq!(
        billing.span_context.trace_id(),
        delegate.span_context.trace_id()
    );
}
