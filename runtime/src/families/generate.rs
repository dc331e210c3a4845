//! Model calls (`#[crux::generate]`, and the usage and cost of `#[crux::embedding]`):
//! token usage, the answering model, finish reasons, cost, output messages; the
//! [`ModelResponse`] trait that reads them from a client's response, and the model-call
//! methods of [`Span`].

mod calls;
pub mod clients;
pub mod prices;
pub mod request;
pub mod stream;

use crate::attributes as key;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;
use crate::core::content::{self, CaptureContent, Message};
use crate::core::io::{self, Side};
use crate::core::metrics::{Metrics, ModelCall};
use crate::core::pipeline::Options;
use crate::core::span::Span;
use opentelemetry::trace::{SpanId, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use std::sync::{Mutex, PoisonError};

/// Token usage of one model call (or the sum of several).
///
/// ```
/// let usage = crux::Usage::new(1200, 300).with_cache_read(800);
/// let total = usage + crux::Usage::new(10, 5);
/// assert_eq!(total.input_tokens, 1210);
/// assert_eq!(total.cache_read_input_tokens, Some(800));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Usage {
    /// Input tokens, cached ones included.
    pub input_tokens: u64,
    /// Output tokens, reasoning ones included.
    pub output_tokens: u64,
    /// Output tokens spent reasoning.
    pub reasoning_output_tokens: Option<u64>,
    /// Input tokens read from the provider's prompt cache.
    pub cache_read_input_tokens: Option<u64>,
    /// Input tokens written to the provider's prompt cache.
    pub cache_creation_input_tokens: Option<u64>,
}

impl Usage {
    /// Usage with input and output token counts.
    pub const fn new(input_tokens: u64, output_tokens: u64) -> Usage {
        Usage {
            input_tokens,
            output_tokens,
            reasoning_output_tokens: None,
            cache_read_input_tokens: None,
            cache_creation_input_tokens: None,
        }
    }

    /// Sets the reasoning output tokens.
    pub const fn with_reasoning(mut self, tokens: u64) -> Usage {
        self.reasoning_output_tokens = Some(tokens);
        self
    }

    /// Sets the input tokens read from cache.
    pub const fn with_cache_read(mut self, tokens: u64) -> Usage {
        self.cache_read_input_tokens = Some(tokens);
        self
    }

    /// Sets the input tokens written to cache.
    pub const fn with_cache_creation(mut self, tokens: u64) -> Usage {
        self.cache_creation_input_tokens = Some(tokens);
        self
    }
}

fn add_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

impl std::ops::Add for Usage {
    type Output = Usage;
    fn add(self, rhs: Usage) -> Usage {
        Usage {
            input_tokens: self.input_tokens + rhs.input_tokens,
            output_tokens: self.output_tokens + rhs.output_tokens,
            reasoning_output_tokens: add_opt(
                self.reasoning_output_tokens,
                rhs.reasoning_output_tokens,
            ),
            cache_read_input_tokens: add_opt(
                self.cache_read_input_tokens,
                rhs.cache_read_input_tokens,
            ),
            cache_creation_input_tokens: add_opt(
                self.cache_creation_input_tokens,
                rhs.cache_creation_input_tokens,
            ),
        }
    }
}

impl std::ops::AddAssign for Usage {
    fn add_assign(&mut self, rhs: Usage) {
        *self = *self + rhs;
    }
}

