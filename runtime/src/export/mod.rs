//! Where finished spans go, besides any exporter of the OpenTelemetry ecosystem.

mod batch;
pub(crate) mod callback;
mod console;
pub(crate) mod env;
mod limits;
mod memory;
mod otlp;

pub use batch::Health;
pub(crate) use batch::{after, BatchOptions, BatchProcessor, BatchSettings, Counters, Driver};
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
