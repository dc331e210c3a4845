//! Crux's batch processor: finished spans go into a bounded queue (a full queue drops
//! the span and counts it — the application never waits), a background thread exports
//! them in batches, retries a failed batch with backoff for a while (so a short outage
//! loses nothing), and counts every span's fate.

use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::task::{Poll, Wake, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What happened to the spans sent to one destination.
///
/// Every span handed to the destination is, at any moment, exactly one of exported,
/// dropped, failed or queued: `created == exported + dropped + failed + queued`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// Spans handed to the destination (finished and sampled).
    pub created: u64,
    /// Spans the destination accepted.
    pub exported: u64,
    /// Spans dropped because the queue was full.
    pub dropped: u64,
    /// Spans whose export failed for good (after retries).
    pub failed: u64,
    /// Spans waiting in the queue or being exported.
    pub queued: u64,
}

impl std::ops::Add for Health {
    type Output = Health;
    fn add(self, o: Health) -> Health {
        Health {
            created: self.created + o.created,
            exported: self.exported + o.exported,
            dropped: self.dropped + o.dropped,
            failed: self.failed + o.failed,
            queued: self.queued + o.queued,
        }
    }
}

/// A destination's counters. `created` and `dropped` change only in `on_end`, under the
/// queue's lock that it takes anyway, so the application's path pays no atomic for them;
/// the export thread adds to `exported` and `failed`.
pub(crate) struct Counters {
    shared: Arc<Shared>,
}

impl Counters {
    pub(crate) fn health(&self) -> Health {
        let counts = &self.shared;
        // Read the outcomes before `created`, so `queued` is never negative.
        let exported = counts.exported.load(Ordering::Acquire);
        let failed = counts.failed.load(Ordering::Acquire);
        let (created, dropped) = {
            let queue = counts.queue.lock().unwrap_or_else(PoisonError::into_inner);
            (queue.created, queue.dropped)
        };
        Health {
            created,
            exported,
            dropped,
            failed,
            queued: created.saturating_sub(exported + dropped + failed),
        }
    }
}

/// How a batch processor behaves.
#[derive(Clone, Debug)]
pub(crate) struct BatchSettings {
    pub max_queue_size: usize,
    pub max_batch_size: usize,
    pub scheduled_delay: Duration,
    /// How long an OTLP export may keep retrying before the batch counts as failed.
    pub retry_for: Duration,
}

impl Default for BatchSettings {
    fn default() -> Self {
        let env = |k: &str| {
            std::env::var(k)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
        };
        BatchSettings {
            max_queue_size: env("OTEL_BSP_MAX_QUEUE_SIZE")
                .map_or(2048, |v| v as usize)
                .max(1),
            max_batch_size: env("OTEL_BSP_MAX_EXPORT_BATCH_SIZE")
                .map_or(512, |v| v as usize)
                .max(1),
            scheduled_delay: Duration::from_millis(env("OTEL_BSP_SCHEDULE_DELAY").unwrap_or(5000)),
            retry_for: Duration::from_secs(10),
        }
    }
}

/// Runs an exporter's futures: directly on the export thread, or on a Tokio runtime for
/// exporters that need one (gRPC).
#[derive(Clone, Debug)]
pub(crate) enum Driver {
    Thread,
    #[cfg(feature = "grpc")]
    Tokio(tokio::runtime::Handle),
}

impl Driver {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Driver::Thread => block_on(future),
            #[cfg(feature = "grpc")]
            Driver::Tokio(handle) => handle.block_on(future),
        }
    }
}

/// A minimal executor: polls `future` on this thread, parking between wake-ups.
fn block_on<F: Future>(future: F) -> F::Output {
    struct ThreadWaker(std::thread::Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::park();
    }
}

