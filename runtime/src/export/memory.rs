//! Finished spans kept in memory, for tests and for applications that inspect their own
//! traces.

use super::limits::ValueLimits;
use opentelemetry::Context;
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{Span, SpanData, SpanProcessor};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A shared list of finished spans. Cloning it shares the list; register it with
/// [`crate::TelemetryBuilder::in_memory`]. Every span ended before a read is in it.
#[derive(Clone, Debug, Default)]
pub struct InMemorySpans {
    spans: Arc<Mutex<Vec<SpanData>>>,
}

impl InMemorySpans {
    /// An empty list.
    pub fn new() -> InMemorySpans {
        InMemorySpans::default()
    }

    /// A copy of the spans finished so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        crate::core::recorder::flush();
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Forgets every span.
    pub fn clear(&self) {
        crate::core::recorder::flush();
        self.spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// A span processor appending to this list, for an `SdkTracerProvider` built by hand.
    pub fn processor(&self) -> InMemoryProcessor {
        InMemoryProcessor(self.clone())
    }
}

/// The span processor behind [`InMemorySpans::processor`].
#[derive(Debug)]
pub struct InMemoryProcessor(InMemorySpans);

impl SpanProcessor for InMemoryProcessor {
    fn on_start(&self, _span: &mut Span, _cx: &Context) {}

    fn on_end(&self, mut span: SpanData) {
        // The same values as every other destination.
        super::ready(&mut span, &ValueLimits::default());
        self.0
            .spans
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        Ok(())
    }

    fn shutdown_with_timeout(&self, _timeout: Duration) -> OTelSdkResult {
        Ok(())
    }
}
