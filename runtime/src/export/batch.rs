//! Crux's batch processor: finished spans go into a bounded queue (a full queue drops
//! the span and counts it — the application never waits), a background thread makes
//! their attribute values safe and exports them in batches (OTLP exporters retry a failed
//! batch with backoff for a while, so a short outage loses nothing), and every span's
//! fate is counted. A destination that can make more exporters (OTLP) exports a
//! backlog several batches at a time, each exporter on one batch (the others on threads
//! that last as long as their export), so that a backlog does not wait for each round
//! trip in turn; its further exporters are made when a backlog first needs them. A flush
//! or shutdown has a deadline; what is left at a shutdown's deadline is abandoned,
//! counted and freed, and the thread is left to end on its own.

use super::env;
use super::limits::{ValueLimits, DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH};
use crate::core::lock;
use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::task::{Poll, Wake, Waker};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What happened to the spans sent to one destination.
///
/// Every span handed to the destination is, at any moment, exactly one of exported,
/// dropped, failed, abandoned or queued:
/// `created == exported + dropped + failed + abandoned + queued`, and `queued` is 0 once
/// the destination is shut down.
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
    /// Spans still queued or being exported when the shutdown deadline passed: given up
    /// so that the application can exit on time.
    pub abandoned: u64,
    /// Spans waiting in the queue or being exported.
    pub queued: u64,
}

impl Health {
    /// Spans created but not delivered: dropped, failed, abandoned or still queued.
    pub fn undelivered(&self) -> u64 {
        self.dropped + self.failed + self.abandoned + self.queued
    }
}

impl std::ops::Add for Health {
    type Output = Health;
    fn add(self, o: Health) -> Health {
        Health {
            created: self.created + o.created,
            exported: self.exported + o.exported,
            dropped: self.dropped + o.dropped,
            failed: self.failed + o.failed,
            abandoned: self.abandoned + o.abandoned,
            queued: self.queued + o.queued,
        }
    }
}

/// A destination's counters, and its end of a flush or shutdown: the guard asks every
/// destination at once, waits for all of them until one deadline, then abandons what is
/// left. Every count changes under the queue's lock, which `on_end` takes anyway, so the
/// application's path pays no atomic for them.
#[derive(Clone)]
pub(crate) struct Counters {
    shared: Arc<Shared>,
}

impl Counters {
    pub(crate) fn health(&self) -> Health {
        self.shared.lock().health()
    }

    /// Asks the worker to export everything queued (and to stop, for a shutdown) without
    /// waiting; returns the ticket [`Counters::wait`] waits for. Once a shutdown is asked
    /// for, every later request waits for it.
    pub(crate) fn request(&self, shutdown: bool) -> u64 {
        let mut queue = self.shared.lock();
        if !queue.shutdown {
            queue.requested += 1;
            queue.shutdown = shutdown;
            self.shared.work.notify_one();
        }
        queue.requested
    }

