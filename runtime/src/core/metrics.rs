//! GenAI metrics: the OpenTelemetry GenAI conventions' client histograms
//! (`gen_ai.client.token.usage`, `gen_ai.client.operation.duration`, with the
//! conventions' bucket boundaries) and crux's own counters (`crux.cost`, `crux.tool.calls`).
//! The instruments live in the installed pipeline; a call records into them when it ends.
//! Knows no family: callers hand over the labels.

use crate::attributes as key;
use crate::core::callsite::Callsite;
use opentelemetry::metrics::{AsyncInstrument, Counter, Histogram, Meter, MeterProvider as _};
use opentelemetry::KeyValue;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

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
    tool_calls: Arc<ToolCalls>,
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
            tool_calls: ToolCalls::instrument(&meter),
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

    /// A call of the tool at `site` ended (`error_type` when it failed), named `tool`
    /// (the callsite's label unless a hook renamed it). A successful call under its
    /// callsite's name is one atomic add on the callsite's tally.
    pub(crate) fn tool_call(&self, site: &'static Callsite, tool: &str, error_type: Option<&str>) {
        self.tool_calls.call(site, tool, error_type);
    }
}

/// `crux.tool.calls`, an observable counter: calls are counted where counting is one
/// atomic add (the callsite's [`CallTally`](crate::core::callsite::CallTally)) and read
/// when the metrics are collected. A synchronous counter hashed the attributes to find
/// the count on every call: about a thousand instructions on the application's thread.
///
/// Each point's value only grows (a delta reader subtracts the last one), and there are
/// at most [`MOST_POINTS`] of them, decided once each, plus the overflow point.
#[derive(Debug)]
struct ToolCalls {
    /// This pipeline's number: what the tally of a callsite it lists holds. Later
    /// pipelines have higher numbers.
    pipeline: u32,
    points: Mutex<Points>,
}

/// The most points `crux.tool.calls` reports by tool name and error type (well under
/// the SDK's own cardinality limit of 2,000 per instrument, past which it would
/// overwrite, not add up, an observable counter's values). Calls of names and error
/// types met once they are taken count together under `otel.metric.overflow`: memory
/// stays bounded whatever names and error types an application makes.
const MOST_POINTS: usize = 1000;

/// What `crux.tool.calls` reports for one pipeline.
#[derive(Debug, Default)]
struct Points {
    /// The callsites this pipeline counts on their tallies.
    listed: Vec<Listed>,
    /// Calls by (tool name, error type), counted here: failed ones, those a hook gave
    /// another name, those of this pipeline's spans once a later pipeline took their
    /// callsite. A listed callsite's own point is a key here too (with 0), so the keys
    /// are every point there is.
    named: BTreeMap<(String, Option<String>), u64>,
    /// Calls of names and error types met once `named` was full.
    overflow: u64,
}

/// A callsite counted on its tally.
#[derive(Debug)]
struct Listed {
    site: &'static Callsite,
    /// The tally's count when this pipeline took it: the calls before were another's.
    base: u64,
    /// Whether its calls have a point of their own (else they count in the overflow).
    own_point: bool,
    /// What was last reported: kept once a later pipeline takes the tally over.
    reported: u64,
}

impl Points {
    /// The count of `key`'s own point, made while there is room; `None` once the points
    /// are all taken by other keys (its calls then go to the overflow).
    fn point(&mut self, key: (String, Option<String>)) -> Option<&mut u64> {
        if self.named.len() >= MOST_POINTS && !self.named.contains_key(&key) {
            return None;
        }
        Some(self.named.entry(key).or_default())
    }
}

impl ToolCalls {
    /// The counts of a new pipeline, and the instrument that reports them.
    fn instrument(meter: &Meter) -> Arc<ToolCalls> {
        let calls = Arc::new(ToolCalls::new());
        let reported = calls.clone();
        // The SDK keeps the callback for the provider's life; the handle is not needed.
        meter
            .u64_observable_counter(names::TOOL_CALLS)
            .with_unit("{call}")
            .with_description("Tool calls, failed ones with error.type")
            .with_callback(move |observer| reported.observe(observer))
            .build();
        calls
    }

    fn new() -> ToolCalls {
        static PIPELINES: AtomicU32 = AtomicU32::new(1);
        ToolCalls {
            pipeline: PIPELINES.fetch_add(1, Ordering::Relaxed),
            points: Mutex::new(Points::default()),
        }
    }