/// Implemented by a model client's response type so that a `#[crux::generate]` function
/// returning it (or a `Result` of it) records usage, response model and id, finish
/// reasons and cost automatically. Every method has a default of "unknown".
///
/// ```
/// struct Reply { text: String, tokens_in: u64, tokens_out: u64 }
///
/// impl crux::ModelResponse for Reply {
///     fn usage(&self) -> Option<crux::Usage> {
///         Some(crux::Usage::new(self.tokens_in, self.tokens_out))
///     }
///     fn finish_reasons(&self) -> Vec<&str> {
///         vec!["stop"]
///     }
/// }
///
/// #[crux::generate(provider = "openai", model = "gpt-4o-mini")]
/// fn complete(prompt: &str) -> Reply {
///     Reply { text: prompt.to_uppercase(), tokens_in: 12, tokens_out: 3 }
/// }
/// # assert_eq!(complete("hi").text, "HI");
/// ```
pub trait ModelResponse {
    /// Tokens used.
    fn usage(&self) -> Option<Usage> {
        None
    }
    /// The model that actually answered.
    fn response_model(&self) -> Option<&str> {
        None
    }
    /// The provider's id for this response.
    fn response_id(&self) -> Option<&str> {
        None
    }
    /// One finish reason per choice (`stop`, `length`, `tool_calls`, ...).
    fn finish_reasons(&self) -> Vec<&str> {
        Vec::new()
    }
    /// What the call cost, in USD.
    fn cost_usd(&self) -> Option<f64> {
        None
    }
    /// How many tool calls the model asked for.
    fn tool_calls(&self) -> Option<usize> {
        None
    }
    /// The output messages, recorded only with output content capture.
    fn output_messages(&self) -> Vec<Message> {
        Vec::new()
    }
    /// The provider's own finish reason, before normalisation (`end_turn`, `MAX_TOKENS`).
    fn raw_finish_reason(&self) -> Option<&str> {
        None
    }
    /// How many warnings the provider returned.
    fn warning_count(&self) -> usize {
        0
    }
}

impl<T: ModelResponse + ?Sized> ModelResponse for &T {
    fn usage(&self) -> Option<Usage> {
        (**self).usage()
    }
    fn response_model(&self) -> Option<&str> {
        (**self).response_model()
    }
    fn response_id(&self) -> Option<&str> {
        (**self).response_id()
    }
    fn finish_reasons(&self) -> Vec<&str> {
        (**self).finish_reasons()
    }
    fn cost_usd(&self) -> Option<f64> {
        (**self).cost_usd()
    }
    fn tool_calls(&self) -> Option<usize> {
        (**self).tool_calls()
    }
    fn output_messages(&self) -> Vec<Message> {
        (**self).output_messages()
    }
    fn raw_finish_reason(&self) -> Option<&str> {
        (**self).raw_finish_reason()
    }
    fn warning_count(&self) -> usize {
        (**self).warning_count()
    }
}

/// What a model call reports when it ends, for the enclosing `use_reason` to add up
/// (and the metrics).
#[derive(Debug, Default)]
pub(crate) struct PassReport {
    pub usage: Option<Usage>,
    /// The model that answered (for pricing and the metrics).
    pub response_model: Option<String>,
    pub cost: Option<f64>,
    pub finish_reasons: Vec<String>,
    pub tool_calls: Option<i64>,
}

/// A model call's own record of what it reported, so that the enclosing `use_reason`
/// can add it up once, when the call ends.
#[derive(Debug)]
pub(crate) struct GenerateScope {
    span_id: SpanId,
    capture: CaptureContent,
    cap: usize,
    report: Mutex<PassReport>,
}

impl GenerateScope {
    pub(crate) fn new(span_id: SpanId, capture: CaptureContent, cap: usize) -> GenerateScope {
        GenerateScope {
            span_id,
            capture,
            cap,
            report: Mutex::new(PassReport::default()),
        }
    }

