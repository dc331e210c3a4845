//! Crux's batch processor: finished spans go into a bounded queue (a full queue drops
//! the span and counts it — the application never waits), a background thread exports
//! them in batches, retries a failed batch with backoff for a while (so a short outage
//! loses nothing), and counts every span's fate.

use opentelemetry::Context;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{Span, SpanData, SpanExporter, SpanProcessor};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
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

#[derive(Debug, Default)]
pub(crate) struct Counters {
    created: AtomicU64,
    exported: AtomicU64,
    dropped: AtomicU64,
    failed: AtomicU64,
}

impl Counters {
    pub(crate) fn health(&self) -> Health {
        // Read the outcomes before `created`, so `queued` is never negative.
        let exported = self.exported.load(Ordering::Acquire);
        let dropped = self.dropped.load(Ordering::Acquire);
        let failed = self.failed.load(Ordering::Acquire);
        let created = self.created.load(Ordering::Acquire);
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
    /// How long a failed batch is retried before it counts as failed.
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
    #[cfg(feature = "tokio")]
    Tokio(tokio::runtime::Handle),
}

impl Driver {
    fn block_on<F: Future>(&self, future: F) -> F::Output {
        match self {
            Driver::Thread => block_on(future),
            #[cfg(feature = "tokio")]
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

enum Message {
    Span(Box<SpanData>),
    Flush(SyncSender<()>),
    Shutdown(SyncSender<()>),
}

/// A batch processor with counters; see the module documentation.
pub(crate) struct BatchProcessor {
    sender: SyncSender<Message>,
    counters: Arc<Counters>,
    thread: Mutex<Option<JoinHandle<()>>>,
    name: String,
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
    pub(crate) fn new<E: SpanExporter + 'static>(
        name: &str,
        exporter: E,
        settings: BatchSettings,
        driver: Driver,
    ) -> (BatchProcessor, Arc<Counters>) {
        let (sender, receiver) = sync_channel(settings.max_queue_size);
        let counters = Arc::new(Counters::default());
        let worker = Worker {
            exporter,
            settings,
            driver,
            counters: counters.clone(),
        };
        let thread = std::thread::Builder::new()
            .name(format!("crux-export-{name}"))
            .spawn(move || worker.run(&receiver))
            .expect("spawn the export thread");
        let processor = BatchProcessor {
            sender,
            counters: counters.clone(),
            thread: Mutex::new(Some(thread)),
            name: name.to_owned(),
        };
        (processor, counters)
    }

    fn control(
        &self,
        make: impl FnOnce(SyncSender<()>) -> Message,
        timeout: Duration,
    ) -> OTelSdkResult {
        let (ack, done) = sync_channel(1);
        self.sender
            .send(make(ack))
            .map_err(|_| OTelSdkError::AlreadyShutdown)?;
        done.recv_timeout(timeout)
            .map_err(|_| OTelSdkError::Timeout(timeout))
    }
}

impl SpanProcessor for BatchProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, span: SpanData) {
        if !span.span_context.is_sampled() {
            return;
        }
        self.counters.created.fetch_add(1, Ordering::AcqRel);
        match self.sender.try_send(Message::Span(Box::new(span))) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.counters.dropped.fetch_add(1, Ordering::AcqRel);
            }
        }
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.control(Message::Flush, Duration::from_secs(30))
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        let result = self.control(Message::Shutdown, timeout);
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

struct Worker<E> {
    exporter: E,
    settings: BatchSettings,
    driver: Driver,
    counters: Arc<Counters>,
}

impl<E: SpanExporter> Worker<E> {
    fn run(mut self, receiver: &Receiver<Message>) {
        let mut batch: Vec<SpanData> = Vec::with_capacity(self.settings.max_batch_size);
        let mut deadline = Instant::now() + self.settings.scheduled_delay;
        loop {
            let wait = deadline.saturating_duration_since(Instant::now());
            match receiver.recv_timeout(wait) {
                Ok(Message::Span(span)) => {
                    batch.push(*span);
                    if batch.len() >= self.settings.max_batch_size {
                        self.export(&mut batch, None);
                        deadline = Instant::now() + self.settings.scheduled_delay;
                    }
                }
                Ok(Message::Flush(ack)) => {
                    self.drain(receiver, &mut batch);
                    let _ = ack.send(());
                }
                Ok(Message::Shutdown(ack)) => {
                    self.drain(receiver, &mut batch);
                    let _ = self.exporter.shutdown();
                    let _ = ack.send(());
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.export(&mut batch, None);
                    deadline = Instant::now() + self.settings.scheduled_delay;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.drain(receiver, &mut batch);
                    return;
                }
            }
        }
    }

    /// Exports everything queued, with a bounded retry budget.
    fn drain(&mut self, receiver: &Receiver<Message>, batch: &mut Vec<SpanData>) {
        let until = Instant::now() + self.settings.retry_for.min(Duration::from_secs(5));
        loop {
            while batch.len() < self.settings.max_batch_size {
                match receiver.try_recv() {
                    Ok(Message::Span(span)) => batch.push(*span),
                    Ok(Message::Flush(ack) | Message::Shutdown(ack)) => {
                        let _ = ack.send(());
                    }
                    Err(_) => break,
                }
            }
            if batch.is_empty() {
                return;
            }
            self.export(batch, Some(until));
        }
    }

    /// Exports `batch`, retrying with backoff until `until` (or the retry budget).
    fn export(&mut self, batch: &mut Vec<SpanData>, until: Option<Instant>) {
        if batch.is_empty() {
            return;
        }
        let count = batch.len() as u64;
        let give_up = until.unwrap_or_else(|| Instant::now() + self.settings.retry_for);
        let mut delay = Duration::from_millis(100);
        loop {
            let attempt = if Instant::now() + delay < give_up {
                batch.clone()
            } else {
                std::mem::take(batch)
            };
            let last = batch.is_empty();
            // A panicking exporter (a user callback) is contained and counted.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.driver.block_on(self.exporter.export(attempt))
            }));
            match outcome {
                Ok(Ok(())) => {
                    self.counters.exported.fetch_add(count, Ordering::AcqRel);
                    batch.clear();
                    return;
                }
                Ok(Err(_)) | Err(_) if last => {
                    self.counters.failed.fetch_add(count, Ordering::AcqRel);
                    return;
                }
                Ok(Err(_)) | Err(_) => {
                    std::thread::sleep(delay);
                    delay = (delay * 2).min(Duration::from_secs(2));
                }
            }
        }
    }
}