    fn points(&self) -> std::sync::MutexGuard<'_, Points> {
        self.points.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn call(&self, site: &'static Callsite, tool: &str, error_type: Option<&str>) {
        match error_type {
            None if tool == site.label => self.count(site),
            _ => self.count_by_name(tool, error_type),
        }
    }

    fn count(&self, site: &'static Callsite) {
        let tally = &site.calls;
        if tally.listed_in.load(Ordering::Acquire) != self.pipeline && !self.list(site) {
            return self.count_by_name(site.label, None);
        }
        tally.count.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes `site`'s tally for this pipeline unless a later pipeline has it (this one's
    /// calls of it are then counted by name); whether the tally counts for this pipeline.
    /// The count read before the tally is taken is the base, so a call another thread
    /// counts meanwhile is not lost; only the thread that takes it lists it.
    #[cold]
    fn list(&self, site: &'static Callsite) -> bool {
        let base = site.calls.count.load(Ordering::Relaxed);
        let before = site
            .calls
            .listed_in
            .fetch_max(self.pipeline, Ordering::AcqRel);
        if before < self.pipeline {
            let mut points = self.points();
            let own_point = points.point((site.label.to_owned(), None)).is_some();
            points.listed.push(Listed {
                site,
                base,
                own_point,
                reported: 0,
            });
        }
        before <= self.pipeline
    }

    #[cold]
    fn count_by_name(&self, tool: &str, error_type: Option<&str>) {
        let mut points = self.points();
        match points.point((tool.to_owned(), error_type.map(str::to_owned))) {
            Some(calls) => *calls += 1,
            None => points.overflow += 1,
        }
    }

    /// Reports every count, one point per tool name and error type (two callsites may
    /// share a name: an observable counter keeps only the last value given per point).
    fn observe(&self, observer: &dyn AsyncInstrument<u64>) {
        let (points, overflow) = {
            let mut points = self.points();
            let Points {
                listed,
                named,
                overflow,
            } = &mut *points;
            let mut values = named.clone();
            let mut overflow = *overflow;
            for listed in listed.iter_mut() {
                let tally = &listed.site.calls;
                // A later pipeline's calls are not this one's: its last value stays.
                if tally.listed_in.load(Ordering::Acquire) == self.pipeline {
                    listed.reported = tally
                        .count
                        .load(Ordering::Relaxed)
                        .saturating_sub(listed.base);
                }
                match values.get_mut(&(listed.site.label.to_owned(), None)) {
                    Some(value) if listed.own_point => *value += listed.reported,
                    _ => overflow += listed.reported,
                }
            }
            (values, overflow)
        };
        for ((tool, error_type), calls) in points {
            if calls == 0 {
                continue;
            }
            let name = KeyValue::new(key::GEN_AI_TOOL_NAME, tool);
            match error_type {
                None => observer.observe(calls, &[name]),
                Some(error) => {
                    observer.observe(calls, &[name, KeyValue::new(key::ERROR_TYPE, error)])
                }
            }
        }
        if overflow > 0 {
            observer.observe(overflow, &[KeyValue::new(OVERFLOW, true)]);
        }
    }
}

/// The attribute of the point that counts what is past a cardinality limit (the
/// OpenTelemetry metrics SDK's name for it).
const OVERFLOW: &str = "otel.metric.overflow";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::callsite::{CallTally, Kind};

