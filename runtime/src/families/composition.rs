//! Compositions of agents (`#[crux::composition(kind = "parallel")]`): each agent runs
//! in its own child span `crux.composition.agent.<id>` with its real duration (the
//! TypeScript package records them as unrelated instants after the fact).

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;
use crate::core::context::FutureExt;
use crate::core::pipeline;
use crate::core::span::Span;
use opentelemetry::trace::{SpanBuilder, SpanKind, TraceContextExt};
use opentelemetry::{Context, KeyValue};
use std::future::Future;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The enclosing composition, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct CompositionScope {
    pub id: Arc<str>,
    pub state: Arc<CompositionState>,
}

#[derive(Debug, Default)]
pub(crate) struct CompositionState {
    agents: AtomicI64,
    handoffs: AtomicI64,
    agreement: Mutex<Option<f64>>,
}

/// The start defaults of a composition: a generated id unless given, and its kind.
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_with(key::CRUX_COMPOSITION_ID, || {
        crate::core::ids::new_id_value("comp_")
    });
    attrs.upsert_static(key::CRUX_COMPOSITION_KIND, callsite.label);
}

/// Reads the composition's scope from its start attributes.
pub(crate) fn open(attrs: &AttrList) -> CompositionScope {
    CompositionScope {
        id: attrs
            .text(key::CRUX_COMPOSITION_ID)
            .unwrap_or_default()
            .into(),
        state: Arc::default(),
    }
}

/// Puts the composition's scope into its span's context `cx`.
pub(crate) fn enter(scope: &CompositionScope, cx: Context) -> Context {
    cx.with_value(scope.clone())
}

impl CompositionScope {
    /// The end attributes: how many agents ran, hand-offs, agreement.
    pub(crate) fn end(&self, end: &mut AttrList) {
        let state = &self.state;
        end.push(
            key::CRUX_COMPOSITION_AGENT_COUNT,
            state.agents.load(Ordering::Acquire),
        );
        let handoffs = state.handoffs.load(Ordering::Acquire);
        if handoffs > 0 {
            end.push(key::CRUX_COMPOSITION_HANDOFF_COUNT, handoffs);
        }
        if let Some(agreement) = *state
            .agreement
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            end.push(key::CRUX_COMPOSITION_AGREEMENT, agreement);
        }
    }
}

fn scope() -> Option<CompositionScope> {
    Context::current().get::<CompositionScope>().cloned()
}

fn start_agent(scope: &CompositionScope, agent_id: &str) -> Context {
    scope.state.agents.fetch_add(1, Ordering::AcqRel);
    let builder = SpanBuilder::from_name(format!("{}{agent_id}", spans::COMPOSITION_AGENT_PREFIX))
        .with_kind(SpanKind::Internal)
        .with_attributes(vec![KeyValue::new(
            key::CRUX_COMPOSITION_ID,
            scope.id.to_string(),
        )]);
    pipeline::start_span(builder, &Context::current())
}

/// Runs one agent of the current composition in its own child span; an `Err` makes the
/// agent's span an error. Outside a composition (or with telemetry off) it just runs.
///
/// ```
/// # #[tokio::main] async fn main() {
/// #[crux::composition(kind = "parallel")]
/// async fn research(topic: &str) -> Vec<Result<String, std::io::Error>> {
///     let a = crux::composition::agent("web", async { Ok(format!("web on {topic}")) });
///     let b = crux::composition::agent("papers", async { Ok(format!("papers on {topic}")) });
///     vec![a.await, b.await]
/// }
/// # let _c = crux::testing::capture();
/// research("tea").await;
/// # }
/// ```
pub async fn agent<T, E: std::fmt::Display, F: Future<Output = Result<T, E>>>(
    agent_id: &str,
    future: F,
) -> Result<T, E> {
    let Some(scope) = scope().filter(|_| pipeline::enabled()) else {
        return future.await;
    };
    let cx = start_agent(&scope, agent_id);
    let out = future.in_context(cx.clone()).await;
    if let Err(e) = &out {
        // The error path of every crux span: `error.type`, the exception event, the
        // `Error` hook, status Error.
        let name = format!("{}{agent_id}", spans::COMPOSITION_AGENT_PREFIX);
        Span::from_context(cx.clone()).record_error(
            &pipeline::load().options().hooks,
            &name,
            std::any::type_name::<E>(),
            &e.to_string(),
        );
    }
    cx.span().end();
    out
}

/// [`agent`] for an agent whose output is not a `Result`.
pub async fn agent_value<F: Future>(agent_id: &str, future: F) -> F::Output {
    let Some(scope) = scope().filter(|_| pipeline::enabled()) else {
        return future.await;
    };
    let cx = start_agent(&scope, agent_id);
    let out = future.in_context(cx.clone()).await;
    cx.span().end();
    out
}

/// Records a hand-off between agents of the current composition.
pub fn record_handoff() {
    if let Some(scope) = scope() {
        scope.state.handoffs.fetch_add(1, Ordering::AcqRel);
    }
}

/// Records how much the agents of the current composition agreed, 0 to 1.
pub fn record_agreement(agreement: f64) {
    if let Some(scope) = scope() {
        *scope
            .state
            .agreement
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(agreement.clamp(0.0, 1.0));
    }
}
