//! Every OTLP protocol, the URL exporter and the callback exporter, against a real
//! collector: the decoded spans carry names, attributes, parents, links and the resource.

use crux::export::{Otlp, OtlpProtocol};
use crux::Checkpoint;
use crux_tests::collector::{Collector, ReceivedSpan};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[crux::tool(name = "lookup", call_id = "call_7")]
async fn lookup() -> u32 {
    7
}

#[crux::flow(name = "wire_check", resume = checkpoint)]
async fn wire_check(checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    lookup().await;
    if checkpoint.is_none() {
        return crux::flow::suspend("review").ok();
    }
    None
}

/// Runs a suspend and a resume through `builder`, shuts down, and returns what the
/// collector decoded.
async fn round_trip(collector: &Collector, builder: crux::TelemetryBuilder) -> Vec<ReceivedSpan> {
    let guard = builder
        .service_name("crux-wire")
        .resource_attribute("service.version", "1.2.3")
        .install()
        .unwrap();
    let checkpoint = wire_check(None).await.unwrap();
    wire_check(Some(&checkpoint)).await;
    guard.force_flush().unwrap();
    let health = guard.health();
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    assert_eq!(health.created, 4);
    assert_eq!(health.exported, 4, "{health:?}");
    collector.wait_for(Duration::from_secs(15), |s| s.len() >= 4)
}

fn assert_decoded(spans: &[ReceivedSpan]) {
    assert_eq!(spans.len(), 4, "{spans:#?}");
    let flow = spans.iter().find(|s| s.name == "crux.flow").unwrap();
    let resume = spans.iter().find(|s| s.name == "crux.flow.resume").unwrap();
    let tools: Vec<_> = spans
        .iter()
        .filter(|s| s.name == "crux.tool.lookup")
        .collect();
    assert_eq!(tools.len(), 2);
    assert!(tools
        .iter()
        .any(|t| t.parent_id == flow.id && t.trace_id == flow.trace_id));
    assert!(tools
        .iter()
        .any(|t| t.parent_id == resume.id && t.trace_id == resume.trace_id));
    assert_eq!(tools[0].attr("crux.tool.call_id"), Some("Str(call_7)"));
    assert_eq!(
        tools[0].attr("gen_ai.operation.name"),
        Some("Str(execute_tool)")
    );
    assert_eq!(resume.attr("crux.flow.id"), flow.attr("crux.flow.id"));
    assert_eq!(resume.links.len(), 1);
    assert_eq!(resume.links[0].span_id, flow.id);
    assert_eq!(resume.links[0].trace_id, flow.trace_id);
    assert_eq!(flow.events[0].0, "crux.flow.suspended");
    assert_eq!(flow.resource_attr("service.name"), Some("Str(crux-wire)"));
    assert_eq!(flow.resource_attr("service.version"), Some("Str(1.2.3)"));
    assert!(flow
        .attr("crux.flow.started_at")
        .unwrap()
        .starts_with("Int("));
}