/// The queue between the application's threads and the export thread.
#[derive(Default)]
struct Queue {
    /// A deque, so that taking a batch off the front of a long backlog (a slow
    /// collector, a shutdown) does not move everything behind it.
    spans: VecDeque<SpanData>,
    /// Spans handed to `on_end`, and those of them dropped (queue full or shut down).
    created: u64,
    dropped: u64,
    /// Bumped by each flush or shutdown request; the worker acknowledges by copying it.
    requested: u64,
    done: u64,
    shutdown: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the worker: a full batch, a flush, a shutdown.
    work: Condvar,
    /// Wakes whoever waits for a flush or shutdown to be done.
    done: Condvar,
    /// Spans the exporter accepted, or that failed for good.
    exported: AtomicU64,
    failed: AtomicU64,
    max_queue_size: usize,
    max_batch_size: usize,
}

/// A batch processor with counters; see the module documentation.
pub(crate) struct BatchProcessor {
    shared: Arc<Shared>,
    thread: Mutex<Option<JoinHandle<()>>>,
    name: String,
}

impl std::fmt::Debug for BatchProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchProcessor")
            .field("name", &self.name)
            .field("health", &self.counters().health())
            .finish_non_exhaustive()
    }
}

impl BatchProcessor {
    pub(crate) fn new<E: SpanExporter + 'static>(
        name: &str,
        exporter: E,
        settings: BatchSettings,
        driver: Driver,
    ) -> std::io::Result<(BatchProcessor, Counters)> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                spans: VecDeque::with_capacity(room_for(
                    settings.max_batch_size.min(settings.max_queue_size),
                )),
                ..Queue::default()
            }),
            work: Condvar::new(),
            done: Condvar::new(),
            exported: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            max_queue_size: settings.max_queue_size,
            max_batch_size: settings.max_batch_size.min(settings.max_queue_size),
        });
        let worker = Worker {
            exporter,
            delay: settings.scheduled_delay,
            driver,
            shared: shared.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("crux-export-{name}"))
            .spawn(move || worker.run())?;
        let processor = BatchProcessor {
            shared,
            thread: Mutex::new(Some(thread)),
            name: name.to_owned(),
        };
        let counters = processor.counters();
        Ok((processor, counters))
    }

    fn counters(&self) -> Counters {
        Counters {
            shared: self.shared.clone(),
        }
    }

    /// Asks the worker to export everything queued (and stop, for a shutdown), and
    /// waits until it has, or until `timeout`.
    fn request(&self, shutdown: bool, timeout: Duration) -> OTelSdkResult {
        let mut queue = self
            .shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if queue.shutdown {
            return Err(OTelSdkError::AlreadyShutdown);
        }
        queue.requested += 1;
        queue.shutdown |= shutdown;
        let ticket = queue.requested;
        self.shared.work.notify_one();
        let deadline = after(timeout);
        while queue.done < ticket {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(OTelSdkError::Timeout(timeout));
            }
            queue = self
                .shared
                .done
                .wait_timeout(queue, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        Ok(())
    }
}

impl SpanProcessor for BatchProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let mut queue = self
            .shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        queue.created += 1;
        if queue.shutdown || queue.spans.len() >= self.shared.max_queue_size {
            queue.dropped += 1;
            drop(queue);
            drop(span);
            return;
        }
        queue.spans.push_back(span);
        // Wake the worker once per batch, not once per span.
        if queue.spans.len() == self.shared.max_batch_size {
            self.shared.work.notify_one();
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.request(false, Duration::from_secs(30))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let result = self.request(true, timeout);
        if result.is_ok() {
            if let Some(thread) = self
                .thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                let _ = thread.join();
            }
        }
        result
    }
}

impl Drop for BatchProcessor {
    /// A processor dropped without a shutdown (an install that failed after it was
    /// built) still lets its thread end; it does not wait for it.
    fn drop(&mut self) {
        let mut queue = self
            .shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if !queue.shutdown {
            queue.shutdown = true;
            queue.requested += 1;
            self.shared.work.notify_one();
        }
    }
}

struct Worker<E> {
    exporter: E,
    delay: Duration,
    driver: Driver,
    shared: Arc<Shared>,
}

