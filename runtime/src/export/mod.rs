//! Where finished spans go, besides any exporter of the OpenTelemetry ecosystem.

mod batch;
pub(crate) mod callback;
mod console;
mod memory;
mod otlp;

pub use batch::Health;
pub(crate) use batch::{BatchProcessor, BatchSettings, Counters, Driver};
pub use console::{Console, ConsoleBuffer};
pub use memory::{InMemoryProcessor, InMemorySpans};
pub use otlp::{Otlp, OtlpProtocol};
