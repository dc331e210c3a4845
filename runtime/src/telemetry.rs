//! Setting telemetry up: [`Telemetry::builder`] → [`TelemetryBuilder::install`] →
//! a [`TelemetryGuard`] that flushes and shuts down when dropped.

use crate::export::{Console, InMemorySpans};
use crate::pipeline::{self, Options, Pipeline, SpanNaming};
use crate::value::AttrValue;
use opentelemetry::KeyValue;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, Sampler, SdkTracerProvider, SpanExporter,
    SpanProcessor, TracerProviderBuilder,
};
use opentelemetry_sdk::Resource;
use std::sync::Arc;
use std::time::Duration;

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
    /// // ... run the agent; dropping the guard exports every finished span.
    /// drop(guard);
    /// ```
    pub fn builder() -> TelemetryBuilder {
        TelemetryBuilder::default()
    }
}

type AddProcessor = Box<dyn FnOnce(TracerProviderBuilder) -> TracerProviderBuilder>;

/// What to export to and how; every option is optional.
///
/// With no destination named (no console, OTLP, exporter or processor), crux records
/// through the global `TracerProvider` the application registered itself.
#[derive(Default)]
pub struct TelemetryBuilder {
    service_name: Option<String>,
    resource: Vec<KeyValue>,
    options: Options,
    destinations: Vec<AddProcessor>,
    otlp: Vec<OtlpTarget>,
    sampler: Option<Sampler>,
    max_queue_size: Option<usize>,
    scheduled_delay: Option<Duration>,
}

enum OtlpTarget {
    Env,
    Endpoint(String),
}

impl std::fmt::Debug for TelemetryBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TelemetryBuilder")
            .field("service_name", &self.service_name)
            .field("destinations", &(self.destinations.len() + self.otlp.len()))
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

    /// Prints each finished trace as a tree on stderr.
    pub fn console(self) -> Self {
        self.console_with(Console::stderr())
    }

    /// Prints each finished trace as a tree through `console`.
    pub fn console_with(mut self, console: Console) -> Self {
        self.destinations.push(Box::new(move |b| {
            b.with_span_processor(console.processor())
        }));
        self
    }

    /// Exports over OTLP (http/protobuf), configured by the standard
    /// `OTEL_EXPORTER_OTLP_*` variables (endpoint default `http://localhost:4318`).
    pub fn otlp(mut self) -> Self {
        self.otlp.push(OtlpTarget::Env);
        self
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

    /// Exports over OTLP http/protobuf to `traces_url` (the full URL, `…/v1/traces`).
    pub fn otlp_endpoint(mut self, traces_url: impl Into<String>) -> Self {
        self.otlp.push(OtlpTarget::Endpoint(traces_url.into()));
        self
    }

    /// Exports through any OpenTelemetry span exporter, batched on a background thread.
    pub fn exporter<E: SpanExporter + 'static>(mut self, exporter: E) -> Self {
        let (queue, delay) = (self.max_queue_size, self.scheduled_delay);
        self.destinations.push(Box::new(move |b| {
            b.with_span_processor(batch(exporter, queue, delay))
        }));
        self
    }

    /// Adds any OpenTelemetry span processor.
    pub fn processor<P: SpanProcessor + 'static>(mut self, processor: P) -> Self {
        self.destinations
            .push(Box::new(move |b| b.with_span_processor(processor)));
        self
    }

    /// Keeps finished spans in `spans` (synchronously, as they end).
    pub fn in_memory(mut self, spans: &InMemorySpans) -> Self {
        let processor = spans.processor();
        self.destinations
            .push(Box::new(move |b| b.with_span_processor(processor)));
        self
    }

    /// Samples with `sampler` (e.g. `Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.1)))`).
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The most spans the batch queue holds before new ones are dropped (default 2048,
    /// or `OTEL_BSP_MAX_QUEUE_SIZE`). Applies to exporters added after this call.
    pub fn max_queue_size(mut self, spans: usize) -> Self {
        self.max_queue_size = Some(spans);
        self
    }

    /// How long the batch processor waits before exporting (default 5 s, or
    /// `OTEL_BSP_SCHEDULE_DELAY`). Applies to exporters added after this call.
    pub fn scheduled_delay(mut self, delay: Duration) -> Self {
        self.scheduled_delay = Some(delay);
        self
    }

    /// Installs the pipeline for the whole process and returns its guard.
    ///
    /// `OTEL_SDK_DISABLED=true` turns recording off instead (see [`crate::set_enabled`]).
    pub fn install(self) -> Result<TelemetryGuard, TelemetryError> {
        if std::env::var("OTEL_SDK_DISABLED").is_ok_and(|v| v.trim().eq_ignore_ascii_case("true")) {
            pipeline::set_enabled(false);
        }
        let mut destinations = self.destinations;
        for target in self.otlp {
            let exporter = otlp_exporter(target)?;
            let (queue, delay) = (self.max_queue_size, self.scheduled_delay);
            destinations.push(Box::new(move |b| {
                b.with_span_processor(batch(exporter, queue, delay))
            }));
        }
        let provider = if destinations.is_empty() {
            None
        } else {
            let mut resource = Resource::builder();
            if let Some(name) = self.service_name {
                resource = resource.with_service_name(name);
            }
            let mut builder = SdkTracerProvider::builder()
                .with_resource(resource.with_attributes(self.resource).build());
            if let Some(sampler) = self.sampler {
                builder = builder.with_sampler(sampler);
            }
            for add in destinations {
                builder = add(builder);
            }
            Some(builder.build())
        };
        let pipeline = pipeline::install(Pipeline {
            tracer: provider.as_ref().map(pipeline::tracer_from),
            options: self.options,
        });
        Ok(TelemetryGuard { provider, pipeline })
    }
}

