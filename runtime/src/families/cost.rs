//! Cost: what model calls and other work cost, the running total of each flow, and
//! budgets that warn and stop once when crossed.
//!
//! `crux.cost` recorded on a `#[crux::generate]` span (by [`crate::Span::record_cost`] or a
//! [`crate::ModelResponse`]) feeds the running total of every enclosing flow; each flow
//! span ends with `crux.cost.total`. [`report`] records any other cost as an instant
//! `crux.cost.report` span. With a budget ([`crate::TelemetryBuilder::cost_budget`]), the
//! outermost flow emits `crux.cost.warn` and `crux.cost.limit` once each when its total
//! crosses the thresholds. Flow, step and session ids come from the context.

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::pipeline::{self, instant, Held};
use crate::families::budget::{self, BudgetType};
use crate::families::flow::{FlowScope, StepScope};
use crate::families::run::RunScope;
use opentelemetry::{Context, KeyValue};
use std::sync::atomic::Ordering;

/// Whether a cost is what the provider billed or an estimate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CostSource {
    /// Billed (from the provider's response).
    #[default]
    Actual,
    /// Estimated (from token counts and a price table).
    Estimate,
}

impl CostSource {
    fn as_str(self) -> &'static str {
        match self {
            CostSource::Actual => "actual",
            CostSource::Estimate => "estimate",
        }
    }
}

pub use crate::core::pipeline::Budget;
pub use crate::families::generate::prices::{ModelPrice, PriceQuery, Prices};

/// A cost to report (`crux.cost.report`).
///
/// ```
/// # let _c = crux::testing::capture();
/// crux::cost::report(crux::cost::CostReport::new(0.0021).estimate().model("text-embedding-3-small").input_tokens(8000));
/// ```
#[derive(Clone, Debug, Default)]
pub struct CostReport {
    cost: f64,
    source: CostSource,
    model: Option<String>,
    system: Option<String>,
    prompt_id: Option<String>,
    input_tokens: Option<u64>,
}

impl CostReport {
    /// A cost in USD, billed.
    pub fn new(usd: f64) -> CostReport {
        CostReport {
            cost: usd,
            ..CostReport::default()
        }
    }
    /// Marks the cost an estimate.
    pub fn estimate(mut self) -> Self {
        self.source = CostSource::Estimate;
        self
    }
    /// The model it is for (`crux.cost.model`).
    pub fn model(mut self, model: impl Into<String>) -> Self {
        self.model = Some(model.into());
        self
    }
    /// The provider (`crux.cost.provider`).
    pub fn system(mut self, system: impl Into<String>) -> Self {
        self.system = Some(system.into());
        self
    }
    /// The prompt it is for.
    pub fn prompt_id(mut self, id: impl Into<String>) -> Self {
        self.prompt_id = Some(id.into());
        self
    }
    /// Input tokens it covers (`crux.cost.input_tokens`).
    pub fn input_tokens(mut self, tokens: u64) -> Self {
        self.input_tokens = Some(tokens);
        self
    }
}

/// Opens a running total — a cascade's or a tier's — under the enclosing one (a flow's,
/// another cascade's) in `cx`; what is added inside counts in every enclosing total.
pub(crate) fn enter_flow(cx: Context, parent: &Context) -> Context {
    crate::core::total::open(cx, parent, None).0
}

/// The innermost running total in `cx` (a flow's, a cascade's or a tier's), if anything
/// cost.
pub(crate) fn scope_total(cx: &Context) -> Option<f64> {
    crate::core::total::innermost(cx).and_then(|t| t.total())
}

/// Adds `usd` to every enclosing flow's total; returns the innermost flow's new total.
/// Crossing the budget of the outermost flow emits its warn or limit span, once.
/// `pipeline` is the one whose metrics and budget count the cost: a span's own (the one
/// it started in) for what the span reported, else the one installed.
pub(crate) fn add(cx: &Context, usd: f64, source: CostSource, pipeline: &Held) -> Option<f64> {
    if let Some(metrics) = pipeline.metrics() {
        metrics.cost(usd, source.as_str());
    }
    let scope = crate::core::total::innermost(cx)?;
    let innermost = scope.add(usd);
    let mut node = scope.parent.clone();
    let mut root = scope.clone();
    while let Some(parent) = node {
        parent.add(usd);
        node = parent.parent.clone();
        root = parent;
    }
    if let (Some(budget), Some(total)) = (pipeline.options().budget, root.total()) {
        for (threshold, flag, name) in [
            (budget.warn_usd, &root.crossed[0], spans::COST_WARN),
            (budget.limit_usd, &root.crossed[1], spans::COST_LIMIT),
        ] {
            if total >= threshold && !flag.swap(true, Ordering::AcqRel) {
                instant(
                    cx,
                    name,
                    vec![
                        KeyValue::new(key::CRUX_COST, usd),
                        KeyValue::new(key::CRUX_COST_TOTAL, total),
                        KeyValue::new(key::CRUX_COST_THRESHOLD, threshold),
                        KeyValue::new(key::CRUX_COST_SOURCE, source.as_str()),
                    ],
                );
                if name == spans::COST_LIMIT {
                    budget::exceeded(cx, BudgetType::Cost, threshold, total);
                }
            }
        }
    }
    Some(innermost)
}

/// Records a cost: an instant `crux.cost.report` span under the current span, with the
/// enclosing flow's running total (this cost included) and the flow, step and session
/// ids from the context. The cost counts toward the flow's total and budget.
pub fn report(report: CostReport) {
    if !pipeline::enabled() {
        return;
    }
    let cx = Context::current();
    let total = add(&cx, report.cost, report.source, &pipeline::hold()).unwrap_or(report.cost);
    let mut attrs = vec![
        KeyValue::new(key::CRUX_COST, report.cost),
        KeyValue::new(key::CRUX_COST_TOTAL, total),
        KeyValue::new(key::CRUX_COST_SOURCE, report.source.as_str()),
    ];
    let mut opt = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            attrs.push(KeyValue::new(k, v));
        }
    };
    // Never `gen_ai.request.model` / `gen_ai.usage.*`: backends take any span with those
    // for a model call and add its tokens to the trace.
    opt(key::CRUX_COST_MODEL, report.model);
    opt(key::CRUX_COST_PROVIDER, report.system);
    opt(key::CRUX_PROMPT_ID, report.prompt_id);
    opt(
        key::CRUX_SESSION_ID,
        cx.get::<RunScope>().and_then(|r| r.session.clone()),
    );
    opt(
        key::CRUX_FLOW_ID,
        cx.get::<FlowScope>().map(|f| f.id.to_string()),
    );
    opt(
        key::CRUX_STEP_ID,
        cx.get::<StepScope>().map(|s| s.id.to_string()),
    );
    if let Some(tokens) = report.input_tokens.filter(|t| *t > 0) {
        attrs.push(KeyValue::new(
            key::CRUX_COST_INPUT_TOKENS,
            i64::try_from(tokens).unwrap_or(i64::MAX),
        ));
    }
    // Crux counts a reported cost in the trace's total: so does MLflow.
    attrs.push(crate::families::generate::mlflow_cost(report.cost));
    instant(&cx, spans::COST_REPORT, attrs);
}
