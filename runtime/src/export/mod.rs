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
