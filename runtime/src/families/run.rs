//! Agent runs (`#[crux::agent]`): the scope a run opens in the context.

use crate::attributes as key;
use crate::core::attrs::{with_inherited, AttrList};
use crate::core::callsite::Callsite;
use crate::core::pipeline::Options;
use opentelemetry::Context;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The enclosing agent run, carried in the OpenTelemetry context.
#[derive(Clone, Debug, Default)]
pub(crate) struct RunScope {
    awaiting: Arc<AtomicBool>,
    /// The run's session id, for what records it from the context (cost reports).
    pub session: Option<String>,
    /// What every span inside the run inherits.
    identity: Vec<opentelemetry::KeyValue>,
}

impl RunScope {
    pub(crate) fn new(session: Option<String>) -> RunScope {
        RunScope {
            awaiting: Arc::default(),
            session,
            identity: Vec::new(),
        }
    }

    pub(crate) fn awaiting_human_input(&self) -> bool {
        self.awaiting.load(Ordering::Relaxed)
    }
}

/// Marks the enclosing run (if any) as waiting for a human: a flow inside it suspended.
pub(crate) fn mark_awaiting_human_input() {
    if let Some(run) = Context::current().get::<RunScope>() {
        run.awaiting.store(true, Ordering::Relaxed);
    }
}

/// The start defaults of a run: a generated run id unless given, the GenAI operation and
/// agent name, and the session id under its GenAI and crux keys.
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_with(key::CRUX_RUN_ID, || crate::core::ids::new_id_value("run_"));
    attrs.upsert_static(key::GEN_AI_OPERATION_NAME, "invoke_agent");
    attrs.default_static(key::GEN_AI_AGENT_NAME, callsite.label);
    // The conversation id comes only from a real session id, never invented.
    attrs.mirror(key::SESSION_ID, key::GEN_AI_CONVERSATION_ID);
    attrs.mirror(key::SESSION_ID, key::CRUX_SESSION_ID);
    // The same metadata and tags as OpenInference readers expect them on a trace.
    let metadata: serde_json::Map<String, serde_json::Value> = attrs
        .iter()
        .filter_map(|kv| {
            let name = kv.key.as_str().strip_prefix(key::CRUX_TRACE_METADATA)?;
            Some((name.to_owned(), kv.value.as_str().into_owned().into()))
        })
        .collect();
    if !metadata.is_empty() {
        let json = serde_json::Value::Object(metadata).to_string();
        attrs.upsert(key::METADATA, opentelemetry::Value::String(json.into()));
    }
    attrs.mirror(key::CRUX_TRACE_TAGS, key::TAG_TAGS);
}

/// The keys of a run's identity, which every span inside the run carries too (as
/// Kortyx's node spans do: backends filter child spans by session and user).
pub(crate) const IDENTITY: [&str; 6] = [
    key::SESSION_ID,
    key::GEN_AI_CONVERSATION_ID,
    key::USER_ID,
    key::CRUX_TENANT_ID,
    key::CRUX_SESSION_ID,
    key::CRUX_TRACE_TAGS,
];

/// Reads the run's scope from its start attributes: its session, and (unless turned
/// off) the identity its spans inherit.
pub(crate) fn open(attrs: &AttrList, options: &Options) -> RunScope {
    let mut scope = RunScope::new(attrs.text(key::SESSION_ID));
    if options.identity_on_every_span {
        scope.identity = attrs
            .iter()
            .filter(|kv| {
                let k = kv.key.as_str();
                IDENTITY.contains(&k) || k.starts_with(key::CRUX_TRACE_METADATA)
            })
            .cloned()
            .collect();
    }
    scope
}

/// Puts the run's scope into its span's context `cx`, with the identity every span
/// inside inherits.
pub(crate) fn enter(run: &RunScope, cx: Context) -> Context {
    with_inherited(cx.with_value(run.clone()), run.identity.clone())
}

/// The end attributes of a run: whether a flow inside it is waiting for a human.
pub(crate) fn end(run: &RunScope, end: &mut AttrList) {
    if run.awaiting_human_input() {
        end.push(key::CRUX_RUN_AWAITING_HUMAN_INPUT, true);
    }
}

/// The GenAI span name: `invoke_agent {name}`.
pub(crate) fn genai_name(attrs: &AttrList) -> String {
    match attrs.text(key::GEN_AI_AGENT_NAME) {
        Some(name) if !name.is_empty() => format!("invoke_agent {name}"),
        _ => "invoke_agent".to_owned(),
    }
}
