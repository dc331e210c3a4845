//! The installed telemetry's guard: flush, one-deadline shutdown, and its report.

use super::*;

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
        crate::core::recorder::flush();
        self.health
            .iter()
            .map(|(_, c)| c.health())
            .fold(Health::default(), |a, b| a + b)
    }

    /// [`TelemetryGuard::health`] per destination, named `otlp-grpc`, `otlp-http-json`,
    /// `otlp-http-protobuf`, `callback`, `exporter` or `console`.
    pub fn destination_health(&self) -> Vec<(String, Health)> {
        crate::core::recorder::flush();
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
        crate::core::recorder::flush();
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
        // Every span crux recorded so far reaches the processors before they drain.
        if let Some(recorder) = &self.pipeline.recorder {
            recorder.shut_down();
        }
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
        // With no time left it is still started (on a helper thread, waited for not at
        // all): a meter provider dropped unshut would shut down on the application's
        // thread, with the SDK's own timeout.
        if let Some(meters) = &self.meter_provider {
            let meters = meters.clone();
            let left = deadline.saturating_duration_since(Instant::now());
            let wait_until = if left.is_zero() { None } else { Some(deadline) };
            let timeout = left.max(Duration::from_millis(1));
            let _ = within(wait_until, move || meters.shutdown_with_timeout(timeout));
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
