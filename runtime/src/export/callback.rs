//! The callback exporter: a closure receives finished spans in batches.

use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SpanData, SpanExporter};

/// Hands each batch of finished spans to a closure (on crux's export thread). A
/// panicking closure is contained and its batch counted as failed.
pub(crate) struct CallbackExporter<F>(pub F);

impl<F> std::fmt::Debug for CallbackExporter<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CallbackExporter")
    }
}

impl<F: Fn(Vec<SpanData>) + Send + Sync + 'static> SpanExporter for CallbackExporter<F> {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        (self.0)(batch);
        Ok(())
    }
}
