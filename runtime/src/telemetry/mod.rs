//! Setting telemetry up: [`Telemetry::builder`] → [`TelemetryBuilder::install`] →
//! a [`TelemetryGuard`] that flushes and shuts down, within one deadline, when dropped.
//!
//! The builder's options are in `builder.rs`, where spans go in `destinations.rs`, the
//! guard's flush, shutdown and report in `guard.rs`.

mod builder;
mod destinations;
mod guard;

pub use guard::ShutdownReport;

use crate::core::metrics::Metrics;
use crate::core::pipeline::{self, Options, Pipeline, SpanNaming};
use crate::core::recorder::{sampler, Recorder};
use crate::core::value::AttrValue;
use crate::export::callback::CallbackExporter;
use crate::export::{
    after, BatchOptions, BatchProcessor, BatchSettings, Console, Counters, Driver, Health,
    InMemorySpans, MoreExporters, Otlp, OtlpProtocol, CONSOLE_DELAY,
};
use opentelemetry::KeyValue;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::metrics::SdkMeterProvider;
use opentelemetry_sdk::trace::{
    Sampler, SdkTracerProvider, SpanExporter, SpanLimits, SpanProcessor, TracerProviderBuilder,
};
use opentelemetry_sdk::Resource;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Entry point of the configuration; see [`Telemetry::builder`].
#[derive(Debug)]
pub struct Telemetry;

impl Telemetry {
    /// A builder with nothing configured.
    ///
    /// ```
    /// let guard = crux::Telemetry::builder()
    ///     .service_name("support-agent")
    ///     .console()          // readable trees on stderr
    ///     .otlp_from_env()    // and OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set
    ///     .install()
    ///     .expect("telemetry");
    /// // ... run the agent; dropping the guard exports what it can within 5 s.
    /// drop(guard);
    /// ```
    pub fn builder() -> TelemetryBuilder {
        TelemetryBuilder::default()
    }
}

type AddProcessor = Box<dyn FnOnce(TracerProviderBuilder) -> TracerProviderBuilder>;
type AddDestination =
    Box<dyn FnOnce(&Resource, &BatchSettings, &mut Installed) -> Result<(), TelemetryError>>;

/// What [`TelemetryBuilder::install`] assembles.
#[derive(Default)]
struct Installed {
    /// Crux's own processors: they take spans from crux's recorder and the provider.
    processors: Vec<Arc<dyn SpanProcessor>>,
    /// The application's processors: with any, crux's spans go through the SDK.
    foreign: Vec<AddProcessor>,
    health: Vec<(String, Counters)>,
    /// Whether OTLP destinations also get the GenAI metrics ([`TelemetryBuilder::metrics`]).
    metrics_on: bool,
    metric_exporters: Vec<opentelemetry_otlp::MetricExporter>,
    #[cfg(feature = "grpc")]
    runtime: Option<tokio::runtime::Runtime>,
}

impl Installed {
    fn batch<E: SpanExporter + 'static>(
        &mut self,
        name: &str,
        exporter: E,
        settings: BatchSettings,
        driver: Driver,
    ) -> Result<(), TelemetryError> {
        self.batch_with_more(name, exporter, None, settings, driver)
    }

    /// A batched destination exporting through `exporter`, and through as many as `more`
    /// makes when a backlog needs them.
    fn batch_with_more<E: SpanExporter + 'static>(
        &mut self,
        name: &str,
        exporter: E,
        more: Option<MoreExporters<E>>,
        settings: BatchSettings,
        driver: Driver,
    ) -> Result<(), TelemetryError> {
        let (processor, counters) = BatchProcessor::new(name, exporter, more, settings, driver)
            .map_err(|e| TelemetryError(format!("cannot start the {name} export thread: {e}")))?;
        self.health.push((name.to_owned(), counters));
        self.processors.push(Arc::new(processor));
        Ok(())
    }

    /// The driver for exporters that need a Tokio runtime (gRPC): a private one, so it
    /// works whatever runtime, or none, the application uses.
    #[cfg(feature = "grpc")]
    fn tokio_driver(&mut self) -> Result<(Driver, tokio::runtime::EnterGuard<'_>), TelemetryError> {
        if self.runtime.is_none() {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("crux-otlp-grpc")
                .enable_all()
                .build()
                .map_err(|e| {
                    TelemetryError(format!("cannot start the gRPC exporter's runtime: {e}"))
                })?;
            self.runtime = Some(runtime);
        }
        let runtime = self.runtime.as_ref().expect("just set");
        Ok((Driver::Tokio(runtime.handle().clone()), runtime.enter()))
    }
}

/// One of crux's processors, shared by the SDK provider (for spans the SDK records:
/// `tracing`'s, or crux's with an application processor installed) and crux's recorder.
#[derive(Debug)]
struct Shared(Arc<dyn SpanProcessor>);

impl SpanProcessor for Shared {
    fn on_start(&self, span: &mut opentelemetry_sdk::trace::Span, cx: &opentelemetry::Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, span: opentelemetry_sdk::trace::SpanData) {
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }
}

/// What to export to and how; every option is optional.
///
/// With no destination named (no console, OTLP, exporter or processor), crux records
/// through the global `TracerProvider` the application registered itself.
#[derive(Default)]
pub struct TelemetryBuilder {
    service_name: Option<String>,
    resource: Vec<KeyValue>,
    options: Options,
    destinations: Vec<AddDestination>,
    sampler: Option<Sampler>,
    span_limits: Option<SpanLimits>,
    batch: BatchOptions,
    /// `Some(false)` when [`TelemetryBuilder::metrics`] turned the metrics off.
    metrics: Option<bool>,
    /// Install the `tracing` layer as the global subscriber (feature `tracing`).
    #[cfg(feature = "tracing")]
    tracing: bool,
}

impl std::fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryBuilder")
            .field("service_name", &self.service_name)
            .field("destinations", &self.destinations.len())
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

/// Why telemetry could not be installed or shut down.
#[derive(Debug)]
pub struct TelemetryError(String);

impl std::fmt::Display for TelemetryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TelemetryError {}

/// Keeps telemetry installed; dropping it (or [`TelemetryGuard::shutdown`]) stops
/// recording through it and exports what it can within the shutdown deadline.
#[must_use = "dropping the guard shuts telemetry down at once"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    meter_provider: Option<SdkMeterProvider>,
    pipeline: Arc<Pipeline>,
    health: Vec<(String, Counters)>,
    shutdown_timeout: Duration,
    /// The first shutdown's report; later calls (and the drop) return it again.
    report: Mutex<Option<ShutdownReport>>,
    #[cfg(feature = "grpc")]
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
}

impl std::fmt::Debug for TelemetryGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryGuard")
            .field("provider", &self.provider)
            .field("health", &self.destination_health())
            .field("shutdown_timeout", &self.shutdown_timeout)
            .finish_non_exhaustive()
    }
}
