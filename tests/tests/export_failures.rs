//! Telemetry never hurts the application: with the collector down, blocked, slow,
//! answering errors or restarting, annotated calls keep returning, memory stays bounded
//! by the queue, and the health counters account for every span
//! (created = exported + dropped + failed once shut down). A short outage loses nothing.

use crux::export::{Health, Otlp, OtlpProtocol};
use crux_tests::collector::Collector;
use crux_tests::fake::{closed_port, fake_collector, hanging_collector};
use std::sync::mpsc;
use std::time::{Duration, Instant};

#[crux::tool(name = "work", call_id = id)]
fn work(id: &str) -> usize {
    id.len()
}

fn accounted(h: Health) {
    assert_eq!(h.queued, 0, "{h:?}");
    assert_eq!(h.created, h.exported + h.dropped + h.failed, "{h:?}");
}

#[test]
fn collector_not_running_at_start() {
    let _turn = crux::testing::exclusive();
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(format!("http://127.0.0.1:{}", closed_port()))
        .export_retry_for(Duration::from_millis(300))
        .scheduled_delay(Duration::from_millis(20))
        .install()
        .unwrap();
    for i in 0..200 {
        work(&format!("c{i}"));
    }
    guard.force_flush().unwrap();
    let health = guard.health();
    accounted(health);
    assert_eq!(health.created, 200);
    assert_eq!(health.exported, 0);
    assert_eq!(health.failed + health.dropped, 200);
    guard.shutdown();
}

#[test]
fn annotated_calls_return_while_the_exporter_is_blocked() {
    let _turn = crux::testing::exclusive();
    let (release, blocked) = mpsc::channel::<()>();
    let blocked = std::sync::Mutex::new(blocked);
    let (entered_tx, entered) = mpsc::channel::<()>();
    let entered_tx = std::sync::Mutex::new(entered_tx);
    let guard = crux::Telemetry::builder()
        .max_queue_size(50)
        .max_export_batch_size(10)
        .scheduled_delay(Duration::from_millis(5))
        .callback(move |_batch| {
            let _ = entered_tx.lock().unwrap().send(());
            // Blocks the export thread until the test releases it.
            let _ = blocked.lock().unwrap().recv();
        })
        .install()
        .unwrap();
    work("first");
    entered
        .recv_timeout(Duration::from_secs(5))
        .expect("the exporter is now blocked");
    // The exporter is stuck; every call must still return.
    for i in 0..1000 {
        work(&format!("b{i}"));
    }
    let during = guard.health();
    assert_eq!(during.created, 1001);
    assert!(
        during.queued <= 50 + 10,
        "memory is bounded by the queue: {during:?}"
    );
    assert!(during.dropped >= 1001 - 60, "{during:?}");
    // Unblock every pending export.
    for _ in 0..200 {
        let _ = release.send(());
    }
    guard.force_flush().unwrap();
    let after = guard.health();
    accounted(after);
    assert!(after.exported >= 1);
    guard.shutdown();
}

#[test]
fn a_slow_collector_costs_the_application_nothing() {
    let _turn = crux::testing::exclusive();
    let port = hanging_collector(Duration::from_secs(20));
    let guard = crux::Telemetry::builder()
        .otlp_with(
            Otlp::new()
                .protocol(OtlpProtocol::HttpProtobuf)
                .endpoint(format!("http://127.0.0.1:{port}"))
                .timeout(Duration::from_millis(300))
                .retries(false),
        )
        .scheduled_delay(Duration::from_millis(10))
        .install()
        .unwrap();
    for i in 0..100 {
        work(&format!("s{i}"));
    }
    // Every call returned although the collector has answered nothing yet.
    let during = guard.health();
    assert_eq!((during.created, during.exported), (100, 0), "{during:?}");
    guard.force_flush().unwrap();
    let health = guard.health();
    accounted(health);
    assert_eq!(health.exported, 0);
    assert_eq!(health.failed + health.dropped, 100, "{health:?}");
    guard.shutdown();
}

#[test]
fn a_collector_answering_errors_is_counted_as_failed() {
    let _turn = crux::testing::exclusive();
    let port = fake_collector(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        Duration::ZERO,
        Duration::from_secs(20),
    );
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(format!("http://127.0.0.1:{port}"))
        .export_retry_for(Duration::from_millis(400))
        .scheduled_delay(Duration::from_millis(10))
        .install()
        .unwrap();
    for i in 0..50 {
        work(&format!("e{i}"));
    }
    guard.force_flush().unwrap();
    let health = guard.health();
    accounted(health);
    assert_eq!(health.failed, 50, "{health:?}");
    guard.shutdown();
}

