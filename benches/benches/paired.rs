//! The project's two overhead targets, measured by interleaving instead of one contender
//! after the other.
//!
//! `overhead.rs` (criterion) runs each contender for seconds, one after the other; on a
//! shared 2-core machine the load changes between them and moves the ratios by tens of
//! percent. Here the contenders take turns in short blocks (4 096 instrumented calls,
//! 65 536 plain ones), in a new random order each round (in a fixed one, each contender
//! would always follow the same one and take on what its background threads left
//! running), for many rounds; each round gives one ratio
//! per pair measured moments apart, and the median of those ratios is robust to load
//! drifting during the run.
//!
//! Targets (issue 17): telemetry off costs at most 2 ns over the plain call; telemetry on
//! at most 0.4x the raw SDK span with the same attributes (`crux_on`, crux as shipped:
//! its recorder and batch processor; `crux_on_sdk_batch` records through the SDK's tracer
//! and batch processor, as with an application processor installed); two threads make
//! at least 1.7x the spans per second of one (`*_two_threads`: the same calls split over
//! two threads started together, wall time). Beside them, the same split of plain work
//! taking as long as a crux call (`busy_work*`, nothing shared, no telemetry): how much
//! two threads gain on this machine at all, in the same run.
//!
//! `cargo bench -p crux-benches --bench paired [-- ROUNDS]` (default 1000 rounds, about a
//! minute); without `--bench` (`cargo test --benches`) it runs 2 rounds as a smoke test.

use crux_benches::{
    batch_processor, batch_provider, new_call_id, tool_attributes, NoopExporter, QUEUE,
};
use opentelemetry::trace::{SpanKind, Tracer as _, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracer;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

crux_benches::function_under_test!();

/// Calls per block for contenders that make spans (well under the queue size, so a
/// block never drops one) and for those that do not.
const SPAN_BLOCK: u64 = 4096;
const PLAIN_BLOCK: u64 = 65_536;

#[inline(never)]
fn add_raw(tracer: &SdkTracer) -> u64 {
    let span = tracer
        .span_builder("crux.tool.add")
        .with_kind(SpanKind::Internal)
        .with_attributes(tool_attributes("add", new_call_id()));
    crux_benches::raw_tool_call(tracer, span, || add(black_box(A), black_box(B)))
}

/// Times `n` calls of `call`.
fn time(n: u64, mut call: impl FnMut() -> u64) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        black_box(call());
    }
    start.elapsed()
}

/// Times `n` calls of `call` split over two threads started together: with no shared
/// state on the hot path, two threads take about half the time of one. The time runs
/// from the first thread's start to the last one's end, each read by the threads
/// themselves (a clock read by the spawning thread after the barrier could come late,
/// when the workers already ran: on two cores three threads wait for one). The threads
/// wait for each other spinning, not sleeping: a thread woken from a sleep may be queued
/// behind the thread that woke it, on its core, while the other core idles.
fn time_two_threads(n: u64, call: impl Fn() -> u64 + Sync) -> Duration {
    let arrived = AtomicU64::new(0);
    let spans: Vec<(Instant, Instant)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    arrived.fetch_add(1, Ordering::SeqCst);
                    while arrived.load(Ordering::SeqCst) < 2 {
                        std::hint::spin_loop();
                    }
                    let began = Instant::now();
                    for _ in 0..n / 2 {
                        black_box(call());
                    }
                    (began, Instant::now())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a bench thread"))
            .collect()
    });
    let began = spans.iter().map(|s| s.0).min().expect("two threads");
    let ended = spans.iter().map(|s| s.1).max().expect("two threads");
    ended - began
}

/// Iterations of [`busy`] that take about as long as a crux call (set once, at start).
static BUSY_ROUNDS: AtomicU64 = AtomicU64::new(1);

/// Work that shares nothing and allocates nothing, as long as a crux call.
#[inline(never)]
fn busy() -> u64 {
    let mut x = black_box(A);
    for i in 0..BUSY_ROUNDS.load(Ordering::Relaxed) {
        x = x.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(7) ^ i;
    }
    x
}

/// Sets [`busy`]'s length to a crux call's, each timed over a few blocks (the faster of
/// them, which the machine's load stretched least).
fn calibrate_busy() {
    let crux = (0..5)
        .map(|_| crux_block(SPAN_BLOCK, false, false).as_nanos() as f64)
        .fold(f64::MAX, f64::min)
        / SPAN_BLOCK as f64;
    BUSY_ROUNDS.store(1000, Ordering::Relaxed);
    let per_round = (0..5)
        .map(|_| time(SPAN_BLOCK, busy).as_nanos() as f64)
        .fold(f64::MAX, f64::min)
        / SPAN_BLOCK as f64
        / 1000.0;
    BUSY_ROUNDS.store((crux / per_round).max(1.0) as u64, Ordering::Relaxed);
}

/// A crux block: installs crux (untimed), times `n` calls (on one thread, or split over
/// two), shuts down (untimed, which exports everything) and checks that every span was
/// exported.
fn crux_block(n: u64, sdk_batch: bool, two_threads: bool) -> Duration {
    let exporter = NoopExporter::new();
    let builder = crux::Telemetry::builder().max_queue_size(QUEUE);
    let builder = if sdk_batch {
        builder.processor(batch_processor(exporter.clone()))
    } else {
        builder.exporter(exporter.clone())
    };
    let guard = builder.install().expect("crux telemetry installs");
    // A round trip to the new export thread, so its start-up is not timed.
    guard.force_flush().expect("crux flushes");
    let elapsed = match two_threads {
        true => time_two_threads(n, || add_crux(black_box(A), black_box(B))),
        false => time(n, || add_crux(black_box(A), black_box(B))),
    };
    let report = guard.shutdown();
    assert!(report.is_complete(), "crux shuts down: {report}");
    assert_eq!(exporter.exported(), n, "every span must be exported");
    elapsed
}

