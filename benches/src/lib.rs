//! Shared pieces of the benchmarks (`benches/overhead.rs`, `paired.rs`, `export.rs`) and
//! of `examples/span_cost.rs`.
//!
//! - [`NoopExporter`]: an OpenTelemetry span exporter that drops every batch and counts
//!   the spans it received, so a bench can check that the batch queue dropped nothing
//!   (a dropped span is cheaper than an exported one and would flatter the contender);
//! - [`batch_processor`] / [`batch_provider`]: the SDK pipeline every raw OpenTelemetry
//!   contender records through (a `BatchSpanProcessor` with the default config and a
//!   [`QUEUE`]-span queue), which crux can also be given (`TelemetryBuilder::processor`)
//!   to compare like with like;
//! - [`new_call_id`] and [`tool_attributes`]: the attributes crux puts on a tool span,
//!   for the hand-written raw-SDK baseline;
//! - [`function_under_test!`]: the function every bench calls, plain and under
//!   `#[crux::tool]`, defined in the bench that uses it.
//!
//! Run with `cargo bench -p crux-benches`; `scripts/bench-report` prints the table.

use crux::attributes as key;
use opentelemetry::{KeyValue, Value};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{
    BatchConfigBuilder, BatchSpanProcessor, SdkTracerProvider, SpanData, SpanExporter,
};
use opentelemetry_sdk::Resource;
use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The batch queue size of every OpenTelemetry-based contender: large enough that the
/// export thread keeps up on a loaded 2-core machine and no span is dropped.
pub const QUEUE: usize = 1 << 16;

/// A span exporter that drops every batch, counting the spans it was given and keeping
/// the name and attribute keys of the first one (to check what a contender records).
///
/// Clones share their state: keep one clone, hand the other to the pipeline.
#[derive(Clone, Debug, Default)]
pub struct NoopExporter {
    exported: Arc<AtomicU64>,
    first: Arc<Mutex<Option<SpanShape>>>,
}

/// The name and sorted attribute keys of an exported span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanShape {
    /// The span name.
    pub name: String,
    /// Its attribute keys, sorted.
    pub keys: Vec<String>,
}

impl NoopExporter {
    /// A new exporter with its count at zero.
    pub fn new() -> NoopExporter {
        NoopExporter::default()
    }

    /// How many spans were exported so far (call after the pipeline's shutdown).
    pub fn exported(&self) -> u64 {
        self.exported.load(Ordering::Relaxed)
    }

    /// The first span exported, if any.
    pub fn first_span(&self) -> Option<SpanShape> {
        self.first.lock().ok().and_then(|first| first.clone())
    }
}

impl SpanExporter for NoopExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.exported
            .fetch_add(batch.len() as u64, Ordering::Relaxed);
        // Once per batch (at most 512 spans), on the export thread: off the measured path.
        if let (Ok(mut first), Some(span)) = (self.first.lock(), batch.first()) {
            if first.is_none() {
                let mut keys: Vec<String> = span
                    .attributes
                    .iter()
                    .map(|kv| kv.key.to_string())
                    .collect();
                keys.sort();
                *first = Some(SpanShape {
                    name: span.name.to_string(),
                    keys,
                });
            }
        }
        Ok(())
    }
}

/// The SDK's batch span processor exporting to `exporter`, with the default batch
/// config and a [`QUEUE`]-span queue: the processor of every raw OpenTelemetry contender,
/// and of crux in its `crux_on_sdk_batch` variant.
pub fn batch_processor(exporter: NoopExporter) -> BatchSpanProcessor {
    let config = BatchConfigBuilder::default()
        .with_max_queue_size(QUEUE)
        .build();
    BatchSpanProcessor::builder(exporter)
        .with_batch_config(config)
        .build()
}

/// An SDK tracer provider recording through [`batch_processor`].
pub fn batch_provider(exporter: NoopExporter) -> SdkTracerProvider {
    SdkTracerProvider::builder()
        .with_resource(Resource::builder().build())
        .with_span_processor(batch_processor(exporter))
        .build()
}