#[test]
fn a_short_outage_loses_nothing() {
    let _turn = crux::testing::exclusive();
    let mut collector = Collector::start();
    let (grpc, http) = (collector.grpc_port, collector.http_port);
    let guard = crux::Telemetry::builder()
        .otlp_endpoint(collector.http_endpoint())
        .scheduled_delay(Duration::from_millis(50))
        .export_retry_for(Duration::from_secs(20))
        .install()
        .unwrap();
    for i in 0..10 {
        work(&format!("before-{i}"));
    }
    guard.force_flush().unwrap();
    collector.wait_for(Duration::from_secs(10), |s| s.len() >= 10);
    collector.kill();

    // Spans created during a few seconds of downtime.
    for i in 0..30 {
        work(&format!("down-{i}"));
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_secs(1));
    let restarted = Collector::start_on(grpc, http);
    for i in 0..10 {
        work(&format!("after-{i}"));
    }
    let health_before_shutdown = guard.health();
    guard.shutdown();
    assert_eq!(health_before_shutdown.dropped, 0);

    let spans = restarted.wait_for(Duration::from_secs(20), |s| {
        (0..30).all(|i| {
            s.iter()
                .any(|x| x.attr("crux.tool.call_id") == Some(&format!("Str(down-{i})")))
        }) && (0..10).all(|i| {
            s.iter()
                .any(|x| x.attr("crux.tool.call_id") == Some(&format!("Str(after-{i})")))
        })
    });
    assert!(spans.len() >= 40);
}

#[test]
fn a_graceful_grpc_shutdown_exports_every_finished_span() {
    let _turn = crux::testing::exclusive();
    let collector = Collector::start();
    let guard = crux::Telemetry::builder()
        .otlp_with(
            Otlp::new()
                .protocol(OtlpProtocol::Grpc)
                .endpoint(collector.grpc_endpoint()),
        )
        .scheduled_delay(Duration::from_secs(60))
        .max_queue_size(5000)
        .install()
        .unwrap();
    for i in 0..2000 {
        work(&format!("g{i}"));
    }
    guard.shutdown();
    let spans = collector.wait_for(Duration::from_secs(20), |s| s.len() >= 2000);
    assert_eq!(spans.len(), 2000);
}

/// Names of this process's threads that start with `prefix` (Linux: `/proc/self/task`).
fn threads_named(prefix: &str) -> usize {
    std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task lists this process's threads")
        .filter_map(|task| std::fs::read_to_string(task.ok()?.path().join("comm")).ok())
        .filter(|comm| comm.starts_with(prefix))
        .count()
}

#[test]
fn an_install_that_fails_half_way_leaves_no_export_thread_behind() {
    let _turn = crux::testing::exclusive();
    // The callback destination starts its export thread, then the gRPC destination
    // fails to build (a metadata name gRPC cannot carry): install returns the error.
    let result = crux::Telemetry::builder()
        .callback(|_batch| {})
        .otlp_with(
            Otlp::new()
                .protocol(OtlpProtocol::Grpc)
                .endpoint("http://127.0.0.1:4317")
                .header("not a header name", "x"),
        )
        .install();
    let error = result.expect_err("an invalid gRPC metadata name fails the install");
    assert!(error.to_string().contains("not a header name"), "{error}");
    // Thread names are cut to 15 bytes: "crux-export-cal(lback)".
    let deadline = Instant::now() + Duration::from_secs(10);
    while threads_named("crux-export-cal") > 0 {
        assert!(
            Instant::now() < deadline,
            "the callback destination's export thread outlived the failed install"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn extreme_batch_settings_neither_panic_nor_lose_spans() {
    let _turn = crux::testing::exclusive();
    let (sent, received) = mpsc::channel();
    let guard = crux::Telemetry::builder()
        .callback(move |batch| {
            let _ = sent.send(batch.len());
        })
        .scheduled_delay(Duration::MAX)
        .max_queue_size(usize::MAX)
        .max_export_batch_size(usize::MAX)
        .install()
        .unwrap();
    work("one");
    guard.shutdown();
    assert_eq!(received.try_iter().sum::<usize>(), 1);
}
