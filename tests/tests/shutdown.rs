//! Shutdown never fails or holds up the application: one deadline for every destination
//! together, what is left at the deadline is abandoned and counted, and the counters
//! account for every span (`created == exported + dropped + failed + abandoned`), also
//! against what a real collector received.

use crux::export::{Health, Otlp, OtlpProtocol};
use crux_tests::collector::Collector;
use crux_tests::fake::{closed_port, closing_collector, fake_collector, hanging_collector};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

#[crux::tool(name = "work", call_id = id)]
fn work(id: &str) -> usize {
    id.len()
}

fn conserved(h: &Health) {
    assert_eq!(h.queued, 0, "{h:?}");
    assert_eq!(
        h.created,
        h.exported + h.dropped + h.failed + h.abandoned,
        "{h:?}"
    );
}

fn otlp(protocol: OtlpProtocol, port: u16) -> Otlp {
    Otlp::new()
        .protocol(protocol)
        .endpoint(format!("http://127.0.0.1:{port}"))
}

/// Telemetry to a collector that never answers, with `spans` spans created.
fn hung(spans: usize, shutdown_timeout: Duration) -> crux::TelemetryGuard {
    let port = hanging_collector(Duration::from_secs(30));
    let guard = crux::Telemetry::builder()
        .otlp_with(otlp(OtlpProtocol::HttpProtobuf, port))
        .shutdown_timeout(shutdown_timeout)
        .install()
        .unwrap();
    for i in 0..spans {
        work(&format!("h{i}"));
    }
    guard
}

#[test]
fn a_hung_collector_is_abandoned_at_the_deadline_and_counted() {
    let _turn = crux::testing::exclusive();
    let guard = hung(100, Duration::from_millis(500));
    let report = guard.shutdown();
    conserved(&report.health);
    assert_eq!(report.health.created, 100, "{report}");
    assert_eq!(report.health.abandoned, 100, "{report}");
    // An upper bound: the export in flight would otherwise take its 10 s retry window.
    assert!(report.elapsed < Duration::from_secs(5), "{report}");
    assert!(
        report.to_string().contains("100 abandoned at the deadline"),
        "{report}"
    );
    // Health stays readable after the shutdown, and says the same.
    assert_eq!(guard.health(), report.health);
    assert_eq!(
        guard.shutdown(),
        report,
        "a second shutdown reports the same"
    );
}

#[test]
fn one_deadline_for_every_destination_together() {
    let _turn = crux::testing::exclusive();
    let lifetime = Duration::from_secs(30);
    let guard = crux::Telemetry::builder()
        .otlp_with(otlp(
            OtlpProtocol::HttpProtobuf,
            hanging_collector(lifetime),
        ))
        .otlp_with(otlp(OtlpProtocol::HttpJson, hanging_collector(lifetime)))
        .otlp_with(otlp(OtlpProtocol::Grpc, hanging_collector(lifetime)))
        .shutdown_timeout(Duration::from_secs(1))
        .install()
        .unwrap();
    for i in 0..50 {
        work(&format!("d{i}"));
    }
    let report = guard.shutdown();
    assert_eq!(report.destinations.len(), 3, "{report}");
    for (name, health) in &report.destinations {
        conserved(health);
        assert_eq!(
            (health.created, health.abandoned),
            (50, 50),
            "{name}: {report}"
        );
    }
    // An upper bound below three deadlines in a row: the destinations drain side by side.
    assert!(report.elapsed < Duration::from_millis(2500), "{report}");
}

#[test]
fn a_flush_waits_at_most_the_deadline_and_says_what_is_still_queued() {
    let _turn = crux::testing::exclusive();
    let guard = hung(20, Duration::from_millis(300));
    let started = Instant::now();
    let error = guard
        .force_flush()
        .expect_err("the collector never answers");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(
        error
            .to_string()
            .contains("otlp-http-protobuf still has 20 spans queued"),
        "{error}"
    );
}

#[test]
fn dropping_the_guard_never_waits_past_the_deadline() {
    let _turn = crux::testing::exclusive();
    let guard = hung(20, Duration::from_millis(300));
    let started = Instant::now();
    drop(guard);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_hung_real_collector_sigstop_is_abandoned_and_what_it_received_is_counted() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(collector.http_endpoint())
        .scheduled_delay(Duration::from_millis(20))
        .shutdown_timeout(Duration::from_secs(1))
        .install()
        .unwrap();
    for i in 0..10 {
        work(&format!("before-{i}"));
    }
    guard.force_flush().unwrap();
    collector.wait_for(Duration::from_secs(10), |s| s.len() == 10);
    collector.pause();
    for i in 0..20 {
        work(&format!("hung-{i}"));
    }
    let report = guard.shutdown();
    collector.resume();
    conserved(&report.health);
    assert_eq!(report.health.exported, 10, "{report}");
    assert_eq!(report.health.abandoned, 20, "{report}");
    assert!(report.elapsed < Duration::from_secs(5), "{report}");
}

#[test]
fn a_killed_collector_the_counters_match_what_it_received() {
    let _turn = crux::testing::exclusive();
    let mut collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(collector.http_endpoint())
        .scheduled_delay(Duration::from_millis(20))
        .export_retry_for(Duration::from_millis(300))
        .install()
        .unwrap();
    for i in 0..25 {
        work(&format!("alive-{i}"));
    }
    guard.force_flush().unwrap();
    collector.wait_for(Duration::from_secs(10), |s| s.len() == 25);
    let received = collector.spans().len() as u64;
    collector.kill();
    for i in 0..30 {
        work(&format!("dead-{i}"));
    }
    let report = guard.shutdown();
    conserved(&report.health);
    assert_eq!(report.health.exported, received, "{report}");
    assert_eq!(report.health.failed, 30, "{report}");
}