const NAMES: [&str; 9] = [
    "plain",
    "crux_off",
    "crux_on",
    "crux_on_sdk_batch",
    "raw_sdk_same_attrs",
    "crux_on_two_threads",
    "raw_sdk_two_threads",
    "busy_work",
    "busy_work_two_threads",
];
const PLAIN: usize = 0;
const OFF: usize = 1;
const RAW: usize = 4;
const BUSY: usize = 7;

/// Puts `order` in a random order (Fisher-Yates, from the xorshift generator `state`;
/// fixed seed, so runs are alike).
fn shuffle(order: &mut [usize], state: &mut u64) {
    for i in (1..order.len()).rev() {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        order.swap(i, (*state % (i as u64 + 1)) as usize);
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// The middle half of `v`, as "low – high".
fn iqr(mut v: Vec<f64>, digits: usize) -> String {
    v.sort_by(f64::total_cmp);
    let (lo, hi) = (v[v.len() / 4], v[(v.len() * 3) / 4]);
    format!("{lo:.digits$} – {hi:.digits$}")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bench = args.iter().any(|a| a == "--bench");
    let rounds = match args.iter().find_map(|a| a.parse::<usize>().ok()) {
        Some(r) => r.max(1),
        None if bench => 1000,
        None => 2,
    };

    calibrate_busy();
    let raw_exporter = NoopExporter::new();
    let provider = batch_provider(raw_exporter.clone());
    let tracer = provider.tracer("crux-benches");
    let mut raw_calls = 0;

    // ns per call, per contender, per round.
    let mut ns: Vec<Vec<f64>> = vec![Vec::with_capacity(rounds); NAMES.len()];
    let mut order: Vec<usize> = (0..NAMES.len()).collect();
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    for _ in 0..rounds {
        shuffle(&mut order, &mut state);
        for &which in &order {
            let n = if which <= OFF {
                PLAIN_BLOCK
            } else {
                SPAN_BLOCK
            };
            let elapsed = match which {
                PLAIN => time(n, || add(black_box(A), black_box(B))),
                OFF => {
                    crux::set_enabled(false);
                    let elapsed = time(n, || add_crux(black_box(A), black_box(B)));
                    crux::set_enabled(true);
                    elapsed
                }
                2 => crux_block(n, false, false),
                3 => crux_block(n, true, false),
                5 => crux_block(n, false, true),
                BUSY => time(n, busy),
                8 => time_two_threads(n, busy),
                _ => {
                    raw_calls += n;
                    let elapsed = match which {
                        RAW => time(n, || add_raw(&tracer)),
                        _ => time_two_threads(n, || add_raw(&tracer)),
                    };
                    provider.force_flush().expect("the pipeline flushes");
                    elapsed
                }
            };
            ns[which].push(elapsed.as_nanos() as f64 / n as f64);
        }
    }
    provider.shutdown().expect("provider shuts down");
    assert_eq!(
        raw_exporter.exported(),
        raw_calls,
        "every raw span must be exported"
    );

    println!("### paired ({rounds} rounds, ratios and differences taken within each round)\n");
    if !bench {
        println!("_smoke test (`cargo test`): too few rounds, maybe unoptimised; the numbers mean nothing_\n");
    }
    println!("| contender | median ns/call | middle half | median paired ratio to plain | median paired ratio to raw SDK (same attrs) |");
    println!("|---|---:|---:|---:|---:|");
    let paired = |i: usize, base: usize| -> Vec<f64> {
        ns[i].iter().zip(&ns[base]).map(|(a, b)| a / b).collect()
    };
    for (i, name) in NAMES.iter().enumerate() {
        println!(
            "| {name} | {:.2} | {} | {:.2}x | {:.3}x |",
            median(ns[i].clone()),
            iqr(ns[i].clone(), 2),
            median(paired(i, PLAIN)),
            median(paired(i, RAW)),
        );
    }
    let off: Vec<f64> = ns[OFF].iter().zip(&ns[PLAIN]).map(|(a, b)| a - b).collect();
    let off_median = median(off.clone());
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    println!();
    println!(
        "- telemetry off: {off_median:+.2} ns over plain (middle half {}; target <= 2 ns): **{}**",
        iqr(off, 2),
        verdict(off_median <= 2.0)
    );
    for (i, how) in [
        (3, "through the SDK's tracer and batch processor"),
        (2, "as shipped: crux's recorder and batch processor"),
    ] {
        let r = median(paired(i, RAW));
        println!(
            "- telemetry on (`{}`, {how}): {r:.3}x raw SDK (middle half {}; target <= 0.4x): **{}**",
            NAMES[i],
            iqr(paired(i, RAW), 3),
            verdict(r <= 0.4)
        );
    }
    // Spans per second with two threads over one: the one-thread time per call over the
    // two-thread wall time per call, paired within each round.
    let scaling = |two: usize, one: usize| -> Vec<f64> {
        ns[one].iter().zip(&ns[two]).map(|(a, b)| a / b).collect()
    };
    for (two, one, who) in [(5, 2, "crux as shipped"), (6, RAW, "raw SDK")] {
        let s = median(scaling(two, one));
        println!(
            "- two threads, {who}: {s:.2}x the spans/s of one (middle half {}; target >= 1.7x): **{}**",
            iqr(scaling(two, one), 2),
            verdict(s >= 1.7)
        );
    }
    println!(
        "- two threads, plain work as long as a crux call: {:.2}x the calls/s of one (middle half {}): what two threads gain on this machine in this run",
        median(scaling(8, BUSY)),
        iqr(scaling(8, BUSY), 2),
    );
}