    /// Waits until the request `ticket` is done, or until `deadline`; whether it is done.
    pub(crate) fn wait(&self, ticket: u64, deadline: Instant) -> bool {
        let mut queue = self.shared.lock();
        while queue.done < ticket {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            queue = self
                .shared
                .done
                .wait_timeout(queue, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }

    /// Gives up on a destination that missed the shutdown deadline: what is still queued
    /// or being exported counts as abandoned (what is queued is freed now), and the
    /// worker's late results no longer count, so the counters add up from here on.
    pub(crate) fn abandon(&self) {
        let abandoned = {
            let mut queue = self.shared.lock();
            if queue.given_up || (queue.shutdown && queue.done >= queue.requested) {
                return;
            }
            let spans = std::mem::take(&mut queue.spans);
            queue.abandoned += spans.len() as u64 + queue.in_flight;
            queue.in_flight = 0;
            queue.given_up = true;
            queue.shutdown = true;
            queue.done = queue.requested;
            self.shared.done.notify_all();
            self.shared.work.notify_one();
            spans
        };
        // Freed outside the lock: the application's threads may be waiting for it.
        drop(abandoned);
    }
}

/// How a batch processor behaves, resolved at install from the builder, then the
/// environment, then the defaults.
#[derive(Clone, Debug)]
pub(crate) struct BatchSettings {
    pub max_queue_size: usize,
    pub max_batch_size: usize,
    pub scheduled_delay: Duration,
    /// How long an OTLP export may keep retrying before the batch counts as failed.
    pub retry_for: Duration,
    /// The most a flush or shutdown waits, across every destination together.
    pub shutdown_timeout: Duration,
    /// What attribute values may be, made safe on the export thread.
    pub limits: ValueLimits,
    /// The most batches a destination that can export several at once has in flight.
    pub max_concurrent_exports: usize,
}

/// What the builder set; anything `None` comes from the environment or the default.
#[derive(Clone, Debug, Default)]
pub(crate) struct BatchOptions {
    pub max_queue_size: Option<usize>,
    pub max_batch_size: Option<usize>,
    pub scheduled_delay: Option<Duration>,
    pub retry_for: Option<Duration>,
    pub shutdown_timeout: Option<Duration>,
    pub max_attribute_value_length: Option<usize>,
    pub max_concurrent_exports: Option<usize>,
}

/// How long a failed OTLP export is retried unless the builder says otherwise: longer
/// than a collector takes to restart.
pub(crate) const DEFAULT_RETRY_FOR: Duration = Duration::from_secs(30);

/// How many batches a destination that can export several at once (OTLP) has in flight
/// unless the builder or `OTEL_BSP_MAX_CONCURRENT_EXPORTS` says otherwise: a backlog
/// leaves without waiting on each round trip (the Collector's own exporters send from 10
/// consumers).
pub(crate) const DEFAULT_MAX_CONCURRENT_EXPORTS: usize = 4;

/// The shutdown deadline unless the builder or `CRUX_SHUTDOWN_TIMEOUT` says otherwise.
pub(crate) const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_secs(5);

impl BatchOptions {
    /// The settings: the builder's, else the variables' (which must parse), else defaults.
    pub(crate) fn resolve(&self) -> Result<BatchSettings, String> {
        let size = |given: Option<usize>, setter: &str, var: &str, default: usize| match given {
            Some(0) => Err(format!("{setter}(0): it must be at least 1")),
            Some(n) => Ok(n),
            None => Ok(env::number(var, 1)?.map_or(default, |n| n as usize)),
        };
        let max_attribute_value_length = match self.max_attribute_value_length {
            Some(n) => n,
            None => match env::first(&[
                "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
                "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
            ]) {
                Some((var, _)) => env::number(var, 0)?.map_or(usize::MAX, |n| n as usize),
                None => DEFAULT_MAX_ATTRIBUTE_VALUE_LENGTH,
            },
        };
        Ok(BatchSettings {
            max_queue_size: size(
                self.max_queue_size,
                "max_queue_size",
                "OTEL_BSP_MAX_QUEUE_SIZE",
                2048,
            )?,
            max_batch_size: size(
                self.max_batch_size,
                "max_export_batch_size",
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                512,
            )?,
            scheduled_delay: match self.scheduled_delay {
                Some(d) => d,
                None => {
                    env::millis("OTEL_BSP_SCHEDULE_DELAY", 0)?.unwrap_or(Duration::from_secs(5))
                }
            },
            retry_for: self.retry_for.unwrap_or(DEFAULT_RETRY_FOR),
            shutdown_timeout: match self.shutdown_timeout {
                Some(d) => d,
                None => {
                    env::millis("CRUX_SHUTDOWN_TIMEOUT", 0)?.unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT)
                }
            },
            limits: ValueLimits {
                max_value_length: max_attribute_value_length,
            },
            max_concurrent_exports: size(
                self.max_concurrent_exports,
                "max_concurrent_exports",
                "OTEL_BSP_MAX_CONCURRENT_EXPORTS",
                DEFAULT_MAX_CONCURRENT_EXPORTS,
            )?,
        })
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
    /// Runs `f` where the exporters' runtime, if any, is current (a gRPC exporter is
    /// built there).
    pub(crate) fn within<T>(&self, f: impl FnOnce() -> T) -> T {
        match self {
            Driver::Thread => f(),
            #[cfg(feature = "grpc")]
            Driver::Tokio(handle) => {
                let _entered = handle.enter();
                f()
            }
        }
    }

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

/// The queue between the application's threads and the export thread, with every count.
#[derive(Default)]
struct Queue {
    /// A deque, so that taking a batch off the front of a long backlog (a slow
    /// collector, a shutdown) does not move everything behind it.
    spans: VecDeque<SpanData>,
    /// Spans handed to `on_end`, and those of them dropped (queue full or shut down).
    created: u64,
    dropped: u64,
    /// Spans the exporter accepted, that failed for good, or that were given up at the
    /// shutdown deadline.
    exported: u64,
    failed: u64,
    abandoned: u64,
    /// Spans taken off the queue by the worker whose export has not returned yet.
    in_flight: u64,
    /// Bumped by each flush or shutdown request; the worker acknowledges by copying it.
    requested: u64,
    done: u64,
    shutdown: bool,
    /// The shutdown deadline passed: the worker stops, its late results do not count.
    given_up: bool,
}

impl Queue {
    fn health(&self) -> Health {
        Health {
            created: self.created,
            exported: self.exported,
            dropped: self.dropped,
            failed: self.failed,
            abandoned: self.abandoned,
            // Never negative: each span is counted once, under this lock.
            queued: self
                .created
                .saturating_sub(self.exported + self.dropped + self.failed + self.abandoned),
        }
    }

    /// Takes the next batches for export, at most `most` of at most `max` spans each (one,
    /// maybe empty, when little is queued); they count as in flight until their exports
    /// return.
    fn take_batches(&mut self, max: usize, most: usize) -> Vec<Vec<SpanData>> {
        let mut batches = vec![take_batch(&mut self.spans, max)];
        while batches.len() < most && !self.spans.is_empty() {
            batches.push(take_batch(&mut self.spans, max));
        }
        self.in_flight += batches.iter().map(|b| b.len() as u64).sum::<u64>();
        batches
    }
}

struct Shared {
    queue: Mutex<Queue>,
    /// Wakes the worker: a full batch, a flush, a shutdown.
    work: Condvar,
    /// Wakes whoever waits for a flush or shutdown to be done.
    done: Condvar,
    max_queue_size: usize,
    max_batch_size: usize,
}

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        lock(&self.queue)
    }
}

/// A batch processor with counters; see the module documentation.
pub(crate) struct BatchProcessor {
    counters: Counters,
    thread: Mutex<Option<JoinHandle<()>>>,
    name: String,
    /// How long `force_flush` and `shutdown` called through the provider may wait.
    wait_limit: Duration,
}

impl std::fmt::Debug for BatchProcessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchProcessor")
            .field("name", &self.name)
            .field("health", &self.counters.health())
            .finish_non_exhaustive()
    }
}

