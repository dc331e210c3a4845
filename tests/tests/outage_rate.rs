//! What a collector restart costs at a steady span rate: the queue holds the spans that
//! arrive while the collector is away (and until a retry finds it back, at most a second
//! later); past its size, spans are dropped and counted. A queue of
//! `rate × (outage + 2 s)` loses nothing.
//!
//! `cargo test -p crux-tests --test outage_rate -- --ignored --nocapture` measures the
//! README's numbers (1,000 spans/s through a 10 s restart, default and sized queues).

use crux::export::Health;
use crux_tests::collector::Collector;
use std::time::{Duration, Instant};

#[crux::tool(name = "steady")]
fn steady() {}

/// Creates `rate` spans per second for `before + outage + after`, with the collector
/// killed after `before` and restarted `outage` later on the same ports; returns the
/// counters after a generous shutdown and what the collector received in all.
fn restart_at_rate(rate: u64, outage: Duration, queue: Option<usize>) -> (Health, usize) {
    let _turn = crux::testing::exclusive();
    let (before, after) = (Duration::from_secs(1), Duration::from_secs(2));
    let mut collector = Collector::counting();
    let (grpc, http) = (collector.grpc_port, collector.http_port);
    let mut builder = crux::Telemetry::builder()
        .otlp_endpoint(collector.http_endpoint())
        .shutdown_timeout(Duration::from_secs(30));
    if let Some(queue) = queue {
        builder = builder.max_queue_size(queue);
    }
    let guard = builder.install().unwrap();
    let restarter = std::thread::spawn(move || {
        std::thread::sleep(before);
        collector.kill();
        let received_before = collector.received();
        std::thread::sleep(outage);
        (received_before, Collector::counting_on(grpc, http))
    });
    let started = Instant::now();
    let total = before + outage + after;
    let mut made = 0u64;
    while started.elapsed() < total {
        let due = rate * started.elapsed().as_millis() as u64 / 1000;
        while made < due {
            steady();
            made += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let (received_before, restarted) = restarter.join().expect("restarted");
    let report = guard.shutdown();
    let received = || received_before + restarted.received();
    let deadline = Instant::now() + Duration::from_secs(10);
    while received() < report.health.exported as usize && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    (report.health, received())
}

#[test]
fn a_queue_sized_for_the_rate_and_the_outage_loses_nothing() {
    let (rate, outage) = (400, Duration::from_secs(2));
    let queue = (rate * (outage.as_secs() + 2)) as usize;
    let (health, received) = restart_at_rate(rate, outage, Some(queue));
    assert_eq!(
        health.dropped + health.failed + health.abandoned,
        0,
        "{health:?}"
    );
    assert_eq!(health.exported, health.created, "{health:?}");
    assert_eq!(
        received as u64, health.exported,
        "the collectors received every span"
    );
}

#[test]
#[ignore = "a measurement: about 40 s"]
fn measure_a_10_s_restart_at_1000_spans_per_second() {
    let outage = Duration::from_secs(10);
    for (rate, queue) in [(1000, None), (200, None), (1000, Some(12_000))] {
        let (h, received) = restart_at_rate(rate, outage, queue);
        println!(
            "{rate} spans/s, queue {}: created {}, exported {}, dropped {} ({:.1}%), failed {}, abandoned {}; the collector received {received}",
            queue.map_or("2048 (default)".to_owned(), |q| q.to_string()),
            h.created,
            h.exported,
            h.dropped,
            100.0 * h.dropped as f64 / h.created as f64,
            h.failed,
            h.abandoned
        );
    }
}
