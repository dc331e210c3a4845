//! Where spans go: the console, OTLP, the devtools, a URL, a callback, any exporter or
//! processor, memory.

use super::*;

impl TelemetryBuilder {
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
                    let built = otlp_exporter(&otlp, settings.retry_for, resource);
                    let metrics = metrics_on.then(|| otlp.build_metrics());
                    drop(entered);
                    if let Some(metrics) = metrics {
                        installed
                            .metric_exporters
                            .push(metrics.map_err(TelemetryError)?);
                    }
                    let more = more_otlp_exporters(&otlp, protocol, &settings, resource, &driver);
                    return installed.batch_with_more(name, built?, more, settings, driver);
                }
                let exporter = otlp_exporter(&otlp, settings.retry_for, resource)?;
                if installed.metrics_on && otlp.metrics {
                    let metrics = otlp.build_metrics().map_err(TelemetryError)?;
                    installed.metric_exporters.push(metrics);
                }
                let more =
                    more_otlp_exporters(&otlp, protocol, &settings, resource, &Driver::Thread);
                installed.batch_with_more(name, exporter, more, settings, Driver::Thread)
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
                .traces_only()
                .one_batch_at_a_time(),
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
            .traces_only()
            .one_batch_at_a_time();
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
    ///
    /// A processor sees the SDK's spans (its `on_start` takes one), so with one added
    /// crux's spans are recorded through the SDK's tracer instead of crux's own recorder:
    /// the same spans, at the SDK's cost per span (see the README's performance section).
    pub fn processor<P: SpanProcessor + 'static>(mut self, processor: P) -> Self {
        self.destinations.push(Box::new(move |_, _, installed| {
            installed
                .foreign
                .push(Box::new(move |b| b.with_span_processor(processor)));
            Ok(())
        }));
        self
    }

    /// Keeps finished spans in `spans` (every span ended so far is there when read).
    pub fn in_memory(mut self, spans: &InMemorySpans) -> Self {
        let processor = spans.processor();
        self.destinations.push(Box::new(move |_, _, installed| {
            installed.processors.push(Arc::new(processor));
            Ok(())
        }));
        self
    }

    /// Samples with `sampler` (e.g. `Sampler::ParentBased(Box::new(Sampler::TraceIdRatioBased(0.1)))`).
    pub fn sampler(mut self, sampler: Sampler) -> Self {
        self.sampler = Some(sampler);
        self
    }

    /// The most spans a batched destination queues before new ones are dropped and
    /// counted (default 2048, or `OTEL_BSP_MAX_QUEUE_SIZE`): the memory bound while a
    /// collector is down or slow, besides the batches being exported (one, or up to
    /// [`max_concurrent_exports`](Self::max_concurrent_exports) for OTLP). 0 is an
    /// install error.
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

    /// The most batches an OTLP destination has in flight at once (default 4, or
    /// `OTEL_BSP_MAX_CONCURRENT_EXPORTS`), each through an exporter (a connection) of its
    /// own: with a backlog, the next batches leave while the first waits for the
    /// collector's answer. A destination has one exporter until a backlog first holds
    /// more than a batch; further ones are made as backlogs need them, up to `batches`,
    /// and kept. The devtools, the URL exporter and every other destination export one
    /// batch at a time (an exporter takes one export at a time). 0 is an install error.
    ///
    /// ```
    /// let builder = crux::Telemetry::builder()
    ///     .otlp()
    ///     .max_concurrent_exports(1); // one batch at a time, as the SDK's batch processor
    /// # let _ = builder;
    /// ```
    pub fn max_concurrent_exports(mut self, batches: usize) -> Self {
        self.batch.max_concurrent_exports = Some(batches);
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
}

/// One of `otlp`'s span exporters (each has a connection of its own).
fn otlp_exporter(
    otlp: &Otlp,
    retry_for: Duration,
    resource: &opentelemetry_sdk::Resource,
) -> Result<opentelemetry_otlp::SpanExporter, TelemetryError> {
    let (mut exporter, _) = otlp.build(retry_for).map_err(TelemetryError)?;
    exporter.set_resource(resource);
    Ok(exporter)
}

/// Makes more of `otlp`'s exporters, where `driver` runs them, for the batches a backlog
/// sends at once (`None` when only one may be in flight). They speak the protocol resolved
/// at install, whatever the environment says by then (the driver is that protocol's).
fn more_otlp_exporters(
    otlp: &Otlp,
    protocol: OtlpProtocol,
    settings: &BatchSettings,
    resource: &opentelemetry_sdk::Resource,
    driver: &Driver,
) -> Option<MoreExporters<opentelemetry_otlp::SpanExporter>> {
    if settings.max_concurrent_exports < 2 || !otlp.concurrent {
        return None;
    }
    let otlp = otlp.clone().protocol(protocol);
    let retry_for = settings.retry_for;
    let (resource, driver) = (resource.clone(), driver.clone());
    Some(Box::new(move || {
        driver
            .within(|| otlp_exporter(&otlp, retry_for, &resource))
            .map_err(|e| e.0)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_otlp_destination_may_make_more_exporters() {
        let settings = BatchOptions::default().resolve().unwrap();
        let resource = opentelemetry_sdk::Resource::builder_empty().build();
        let more = |otlp: Otlp, settings: &BatchSettings| {
            more_otlp_exporters(
                &otlp,
                OtlpProtocol::HttpProtobuf,
                settings,
                &resource,
                &Driver::Thread,
            )
            .is_some()
        };
        assert!(more(Otlp::new(), &settings));
        // The devtools' and the URL exporter's.
        assert!(!more(Otlp::new().one_batch_at_a_time(), &settings));
        let one = BatchSettings {
            max_concurrent_exports: 1,
            ..settings.clone()
        };
        assert!(!more(Otlp::new(), &one));
    }
}