impl BatchProcessor {
    /// A processor exporting through `exporter`, and through as many as `more` makes
    /// when a backlog needs them (up to `settings.max_concurrent_exports` in all): as
    /// many batches at once as there are exporters, each exporter on one batch at a time
    /// (the `SpanExporter` contract: never two exports at once on one exporter).
    pub(crate) fn new<E: SpanExporter + 'static>(
        name: &str,
        exporter: E,
        more: Option<MoreExporters<E>>,
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
            max_queue_size: settings.max_queue_size,
            max_batch_size: settings.max_batch_size.min(settings.max_queue_size),
        });
        let worker = Worker {
            exporters: vec![exporter],
            more,
            most: settings.max_concurrent_exports,
            delay: settings.scheduled_delay,
            driver,
            limits: settings.limits,
            shared: shared.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("crux-export-{name}"))
            .spawn(move || worker.run())?;
        let counters = Counters { shared };
        let processor = BatchProcessor {
            counters: counters.clone(),
            thread: Mutex::new(Some(thread)),
            name: name.to_owned(),
            wait_limit: settings.shutdown_timeout,
        };
        Ok((processor, counters))
    }

    fn request(&self, shutdown: bool, timeout: Duration) -> OTelSdkResult {
        let ticket = self.counters.request(shutdown);
        if self.counters.wait(ticket, after(timeout)) {
            Ok(())
        } else {
            Err(OTelSdkError::Timeout(timeout))
        }
    }
}