#[test]
fn every_kind_of_refusal_is_counted_as_failed_and_never_raised() {
    let _turn = crux::testing::exclusive();
    let lifetime = Duration::from_secs(30);
    let answer = |status: &'static str| fake_collector(status, Duration::ZERO, lifetime);
    for (what, port) in [
        (
            "400",
            answer("HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        ),
        (
            "429",
            answer("HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        ),
        (
            "503",
            answer("HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"),
        ),
        ("closed connections", closing_collector(lifetime)),
    ] {
        let guard = crux::Telemetry::builder()
            .otlp_with(otlp(OtlpProtocol::HttpProtobuf, port))
            .export_retry_for(Duration::from_millis(600))
            .install()
            .unwrap();
        for i in 0..30 {
            work(&format!("r{i}"));
        }
        let report = guard.shutdown();
        conserved(&report.health);
        assert_eq!(
            (report.health.created, report.health.failed),
            (30, 30),
            "{what}: {report}"
        );
    }
}

#[test]
fn the_counters_match_what_the_collector_received_in_every_protocol() {
    let _turn = crux::testing::exclusive();
    for protocol in [
        OtlpProtocol::HttpProtobuf,
        OtlpProtocol::HttpJson,
        OtlpProtocol::Grpc,
    ] {
        let collector = Collector::counting();
        let port = match protocol {
            OtlpProtocol::Grpc => collector.grpc_port,
            _ => collector.http_port,
        };
        // A small queue, filled faster than it may drain: what is dropped is counted.
        let guard = crux::Telemetry::builder()
            .otlp_with(otlp(protocol, port))
            .max_queue_size(500)
            .max_export_batch_size(100)
            .shutdown_timeout(Duration::from_secs(20))
            .install()
            .unwrap();
        for i in 0..5000 {
            work(&format!("c{i}"));
        }
        let report = guard.shutdown();
        conserved(&report.health);
        assert_eq!(report.health.created, 5000, "{report}");
        assert_eq!(
            report.health.failed + report.health.abandoned,
            0,
            "{report}"
        );
        let deadline = Instant::now() + Duration::from_secs(10);
        while collector.received() < report.health.exported as usize && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(
            collector.received() as u64,
            report.health.exported,
            "{protocol:?}: {report}"
        );
    }
}

/// The example binary, built if this test run did not build it.
fn example(name: &str) -> PathBuf {
    let dir = std::env::current_exe()
        .expect("the test binary")
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>")
        .join("examples");
    let binary = dir.join(name);
    if !binary.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "crux-examples", "--example", name])
            .status()
            .expect("cargo runs");
        assert!(status.success(), "cannot build the {name} example");
    }
    binary
}

/// Runs the support agent example against `endpoint` with `env`; its stderr after
/// checking that it exited 0 within a bound well above its 1 s shutdown deadline.
fn run_example_against(endpoint: &str, env: &[(&str, &str)]) -> String {
    let started = Instant::now();
    let output = Command::new(example("support_agent"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("CRUX_SHUTDOWN_TIMEOUT", "1000")
        .envs(env.iter().copied())
        .output()
        .expect("the example runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{:?}\n{stderr}", output.status);
    assert!(started.elapsed() < Duration::from_secs(20));
    stderr
}

#[test]
fn the_example_exits_0_and_says_what_it_could_not_deliver_when_the_collector_is_down() {
    for endpoint in [
        format!("http://127.0.0.1:{}", closed_port()),
        format!(
            "http://127.0.0.1:{}",
            hanging_collector(Duration::from_secs(30))
        ),
    ] {
        let stderr = run_example_against(&endpoint, &[]);
        let outcome: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("telemetry shut down"))
            .collect();
        assert_eq!(outcome.len(), 1, "{stderr}");
        // CRUX_SHUTDOWN_TIMEOUT=1000 set the deadline.
        assert!(outcome[0].contains("(deadline 1.0s)"), "{}", outcome[0]);
        assert!(
            outcome[0].contains("otlp-http-protobuf: 0 of ")
                && outcome[0].contains("not delivered"),
            "{}",
            outcome[0]
        );
    }
}

#[test]
fn the_example_reports_a_configuration_mistake_and_runs_untraced() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let stderr = run_example_against(&endpoint, &[("OTEL_EXPORTER_OTLP_TIMEOUT", "abc")]);
    assert!(
        stderr.contains("telemetry is off: OTEL_EXPORTER_OTLP_TIMEOUT=abc is not a whole number"),
        "{stderr}"
    );
}

/// Once telemetry is shut down nothing of it is kept alive: its hooks, and what they
/// captured, are dropped, also by a thread that recorded spans and then idles (a pool
/// thread that starts no span again).
#[test]
fn a_shut_down_pipeline_lets_go_of_its_hooks_on_every_thread() {
    use std::sync::mpsc::{channel, RecvTimeoutError};
    let (ended, spans) = channel::<()>();
    let capture = crux::testing::capture_with(crux::Telemetry::builder().on_span_end(move |_| {
        let _ = ended.send(());
    }));
    work("here");
    let (wake, idle) = channel::<()>();
    let pool_thread = std::thread::spawn(move || {
        work("there");
        let _ = idle.recv();
    });
    for _ in 0..2 {
        spans
            .recv_timeout(Duration::from_secs(10))
            .expect("each span's end hook ran");
    }
    drop(capture);
    assert_eq!(
        spans.recv_timeout(Duration::from_secs(10)),
        Err(RecvTimeoutError::Disconnected),
        "the hook (and its sender) dropped with the pipeline"
    );
    drop(wake);
    pool_thread.join().unwrap();
}