async fn protocol(protocol: OtlpProtocol) {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let endpoint = match protocol {
        OtlpProtocol::Grpc => collector.grpc_endpoint(),
        _ => collector.http_endpoint(),
    };
    let builder =
        crux::Telemetry::builder().otlp_with(Otlp::new().protocol(protocol).endpoint(endpoint));
    assert_decoded(&round_trip(&collector, builder).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_protobuf() {
    protocol(OtlpProtocol::HttpProtobuf).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_json() {
    protocol(OtlpProtocol::HttpJson).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc() {
    protocol(OtlpProtocol::Grpc).await;
}

#[crux::tool(name = "numbered", call_id = id)]
fn numbered(id: &str) -> usize {
    id.len()
}

/// Open TCP connections to loopback `port` from a client (`/proc/net/tcp`).
#[cfg(target_os = "linux")]
fn connections_to(port: u16) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("/proc/net/tcp lists sockets");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let remote_port = fields
                .get(2)
                .and_then(|remote| remote.rsplit(':').next())
                .and_then(|hex| u16::from_str_radix(hex, 16).ok());
            // 01: established.
            remote_port == Some(port) && fields.get(3) == Some(&"01")
        })
        .count()
}

#[test]
#[cfg(target_os = "linux")]
fn a_grpc_backlog_leaves_several_batches_at_once_over_a_connection_each() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let endpoint = collector.grpc_endpoint();
    let port: u16 = endpoint.rsplit(':').next().unwrap().parse().unwrap();
    let guard = crux::Telemetry::builder()
        .otlp_with(Otlp::new().protocol(OtlpProtocol::Grpc).endpoint(&endpoint))
        .metrics(false)
        .max_export_batch_size(10)
        .max_concurrent_exports(4)
        .scheduled_delay(Duration::from_secs(60))
        .install()
        .unwrap();
    // A paused collector answers nothing: the first exports wait, the other spans pile
    // up behind them. Five batches in all, so whatever the first round took (one to
    // four), one of the two rounds has at least three batches in flight at once.
    collector.pause();
    for i in 0..45 {
        numbered(&format!("n{i}"));
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while guard.health().created < 45 {
        assert!(std::time::Instant::now() < deadline, "{:?}", guard.health());
        std::thread::sleep(Duration::from_millis(5));
    }
    collector.resume();
    guard.force_flush().unwrap();
    let connections = connections_to(port);
    let health = guard.health();
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    assert!(
        (3..=4).contains(&connections),
        "{connections} connections to the collector"
    );
    assert_eq!((health.exported, health.failed, health.queued), (45, 0, 0));
    let spans = collector.wait_for(Duration::from_secs(15), |s| s.len() >= 45);
    let mut ids: Vec<String> = spans
        .iter()
        .filter_map(|s| s.attr("crux.tool.call_id").map(str::to_owned))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!((spans.len(), ids.len()), (45, 45), "each span once");
}

#[test]
fn grpc_works_without_any_tokio_runtime_in_the_application() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .otlp_with(
            Otlp::new()
                .protocol(OtlpProtocol::Grpc)
                .endpoint(collector.grpc_endpoint())
                .gzip(),
        )
        .install()
        .unwrap();
    #[crux::tool]
    fn plain() {}
    plain();
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    let spans = collector.wait_for(Duration::from_secs(15), |s| !s.is_empty());
    assert_eq!(spans[0].name, "crux.tool.plain");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_exporter_posts_otlp_json_with_headers() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let builder = crux::Telemetry::builder().url(
        collector.http_traces_url(),
        [("x-api-key", "secret"), ("x-team", "agents")],
    );
    assert_decoded(&round_trip(&collector, builder).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_from_the_environment_variable() {
    // OTEL_EXPORTER_OTLP_PROTOCOL is read when the builder does not choose.
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    std::env::set_var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc");
    let builder =
        crux::Telemetry::builder().otlp_with(Otlp::new().endpoint(collector.grpc_endpoint()));
    let installed = builder.install();
    // Removed before anything can panic, so no other test sees it.
    std::env::remove_var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
    let guard = installed.unwrap();
    assert_eq!(guard.destination_health()[0].0, "otlp-grpc");
    lookup().await;
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    collector.wait_for(Duration::from_secs(15), |s| s.len() == 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_callback_receives_batches_and_a_panicking_one_is_contained() {
    let _turn = crux::testing::exclusive();
    let received = Arc::new(Mutex::new(Vec::new()));
    let sink = received.clone();
    let guard = crux::Telemetry::builder()
        .callback(move |batch| {
            sink.lock()
                .unwrap()
                .extend(batch.into_iter().map(|s| s.name.to_string()))
        })
        .callback(|_batch| panic!("the callback is broken"))
        .install()
        .unwrap();
    for _ in 0..3 {
        lookup().await;
    }
    guard.force_flush().unwrap();
    let health = guard.destination_health();
    assert_eq!(received.lock().unwrap().len(), 3);
    assert!(received
        .lock()
        .unwrap()
        .iter()
        .all(|n| n == "crux.tool.lookup"));
    assert_eq!(health[0].1.exported, 3);
    assert_eq!(health[1].1.failed, 3, "{health:?}");
    assert_eq!(health[1].1.exported, 0);
    // The application keeps working after the panic.
    assert_eq!(lookup().await, 7);
    let report = guard.shutdown();
    assert_eq!(report.destinations[1].1.failed, 4, "{report}");
    assert_eq!(report.health.abandoned, 0, "{report}");
}

/// A one-request HTTP server on loopback: answers 200 and hands back the request's
/// head (request line and headers, lowercased) and body.
fn capture_one_request() -> (String, std::sync::mpsc::Receiver<(String, Vec<u8>)>) {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/v1/traces", listener.local_addr().unwrap());
    let (sent, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line.to_ascii_lowercase());
        }
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let _ = reader
            .get_mut()
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n");
        let _ = sent.send((head, body));
    });
    (url, received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_exporter_sends_the_headers_given_and_json() {
    let _turn = crux::testing::exclusive();
    let (url, request) = capture_one_request();
    let guard = crux::Telemetry::builder()
        .url(url, [("x-api-key", "secret"), ("x-team", "agents")])
        .install()
        .unwrap();
    lookup().await;
    let report = guard.shutdown();
    assert!(report.is_complete(), "{report}");
    let (head, body) = request
        .recv_timeout(Duration::from_secs(15))
        .expect("the URL exporter posted");
    assert!(head.starts_with("post /v1/traces "), "{head}");
    assert!(head.contains("\r\nx-api-key: secret\r\n"), "{head}");
    assert!(head.contains("\r\nx-team: agents\r\n"), "{head}");
    assert!(
        head.contains("\r\ncontent-type: application/json"),
        "{head}"
    );
    let json: serde_json::Value = serde_json::from_slice(&body).expect("an OTLP/JSON body");
    let name = &json["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"];
    assert_eq!(name, "crux.tool.lookup");
}
