//! Where finished spans go, besides any exporter of the OpenTelemetry ecosystem.

mod batch;
pub(crate) mod callback;
mod console;
pub(crate) mod env;
mod limits;
mod memory;
mod otlp;

pub use batch::Health;
pub(crate) use batch::{
    after, BatchOptions, BatchProcessor, BatchSettings, Counters, Driver, MoreExporters,
};
pub(crate) use console::CONSOLE_DELAY;
pub use console::{Console, ConsoleBuffer};
pub(crate) use limits::span_limits;
pub use memory::{InMemoryProcessor, InMemorySpans};
pub use otlp::{Otlp, OtlpProtocol};

use limits::ValueLimits;
use opentelemetry_sdk::trace::SpanData;

/// Readies a finished span for a destination, where it is exported: the ids crux left
/// to the export are filled in (the same in every destination: they come from the
/// span's id), then every value is made safe.
fn ready(span: &mut SpanData, limits: &ValueLimits) {
    crate::core::ids::fill_call_ids(&mut span.attributes, span.span_context.span_id());
    limits.apply(span);
}

/// A finished, sampled span named `s` with `attributes` and `events` (for this module's
/// tests).
#[cfg(test)]
fn test_span(
    attributes: Vec<opentelemetry::KeyValue>,
    events: opentelemetry_sdk::trace::SpanEvents,
) -> SpanData {
    use opentelemetry::trace::{SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId};
    SpanData {
        span_context: SpanContext::new(
            TraceId::from(1),
            SpanId::from(1),
            TraceFlags::SAMPLED,
            false,
            Default::default(),
        ),
        parent_span_id: SpanId::INVALID,
        parent_span_is_remote: false,
        span_kind: SpanKind::Internal,
        name: "s".into(),
        start_time: std::time::SystemTime::UNIX_EPOCH,
        end_time: std::time::SystemTime::UNIX_EPOCH,
        attributes,
        dropped_attributes_count: 0,
        events,
        links: Default::default(),
        status: Status::Unset,
        instrumentation_scope: Default::default(),
    }
}