    fn site(label: &'static str) -> &'static Callsite {
        Box::leak(Box::new(Callsite {
            kind: Kind::Tool,
            name: "crux.tool",
            label,
            doc: None,
            function: "tests::tool",
            file: "metrics.rs",
            line: 1,
            calls: CallTally::new(),
        }))
    }

    /// What a collection observes: (tool name, error type) → calls.
    #[derive(Default)]
    struct Observed(Mutex<BTreeMap<(String, Option<String>), u64>>);

    impl AsyncInstrument<u64> for Observed {
        fn observe(&self, calls: u64, attributes: &[KeyValue]) {
            let text = |k: &str| {
                attributes
                    .iter()
                    .find(|kv| kv.key.as_str() == k)
                    .map(|kv| kv.value.as_str().into_owned())
            };
            let point = match text(OVERFLOW) {
                Some(_) => (OVERFLOW.to_owned(), None),
                None => (text(key::GEN_AI_TOOL_NAME).unwrap(), text(key::ERROR_TYPE)),
            };
            let previous = self.0.lock().unwrap().insert(point, calls);
            assert_eq!(previous, None, "one point per tool name and error type");
        }
    }

    fn observe(calls: &ToolCalls) -> BTreeMap<(String, Option<String>), u64> {
        let observed = Observed::default();
        calls.observe(&observed);
        observed.0.into_inner().unwrap()
    }

    fn point(tool: &str, error: Option<&str>) -> (String, Option<String>) {
        (tool.to_owned(), error.map(str::to_owned))
    }

    #[test]
    fn calls_are_reported_per_tool_name_and_error_type() {
        let calls = ToolCalls::new();
        let (lookup, lookup_elsewhere, search) = (site("lookup"), site("lookup"), site("search"));
        let metrics = |site, tool, error| calls.call(site, tool, error);
        for _ in 0..3 {
            metrics(lookup, "lookup", None);
        }
        metrics(lookup_elsewhere, "lookup", None);
        metrics(lookup, "lookup", Some("NotFound"));
        metrics(search, "search", None);
        metrics(search, "renamed", None);
        let observed = observe(&calls);
        assert_eq!(
            observed,
            BTreeMap::from([
                (point("lookup", None), 4),
                (point("lookup", Some("NotFound")), 1),
                (point("renamed", None), 1),
                (point("search", None), 1),
            ])
        );
        // Counts are cumulative: a second collection reports them again, with what came since.
        calls.count(search);
        assert_eq!(observe(&calls)[&point("search", None)], 2);
    }

    #[test]
    fn points_are_bounded_and_the_rest_overflow() {
        let calls = ToolCalls::new();
        let lookup = site("lookup");
        for i in 0..MOST_POINTS {
            calls.call(lookup, "lookup", Some(&format!("Error{i}")));
        }
        calls.call(lookup, "lookup", Some("Error0"));
        for _ in 0..3 {
            calls.call(lookup, "lookup", Some("Unseen"));
        }
        calls.call(lookup, "renamed", None);
        // A callsite met once the points are taken: its tally counts in the overflow.
        let search = site("search");
        calls.call(search, "search", None);
        calls.call(search, "search", None);
        let observed = observe(&calls);
        assert_eq!(
            observed.len(),
            MOST_POINTS + 1,
            "every point and the overflow"
        );
        assert_eq!(
            observed[&point("lookup", Some("Error0"))],
            2,
            "a known pair counts on"
        );
        assert_eq!(observed[&point(OVERFLOW, None)], 6, "the rest, together");
        assert!(!observed.contains_key(&point("lookup", Some("Unseen"))));
        calls.call(search, "search", None);
        assert_eq!(
            observe(&calls)[&point(OVERFLOW, None)],
            7,
            "and it only grows"
        );
    }

    /// A span of a replaced pipeline that ends after the new one counted its callsite:
    /// neither pipeline counts a call twice, and no value goes down.
    #[test]
    fn a_replaced_pipeline_and_its_successor_share_no_call() {
        let lookup = site("lookup");
        let (old, new) = (ToolCalls::new(), ToolCalls::new());
        old.call(lookup, "lookup", None);
        let old_before = observe(&old)[&point("lookup", None)];
        new.call(lookup, "lookup", None);
        old.call(lookup, "lookup", None);
        for _ in 0..10 {
            new.call(lookup, "lookup", None);
        }
        assert_eq!(observe(&new), BTreeMap::from([(point("lookup", None), 11)]));
        assert_eq!(new.points().listed.len(), 1, "listed once");
        let old_after = observe(&old)[&point("lookup", None)];
        assert_eq!(old_before, 1);
        assert_eq!(old_after, 2, "its own two calls, the second by name");
    }

    #[test]
    fn a_pipeline_reports_the_calls_made_under_it() {
        let lookup = site("lookup");
        let before = ToolCalls::new();
        for _ in 0..5 {
            before.count(lookup);
        }
        let after = ToolCalls::new();
        assert!(observe(&after).is_empty(), "nothing counted under it yet");
        after.count(lookup);
        after.count(lookup);
        assert_eq!(
            observe(&after),
            BTreeMap::from([(point("lookup", None), 2)])
        );
    }

    #[test]
    fn threads_counting_a_callsite_first_together_lose_no_call() {
        for _ in 0..20 {
            let calls = ToolCalls::new();
            let lookup = site("lookup");
            let barrier = std::sync::Barrier::new(4);
            std::thread::scope(|s| {
                for _ in 0..4 {
                    s.spawn(|| {
                        barrier.wait();
                        for _ in 0..500 {
                            calls.count(lookup);
                        }
                    });
                }
            });
            assert_eq!(
                observe(&calls),
                BTreeMap::from([(point("lookup", None), 2000)])
            );
            assert_eq!(calls.points().listed.len(), 1, "listed once");
        }
    }
}
