//! Crux devtools: a local OTLP/HTTP receiver that keeps traces in an embedded SQLite
//! database and shows them in a web UI — a live trace list and, per trace, a waterfall
//! with crux's one-line summaries, span details, the tool loop, captured messages as a
//! chat and resume links.
//!
//! `cargo run -p crux-devtools` serves everything on `http://127.0.0.1:4319`; point any
//! OpenTelemetry program at it (`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4319`) or
//! use `crux::Telemetry::builder().devtools()`.

pub mod api;
pub mod config;
pub mod ingest;
pub mod server;
pub mod span;
pub mod store;
pub mod summary;
pub mod ui;