    pub(crate) fn take_report(&self) -> PassReport {
        std::mem::take(&mut *self.report.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn update(&self, f: impl FnOnce(&mut PassReport)) {
        f(&mut self.report.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// The keys usage is recorded under: input, output, reasoning output, cache read and
/// cache creation tokens.
pub(crate) type UsageKeys = [&'static str; 5];

/// A model call's usage: the GenAI conventions' keys.
pub(crate) const GENAI_USAGE: UsageKeys = [
    key::GEN_AI_USAGE_INPUT_TOKENS,
    key::GEN_AI_USAGE_OUTPUT_TOKENS,
    key::GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
    key::GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
    key::GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
];

/// Token usage as attributes under `keys` (input and output always, the rest when known).
pub(crate) fn usage_attributes(usage: &Usage, keys: UsageKeys, out: &mut Vec<KeyValue>) {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    let [input, output, reasoning, cache_read, cache_creation] = keys;
    out.push(KeyValue::new(input, count(usage.input_tokens)));
    out.push(KeyValue::new(output, count(usage.output_tokens)));
    let optional = [
        (reasoning, usage.reasoning_output_tokens),
        (cache_read, usage.cache_read_input_tokens),
        (cache_creation, usage.cache_creation_input_tokens),
    ];
    for (k, v) in optional {
        if let Some(v) = v {
            out.push(KeyValue::new(k, count(v)));
        }
    }
}

/// The start defaults of a model call: the operation (`chat` unless given) and the
/// provider under its deprecated key too.
pub(crate) fn start_defaults(attrs: &mut AttrList) {
    attrs.default_static(key::GEN_AI_OPERATION_NAME, "chat");
    attrs.mirror(key::GEN_AI_PROVIDER_NAME, key::GEN_AI_SYSTEM);
    // MLflow reads its own type before the OpenInference kind (LLM for every model
    // call): a chat keeps its chat view there.
    let chat = attrs.text(key::GEN_AI_OPERATION_NAME).as_deref() == Some("chat");
    attrs.upsert_static(
        key::MLFLOW_SPAN_TYPE,
        if chat { "CHAT_MODEL" } else { "LLM" },
    );
}

/// A cost in USD as MLflow's `mlflow.llm.cost` (crux knows the total only), so MLflow
/// shows crux's cost rather than pricing the call itself.
pub(crate) fn mlflow_cost(usd: f64) -> KeyValue {
    KeyValue::new(
        key::MLFLOW_LLM_COST,
        serde_json::json!({ "total_cost": usd }).to_string(),
    )
}

/// A model or embedding call being measured for the metrics: when it started and its
/// conventions' attributes.
#[derive(Debug)]
pub(crate) struct Metered {
    started: std::time::Instant,
    call: ModelCall,
}

/// Starts measuring a model or embedding call from its start attributes (only when the
/// pipeline records metrics).
fn meter(attrs: &AttrList, metered: bool) -> Option<Box<Metered>> {
    metered.then(|| {
        Box::new(Metered {
            started: std::time::Instant::now(),
            call: ModelCall {
                operation: attrs.text(key::GEN_AI_OPERATION_NAME),
                provider: attrs.text(key::GEN_AI_PROVIDER_NAME),
                request_model: attrs.text(key::GEN_AI_REQUEST_MODEL),
                ..ModelCall::default()
            },
        })
    })
}

/// Records a measured call's duration and token usage (`error_type` when it failed) in
/// `metrics`.
pub(crate) fn record_metrics(
    metered: &Metered,
    report: &PassReport,
    error_type: Option<&str>,
    metrics: &Metrics,
) {
    let call = ModelCall {
        response_model: report.response_model.clone(),
        error_type: error_type.map(str::to_owned),
        ..metered.call.clone()
    };
    let seconds = metered.started.elapsed().as_secs_f64();
    let tokens = report.usage.map(|u| (u.input_tokens, u.output_tokens));
    metrics.model_call(&call, seconds, tokens);
}

/// The scope a model call (or an embedding call) opens: what it reports while it runs.
pub(crate) fn enter(cx: Context, span_id: SpanId, capture: CaptureContent, cap: usize) -> Context {
    cx.with_value(GenerateScope::new(span_id, capture, cap))
}

/// What the call reported, taken when it ends.
pub(crate) fn take_report(cx: &Context) -> Option<PassReport> {
    cx.get::<GenerateScope>().map(GenerateScope::take_report)
}

/// What a model (or embedding) call knows when it starts, for its end.
#[derive(Debug)]
pub(crate) struct Opening {
    callsite: &'static Callsite,
    provider: Option<String>,
    model: Option<String>,
    /// Measured for the metrics, when the pipeline records them.
    metered: Option<Box<Metered>>,
}

/// Reads the provider and the requested model from the start attributes.
pub(crate) fn open(callsite: &'static Callsite, attrs: &AttrList, metered: bool) -> Opening {
    Opening {
        callsite,
        provider: attrs.text(key::GEN_AI_PROVIDER_NAME),
        model: attrs.text(key::GEN_AI_REQUEST_MODEL),
        metered: meter(attrs, metered),
    }
}

impl Opening {
    /// Records the call's duration and token usage in `metrics` (those of the pipeline
    /// the call started in), if it is measured.
    pub(crate) fn record_metrics(
        &self,
        report: &PassReport,
        error_type: Option<&str>,
        metrics: Option<&Metrics>,
    ) {
        if let (Some(metered), Some(metrics)) = (&self.metered, metrics) {
            record_metrics(metered, report, error_type, metrics);
        }
    }
}

/// The call ended: what it reported, its cost estimated from the price table when it
/// reported usage but no cost (`crux.cost` in `attrs`; `estimated` says so; priced by
/// `options`, those of the pipeline the call started in), and the no-usage notice when
/// a call that returned reported no usage at all.
pub(crate) fn end(
    opening: &Opening,
    cx: &Context,
    attrs: &mut AttrList,
    returned_ok: bool,
    options: &Options,
) -> Option<(PassReport, bool)> {
    let mut report = take_report(cx)?;
    let mut estimated = false;
    match report.usage {
        None if returned_ok => usage::missing(opening.callsite),
        Some(usage) if report.cost.is_none() => {
            let model = report
                .response_model
                .as_deref()
                .or(opening.model.as_deref());
            if let Some(model) = model {
                let query = prices::PriceQuery {
                    provider: opening.provider.as_deref(),
                    model,
                    input_tokens: usage.input_tokens,
                    cached_input_tokens: usage.cache_read_input_tokens.unwrap_or(0),
                    output_tokens: usage.output_tokens,
                };
                let cost = match &options.pricer {
                    Some(pricer) => (pricer.0)(&query),
                    None => default_prices().price(&query),
                };
                if let Some(cost) = cost.filter(|c| c.is_finite() && *c >= 0.0) {
                    attrs.push(key::CRUX_COST, cost);
                    report.cost = Some(cost);
                    estimated = true;
                }
            }
        }
        _ => {}
    }
    Some((report, estimated))
}

fn default_prices() -> &'static prices::Prices {
    static DEFAULT: std::sync::OnceLock<prices::Prices> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(prices::Prices::default)
}

/// Calls that ended with no token usage: usually a client response type without a
/// [`ModelResponse`] impl (an adapter feature not enabled), which would otherwise fail
/// silently.
pub mod usage {
    use crate::core::callsite::Callsite;
    use std::sync::{Mutex, PoisonError};

    static MISSING: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());

    /// The functions (`module::fn`) of `#[crux::generate]` and `#[crux::embedding]`
    /// calls that returned without reporting token usage, each listed once, in the
    /// order first seen. In debug builds each is also reported once on stderr.
    ///
    /// ```
    /// #[crux::generate(provider = "openai", model = "gpt-4o-mini")]
    /// fn forgot_the_usage(prompt: &str) -> String { prompt.to_owned() }
    ///
    /// let _capture = crux::testing::capture();
    /// forgot_the_usage("hi");
    /// forgot_the_usage("again");
    /// let missing = crux::usage::calls_without_usage();
    /// assert_eq!(missing.iter().filter(|f| f.ends_with("forgot_the_usage")).count(), 1);
    /// ```
    pub fn calls_without_usage() -> Vec<&'static str> {
        MISSING
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn missing(callsite: &'static Callsite) {
        let mut seen = MISSING.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.contains(&callsite.function) {
            return;
        }
        seen.push(callsite.function);
        drop(seen);
        if cfg!(debug_assertions) {
            eprintln!(
                "crux: `{}` ({}:{}) ended with no token usage: return a type implementing \
                 crux::ModelResponse (see README \"Using your LLM client\": enable crux's \
                 feature for your client crate) or record it with \
                 crux::Span::current().record_usage(..). Said once per function.",
                callsite.function, callsite.file, callsite.line
            );
        }
    }
}

/// The GenAI span name: `{operation} {model}`.
pub(crate) fn genai_name(_callsite: &Callsite, attrs: &AttrList) -> String {
    let op = attrs.text(key::GEN_AI_OPERATION_NAME).unwrap_or_default();
    match attrs.text(key::GEN_AI_REQUEST_MODEL) {
        Some(model) if !model.is_empty() => format!("{op} {model}"),
        _ => op,
    }
}