impl<E: SpanExporter> Worker<E> {
    fn run(self) {
        let shared = &self.shared;
        let mut deadline = after(self.delay);
        loop {
            let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            // Sleep until a batch is full, the timer fires, or someone asks.
            loop {
                let asked = queue.requested > queue.done;
                if asked || queue.spans.len() >= shared.max_batch_size {
                    break;
                }
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    break;
                }
                queue = shared
                    .work
                    .wait_timeout(queue, left)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0;
            }
            let asked = queue.requested;
            let drain_all = asked > queue.done;
            let stop = queue.shutdown;
            let batch = take_batch(&mut queue.spans, shared.max_batch_size);
            drop(queue);
            self.export(batch);
            if drain_all {
                // A flush or shutdown: export everything queued before acknowledging.
                loop {
                    let batch = {
                        let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
                        take_batch(&mut queue.spans, shared.max_batch_size)
                    };
                    if batch.is_empty() {
                        break;
                    }
                    self.export(batch);
                }
                if stop {
                    let _ = self.exporter.shutdown();
                }
                let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
                queue.done = asked;
                shared.done.notify_all();
                if stop {
                    return;
                }
            }
            deadline = after(self.delay);
        }
    }

    /// One export attempt (OTLP exporters retry inside, re-sending the encoded batch).
    fn export(&self, batch: Vec<SpanData>) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len() as u64;
        // A panicking exporter (a user callback) is contained and counted.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.driver.block_on(self.exporter.export(batch))
        }));
        let counter = match outcome {
            Ok(Ok(())) => &self.shared.exported,
            _ => &self.shared.failed,
        };
        counter.fetch_add(count, Ordering::AcqRel);
    }
}

/// The instant `wait` from now; a wait too long to represent (`Duration::MAX` as a
/// delay or a timeout) means "in a century", never a panic.
fn after(wait: Duration) -> Instant {
    let now = Instant::now();
    now.checked_add(wait)
        .or_else(|| now.checked_add(Duration::from_secs(100 * 365 * 24 * 3600)))
        .unwrap_or(now)
}

/// Room set aside for a batch: the batch size, but never a huge allocation up front for
/// a huge configured size (the queue still grows to it when it must).
fn room_for(batch: usize) -> usize {
    batch.min(4096)
}

/// Takes up to `max` spans from the front of the queue.
fn take_batch<T>(spans: &mut VecDeque<T>, max: usize) -> Vec<T> {
    if spans.is_empty() {
        Vec::new()
    } else if spans.len() <= max {
        // The whole queue becomes the batch, without a copy unless a partial take moved
        // its front, and the queue gets room for a whole batch, so the application's
        // pushes never reallocate it.
        Vec::from(std::mem::replace(
            spans,
            VecDeque::with_capacity(room_for(max)),
        ))
    } else {
        spans.drain(..max).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::take_batch;
    use std::collections::VecDeque;
    use std::time::{Duration, Instant};

    #[test]
    fn a_backlog_leaves_in_order_in_batches_of_at_most_max() {
        let mut queue: VecDeque<u32> = (0..1300).collect();
        let mut batches = Vec::new();
        loop {
            let batch = take_batch(&mut queue, 512);
            if batch.is_empty() {
                break;
            }
            batches.push(batch);
        }
        let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
        assert_eq!(sizes, [512, 512, 276]);
        let flat: Vec<u32> = batches.concat();
        assert_eq!(flat, (0..1300).collect::<Vec<_>>());
    }

    #[test]
    fn waits_too_long_to_represent_do_not_panic() {
        assert!(super::after(Duration::MAX) > Instant::now());
        assert_eq!(super::room_for(usize::MAX), 4096);
    }

    #[test]
    fn a_whole_take_leaves_room_for_a_batch() {
        let mut queue: VecDeque<u32> = (0..10).collect();
        assert_eq!(take_batch(&mut queue, 512), (0..10).collect::<Vec<_>>());
        assert!(queue.is_empty() && queue.capacity() >= 512);
        assert!(take_batch(&mut queue, 512).is_empty());
    }
}
