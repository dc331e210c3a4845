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
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");

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

struct Priced;

impl crux::ModelResponse for Priced {
    fn usage(&self) -> Option<crux::Usage> {
        Some(crux::Usage::new(100, 20))
    }
    fn response_model(&self) -> Option<&str> {
        Some("gpt-4o-2024-08-06")
    }
    fn cost_usd(&self) -> Option<f64> {
        Some(0.25)
    }
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
async fn priced() -> Priced {
    Priced
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
async fn rate_limited() -> Result<Priced, NotFound> {
    Err(NotFound)
}

/// The GenAI metrics reach the collector over the traces' OTLP configuration, with the
/// conventions' names, units, buckets and attributes, and crux's counters beside them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn genai_metrics_arrive_with_the_conventions_names_and_units() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(collector.http_traces_url())
        .install()
        .unwrap();
    priced().await;
    priced().await;
    let _ = rate_limited().await;
    ask().await;
    let _ = lookup("call_1", true).await;
    let _ = lookup("call_2", false).await;
    crux::cost::report(crux::cost::CostReport::new(0.5).estimate());
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");

    let points = collector.wait_for_metrics(Duration::from_secs(20), |p| {
        p.iter().any(|p| p.metric == "crux.tool.calls")
    });
    let of = |name: &str| -> Vec<_> { points.iter().filter(|p| p.metric == name).collect() };

    let tokens = of("gen_ai.client.token.usage");
    assert!(tokens
        .iter()
        .all(|p| p.unit == "{token}" && p.data_type == "Histogram"));
    let token_buckets = [
        1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0,
    ];
    assert!(
        tokens.iter().all(|p| p.bounds.starts_with(&token_buckets)),
        "{tokens:#?}"
    );
    let gpt4o = |kind: &str| {
        tokens
            .iter()
            .find(|p| {
                p.attr("gen_ai.request.model") == Some("Str(gpt-4o)")
                    && p.attr("gen_ai.token.type") == Some(&format!("Str({kind})")[..])
            })
            .unwrap_or_else(|| panic!("no {kind} tokens for gpt-4o: {tokens:#?}"))
    };
    let input = gpt4o("input");
    assert_eq!(
        (input.count, input.sum),
        (Some(2), Some(200.0)),
        "two calls, the failed one not"
    );
    assert_eq!(input.attr("gen_ai.operation.name"), Some("Str(chat)"));
    assert_eq!(input.attr("gen_ai.provider.name"), Some("Str(openai)"));
    assert_eq!(
        input.attr("gen_ai.response.model"),
        Some("Str(gpt-4o-2024-08-06)")
    );
    assert_eq!(gpt4o("output").sum, Some(40.0));
    assert!(
        tokens.iter().any(
            |p| p.attr("gen_ai.request.model") == Some("Str(gpt-4o-mini)") && p.sum == Some(11.0)
        ),
        "usage recorded through the span handle counts too"
    );

    let durations = of("gen_ai.client.operation.duration");
    assert!(durations
        .iter()
        .all(|p| p.unit == "s" && p.data_type == "Histogram"));
    assert!(durations
        .iter()
        .all(|p| p.bounds.first() == Some(&0.01) && p.bounds.last() == Some(&81.92)));
    let calls: u64 = durations.iter().filter_map(|p| p.count).sum();
    assert_eq!(calls, 4, "every model call, failed ones included");
    assert!(
        durations
            .iter()
            .any(|p| p.count == Some(1)
                && p.attr("error.type").is_some_and(|e| e.contains("NotFound"))),
        "the failed call has its error.type: {durations:#?}"
    );

    let cost = of("crux.cost");
    let total = |source: &str| {
        cost.iter()
            .find(|p| p.attr("crux.cost.source") == Some(&format!("Str({source})")[..]))
            .and_then(|p| p.value)
    };
    assert_eq!(total("actual"), Some(0.5), "two priced calls");
    // The report, and the price-table estimate of the one call that reported usage but
    // no cost (a few millionths of a dollar).
    let estimate = total("estimate").expect("estimated costs");
    assert!((0.5..0.5001).contains(&estimate), "{estimate}");

    let tools = of("crux.tool.calls");
    assert_eq!(tools.iter().filter_map(|p| p.value).sum::<f64>(), 2.0);
    // rotel prints a string value as `Str(..)`.
    assert!(
        tools
            .iter()
            .all(|p| p.attr("gen_ai.tool.name") == Some("Str(lookup_order)")),
        "every point names the tool"
    );
    assert!(tools
        .iter()
        .any(|p| p.value == Some(1.0)
            && p.attr("error.type").is_some_and(|e| e.contains("NotFound"))));
}

/// Tells the test it is running (its span open), then waits for the go.
struct Gate {
    started: tokio::sync::oneshot::Sender<()>,
    go: tokio::sync::oneshot::Receiver<()>,
}

impl Gate {
    /// A gate, and the test's ends of it: started, go.
    fn new() -> (
        Gate,
        tokio::sync::oneshot::Receiver<()>,
        tokio::sync::oneshot::Sender<()>,
    ) {
        let (started, on_start) = tokio::sync::oneshot::channel();
        let (go_now, go) = tokio::sync::oneshot::channel();
        (Gate { started, go }, on_start, go_now)
    }