/// Defines, in the bench that calls it, the function under test the way each contender
/// calls it, with the same body: `A` and `B` (its arguments), `body`, `add` (plain) and
/// `add_crux` (`#[crux::tool(name = "add")]`, crux's span `crux.tool.add`). Each is
/// `#[inline(never)]`, so that every iteration is a real call, as a tool call in an agent
/// is. Defined in the bench itself (not here): the callsite is the bench's, as an
/// application's would be, and the tool fn has no doc comment, which crux would record as
/// `gen_ai.tool.description` and the other contenders do not have.
#[macro_export]
macro_rules! function_under_test {
    () => {
        const A: u64 = 0x1234_5678;
        const B: u64 = 42;

        #[inline(always)]
        fn body(a: u64, b: u64) -> u64 {
            a.wrapping_mul(31).wrapping_add(b) ^ (a >> 7)
        }

        #[inline(never)]
        fn add(a: u64, b: u64) -> u64 {
            body(a, b)
        }

        #[::crux::tool(name = "add")]
        #[inline(never)]
        fn add_crux(a: u64, b: u64) -> u64 {
            body(a, b)
        }
    };
}

thread_local! {
    static ID_STATE: Cell<u64> = Cell::new(seed());
}

fn seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x9E37_79B9_7F4A_7C15);
    hasher.finish() | 1
}

/// A tool-call id as crux generates one: `call_` and 16 hex digits from a per-thread
/// xorshift64* generator (the same algorithm as crux's `ids::new_id`).
pub fn new_call_id() -> String {
    use std::fmt::Write;
    let bits = ID_STATE.with(|s| {
        let mut x = s.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        s.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    });
    let mut id = String::with_capacity(5 + 16);
    id.push_str("call_");
    let _ = write!(id, "{bits:016x}");
    id
}

/// The seven attributes crux's start defaults put on a `#[crux::tool(name = ..)]` span
/// without a doc comment, with the same value representations (static strings
/// borrowed, the call id owned and mirrored).
pub fn tool_attributes(tool: &'static str, call_id: String) -> Vec<KeyValue> {
    let id = Value::from(call_id);
    vec![
        KeyValue::new(key::OPENINFERENCE_SPAN_KIND, "TOOL"),
        KeyValue::new(key::CRUX_TOOL_NAME, tool),
        KeyValue::new(key::CRUX_TOOL_CALL_ID, id.clone()),
        KeyValue::new(key::GEN_AI_OPERATION_NAME, "execute_tool"),
        KeyValue::new(key::GEN_AI_TOOL_NAME, tool),
        KeyValue::new(key::GEN_AI_TOOL_CALL_ID, id),
        KeyValue::new(key::GEN_AI_TOOL_TYPE, "function"),
    ]
}

/// The end attributes crux records on a tool span from its output: the privacy-safe
/// output metadata (shape, sizes, savings estimate), computed here by hand the same way.
pub fn output_attributes(output: u64) -> [KeyValue; 4] {
    let size = i64::try_from(output.to_string().len()).unwrap_or(i64::MAX);
    [
        KeyValue::new(key::CRUX_TOOL_MODEL_OUTPUT_TYPE, "json"),
        KeyValue::new(key::CRUX_TOOL_OUTPUT_SIZE, size),
        KeyValue::new(key::CRUX_TOOL_MODEL_OUTPUT_SIZE, size),
        KeyValue::new(key::CRUX_TOOL_TOKEN_SAVINGS_ESTIMATE, 0_i64),
    ]
}

/// Runs `body` in a hand-made tool span with crux's start and end attributes.
pub fn raw_tool_call(
    tracer: &opentelemetry_sdk::trace::SdkTracer,
    builder: opentelemetry::trace::SpanBuilder,
    body: impl FnOnce() -> u64,
) -> u64 {
    use opentelemetry::trace::{TraceContextExt, Tracer as _};
    tracer.in_span_with_builder(builder, |cx| {
        let out = body();
        cx.span().set_attributes(output_attributes(out));
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_ids_look_like_crux_ids() {
        let (a, b) = (new_call_id(), new_call_id());
        assert!(a.starts_with("call_") && a.len() == 21);
        assert_ne!(a, b);
    }

    #[test]
    fn tool_attributes_mirror_the_call_id() {
        let attrs = tool_attributes("add", "call_1".to_owned());
        let get = |k: &str| {
            attrs
                .iter()
                .find(|kv| kv.key.as_str() == k)
                .map(|kv| kv.value.as_str().into_owned())
        };
        assert_eq!(attrs.len(), 7);
        assert_eq!(get(key::CRUX_TOOL_CALL_ID), get(key::GEN_AI_TOOL_CALL_ID));
        assert_eq!(get(key::GEN_AI_TOOL_TYPE).as_deref(), Some("function"));
    }
}
