//! GenAI metrics: the OpenTelemetry GenAI conventions' client histograms
//! (`gen_ai.client.token.usage`, `gen_ai.client.operation.duration`, with the
//! conventions' bucket boundaries) and crux's own counters (`crux.cost`, `crux.tool.calls`).
//! The instruments live in the installed pipeline; a call records into them when it ends.
//! Knows no family: callers hand over the labels.

use crate::attributes as key;
use opentelemetry::metrics::{Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry::KeyValue;

/// The metric names crux records.
pub mod names {
    /// Tokens per model call, by `gen_ai.token.type` (GenAI conventions).
    pub const TOKEN_USAGE: &str = "gen_ai.client.token.usage";
    /// Seconds per model or embedding call (GenAI conventions).
    pub const OPERATION_DURATION: &str = "gen_ai.client.operation.duration";
    /// USD spent, the same amounts crux adds to its flows' totals.
    pub const COST: &str = "crux.cost";
    /// Tool calls, with `error.type` on failed ones.
    pub const TOOL_CALLS: &str = "crux.tool.calls";
}

/// `gen_ai.client.token.usage` buckets: 1, 4, 16, ... 67108864 (×4).
const TOKEN_BUCKETS: [f64; 14] = [
    1.0, 4.0, 16.0, 64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0,
    16777216.0, 67108864.0,
];

/// `gen_ai.client.operation.duration` buckets: 0.01 ... 81.92 s (×2).
const DURATION_BUCKETS: [f64; 14] = [
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

/// The instruments of one installed pipeline.
#[derive(Clone, Debug)]
pub(crate) struct Metrics {
    token_usage: Histogram<u64>,
    duration: Histogram<f64>,
    cost: Counter<f64>,
    tool_calls: Counter<u64>,
}

/// What identifies a model call in its metrics (the conventions' attributes).
#[derive(Clone, Debug, Default)]
pub(crate) struct ModelCall {
    /// `gen_ai.operation.name`.
    pub operation: Option<String>,
    /// `gen_ai.provider.name`.
    pub provider: Option<String>,
    /// `gen_ai.request.model`.
    pub request_model: Option<String>,
    /// `gen_ai.response.model`.
    pub response_model: Option<String>,
    /// `error.type`, when it failed.
    pub error_type: Option<String>,
}

impl ModelCall {
    fn attributes(&self) -> Vec<KeyValue> {
        [
            (key::GEN_AI_OPERATION_NAME, &self.operation),
            (key::GEN_AI_PROVIDER_NAME, &self.provider),
            (key::GEN_AI_REQUEST_MODEL, &self.request_model),
            (key::GEN_AI_RESPONSE_MODEL, &self.response_model),
            (key::ERROR_TYPE, &self.error_type),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| KeyValue::new(k, v.clone())))
        .collect()
    }
}

impl Metrics {
    /// The instruments, from `provider`'s meter `crux`.
    pub(crate) fn new(provider: &opentelemetry_sdk::metrics::SdkMeterProvider) -> Metrics {
        let meter: Meter = provider.meter_with_scope(
            opentelemetry::InstrumentationScope::builder("crux")
                .with_version(env!("CARGO_PKG_VERSION"))
                .build(),
        );
        Metrics {
            token_usage: meter
                .u64_histogram(names::TOKEN_USAGE)
                .with_unit("{token}")
                .with_description("Number of input and output tokens used")
                .with_boundaries(TOKEN_BUCKETS.to_vec())
                .build(),
            duration: meter
                .f64_histogram(names::OPERATION_DURATION)
                .with_unit("s")
                .with_description("GenAI operation duration")
                .with_boundaries(DURATION_BUCKETS.to_vec())
                .build(),
            cost: meter
                .f64_counter(names::COST)
                .with_unit("{USD}")
                .with_description("What model calls and reported costs cost, in USD")
                .build(),
            tool_calls: meter
                .u64_counter(names::TOOL_CALLS)
                .with_unit("{call}")
                .with_description("Tool calls, failed ones with error.type")
                .build(),
        }
    }

    /// A model or embedding call ended after `seconds`, having used `tokens` (input,
    /// output) when the provider said.
    pub(crate) fn model_call(&self, call: &ModelCall, seconds: f64, tokens: Option<(u64, u64)>) {
        let attrs = call.attributes();
        self.duration.record(seconds, &attrs);
        if call.error_type.is_some() {
            return; // no usage for a failed call
        }
        if let Some((input, output)) = tokens {
            for (kind, count) in [("input", input), ("output", output)] {
                let mut attrs = attrs.clone();
                attrs.push(KeyValue::new(key::GEN_AI_TOKEN_TYPE, kind));
                self.token_usage.record(count, &attrs);
            }
        }
    }

    /// `usd` was spent (`source`: `actual` or `estimate`).
    pub(crate) fn cost(&self, usd: f64, source: &'static str) {
        self.cost
            .add(usd, &[KeyValue::new(key::CRUX_COST_SOURCE, source)]);
    }

    /// A tool call ended (`error_type` when it failed). The attributes are built on the
    /// stack, the name shared with the span's: a successful call allocates nothing here.
    pub(crate) fn tool_call(&self, tool: &opentelemetry::StringValue, error_type: Option<&str>) {
        let name = KeyValue::new(key::GEN_AI_TOOL_NAME, tool.clone());
        match error_type {
            None => self.tool_calls.add(1, &[name]),
            Some(error) => self
                .tool_calls
                .add(1, &[name, KeyValue::new(key::ERROR_TYPE, error.to_owned())]),
        }
    }
}