    async fn pass(self) {
        let _ = self.started.send(());
        let _ = self.go.await;
    }
}

#[crux::generate(provider = "openai", model = "gpt-4o")]
async fn priced_after(gate: Gate) -> Priced {
    gate.pass().await;
    Priced
}

#[crux::tool(name = "slow_lookup")]
async fn slow_lookup(gate: Gate) -> u32 {
    gate.pass().await;
    7
}

/// A call made in the second pipeline only: what shows its metrics arrived.
#[crux::tool(name = "marker")]
fn marker() -> u32 {
    1
}

/// A call that is running while another pipeline is installed counts (its tool call,
/// its tokens, its duration and its cost) in the pipeline it started in, as its spans
/// and hooks do: never in the next one, never in both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_counts_in_the_metrics_of_the_pipeline_it_started_in() {
    let _turn = crux::testing::exclusive();
    let (first, second) = (Collector::start(), Collector::start());
    let install = |collector: &Collector| {
        crux::Telemetry::builder()
            .otlp_endpoint(collector.http_traces_url())
            .install()
            .unwrap()
    };
    let first_guard = install(&first);
    let (model_gate, model_started, model_go) = Gate::new();
    let (tool_gate, tool_started, tool_go) = Gate::new();
    let model = tokio::spawn(priced_after(model_gate));
    let tool = tokio::spawn(slow_lookup(tool_gate));
    // Both calls run, their spans open, before the second install.
    model_started.await.unwrap();
    tool_started.await.unwrap();
    let second_guard = install(&second);
    marker();
    model_go.send(()).unwrap();
    tool_go.send(()).unwrap();
    model.await.unwrap();
    tool.await.unwrap();
    let report = second_guard.shutdown();
    assert!(report.is_complete(), "{report}");
    let report = first_guard.shutdown();
    assert!(report.is_complete(), "{report}");

    let points = first.wait_for_metrics(Duration::from_secs(20), |p| {
        ["crux.tool.calls", "gen_ai.client.token.usage", "crux.cost"]
            .iter()
            .all(|name| p.iter().any(|p| p.metric == *name))
    });
    let sum = |name: &str| -> f64 {
        points
            .iter()
            .filter(|p| p.metric == name)
            .filter_map(|p| p.value.or(p.sum))
            .sum()
    };
    assert_eq!(sum("crux.tool.calls"), 1.0, "{points:#?}");
    assert_eq!(sum("gen_ai.client.token.usage"), 120.0, "{points:#?}");
    assert_eq!(sum("crux.cost"), 0.25, "{points:#?}");
    assert!(
        points
            .iter()
            .all(|p| p.attr("gen_ai.tool.name") != Some("Str(marker)")),
        "{points:#?}"
    );
    // The second pipeline's metrics have arrived once its own call's count has.
    let later = second.wait_for_metrics(Duration::from_secs(20), |p| {
        p.iter()
            .any(|p| p.attr("gen_ai.tool.name") == Some("Str(marker)"))
    });
    assert!(
        !later.iter().any(|p| [
            "gen_ai.client.token.usage",
            "gen_ai.client.operation.duration",
            "crux.cost"
        ]
        .contains(&p.metric.as_str())
            || p.attr("gen_ai.tool.name") == Some("Str(slow_lookup)")),
        "nothing of the first calls counted in the pipeline installed after they started: \
         {later:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_off_sends_traces_only() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(collector.http_traces_url())
        .metrics(false)
        .install()
        .unwrap();
    priced().await;
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    collector.wait_for(Duration::from_secs(10), |s| !s.is_empty());
    assert!(
        collector.metric_points().is_empty(),
        "{:#?}",
        collector.metric_points()
    );
}
