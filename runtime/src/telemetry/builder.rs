//! The builder's options: naming, content, hooks, budgets, batching, and `install`.

use super::*;

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
        // Crux records its own spans unless an application processor needs the SDK's.
        let recorder = (has_destinations && installed.foreign.is_empty()).then(|| {
            Recorder::new(
                sampler(self.sampler.clone()),
                span_limits,
                installed.processors.clone(),
                pipeline::scope(),
                crate::recording::dispatch::WRITE_LEFT,
            )
        });
        let provider = has_destinations.then(|| {
            let mut builder = SdkTracerProvider::builder()
                .with_resource(resource)
                .with_span_limits(span_limits);
            if let Some(sampler) = self.sampler {
                builder = builder.with_sampler(sampler);
            }
            for processor in installed.processors {
                builder = builder.with_span_processor(Shared(processor));
            }
            for add in installed.foreign {
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
            recorder,
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

#[cfg(test)]
mod recorder_tests {
    //! Which recorder the builder picks, and the recorder's buffers (`core/recorder.rs`).

    use crate::core::callsite::{CallTally, Callsite, Kind};
    use crate::export::InMemorySpans;
    use crate::Telemetry;

    /// A tool's callsite, as `#[crux::tool]` makes one.
    static SITE: Callsite = Callsite {
        kind: Kind::Tool,
        name: "crux.tool.lookup",
        label: "lookup",
        doc: None,
        function: "tests::lookup",
        file: "builder.rs",
        line: 1,
        calls: CallTally::new(),
    };

    /// One span through the installed pipeline, started and ended at once.
    fn noop() {
        crate::core::pipeline::instant(&opentelemetry::Context::new(), "crux.test", Vec::new());
    }

    #[test]
    fn crux_destinations_record_through_the_recorder_and_an_application_processor_through_the_sdk()
    {
        let _turn = crate::testing::exclusive();
        let spans = InMemorySpans::new();
        let guard = Telemetry::builder().in_memory(&spans).install().unwrap();
        assert!(crate::core::pipeline::hold().records_itself());
        drop(guard);
        let guard = Telemetry::builder()
            .processor(spans.processor())
            .install()
            .unwrap();
        assert!(!crate::core::pipeline::hold().records_itself());
        drop(guard);
    }

    /// In an installed pipeline, a tool given nothing leaves its start defaults to the
    /// export, and its exported span has them; given an argument, or with a hook that
    /// reads a span's attributes as it starts, it writes them at the start.
    #[test]
    fn a_tool_given_nothing_leaves_its_defaults_to_the_export() {
        use crate::core::recorder::LEFT_ON_THIS_THREAD;
        use crate::recording::guard::SpanGuard;
        use crate::recording::start::Start;
        // How many of one call's defaults were left to the export.
        let left = |args: &mut dyn FnMut(&mut Start)| {
            let before = LEFT_ON_THIS_THREAD.with(std::cell::Cell::get);
            SpanGuard::start(&SITE, args).end();
            LEFT_ON_THIS_THREAD.with(std::cell::Cell::get) - before
        };
        let _turn = crate::testing::exclusive();
        crate::set_enabled(true);
        let spans = InMemorySpans::new();
        let guard = Telemetry::builder().in_memory(&spans).install().unwrap();
        assert_eq!(left(&mut |_| {}), 1);
        assert_eq!(left(&mut |start| start.set("app.tier", "gold")), 0);
        assert!(guard.shutdown().errors.is_empty());
        let exported = spans.spans();
        assert_eq!(exported.len(), 2);
        for span in &exported {
            let name =
                crate::core::attrs::find(&span.attributes, crate::attributes::GEN_AI_TOOL_NAME);
            assert_eq!(
                name.map(|v| v.as_str().into_owned()).as_deref(),
                Some("lookup")
            );
        }
        let hooked = Telemetry::builder()
            .in_memory(&spans)
            .map_attributes(|_, _, _| {})
            .install()
            .unwrap();
        assert_eq!(left(&mut |_| {}), 0);
        assert!(hooked.shutdown().errors.is_empty());
    }

    /// A tool that left its defaults to the export, given an output, leaves its end
    /// values there too, and its exported span ends with them, as the SDK's path writes
    /// them; with the output's value captured, its end writes them all at once.
    #[test]
    fn a_tool_that_left_its_defaults_leaves_its_end_values_to_the_export() {
        use crate::core::recorder::{LEFT_END_ON_THIS_THREAD, LEFT_ON_THIS_THREAD};
        use crate::recording::guard::SpanGuard;
        use crate::recording::probes::{DirectToolOutput as _, ToolOutputProbe};
        let count = |counter: &'static std::thread::LocalKey<std::cell::Cell<usize>>| {
            counter.with(std::cell::Cell::get)
        };
        // One call returning "found" (or failing, when `failed`): how many of its starts
        // and ends left values to the export, and the exported span's attributes from the
        // body's on. `given`: the macro's arguments gave an attribute, so nothing is left.
        let call = |capture: bool, failed: bool, given: bool| {
            let spans = InMemorySpans::new();
            let guard = Telemetry::builder()
                .in_memory(&spans)
                .capture_content(capture)
                .install()
                .unwrap();
            let (starts, ends) = (count(&LEFT_ON_THIS_THREAD), count(&LEFT_END_ON_THIS_THREAD));
            let span = SpanGuard::start(&SITE, &mut |start| {
                if given {
                    start.set("app.tier", "gold");
                }
            });
            // Set by the body: after the defaults, before the end values.
            span.set_attribute("app.step", "lookup");
            if failed {
                span.record_error("tool_error", "not found");
            } else {
                (&ToolOutputProbe(&"found")).crux_tool_output(&span);
            }
            span.end();
            let left = (
                count(&LEFT_ON_THIS_THREAD) - starts,
                count(&LEFT_END_ON_THIS_THREAD) - ends,
            );
            assert!(guard.shutdown().errors.is_empty());
            let exported = spans.spans();
            assert_eq!(exported.len(), 1);
            let attrs = &exported[0].attributes;
            let from = attrs
                .iter()
                .position(|kv| kv.key.as_str() == "app.step")
                .expect("the body's attribute");
            let end: Vec<String> = attrs[from..]
                .iter()
                .map(|kv| format!("{}={}", kv.key, kv.value))
                .collect();
            (left, end)
        };
        let _turn = crate::testing::exclusive();
        crate::set_enabled(true);
        let values = [
            "app.step=lookup",
            "crux.tool.model_output.type=text",
            "crux.tool.output.size=5",
            "crux.tool.model_output.size=5",
            "crux.tool.token_savings_estimate=0",
        ];
        let (left, end) = call(false, false, false);
        assert_eq!(left, (1, 1));
        assert_eq!(end, values, "after the body's, in the end's order");
        assert_eq!(call(false, false, true), ((0, 0), end));
        // A failed call's end values (the error's size) and the error's own attribute,
        // left or not, are the same.
        let (left, failed) = call(false, true, false);
        assert_eq!(left, (1, 1));
        assert!(failed.contains(&"crux.tool.model_output.type=error-text".to_owned()));
        assert_eq!(call(false, true, true), ((0, 0), failed));
        let (left, end) = call(true, false, false);
        assert_eq!(left, (1, 0), "a captured result is written at the end");
        assert_eq!(end[..5], values);
        assert_eq!(end[5], "gen_ai.tool.call.result=found");
        assert_eq!(end.len(), 6);
    }

    #[test]
    fn a_burst_larger_than_a_thread_buffer_arrives_whole_and_once() {
        let _turn = crate::testing::exclusive();
        crate::set_enabled(true);
        let spans = InMemorySpans::new();
        let guard = Telemetry::builder().in_memory(&spans).install().unwrap();
        // More than one buffer's worth from a thread that then exits: whether the drain or
        // the thread itself (at the limit) hands them on, every span arrives, once.
        let n = crate::core::recorder::LOCAL_LIMIT + 100;
        std::thread::spawn(move || (0..n).for_each(|_| noop()))
            .join()
            .unwrap();
        assert_eq!(spans.spans().len(), n);
        let report = guard.shutdown();
        assert!(report.errors.is_empty(), "{report}");
    }
}
