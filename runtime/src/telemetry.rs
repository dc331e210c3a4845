//! Setting telemetry up: [`Telemetry::builder`] → [`TelemetryBuilder::install`] →
//! a [`TelemetryGuard`] that flushes and shuts down, within one deadline, when dropped.

use crate::core::metrics::Metrics;
use crate::core::pipeline::{self, Options, Pipeline, SpanNaming};
use crate::core::value::AttrValue;
use crate::export::callback::CallbackExporter;
use crate::export::{
    after, BatchOptions, BatchProcessor, BatchSettings, Console, Counters, Driver, Health,
    InMemorySpans, Otlp, OtlpProtocol, CONSOLE_DELAY,
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
    processors: Vec<AddProcessor>,
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
        let (processor, counters) = BatchProcessor::new(name, exporter, settings, driver)
            .map_err(|e| TelemetryError(format!("cannot start the {name} export thread: {e}")))?;
        self.health.push((name.to_owned(), counters));
        self.processors
            .push(Box::new(move |b| b.with_span_processor(processor)));
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

impl TelemetryBuilder {
    /// The `service.name` resource attribute (else `OTEL_SERVICE_NAME`, else the SDK's default).
    pub fn service_name(mut self, name: impl Into<String>) -> Self {
        self.service_name = Some(name.into());
        self
    }

    /// Adds a resource attribute (`deployment.environment.name`, `service.version`, ...).
    pub fn resource_attribute<V: AttrValue + ?Sized>(
        mut self,
        key: &'static str,
        value: &V,
    ) -> Self {
        if let Some(v) = value.to_value() {
            self.resource.push(KeyValue::new(key, v));
        }
        self
    }

    /// Adds an attribute to every span crux starts.
    pub fn attribute<V: AttrValue + ?Sized>(
        mut self,
        key: impl Into<opentelemetry::Key>,
        value: &V,
    ) -> Self {
        if let Some(v) = value.to_value() {
            self.options.attributes.push(KeyValue::new(key.into(), v));
        }
        self
    }

    /// Chooses crux span names (default) or the GenAI convention's (`chat {model}`, ...).
    pub fn span_naming(mut self, naming: SpanNaming) -> Self {
        self.options.naming = naming;
        self
    }

    /// How a resumed flow relates to its suspended run: [`crate::ResumeMode::Link`]
    /// (default: a new trace with a span link) or [`crate::ResumeMode::Continue`] (a child
    /// of the suspended span, same trace, plus the link).
    pub fn resume_mode(mut self, mode: crate::ResumeMode) -> Self {
        self.options.resume_mode = mode;
        self
    }

    /// Captures content — prompts, completions, tool arguments and results, prompt
    /// variables — `true` for both sides, or [`crate::CaptureContent`] per side. Off by
    /// default; unset, `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` decides.
    pub fn capture_content(mut self, capture: impl Into<crate::CaptureContent>) -> Self {
        self.options.capture = Some(capture.into());
        self
    }

    /// The most characters one captured content attribute keeps (default 8192); longer
    /// content is cut and the span gets `crux.truncated = true`.
    pub fn max_content_length(mut self, chars: usize) -> Self {
        self.options.max_content_length = chars;
        self
    }

    /// Edits attributes as crux records them: called with the phase (start, end, event,
    /// error), the span name and the attributes, once per phase per span (once per
    /// event). What it sets is added or replaces; it may remove or rename.
    ///
    /// ```
    /// use crux::hooks::Phase;
    /// let guard = crux::Telemetry::builder()
    ///     .map_attributes(|phase, _span, attrs| {
    ///         if phase == Phase::Start {
    ///             attrs.rename("crux.trace.metadata.accountId", "app.account.id");
    ///         }
    ///     })
    ///     .install();
    /// # drop(guard);
    /// ```
    pub fn map_attributes<F>(mut self, map: F) -> Self
    where
        F: Fn(crate::hooks::Phase, &str, &mut crate::hooks::Attributes<'_>) + Send + Sync + 'static,
    {
        self.options.hooks.map_attributes = Some(Arc::new(map));
        self
    }

    /// Turns a prompt's identity (including its free-form metadata) into attributes of
    /// the `crux.use_reason` span; the only way prompt metadata is recorded.
    pub fn map_prompt_metadata<F>(mut self, map: F) -> Self
    where
        F: Fn(&crate::PromptIdentity) -> Vec<KeyValue> + Send + Sync + 'static,
    {
        self.options.hooks.map_prompt_metadata = Some(Arc::new(map));
        self
    }

    /// Called when a crux span starts.
    pub fn on_span_start<F: Fn(&crate::hooks::SpanInfo<'_>) + Send + Sync + 'static>(
        mut self,
        hook: F,
    ) -> Self {
        self.options.hooks.on_start = Some(Arc::new(hook));
        self
    }

    /// Called when a crux span ends.
    pub fn on_span_end<F: Fn(&crate::hooks::SpanInfo<'_>) + Send + Sync + 'static>(
        mut self,
        hook: F,
    ) -> Self {
        self.options.hooks.on_end = Some(Arc::new(hook));
        self
    }

    /// Hashes identifiers (`*_hash` attributes) with HMAC-SHA-256 under `key` (values
    /// prefixed `hmac:`) instead of the default FNV-1a, which is pseudonymisation only.
    pub fn hashing_key(mut self, key: impl AsRef<[u8]>) -> Self {
        self.options.hashing_key = Some(Arc::from(key.as_ref()));
        self
    }

    /// Makes the `tracing` spans of libraries (and the application) OpenTelemetry spans
    /// that nest under the crux span current where they start and go to the same
    /// destinations: installs [`TelemetryGuard::tracing_layer`] as the global `tracing`
    /// subscriber, unless one is already set (then add the layer to yours). Needs at
    /// least one destination. Feature `tracing`.
    ///
    /// ```
    /// let telemetry = crux::Telemetry::builder().console().tracing().install().unwrap();
    /// # drop(telemetry);
    /// ```
    #[cfg(feature = "tracing")]
    pub fn tracing(mut self) -> Self {
        self.tracing = true;
        self
    }

    /// The price table that fills `crux.cost` on a model call reporting usage but no
    /// cost (default: [`crate::cost::Prices::default`], common models of OpenAI,
    /// Anthropic and Google; a model not in the table gets no cost).
    ///
    /// ```
    /// use crux::cost::{ModelPrice, Prices};
    /// let telemetry = crux::Telemetry::builder()
    ///     .prices(Prices::default().with("my-finetune", ModelPrice::new(3.0, 1.5, 12.0)))
    ///     .install()
    ///     .unwrap();
    /// # drop(telemetry);
    /// ```
    pub fn prices(self, prices: crate::cost::Prices) -> Self {
        self.price_with(move |query| prices.price(query))
    }

    /// Prices model calls that report usage but no cost with `price` (in USD; `None`
    /// leaves the call without cost), instead of a price table.
    ///
    /// ```
    /// let telemetry = crux::Telemetry::builder()
    ///     .price_with(|q| (q.provider == Some("ollama")).then_some(0.0))
    ///     .install()
    ///     .unwrap();
    /// # drop(telemetry);
    /// ```
    pub fn price_with<F>(mut self, price: F) -> Self
    where
        F: Fn(&crate::cost::PriceQuery<'_>) -> Option<f64> + Send + Sync + 'static,
    {
        self.options.pricer = Some(pipeline::Pricer(std::sync::Arc::new(price)));
        self
    }

    /// Whether every span inside an agent run (`#[crux::agent]`) carries the run's
    /// identity — `session.id`, `gen_ai.conversation.id`, `user.id`, `crux.tenant.id`,
    /// `crux.session.id`, trace metadata and tags — so backends can filter any span by
    /// session or user. On by default; a span's own value wins.
    pub fn identity_on_every_span(mut self, on: bool) -> Self {
        self.options.identity_on_every_span = on;
        self
    }

    /// A cost budget for each outermost flow: `crux.cost.warn` and `crux.cost.limit` are
    /// emitted once each when its running total crosses `warn_usd` and `limit_usd`, and
    /// with the limit a `crux.budget.exceeded` (`crux.budget.type = cost`).
    pub fn cost_budget(mut self, warn_usd: f64, limit_usd: f64) -> Self {
        self.options.budget = Some(pipeline::Budget {
            warn_usd,
            limit_usd,
        });
        self
    }

    /// A latency budget for each outermost flow: once the flow has run longer than
    /// `limit`, the next crux span to end inside it (or the flow itself) emits one
    /// `crux.budget.exceeded` with `crux.budget.type = latency` and the limit and the
    /// elapsed time in ms. Nothing is interrupted: it is a signal, not a timeout.
    pub fn latency_budget(mut self, limit: std::time::Duration) -> Self {
        self.options.latency_budget = Some(limit);
        self
    }

    /// Whether OTLP destinations also receive the GenAI metrics (on by default):
    /// `gen_ai.client.token.usage` and `gen_ai.client.operation.duration` per the GenAI
    /// conventions, and crux's `crux.cost` and `crux.tool.calls` counters, over the same
    /// protocol, collector, headers and timeout as the traces (the
    /// `OTEL_EXPORTER_OTLP_METRICS_*` variables where nothing is set in code), every 60 s
    /// (`OTEL_METRIC_EXPORT_INTERVAL`) and at shutdown. Off for a backend that takes
    /// traces only (Phoenix, MLflow), or with `OTEL_METRICS_EXPORTER=none`:
    ///
    /// ```
    /// let guard = crux::Telemetry::builder().otlp_from_env().metrics(false).install().unwrap();
    /// # drop(guard);
    /// ```
    pub fn metrics(mut self, on: bool) -> Self {
        self.metrics = Some(on);
        self
    }

    /// Prints each finished trace as a tree on stderr.
    pub fn console(self) -> Self {
        self.console_with(Console::stderr())
    }

    /// Prints each finished trace as a tree through `console`, from the console's own
    /// export thread (a blocked stderr never blocks the application; counted in
    /// [`TelemetryGuard::health`] as `console`).
    pub fn console_with(mut self, console: Console) -> Self {
        self.destinations
            .push(Box::new(move |_, settings, installed| {
                let settings = BatchSettings {
                    scheduled_delay: CONSOLE_DELAY,
                    retry_for: Duration::ZERO,
                    ..settings.clone()
                };
                installed.batch("console", console.exporter(), settings, Driver::Thread)
            }));
        self
    }

    /// Exports over OTLP configured by the standard `OTEL_EXPORTER_OTLP_*` variables
    /// (protocol, endpoint, headers, timeout, compression); http/protobuf to
    /// `http://localhost:4318` when nothing is set.
    pub fn otlp(self) -> Self {
        self.otlp_with(Otlp::new())
    }

    /// Exports over OTLP only when `OTEL_EXPORTER_OTLP_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, so a program can run anywhere.
    pub fn otlp_from_env(self) -> Self {
        let set = |k: &str| std::env::var(k).is_ok_and(|v| !v.trim().is_empty());
        if set("OTEL_EXPORTER_OTLP_ENDPOINT") || set("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            self.otlp()
        } else {
            self
        }
    }

    /// Exports over OTLP http/protobuf to `url` (a base URL or the full `…/v1/traces`).
    pub fn otlp_endpoint(self, url: impl Into<String>) -> Self {
        self.otlp_with(
            Otlp::new()
                .protocol(OtlpProtocol::HttpProtobuf)
                .endpoint(url),
        )
    }

    /// Exports over OTLP as `otlp` says (protocol, endpoint, headers, ...).
    pub fn otlp_with(mut self, otlp: Otlp) -> Self {
        self.destinations
            .push(Box::new(move |resource, settings, installed| {
                let protocol = otlp.resolved_protocol().map_err(TelemetryError)?;
                let name = match protocol {
                    OtlpProtocol::HttpProtobuf => "otlp-http-protobuf",
                    OtlpProtocol::HttpJson => "otlp-http-json",
                    OtlpProtocol::Grpc => "otlp-grpc",
                };
                let mut settings = settings.clone();
                if !otlp.retries {
                    settings.retry_for = Duration::ZERO;
                }
                #[cfg(feature = "grpc")]
                if protocol == OtlpProtocol::Grpc {
                    let metrics_on = installed.metrics_on && otlp.metrics;
                    let (driver, entered) = installed.tokio_driver()?;
                    let built = otlp.build(settings.retry_for).map_err(TelemetryError);
                    let metrics = metrics_on.then(|| otlp.build_metrics());
                    drop(entered);
                    if let Some(metrics) = metrics {
                        installed
                            .metric_exporters
                            .push(metrics.map_err(TelemetryError)?);
                    }
                    let (mut exporter, _) = built?;
                    exporter.set_resource(resource);
                    return installed.batch(name, exporter, settings, driver);
                }
                let (mut exporter, _) = otlp.build(settings.retry_for).map_err(TelemetryError)?;
                exporter.set_resource(resource);
                if installed.metrics_on && otlp.metrics {
                    let metrics = otlp.build_metrics().map_err(TelemetryError)?;
                    installed.metric_exporters.push(metrics);
                }
                installed.batch(name, exporter, settings, Driver::Thread)
            }));
        self
    }

    /// Also sends every span to a running `crux-devtools` (`cargo run -p crux-devtools`),
    /// the local web view of traces: at `CRUX_DEVTOOLS_URL` when set, else
    /// `http://127.0.0.1:4319`. OTLP http/protobuf like [`TelemetryBuilder::otlp_endpoint`],
    /// alongside any other destination, with a 2-second timeout and no retries: when the
    /// devtools is not running, exports fail fast and are counted
    /// ([`TelemetryGuard::destination_health`], `otlp-http-protobuf`), never raised into
    /// the application.
    ///
    /// ```
    /// let telemetry = crux::Telemetry::builder().console().devtools().install().unwrap();
    /// # drop(telemetry);
    /// ```
    pub fn devtools(self) -> Self {
        let url = std::env::var("CRUX_DEVTOOLS_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "http://127.0.0.1:4319".to_owned());
        self.devtools_at(url)
    }

    /// [`TelemetryBuilder::devtools`] at `url` (a base URL such as `http://127.0.0.1:4319`).
    pub fn devtools_at(self, url: impl Into<String>) -> Self {
        self.otlp_with(
            Otlp::new()
                .protocol(OtlpProtocol::HttpProtobuf)
                .endpoint(url)
                .timeout(Duration::from_secs(2))
                .retries(false)
                .traces_only(),
        )
    }

    /// POSTs batches of spans as OTLP/JSON to `url` with `headers`: fire-and-forget, a
    /// 5-second timeout, one attempt; failures are counted ([`TelemetryGuard::health`]),
    /// never raised into the application.
    pub fn url<K: Into<String>, V: Into<String>>(
        self,
        url: impl Into<String>,
        headers: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut otlp = Otlp::new()
            .protocol(OtlpProtocol::HttpJson)
            .endpoint(url)
            .timeout(Duration::from_secs(5))
            .retries(false)
            .traces_only();
        for (k, v) in headers {
            otlp = otlp.header(k, v);
        }
        self.otlp_with(otlp)
    }

    /// Hands finished spans to `callback` in batches, on crux's export thread. A
    /// panicking callback is contained; its batch counts as failed.
    pub fn callback<F>(mut self, callback: F) -> Self
    where
        F: Fn(Vec<opentelemetry_sdk::trace::SpanData>) + Send + Sync + 'static,
    {
        self.destinations
            .push(Box::new(move |_, settings, installed| {
                let settings = BatchSettings {
                    retry_for: Duration::ZERO,
                    ..settings.clone()
                };
                installed.batch(
                    "callback",
                    CallbackExporter(callback),
                    settings,
                    Driver::Thread,
                )
            }));
        self
    }

    /// Exports through any OpenTelemetry span exporter, batched on a background thread
    /// by crux's batch processor (counted in [`TelemetryGuard::health`]).
    pub fn exporter<E: SpanExporter + 'static>(mut self, mut exporter: E) -> Self {
        self.destinations
            .push(Box::new(move |resource, settings, installed| {
                exporter.set_resource(resource);
                installed.batch("exporter", exporter, settings.clone(), Driver::Thread)
            }));
        self
    }

    /// Adds any OpenTelemetry span processor.
    pub fn processor<P: SpanProcessor + 'static>(mut self, processor: P) -> Self {
        self.destinations.push(Box::new(move |_, _, installed| {
            installed
                .processors
                .push(Box::new(move |b| b.with_span_processor(processor)));
            Ok(())
        }));
        self
    }

    /// Keeps finished spans in `spans` (synchronously, as they end).
    pub fn in_memory(self, spans: &InMemorySpans) -> Self {
        self.processor(spans.processor())
    }

    /// Samples with `sampler` (e.g. `Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.1)))`).
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The most spans a batched destination queues before new ones are dropped and
    /// counted (default 2048, or `OTEL_BSP_MAX_QUEUE_SIZE`): the memory bound while a
    /// collector is down or slow. 0 is an install error.
    pub fn max_queue_size(mut self, spans: usize) -> Self {
        self.batch.max_queue_size = Some(spans);
        self
    }

    /// The most spans in one export (default 512, or `OTEL_BSP_MAX_EXPORT_BATCH_SIZE`).
    /// 0 is an install error.
    pub fn max_export_batch_size(mut self, spans: usize) -> Self {
        self.batch.max_batch_size = Some(spans);
        self
    }

    /// How long a batched destination waits before exporting what it has (default 5 s,
    /// or `OTEL_BSP_SCHEDULE_DELAY`).
    pub fn scheduled_delay(mut self, delay: Duration) -> Self {
        self.batch.scheduled_delay = Some(delay);
        self
    }

    /// How long an OTLP export keeps retrying, with backoff (at most a second apart),
    /// before its batch counts as failed (default 30 s: a collector restarting within it
    /// loses nothing, as long as the queue holds what arrives meanwhile). Other exporters
    /// are called once per batch.
    pub fn export_retry_for(mut self, duration: Duration) -> Self {
        self.batch.retry_for = Some(duration);
        self
    }

    /// The most a flush or shutdown waits, for every destination together (default 5 s,
    /// or `CRUX_SHUTDOWN_TIMEOUT` in milliseconds). Spans not delivered by then count as
    /// abandoned in the [`ShutdownReport`].
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.batch.shutdown_timeout = Some(timeout);
        self
    }

    /// The most characters one string attribute value keeps, in every batched
    /// destination (default 32,768, or `OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT` /
    /// `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`); a span with a value cut gets
    /// `crux.truncated = true`.
    pub fn max_attribute_value_length(mut self, chars: usize) -> Self {
        self.batch.max_attribute_value_length = Some(chars);
        self
    }

    /// How many attributes, events and links a span keeps (default: OpenTelemetry's
    /// 128 of each, or the `OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT`, `OTEL_SPAN_EVENT_COUNT_LIMIT`,
    /// `OTEL_SPAN_LINK_COUNT_LIMIT`, `OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT`,
    /// `OTEL_LINK_ATTRIBUTE_COUNT_LIMIT` and `OTEL_ATTRIBUTE_COUNT_LIMIT` variables).
    pub fn span_limits(mut self, limits: SpanLimits) -> Self {
        self.span_limits = Some(limits);
        self
    }

    /// Installs the pipeline for the whole process and returns its guard.
    ///
    /// `OTEL_SDK_DISABLED=true` turns recording off instead (see [`crate::set_enabled`]).
    pub fn install(self) -> Result<TelemetryGuard, TelemetryError> {
        if std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            pipeline::set_enabled(false);
        }
        let mut resource = Resource::builder();
        if let Some(name) = self.service_name {
            resource = resource.with_service_name(name);
        }
        let resource = resource.with_attributes(self.resource).build();
        let settings = self.batch.resolve().map_err(TelemetryError)?;
        let span_limits = crate::export::span_limits(self.span_limits).map_err(TelemetryError)?;
        let has_destinations = !self.destinations.is_empty();
        let mut installed = Installed {
            // OTEL_METRICS_EXPORTER=none is the SDKs' standard off switch.
            metrics_on: self.metrics.unwrap_or_else(|| {
                !std::env::var("OTEL_METRICS_EXPORTER")
                    .is_ok_and(|v| v.trim().eq_ignore_ascii_case("none"))
            }),
            ..Installed::default()
        };
        for add in self.destinations {
            add(&resource, &settings, &mut installed)?;
        }
        let meter_provider = (!installed.metric_exporters.is_empty()).then(|| {
            let mut builder = SdkMeterProvider::builder().with_resource(resource.clone());
            for exporter in installed.metric_exporters.drain(..) {
                builder = builder.with_periodic_exporter(exporter);
            }
            builder.build()
        });
        let provider = has_destinations.then(|| {
            let mut builder = SdkTracerProvider::builder()
                .with_resource(resource)
                .with_span_limits(span_limits);
            if let Some(sampler) = self.sampler {
                builder = builder.with_sampler(sampler);
            }
            for add in installed.processors {
                builder = add(builder);
            }
            builder.build()
        });
        let mut options = self.options;
        options
            .capture
            .get_or_insert_with(crate::CaptureContent::from_env);
        let pipeline = pipeline::install(Pipeline {
            tracer: provider.as_ref().map(pipeline::tracer_from),
            options,
            metrics: meter_provider.as_ref().map(Metrics::new),
        });
        let guard = TelemetryGuard {
            provider,
            meter_provider,
            pipeline,
            health: installed.health,
            shutdown_timeout: settings.shutdown_timeout,
            report: Mutex::new(None),
            #[cfg(feature = "grpc")]
            runtime: Mutex::new(installed.runtime),
        };
        #[cfg(feature = "tracing")]
        if self.tracing {
            use tracing_subscriber::layer::SubscriberExt;
            if let Some(layer) = guard.tracing_layer() {
                // Another subscriber already set is the application's choice: keep it.
                let _ = tracing::subscriber::set_global_default(
                    tracing_subscriber::registry().with(layer),
                );
            }
        }
        Ok(guard)
    }
}

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

/// What a shutdown achieved; see [`TelemetryGuard::shutdown`]. Its one-line `Display`
/// is what an application prints on the way out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Summed over the batched destinations; `queued` is 0 and
    /// `created == exported + dropped + failed + abandoned`.
    pub health: Health,
    /// The same per destination.
    pub destinations: Vec<(String, Health)>,
    /// The deadline the shutdown had.
    pub deadline: Duration,
    /// How long it took.
    pub elapsed: Duration,
    /// What other span processors reported while shutting down (an error, or not
    /// finishing within the deadline).
    pub errors: Vec<String>,
    /// User hooks that panicked in this process (caught; see
    /// [`crate::hooks::panicked_hooks`]).
    pub hook_panics: u64,
}

impl ShutdownReport {
    /// Whether every span created was exported and every processor shut down cleanly.
    pub fn is_complete(&self) -> bool {
        self.health.undelivered() == 0 && self.errors.is_empty()
    }
}

impl std::fmt::Display for ShutdownReport {
    /// One line: `telemetry shut down in 0.1s (deadline 5.0s); console: 56 of 56 spans
    /// exported; otlp-http-protobuf: 0 of 56 spans exported, 56 not delivered (56
    /// abandoned at the deadline)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "telemetry shut down in {:.1}s (deadline {:.1}s)",
            self.elapsed.as_secs_f64(),
            self.deadline.as_secs_f64()
        )?;
        for (name, h) in &self.destinations {
            write!(
                f,
                "; {name}: {} of {} spans exported",
                h.exported, h.created
            )?;
            if h.undelivered() > 0 {
                let parts: Vec<String> = [
                    (h.dropped, "dropped with the queue full"),
                    (h.failed, "failed"),
                    (h.abandoned, "abandoned at the deadline"),
                    (h.queued, "still queued"),
                ]
                .iter()
                .filter(|(n, _)| *n > 0)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
                write!(
                    f,
                    ", {} not delivered ({})",
                    h.undelivered(),
                    parts.join(", ")
                )?;
            }
        }
        if self.hook_panics > 0 {
            write!(f, "; {} hook panics caught", self.hook_panics)?;
        }
        for error in &self.errors {
            write!(f, "; {error}")?;
        }
        Ok(())
    }
}

