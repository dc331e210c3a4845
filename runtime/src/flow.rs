//! Flows: the scope a `#[crux::flow]` opens, found again by the steps and flows inside it.

use std::sync::Arc;

/// The enclosing flow, carried in the OpenTelemetry context.
#[derive(Clone, Debug)]
pub(crate) struct FlowScope {
    pub id: Arc<str>,
    #[allow(dead_code)] // read by suspend/resume
    pub name: Arc<str>,
}

/// The id of the flow the caller is running in, if any.
///
/// ```
/// # async fn demo() {
/// #[crux::flow(id = "ticket-42")]
/// async fn triage() -> Option<String> {
///     crux::flow::current_id()
/// }
/// assert_eq!(triage().await.as_deref(), Some("ticket-42"));
/// # }
/// # tokio::runtime::Runtime::new().unwrap().block_on(demo());
/// ```
pub fn current_id() -> Option<String> {
    opentelemetry::Context::current()
        .get::<FlowScope>()
        .map(|f| f.id.to_string())
}

pub(crate) fn unix_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