impl SpanProcessor for BatchProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        let shared = &self.counters.shared;
        let mut queue = shared.lock();
        queue.created += 1;
        if queue.shutdown || queue.spans.len() >= shared.max_queue_size {
            queue.dropped += 1;
            drop(queue);
            drop(span);
            return;
        }
        queue.spans.push_back(span);
        // Wake the worker once per batch, not once per span.
        if queue.spans.len() == shared.max_batch_size {
            shared.work.notify_one();
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.request(false, self.wait_limit)
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.request(true, timeout.min(self.wait_limit))?;
        // Done: the worker has returned or is returning, unless it was given up on (then
        // it may be stuck in an export, and nobody waits for it).
        if !self.counters.shared.lock().given_up {
            if let Some(thread) = self
                .thread
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take()
            {
                let _ = thread.join();
            }
        }
        Ok(())
    }
}

impl Drop for BatchProcessor {
    /// A processor dropped without a shutdown (an install that failed after it was
    /// built) still lets its thread end; it does not wait for it.
    fn drop(&mut self) {
        self.counters.request(true);
    }
}

/// Makes one more exporter like a destination's first (an `Err` says why it could not).
pub(crate) type MoreExporters<E> = Box<dyn FnMut() -> Result<E, String> + Send>;

struct Worker<E> {
    /// One export at a time on each.
    exporters: Vec<E>,
    /// `None` once it failed, or for a destination that has only one exporter.
    more: Option<MoreExporters<E>>,
    /// The most exporters there may be.
    most: usize,
    delay: Duration,
    driver: Driver,
    limits: ValueLimits,
    shared: Arc<Shared>,
}