impl TelemetryGuard {
    /// The provider crux built, to share with other instrumentation (for example
    /// `tracing_opentelemetry::layer().with_tracer(provider.tracer("app"))`).
    /// `None` when crux records through the global provider.
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }

    /// A `tracing` layer sending `tracing` spans to this telemetry's destinations,
    /// nested under the crux span current where they start (`None` when crux records
    /// through the global provider). Feature `tracing`; see also
    /// [`TelemetryBuilder::tracing`].
    ///
    /// ```
    /// use tracing_subscriber::layer::SubscriberExt;
    /// let telemetry = crux::Telemetry::builder().console().install().unwrap();
    /// let subscriber = tracing_subscriber::registry().with(telemetry.tracing_layer());
    /// # drop(subscriber);
    /// ```
    #[cfg(feature = "tracing")]
    pub fn tracing_layer<S>(
        &self,
    ) -> Option<tracing_opentelemetry::OpenTelemetryLayer<S, opentelemetry_sdk::trace::SdkTracer>>
    where
        S: tracing::Subscriber + for<'span> tracing_subscriber::registry::LookupSpan<'span>,
    {
        use opentelemetry::trace::TracerProvider as _;
        let tracer = self.provider.as_ref()?.tracer("tracing");
        Some(tracing_opentelemetry::layer().with_tracer(tracer))
    }

    /// The telemetry's own health, summed over the batched destinations (OTLP, URL,
    /// callback, exporters, console): spans created, exported, dropped (queue full),
    /// failed (export errors), abandoned at the shutdown deadline, still queued. Still
    /// readable after [`TelemetryGuard::shutdown`].
    pub fn health(&self) -> Health {
        self.health
            .iter()
            .map(|(_, c)| c.health())
            .fold(Health::default(), |a, b| a + b)
    }

    /// [`TelemetryGuard::health`] per destination, named `otlp-grpc`, `otlp-http-json`,
    /// `otlp-http-protobuf`, `callback`, `exporter` or `console`.
    pub fn destination_health(&self) -> Vec<(String, Health)> {
        self.health
            .iter()
            .map(|(n, c)| (n.clone(), c.health()))
            .collect()
    }

    /// Exports everything finished so far, without stopping, waiting at most the
    /// shutdown timeout for every destination together. An error says what is still
    /// queued; nothing is lost by it.
    pub fn force_flush(&self) -> Result<(), TelemetryError> {
        let deadline = after(self.shutdown_timeout);
        let tickets: Vec<u64> = self.health.iter().map(|(_, c)| c.request(false)).collect();
        for ((name, counters), ticket) in self.health.iter().zip(tickets) {
            if !counters.wait(ticket, deadline) {
                return Err(TelemetryError(format!(
                    "flush did not finish within {:?}: {name} still has {} spans queued",
                    self.shutdown_timeout,
                    counters.health().queued
                )));
            }
        }
        match &self.provider {
            Some(p) => {
                let provider = p.clone();
                within(Some(deadline), move || provider.force_flush())
                    .map_err(|e| TelemetryError(format!("flush failed: {e}")))
            }
            None => Ok(()),
        }
    }

    /// Stops recording through this pipeline, exports what it can until the shutdown
    /// deadline (every destination at once, one deadline for all), gives up on the rest
    /// and reports every span's fate. Never fails and never waits past the deadline;
    /// calling it again returns the same report.
    pub fn shutdown(&self) -> ShutdownReport {
        let mut stored = self.report.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(report) = &*stored {
            return report.clone();
        }
        let started = Instant::now();
        let deadline = after(self.shutdown_timeout);
        pipeline::uninstall(&self.pipeline);
        // Ask every destination first, so that they drain side by side.
        let tickets: Vec<u64> = self.health.iter().map(|(_, c)| c.request(true)).collect();
        for ((_, counters), ticket) in self.health.iter().zip(tickets) {
            if !counters.wait(ticket, deadline) {
                counters.abandon();
            }
        }
        // The other processors (and the batched ones, which return at once now).
        let mut errors = Vec::new();
        if let Some(p) = &self.provider {
            let provider = p.clone();
            let left = deadline.saturating_duration_since(Instant::now());
            // With no time left, the batched destinations are given up on already and
            // the rest get none: start their shutdown, wait for nothing.
            let wait_until = if left.is_zero() { None } else { Some(deadline) };
            if let Err(e) = within(wait_until, move || provider.shutdown_with_timeout(left)) {
                errors.push(e);
            }
        }
        // The metrics' last export, within what is left of the deadline. A collector
        // without a metrics intake (a traces-only backend) is not an error of the
        // application's telemetry, so its outcome is not reported.
        if let Some(meters) = &self.meter_provider {
            let meters = meters.clone();
            let left = deadline.saturating_duration_since(Instant::now());
            if !left.is_zero() {
                let _ = within(Some(deadline), move || meters.shutdown_with_timeout(left));
            }
        }
        // Never blocks, so the guard may be dropped inside an async context.
        #[cfg(feature = "grpc")]
        if let Some(runtime) = self
            .runtime
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            runtime.shutdown_background();
        }
        let destinations = self.destination_health();
        let report = ShutdownReport {
            health: self.health(),
            destinations,
            deadline: self.shutdown_timeout,
            elapsed: started.elapsed(),
            errors,
            hook_panics: crate::core::hooks::panicked_hooks(),
        };
        *stored = Some(report.clone());
        report
    }
}

/// Runs `work` on a helper thread and waits for it until `deadline` (`None`: not at
/// all), so that a span processor that ignores its timeout cannot hold the application
/// past it.
fn within(
    deadline: Option<Instant>,
    work: impl FnOnce() -> OTelSdkResult + Send + 'static,
) -> Result<(), String> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("crux-shutdown".into())
        .spawn(move || {
            let _ = sender.send(work());
        })
        .map_err(|e| format!("cannot start the shutdown thread: {e}"))?;
    let Some(deadline) = deadline else {
        return Ok(());
    };
    let left = deadline.saturating_duration_since(Instant::now());
    match receiver.recv_timeout(left) {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("a span processor did not finish within the deadline".into()),
    }
}

/// How long a shutdown waits for the last exports: as long as an export may keep
/// retrying, plus slack, and at least the SDK's 5 s. A collector that is slow but
/// answers (MLflow storing its first traces takes longer than 5 s) is not a failure.
impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.shutdown();
    }
}
