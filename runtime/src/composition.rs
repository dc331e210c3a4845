//! Compositions of agents (`#[crux::composition(kind = "parallel")]`): each agent runs
//! in its own child span `crux.composition.agent.<id>` with its real duration (the
//! TypeScript package records them as unrelated instants after the fact).

use crate::attributes as key;
use opentelemetry::trace::{SpanBuilder, SpanKind, Status, TraceContextExt};
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

impl CompositionState {
    pub(crate) fn end_attributes(&self) -> Vec<KeyValue> {
        let mut attrs = vec![KeyValue::new(
            key::CRUX_COMPOSITION_AGENT_COUNT,
            self.agents.load(Ordering::Acquire),
        )];
        let handoffs = self.handoffs.load(Ordering::Acquire);
        if handoffs > 0 {
            attrs.push(KeyValue::new(key::CRUX_COMPOSITION_HANDOFF_COUNT, handoffs));
        }
        if let Some(agreement) = *self
            .agreement
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
        {
            attrs.push(KeyValue::new(key::CRUX_COMPOSITION_AGREEMENT, agreement));
        }
        attrs
    }
}

fn scope() -> Option<CompositionScope> {
    Context::current().get::<CompositionScope>().cloned()
}

fn start_agent(scope: &CompositionScope, agent_id: &str) -> Context {
    scope.state.agents.fetch_add(1, Ordering::AcqRel);
    let builder = SpanBuilder::from_name(format!("crux.composition.agent.{agent_id}"))
        .with_kind(SpanKind::Internal)
        .with_attributes(vec![KeyValue::new(
            key::CRUX_COMPOSITION_ID,
            scope.id.to_string(),
        )]);
    crate::pipeline::start_span(builder, &Context::current())
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
    let Some(scope) = scope().filter(|_| crate::is_enabled()) else {
        return future.await;
    };
    let cx = start_agent(&scope, agent_id);
    let out = crate::FutureExt::in_context(future, cx.clone()).await;
    if let Err(e) = &out {
        let span = cx.span();
        span.set_attribute(KeyValue::new(key::ERROR_TYPE, std::any::type_name::<E>()));
        span.set_status(Status::error(e.to_string()));
    }
    cx.span().end();
    out
}

/// [`agent`] for an agent whose output is not a `Result`.
pub async fn agent_value<F: Future>(agent_id: &str, future: F) -> F::Output {
    let Some(scope) = scope().filter(|_| crate::is_enabled()) else {
        return future.await;
    };
    let cx = start_agent(&scope, agent_id);
    let out = crate::FutureExt::in_context(future, cx.clone()).await;
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