impl<E: SpanExporter> Worker<E> {
    fn run(mut self) {
        let shared = &self.shared.clone();
        let mut deadline = after(self.delay);
        loop {
            let mut queue = shared.lock();
            // Sleep until a batch is full, the timer fires, or someone asks.
            loop {
                if queue.given_up {
                    return;
                }
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
            drop(queue);
            let Some(batches) = self.take() else {
                return;
            };
            if !self.export(batches) {
                return;
            }
            if drain_all {
                // A flush or shutdown: export everything queued before acknowledging.
                loop {
                    let Some(batches) = self.take() else {
                        return;
                    };
                    if batches[0].is_empty() {
                        break;
                    }
                    if !self.export(batches) {
                        return;
                    }
                }
                // Exporters that hold spans back (the console's incomplete traces) let
                // them go too.
                for exporter in &self.exporters {
                    // Contained: one exporter's panic must not skip the others.
                    let _ = contain(|| {
                        if stop {
                            exporter.shutdown()
                        } else {
                            exporter.force_flush()
                        }
                    });
                }
                let mut queue = shared.lock();
                if queue.given_up {
                    return;
                }
                queue.done = asked;
                shared.done.notify_all();
                if stop {
                    return;
                }
            }
            deadline = after(self.delay);
        }
    }

    /// Takes the next batches, one for each exporter, after making more exporters if the
    /// backlog holds more batches than there are (they are kept for the next backlog);
    /// `None` once the destination was given up on. A factory that fails is not asked
    /// again: the first exporter's configuration was checked at install, so only the
    /// system (threads, sockets) can fail it, and the exporters made so far go on.
    fn take(&mut self) -> Option<Vec<Vec<SpanData>>> {
        let batch = self.shared.max_batch_size;
        let backlog = self.shared.lock().spans.len().div_ceil(batch);
        while self.exporters.len() < backlog.min(self.most) {
            let Some(more) = &mut self.more else { break };
            // A failure (or a panic) leaves the destination with the exporters it has.
            match contain(more) {
                Some(Ok(exporter)) => self.exporters.push(exporter),
                _ => self.more = None,
            }
        }
        let mut queue = self.shared.lock();
        if queue.given_up {
            return None;
        }
        Some(queue.take_batches(batch, self.exporters.len()))
    }

    /// Exports `batches` at once, each through its own exporter (OTLP exporters retry
    /// inside, re-sending the encoded batch), and counts each; `false` once the
    /// destination was given up on at the shutdown deadline.
    fn export(&self, batches: Vec<Vec<SpanData>>) -> bool {
        let mut jobs = Vec::with_capacity(batches.len());
        // One batch per exporter: `take` takes no more batches than there are exporters.
        for (batch, exporter) in batches.into_iter().zip(&self.exporters) {
            if batch.is_empty() {
                continue;
            }
            jobs.push(Mutex::new(Job {
                spans: batch.len() as u64,
                batch: Some(batch),
                exporter,
                exported: false,
            }));
        }
        if jobs.is_empty() {
            return true;
        }
        let (driver, limits) = (&self.driver, &self.limits);
        std::thread::scope(|scope| {
            // The first on this thread, the others on threads of their own while it runs.
            for job in &jobs[1..] {
                let _ = std::thread::Builder::new()
                    .name("crux-export".into())
                    .spawn_scoped(scope, || lock(job).run(driver, limits));
            }
            lock(&jobs[0]).run(driver, limits);
        });
        // Any whose thread could not start.
        for job in &jobs {
            lock(job).run(driver, limits);
        }
        let mut queue = self.shared.lock();
        if queue.given_up {
            return false; // already counted as abandoned
        }
        for job in &jobs {
            let job = lock(job);
            queue.in_flight = queue.in_flight.saturating_sub(job.spans);
            match job.exported {
                true => queue.exported += job.spans,
                false => queue.failed += job.spans,
            }
        }
        true
    }
}

/// One batch for one exporter.
struct Job<'a, E> {
    spans: u64,
    /// `None` once exported.
    batch: Option<Vec<SpanData>>,
    exporter: &'a E,
    /// Whether the exporter accepted the batch.
    exported: bool,
}

impl<E: SpanExporter> Job<'_, E> {
    /// Readies the batch's spans and exports them, unless that was done.
    fn run(&mut self, driver: &Driver, limits: &ValueLimits) {
        if let Some(mut batch) = self.batch.take() {
            for span in &mut batch {
                super::ready(span, limits);
            }
            // A panicking exporter (a user callback) is contained and counted as failed.
            let exporter = self.exporter;
            let outcome = contain(|| driver.block_on(exporter.export(batch)));
            self.exported = matches!(outcome, Some(Ok(())));
        }
    }
}

