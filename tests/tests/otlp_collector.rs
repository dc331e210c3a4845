//! OTLP http/protobuf export to a real collector process: what arrives is what crux
//! recorded — names, kinds, parents, attributes, events, the resource — and a graceful
//! shutdown exports every finished span.

use crux_tests::collector::Collector;
use std::time::Duration;

#[derive(Debug)]
struct NotFound;
impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("order not found")
    }
}

#[crux::tool(name = "lookup_order", call_id = call)]
async fn lookup(call: &str, found: bool) -> Result<u32, NotFound> {
    tokio::task::yield_now().await;
    if found {
        Ok(7)
    } else {
        Err(NotFound)
    }
}

#[crux::generate(provider = "openai", model = "gpt-4o-mini", max_tokens = 64)]
async fn ask() -> String {
    crux::Span::current().record_usage(&crux::Usage::new(11, 3));
    "ok".into()
}

#[crux::flow_step(label = "work")]
async fn work() {
    let _ = lookup("call_1", true).await;
    let _ = lookup("call_2", false).await;
    ask().await;
}

#[crux::flow(name = "checkout", id = "flow-42")]
async fn checkout() {
    work().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_arrive_in_the_collector_as_recorded() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .service_name("crux-otlp-test")
        .resource_attribute("deployment.environment.name", "ci")
        .otlp_endpoint(collector.http_traces_url())
        .install()
        .unwrap();
    checkout().await;
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");

    let spans = collector.wait_for(Duration::from_secs(10), |s| s.len() >= 5);
    assert_eq!(spans.len(), 5, "{spans:#?}");
    let one = |name: &str| {
        spans
            .iter()
            .find(|s| s.name == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let flow = one("crux.flow");
    let step = one("crux.flow.step");
    let generate = one("crux.generate");
    assert_eq!(flow.parent_id, "");
    assert_eq!(step.parent_id, flow.id);
    assert_eq!(generate.parent_id, step.id);
    assert!(spans.iter().all(|s| s.trace_id == flow.trace_id));
    assert_eq!(
        flow.resource_attr("service.name"),
        Some("Str(crux-otlp-test)")
    );
    assert_eq!(
        flow.resource_attr("deployment.environment.name"),
        Some("Str(ci)")
    );

    assert_eq!(flow.attr("crux.flow.id"), Some("Str(flow-42)"));
    assert_eq!(
        flow.attr("gen_ai.operation.name"),
        Some("Str(invoke_workflow)")
    );
    assert_eq!(step.attr("crux.flow.id"), Some("Str(flow-42)"));
    assert_eq!(generate.kind, "SPAN_KIND_CLIENT");
    assert_eq!(generate.attr("gen_ai.request.max_tokens"), Some("Int(64)"));
    assert_eq!(generate.attr("gen_ai.usage.input_tokens"), Some("Int(11)"));

    let tools: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "crux.tool.lookup_order")
        .collect();
    assert_eq!(tools.len(), 2);
    let failed = tools
        .iter()
        .find(|s| s.attr("crux.tool.call_id") == Some("Str(call_2)"))
        .unwrap();
    assert_eq!(failed.status_code, "STATUS_CODE_ERROR");
    assert_eq!(failed.status_message, "order not found");
    assert_eq!(
        failed.attr("error.type"),
        Some("Str(otlp_collector::NotFound)")
    );
    let (event, attrs) = &failed.events[0];
    assert_eq!(event, "exception");
    assert!(attrs.contains(&("exception.message".into(), "Str(order not found)".into())));
}

#[crux::tool]
fn tick(i: u32) -> u32 {
    i
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_exports_every_finished_span() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(collector.http_traces_url())
        // A long delay: only the shutdown's flush can deliver these.
        .scheduled_delay(Duration::from_secs(60))
        .max_queue_size(4096)
        .install()
        .unwrap();
    for i in 0..1500 {
        tick(i);
    }
    drop(guard);
    let spans = collector.wait_for(Duration::from_secs(15), |s| s.len() >= 1500);
    assert_eq!(spans.len(), 1500);
    let mut seen: Vec<_> = spans.iter().map(|s| s.id.clone()).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 1500, "no span twice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_destinations_each_receive_every_span() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let (console, buffer) = crux::export::Console::to_buffer();
    let memory = crux::export::InMemorySpans::new();
    let guard = crux::Telemetry::builder()
        .console_with(console)
        .in_memory(&memory)
        .otlp_endpoint(collector.http_traces_url())
        .install()
        .unwrap();
    for _ in 0..3 {
        checkout().await;
    }
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    let received = collector.wait_for(Duration::from_secs(10), |s| s.len() >= 15);
    assert_eq!(received.len(), 15);
    assert_eq!(memory.spans().len(), 15);
    assert_eq!(buffer.contents().matches("trace ").count(), 3);
    assert_eq!(
        buffer.contents().matches("crux.tool.lookup_order").count(),
        6
    );
}

/// The printed type of a value, as the collector prints it (`Str(..)`, `Int(..)`, ...).
fn printed_type(value: &crux::opentelemetry::Value) -> &'static str {
    use crux::opentelemetry::Value;
    match value {
        Value::String(_) => "Str(",
        Value::I64(_) => "Int(",
        Value::F64(_) => "Double(",
        Value::Bool(_) => "Bool(",
        _ => "Slice(",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_research_agents_families_arrive_in_the_collector_as_recorded() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let memory = crux::export::InMemorySpans::new();
    let guard = crux::Telemetry::builder()
        .in_memory(&memory)
        .otlp_endpoint(collector.http_traces_url())
        .latency_budget(Duration::from_millis(100))
        .install()
        .unwrap();
    let agent = crux_examples::research::ResearchAgent::new();
    let question = crux_examples::research::QUESTION;
    agent.research("s-1", question).await.unwrap();
    agent.research("s-1", question).await.unwrap();
    guard.shutdown().unwrap();

    let recorded = memory.spans();
    let received = collector.wait_for(Duration::from_secs(10), |s| s.len() >= recorded.len());
    assert_eq!(received.len(), recorded.len());
    for span in &recorded {
        let id = span.span_context.span_id().to_string();
        let got = received
            .iter()
            .find(|r| r.id == id)
            .unwrap_or_else(|| panic!("{} never arrived", span.name));
        assert_eq!(got.name, span.name);
        let parent = if span.parent_span_id == crux::opentelemetry::trace::SpanId::INVALID {
            String::new()
        } else {
            span.parent_span_id.to_string()
        };
        assert_eq!(got.parent_id, parent, "{}", span.name);
        for kv in &span.attributes {
            let printed = got
                .attr(kv.key.as_str())
                .unwrap_or_else(|| panic!("{}: {} lost", span.name, kv.key));
            assert!(
                printed.starts_with(printed_type(&kv.value)),
                "{}: {} arrived as {printed}",
                span.name,
                kv.key
            );
        }
    }
    for name in [
        "crux.cascade.tier.1",
        "crux.validation.retry",
        "crux.workspace.read",
        "crux.semantic_cache.hit",
        "crux.budget.exceeded",
        "crux.constraint.violation",
    ] {
        assert!(received.iter().any(|s| s.name == name), "no {name}");
    }
    let attempt = received
        .iter()
        .find(|s| s.name == "crux.validation.retry")
        .and_then(|s| {
            s.events
                .iter()
                .find(|(name, _)| name == "validation.attempt.1")
        })
        .expect("the attempt event arrived");
    assert!(attempt
        .1
        .contains(&("crux.validation.attempt_number".into(), "Int(1)".into())));
}