fn batch<E: SpanExporter + 'static>(
    exporter: E,
    queue: Option<usize>,
    delay: Option<Duration>,
) -> BatchSpanProcessor {
    let mut config = BatchConfigBuilder::default();
    if let Some(queue) = queue {
        config = config.with_max_queue_size(queue);
    }
    if let Some(delay) = delay {
        config = config.with_scheduled_delay(delay);
    }
    BatchSpanProcessor::builder(exporter)
        .with_batch_config(config.build())
        .build()
}

fn otlp_exporter(target: OtlpTarget) -> Result<opentelemetry_otlp::SpanExporter, TelemetryError> {
    use opentelemetry_otlp::WithExportConfig;
    let builder = opentelemetry_otlp::SpanExporter::builder().with_http();
    let builder = match target {
        OtlpTarget::Env => builder,
        OtlpTarget::Endpoint(url) => builder.with_endpoint(url),
    };
    builder
        .build()
        .map_err(|e| TelemetryError(format!("cannot build the OTLP exporter: {e}")))
}

/// Keeps telemetry installed; dropping it (or [`TelemetryGuard::shutdown`]) stops
/// recording through it and exports every finished span.
#[derive(Debug)]
#[must_use = "dropping the guard shuts telemetry down at once"]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    pipeline: Arc<Pipeline>,
}

impl TelemetryGuard {
    /// The provider crux built, to share with other instrumentation (for example
    /// `tracing_opentelemetry::layer().with_tracer(provider.tracer("app"))`).
    /// `None` when crux records through the global provider.
    pub fn tracer_provider(&self) -> Option<&SdkTracerProvider> {
        self.provider.as_ref()
    }

    /// Exports everything finished so far, without stopping.
    pub fn force_flush(&self) -> Result<(), TelemetryError> {
        match &self.provider {
            Some(p) => p
                .force_flush()
                .map_err(|e| TelemetryError(format!("flush failed: {e}"))),
            None => Ok(()),
        }
    }

    /// Stops recording through this pipeline and exports every finished span.
    pub fn shutdown(mut self) -> Result<(), TelemetryError> {
        self.stop()
    }

    fn stop(&mut self) -> Result<(), TelemetryError> {
        pipeline::uninstall(&self.pipeline);
        match self.provider.take() {
            Some(p) => p
                .shutdown()
                .map_err(|e| TelemetryError(format!("shutdown failed: {e}"))),
            None => Ok(()),
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.stop();
    }
}