/// Runs `f`, containing a panic (`None`): an exporter is the application's code.
fn contain<T>(f: impl FnOnce() -> T) -> Option<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// The instant `wait` from now; a wait too long to represent (`Duration::MAX` as a
/// delay or a timeout) means "in a century", never a panic.
pub(crate) fn after(wait: Duration) -> Instant {
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
    use super::*;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// Counts exports in flight (across every exporter and on each) and spans exported.
    #[derive(Debug, Default)]
    struct Tally {
        /// Exports in flight, and the most there were at once.
        in_flight: Mutex<(usize, usize)>,
        changed: Condvar,
        /// Set if an exporter was ever given a second export before its first returned.
        overlapped: AtomicBool,
        exported: AtomicUsize,
        /// `force_flush` and `shutdown` calls, over every exporter.
        flushes: AtomicUsize,
        shutdowns: AtomicUsize,
    }

    impl Tally {
        fn most_in_flight(&self) -> usize {
            lock(&self.in_flight).1
        }
    }

    /// An exporter whose export waits, as one waiting on a collector's answer, until
    /// `together` exports were in flight at once (10 s at most: a processor exporting
    /// one at a time fails the test instead of hanging it); `panics` makes its export
    /// panic after the wait.
    #[derive(Debug)]
    struct Probe {
        tally: Arc<Tally>,
        together: usize,
        busy: AtomicBool,
        panics: bool,
    }

    impl Probe {
        fn new(tally: &Arc<Tally>, together: usize, panics: bool) -> Probe {
            Probe {
                tally: tally.clone(),
                together,
                busy: AtomicBool::new(false),
                panics,
            }
        }
    }

    impl SpanExporter for Probe {
        async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
            if self.busy.swap(true, Ordering::SeqCst) {
                self.tally.overlapped.store(true, Ordering::SeqCst);
            }
            {
                let mut counts = lock(&self.tally.in_flight);
                counts.0 += 1;
                counts.1 = counts.1.max(counts.0);
                self.tally.changed.notify_all();
                let deadline = Instant::now() + Duration::from_secs(10);
                while counts.1 < self.together && Instant::now() < deadline {
                    counts = self
                        .tally
                        .changed
                        .wait_timeout(counts, Duration::from_millis(50))
                        .unwrap()
                        .0;
                }
                counts.0 -= 1;
            }
            self.busy.store(false, Ordering::SeqCst);
            assert!(!self.panics, "an exporter that panics");
            self.tally.exported.fetch_add(batch.len(), Ordering::SeqCst);
            Ok(())
        }

        fn force_flush(&self) -> OTelSdkResult {
            self.tally.flushes.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }

        fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
            self.tally.shutdowns.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    /// Queues `spans` spans at once in a processor exporting through `first` and up to
    /// `most` exporters in all, further ones from `more`, in batches of 10; flushes it
    /// and returns its counts. (Ended one by one, the first ten would wake the worker
    /// while the others are still coming: it could find any backlog.)
    fn flushed(
        first: Probe,
        more: Option<MoreExporters<Probe>>,
        most: usize,
        spans: usize,
    ) -> Health {
        let (processor, counters) = queued(first, more, most, spans);
        processor.force_flush().unwrap();
        let health = counters.health();
        processor.shutdown().unwrap();
        health
    }

    /// A processor as [`flushed`] describes, with `spans` spans queued and nothing asked.
    fn queued(
        first: Probe,
        more: Option<MoreExporters<Probe>>,
        most: usize,
        spans: usize,
    ) -> (BatchProcessor, Counters) {
        let settings = BatchSettings {
            max_queue_size: 1000,
            max_batch_size: 10,
            scheduled_delay: Duration::from_secs(3600),
            retry_for: Duration::ZERO,
            shutdown_timeout: Duration::from_secs(30),
            limits: ValueLimits::default(),
            max_concurrent_exports: most,
        };
        let (processor, counters) =
            BatchProcessor::new("probe", first, more, settings, Driver::Thread).unwrap();
        {
            let mut queue = counters.shared.lock();
            for _ in 0..spans {
                let span = crate::export::test_span(Vec::new(), Default::default());
                queue.spans.push_back(span);
            }
            queue.created += spans as u64;
        }
        (processor, counters)
    }

    /// Makes probes like `Probe::new(tally, together, panics)`, counting them in `made`.
    fn more_probes(
        tally: &Arc<Tally>,
        together: usize,
        panics: bool,
        made: &Arc<AtomicUsize>,
    ) -> Option<MoreExporters<Probe>> {
        let (tally, made) = (tally.clone(), made.clone());
        Some(Box::new(move || {
            made.fetch_add(1, Ordering::SeqCst);
            Ok(Probe::new(&tally, together, panics))
        }))
    }

    #[test]
    fn a_backlog_leaves_as_many_batches_at_once_as_exporters_may_be_each_on_one() {
        for most in [1, 3] {
            let (tally, made) = (Arc::new(Tally::default()), Arc::new(AtomicUsize::new(0)));
            let first = Probe::new(&tally, most, false);
            let health = flushed(first, more_probes(&tally, most, false, &made), most, 60);
            assert_eq!(tally.most_in_flight(), most);
            assert_eq!(made.load(Ordering::SeqCst), most - 1, "exporters made");
            assert!(
                !tally.overlapped.load(Ordering::SeqCst),
                "two exports on one exporter"
            );
            assert_eq!(tally.exported.load(Ordering::SeqCst), 60);
            assert_eq!((health.exported, health.failed, health.queued), (60, 0, 0));
            // Every exporter, not only the first, is flushed and shut down, once.
            assert_eq!(tally.flushes.load(Ordering::SeqCst), most);
            assert_eq!(tally.shutdowns.load(Ordering::SeqCst), most);
        }
    }

    #[test]
    fn no_further_exporter_is_made_until_a_backlog_needs_one() {
        let (tally, made) = (Arc::new(Tally::default()), Arc::new(AtomicUsize::new(0)));
        let first = Probe::new(&tally, 1, false);
        let health = flushed(first, more_probes(&tally, 1, false, &made), 3, 10);
        assert_eq!(made.load(Ordering::SeqCst), 0);
        assert_eq!((health.exported, health.failed, health.queued), (10, 0, 0));
    }

    #[test]
    fn a_destination_that_cannot_make_more_exporters_goes_on_with_its_own() {
        let (tally, asked) = (Arc::new(Tally::default()), Arc::new(AtomicUsize::new(0)));
        let counted = asked.clone();
        let failing: MoreExporters<Probe> = Box::new(move || {
            counted.fetch_add(1, Ordering::SeqCst);
            Err("no more".into())
        });
        let health = flushed(Probe::new(&tally, 1, false), Some(failing), 3, 30);
        assert_eq!(
            asked.load(Ordering::SeqCst),
            1,
            "asked once, then not again"
        );
        assert_eq!(tally.most_in_flight(), 1);
        assert_eq!((health.exported, health.failed, health.queued), (30, 0, 0));
        let panicking: MoreExporters<Probe> = Box::new(|| panic!("a factory that panics"));
        let health = flushed(Probe::new(&tally, 1, false), Some(panicking), 3, 30);
        assert_eq!((health.exported, health.failed, health.queued), (30, 0, 0));
    }

    #[test]
    fn batches_in_flight_at_a_missed_deadline_are_all_abandoned() {
        let (tally, made) = (Arc::new(Tally::default()), Arc::new(AtomicUsize::new(0)));
        // Each export waits (10 s at most) for a third that never comes.
        let first = Probe::new(&tally, 3, false);
        let more = more_probes(&tally, 3, false, &made);
        let (processor, counters) = queued(first, more, 2, 25);
        assert!(processor
            .shutdown_with_timeout(Duration::from_millis(200))
            .is_err());
        let deadline = Instant::now() + Duration::from_secs(5);
        while tally.most_in_flight() < 2 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(tally.most_in_flight(), 2, "two batches in flight");
        counters.abandon();
        let health = counters.health();
        // Two batches in flight and five spans queued: all abandoned, none left queued.
        assert_eq!(
            (health.abandoned, health.queued, health.exported),
            (25, 0, 0)
        );
    }

    #[test]
    fn an_export_that_panics_fails_its_own_batch_only() {
        let (tally, made) = (Arc::new(Tally::default()), Arc::new(AtomicUsize::new(0)));
        let first = Probe::new(&tally, 2, false);
        let health = flushed(first, more_probes(&tally, 2, true, &made), 2, 20);
        assert_eq!(tally.most_in_flight(), 2);
        assert_eq!((health.exported, health.failed, health.queued), (10, 10, 0));
    }

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
