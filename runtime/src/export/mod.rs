//! Where finished spans go, besides any exporter of the OpenTelemetry ecosystem.

mod console;
mod memory;

pub use console::Console;
pub use console::ConsoleBuffer;
pub use memory::{InMemoryProcessor, InMemorySpans};
