//! Every argument form of `#[crux::flow]` and `#[crux::flow_step]`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

struct Ticket {
    id: String,
    queue: String,
    attempt: u32,
}

#[crux::flow]
fn bare() {}

#[crux::flow(name = "support", id = "ticket-1", attributes(app.channel = "email"))]
fn literals() {
    step_literals();
}

#[crux::flow(name = ticket.queue.as_str(), id = ticket.id, attributes("app.priority" = 2,))]
async fn expressions(ticket: &Ticket) -> u32 {
    let attempt = step_expressions(ticket).await;
    attempt + 1
}

#[crux::flow_step]
fn step_bare() {}

#[crux::flow_step(label = "fetch", id = "step-1", attempt = 2, attributes(app.cache = false))]
fn step_literals() {
    step_bare();
}

#[crux::flow_step(label = ticket.queue, id = format!("{}-step", ticket.id), attempt = ticket.attempt)]
async fn step_expressions(ticket: &Ticket) -> u32 {
    futures::future::ready(()).await;
    ticket.attempt
}

#[crux::flow_step(attempt = None::<u32>)]
fn step_optional_attempt() {}

fn main() {
    let capture = crux::testing::capture();

    bare();
    literals();
    let ticket = Ticket {
        id: "ticket-2".to_owned(),
        queue: "billing".to_owned(),
        attempt: 3,
    };
    assert_eq!(futures::executor::block_on(expressions(&ticket)), 4);
    step_optional_attempt();

    let flows = capture.named("crux.flow");
    assert_eq!(flows.len(), 3);
    let flow = |name: &str| {
        flows
            .iter()
            .find(|s| s.str_attr("crux.flow.name").as_deref() == Some(name))
            .unwrap_or_else(|| panic!("no flow named {name}"))
            .clone()
    };
    assert!(flow("bare").str_attr("crux.flow.id").is_some());

    let support = flow("support");
    assert_eq!(
        support.str_attr("crux.flow.id").as_deref(),
        Some("ticket-1")
    );
    assert_eq!(support.str_attr("app.channel").as_deref(), Some("email"));

    let billing = flow("billing");
    assert_eq!(
        billing.str_attr("crux.flow.id").as_deref(),
        Some("ticket-2")
    );
    assert_eq!(billing.i64_attr("app.priority"), Some(2));

    let steps = capture.named("crux.flow.step");
    let step = |label: &str| {
        steps
            .iter()
            .find(|s| s.str_attr("crux.step.label").as_deref() == Some(label))
            .unwrap_or_else(|| panic!("no step labelled {label}"))
            .clone()
    };
    let fetch = step("fetch");
    assert_eq!(fetch.str_attr("crux.step.id").as_deref(), Some("step-1"));
    assert_eq!(fetch.i64_attr("crux.step.attempt"), Some(2));
    assert_eq!(fetch.bool_attr("app.cache"), Some(false));
    assert_eq!(fetch.str_attr("crux.flow.id").as_deref(), Some("ticket-1"));
    assert!(step("step_bare").str_attr("crux.step.id").is_some());

    let billing_step = step("billing");
    assert_eq!(
        billing_step.str_attr("crux.step.id").as_deref(),
        Some("ticket-2-step")
    );
    assert_eq!(billing_step.i64_attr("crux.step.attempt"), Some(3));
    assert_eq!(
        billing_step.str_attr("crux.flow.id").as_deref(),
        Some("ticket-2")
    );

    assert!(step("step_optional_attempt")
        .attr("crux.step.attempt")
        .is_none());
}
