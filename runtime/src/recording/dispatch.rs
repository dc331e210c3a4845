//! One thin dispatch per phase of a span's life into the families: start defaults, the
//! GenAI name, what a family reads before the span starts, the scope it puts in the
//! context, what it learns from an error, and its end attributes. Each arm is one call;
//! what a family does lives in its own file under `families/`.

use super::start::Start;
use crate::core::attrs::{AttrList, Defaults};
use crate::core::callsite::{Callsite, Kind};
use crate::core::content::CaptureContent;
use crate::core::pipeline::{Held, Options};
use crate::core::recorder::{LeftDefaults, LeftEnd, WriteLeft};
use crate::families::cascade::{self, CascadeScope};
use crate::families::checkpoint::Checkpoint;
use crate::families::composition::{self, CompositionScope};
use crate::families::corpus::{self, CorpusScope};
use crate::families::cost::{self, CostSource};
use crate::families::flow::{self, StepScope};
use crate::families::judge::{self, JudgeState};
use crate::families::retrieval::RetrieverScope;
use crate::families::run::{self, RunScope};
use crate::families::semantic_cache::{self, LookupScope};
use crate::families::tool::{self, ToolState};
use crate::families::{budget, router, validation, workspace};
use crate::families::{delegate, generate, memory, reason, retrieval};
use opentelemetry::trace::SpanId;
use opentelemetry::Context;
use std::borrow::Cow;

/// What a family keeps for one span between its start and its end.
#[derive(Debug)]
pub(super) enum Family {
    /// Nothing to keep.
    Plain,
    Flow(flow::Opening),
    Step(Option<StepScope>),
    Tool(ToolState),
    Generate(generate::Opening),
    Embedding(generate::Opening),
    Run(RunScope),
    Reason(reason::Opening),
    Composition(CompositionScope),
    Corpus(CorpusScope),
    Judge(JudgeState),
    Retrieval(Option<RetrieverScope>),
    /// A retrieval stage: the key its returned count goes under.
    Stage(&'static str),
    Workspace,
    Cache(LookupScope),
    Validation,
    Router,
    Cascade(CascadeScope),
}

/// Fills what the span contract derives rather than the user gives: defaults, generated
/// ids, mirrored keys, values found in the context. `at_export`: nothing reads the
/// span's attributes before its export ([`Held::leaves_defaults_to_export`]). Returns what
/// is left to the export instead.
pub(super) fn start_defaults(
    callsite: &'static Callsite,
    start: &mut Start,
    parent: &Context,
    options: &Options,
    at_export: bool,
) -> Option<LeftDefaults> {
    start.record_tags();
    let given = !start.attrs.is_empty();
    let attrs = &mut start.attrs;
    attrs.inherit(parent);
    if callsite.kind == Kind::Tool {
        // The most numerous spans of an agent, and the one family whose keys are filled
        // without a search when nothing was given.
        // A tool loop reads the call id as the call starts (its scope is in the caller's
        // context: a tool takes no `parent` argument).
        let id_at_export = at_export && parent.get::<reason::ReasonScope>().is_none();
        // With nothing given, every default comes from the callsite: all of them can
        // wait for the export, unless an attribute of the application's would take one
        // of their keys (the defaults' keys keep those out as the span starts).
        if id_at_export && !given && !options.attributes.takes_a_tool_key() {
            if let Ok(at) = u16::try_from(attrs.len()) {
                return Some(LeftDefaults { callsite, at });
            }
        }
        tool_defaults(callsite, &mut Defaults::new(attrs, given), id_at_export);
        return None;
    }
    let mut defaults = Defaults::new(attrs, given);
    set_openinference_kind(callsite, &mut defaults);
    let attrs = defaults.into_list();
    match callsite.kind {
        Kind::Flow => flow::start_defaults(callsite, attrs, start.resume.as_ref(), parent),
        Kind::FlowStep => flow::step_defaults(callsite, attrs, parent),
        Kind::Delegate => delegate::start_defaults(attrs),
        Kind::Generate => reason::model_call_defaults(parent, attrs),
        Kind::Run => run::start_defaults(callsite, attrs),
        Kind::UseReason => start.use_reason_defaults(options),
        Kind::Composition => composition::start_defaults(callsite, attrs),
        Kind::Memory => memory::start_defaults(callsite, attrs),
        Kind::Embedding => retrieval::embedding_defaults(callsite, attrs),
        Kind::Retrieval => retrieval::retrieval_defaults(callsite, attrs),
        Kind::Indexing => retrieval::indexing_defaults(callsite, attrs),
        Kind::Ingest => retrieval::ingest_defaults(callsite, attrs),
        Kind::RetrievalStage => retrieval::stage_defaults(callsite, attrs, parent),
        Kind::Workspace => workspace::start_defaults(callsite, attrs),
        Kind::SemanticCache => semantic_cache::start_defaults(attrs),
        Kind::ValidationRetry => validation::start_defaults(attrs),
        Kind::Router => router::start_defaults(callsite, attrs),
        Kind::Cascade => cascade::start_defaults(callsite, attrs),
        // A tool's are filled above.
        Kind::Tool | Kind::CorpusSync | Kind::Compact | Kind::Judge => {}
    }
    None
}

/// The OpenInference span kind, which every kind sets.
#[inline]
fn set_openinference_kind(callsite: &'static Callsite, defaults: &mut Defaults<'_>) {
    defaults.set_static(
        crate::attributes::OPENINFERENCE_SPAN_KIND,
        callsite.kind.openinference_kind(),
    );
}

/// A tool's start defaults: the OpenInference kind and the tool's own keys.
#[inline]
fn tool_defaults(callsite: &'static Callsite, defaults: &mut Defaults<'_>, id_at_export: bool) {
    set_openinference_kind(callsite, defaults);
    tool::start_defaults(callsite, defaults, id_at_export);
}

/// What writes the attributes spans leave to their export (only a tool leaves any), for
/// the recorder, which calls it on the drain thread.
pub(crate) const WRITE_LEFT: WriteLeft = WriteLeft {
    defaults: write_left_defaults,
    end: write_left_end,
};

/// Writes the start defaults a span left to its export ([`LeftDefaults`]) into `attrs`,
/// what the span had before them: as its start would have with nothing given.
fn write_left_defaults(callsite: &'static Callsite, attrs: &mut AttrList) {
    tool_defaults(callsite, &mut Defaults::new(attrs, false), true);
}

/// Writes the end values a span left to its export ([`LeftEnd`]) after its attributes,
/// as its family's end would have.
fn write_left_end(_callsite: &'static Callsite, values: LeftEnd, attrs: &mut AttrList) {
    tool::write_end(values, attrs);
}

/// The span's name under the GenAI conventions' naming.
pub(super) fn genai_name(callsite: &'static Callsite, attrs: &AttrList) -> Cow<'static, str> {
    let name = match callsite.kind {
        Kind::Flow => flow::genai_name(attrs),
        Kind::Tool => tool::genai_name(callsite),
        Kind::Run => run::genai_name(attrs),
        Kind::Generate | Kind::Embedding => generate::genai_name(callsite, attrs),
        Kind::UseReason => reason::genai_name(callsite, attrs),
        Kind::Retrieval => retrieval::retrieval_genai_name(attrs),
        _ => return Cow::Borrowed(callsite.name),
    };
    Cow::Owned(name)
}

/// What the family reads from the start attributes (after hooks) before the span takes
/// them, and what it does before the span starts (a tool joins the tool loop; a model
/// call starts its clock when `metered`).
pub(super) fn open(
    callsite: &'static Callsite,
    attrs: &AttrList,
    parent: &Context,
    resume: Option<&Checkpoint>,
    options: &Options,
    metered: bool,
    left_defaults: bool,
) -> Family {
    match callsite.kind {
        Kind::Flow => Family::Flow(flow::open(attrs, resume)),
        Kind::FlowStep => Family::Step(flow::open_step(attrs)),
        Kind::Tool => Family::Tool(tool::open(callsite, attrs, parent, metered, left_defaults)),
        Kind::Generate => Family::Generate(generate::open(callsite, attrs, metered)),
        Kind::Embedding => Family::Embedding(generate::open(callsite, attrs, metered)),
        Kind::Run => Family::Run(run::open(attrs, options)),
        Kind::UseReason => Family::Reason(reason::open(attrs)),
        Kind::Composition => Family::Composition(composition::open(attrs)),
        Kind::CorpusSync => Family::Corpus(corpus::open(attrs)),
        Kind::Judge => Family::Judge(judge::open(attrs, parent)),
        Kind::Retrieval => Family::Retrieval(retrieval::open_retrieval(attrs)),
        Kind::RetrievalStage => Family::Stage(retrieval::stage_output_key(attrs)),
        Kind::Workspace => Family::Workspace,
        Kind::SemanticCache => Family::Cache(semantic_cache::open(attrs)),
        Kind::ValidationRetry => Family::Validation,
        Kind::Router => Family::Router,
        Kind::Cascade => Family::Cascade(cascade::open(attrs)),
        Kind::Delegate | Kind::Memory | Kind::Indexing | Kind::Ingest | Kind::Compact => {
            Family::Plain
        }
    }
}

/// The capture settings a span runs with, for the scopes that need them.
#[derive(Clone, Copy, Debug)]
pub(super) struct Capture {
    pub content: CaptureContent,
    /// Set by `capture_content = ..`: inherited by what runs inside.
    pub overridden: Option<CaptureContent>,
    pub cap: usize,
}

/// Puts the family's scope into the new span's context `span_cx`, for what runs inside
/// to find.
// A borrowed `Cow` clones without allocating when the name is static (crux naming).
#[allow(clippy::ptr_arg)]
pub(super) fn enter(
    family: &Family,
    span_cx: Context,
    span_id: SpanId,
    parent: &Context,
    span_name: &Cow<'static, str>,
    capture: Capture,
) -> Context {
    match family {
        Family::Flow(opening) => {
            budget::enter_flow(flow::enter(opening, span_cx, parent, span_name), parent)
        }
        Family::Step(Some(step)) => flow::enter_step(step, span_cx),
        // An embedding call reports usage and cost the way a model call does.
        Family::Generate(_) | Family::Embedding(_) => {
            generate::enter(span_cx, span_id, capture.content, capture.cap)
        }
        Family::Run(scope) => run::enter(scope, span_cx),
        Family::Reason(opening) => {
            reason::enter(opening, span_cx.clone(), &span_cx, capture.overridden)
        }
        Family::Composition(scope) => composition::enter(scope, span_cx),
        Family::Corpus(scope) => corpus::enter(scope, span_cx),
        Family::Retrieval(Some(scope)) => retrieval::enter_retrieval(scope, span_cx),
        Family::Cache(scope) => semantic_cache::enter(scope, span_cx),
        Family::Validation => validation::enter(span_cx),
        Family::Router => router::enter(span_cx),
        Family::Cascade(scope) => cascade::enter(scope, span_cx, parent),
        Family::Plain
        | Family::Step(None)
        | Family::Tool(_)
        | Family::Judge(_)
        | Family::Retrieval(None)
        | Family::Stage(_)
        | Family::Workspace => span_cx,
    }
}

/// The body failed with `message` (already recorded on the span).
pub(super) fn error(family: &Family, message: &str) {
    if let Family::Tool(state) = family {
        state.record_error(message);
    }
}

/// How the body ended, for the families' end attributes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ending<'a> {
    /// The body returned (it did not panic and was not cancelled).
    pub returned: bool,
    /// An error was recorded.
    pub errored: bool,
    /// The recorded error's `error.type`.
    pub error_type: Option<&'a str>,
    /// The pipeline the span started in: its metrics count what the span did.
    pub pipeline: &'a Held,
}

/// How a span goes on after its family's end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Next {
    /// It ends, with the end attributes and these values left to its export.
    End(Option<LeftEnd>),
    /// The family ended it already (a flow that suspended).
    Ended,
}

/// The family's end attributes, and what its end tells the enclosing scopes.
pub(super) fn end(family: &Family, cx: &Context, attrs: &mut AttrList, ending: Ending<'_>) -> Next {
    let mut left_end = None;
    match family {
        Family::Generate(opening) | Family::Embedding(opening) => {
            let returned_ok = ending.returned && !ending.errored;
            let options = ending.pipeline.options();
            if let Some((report, estimated)) =
                generate::end(opening, cx, attrs, returned_ok, options)
            {
                opening.record_metrics(&report, ending.error_type, ending.pipeline.metrics());
                if let Some(usd) = report.cost {
                    let source = if estimated {
                        CostSource::Estimate
                    } else {
                        CostSource::Actual
                    };
                    cost::add(cx, usd, source, ending.pipeline);
                }
                // An embedding's usage is not a reasoning pass.
                if matches!(family, Family::Generate(_)) {
                    reason::pass_ended(cx, report);
                }
            }
        }
        Family::Flow(opening) => {
            if !flow::end(opening, cx, attrs) {
                return Next::Ended;
            }
        }
        Family::Composition(scope) => scope.end(attrs),
        Family::Corpus(scope) => scope.end(cx, attrs),
        Family::Judge(state) => state.end(attrs),
        Family::Reason(_) => reason::end(cx, attrs),
        Family::Run(scope) => run::end(scope, attrs),
        Family::Tool(state) => {
            left_end = state.end(
                attrs,
                ending.returned,
                ending.errored,
                ending.error_type,
                ending.pipeline.metrics(),
            );
        }
        Family::Workspace => workspace::end(attrs, ending.errored),
        Family::Cache(scope) => scope.end(attrs),
        Family::Validation => validation::end(cx, attrs, ending.errored),
        Family::Cascade(scope) => scope.end(attrs),
        Family::Plain
        | Family::Step(_)
        | Family::Retrieval(_)
        | Family::Stage(_)
        | Family::Router => {}
    }
    // Any crux span ending inside a flow may be the first to see its latency budget
    // exceeded.
    budget::check_latency(cx);
    Next::End(left_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attributes::Derived;
    use crate::core::content::CaptureContent;

    fn callsite(kind: Kind) -> &'static Callsite {
        Box::leak(Box::new(Callsite {
            kind,
            name: "crux.test",
            label: "label",
            doc: Some("A doc."),
            function: "tests::f",
            file: "f.rs",
            line: 1,
            calls: crate::core::callsite::CallTally::new(),
        }))
    }

    /// A tool started with nothing given leaves its defaults to the export, where they
    /// are written in the place its start gives them (after what it inherits), with the
    /// same keys and values (the call id aside: each call has its own); a tool whose
    /// defaults something reads first, or that an application attribute would collide
    /// with, has them written at the start.
    #[test]
    fn a_tool_leaves_its_defaults_to_the_export_as_its_start_writes_them() {
        use crate::core::attrs::with_inherited;
        use opentelemetry::KeyValue;
        let site = callsite(Kind::Tool);
        let run = with_inherited(
            Context::new(),
            vec![
                KeyValue::new(crate::attributes::SESSION_ID, "s-1"),
                KeyValue::new(crate::attributes::USER_ID, "u-1"),
            ],
        );
        let start = |given: bool, options: &Options, at_export: bool| {
            let mut start = Start::new(CaptureContent::default(), 100);
            if given {
                start.set("app.tier", "gold");
            }
            let left = start_defaults(site, &mut start, &run, options, at_export);
            (left, start.attrs)
        };
        let (now, written) = start(false, &Options::default(), false);
        assert!(
            now.is_none(),
            "nothing is left to the export without a recorder's say"
        );
        let (left, mut at_export) = start(false, &Options::default(), true);
        let left = left.expect("left to the export");
        assert_eq!(
            usize::from(left.at),
            2,
            "after the two inherited attributes"
        );
        assert_eq!(at_export.len(), 2, "the start wrote none of them");
        write_left_defaults(left.callsite, &mut at_export);
        let shown = |list: &AttrList| -> Vec<String> {
            list.iter()
                .map(|kv| match kv.key.as_str() {
                    crate::attributes::CRUX_TOOL_CALL_ID
                    | crate::attributes::GEN_AI_TOOL_CALL_ID => kv.key.to_string(),
                    k => format!("{k}={}", kv.value),
                })
                .collect()
        };
        assert_eq!(shown(&at_export), shown(&written));
        assert!(written.len() > 8, "{:?}", shown(&written));
        // Given an attribute, or an application's attribute with a default's key: at
        // the start. An application's attribute of its own: still at the export.
        assert!(start(true, &Options::default(), true).0.is_none());
        let with = |key: &'static str| Options {
            attributes: [KeyValue::new(key, "app")].into_iter().collect(),
            ..Options::default()
        };
        let (left, attrs) = start(false, &with(crate::attributes::GEN_AI_TOOL_NAME), true);
        assert!(left.is_none());
        assert!(attrs.has(crate::attributes::CRUX_TOOL_NAME));
        assert!(start(false, &with("app.tier"), true).0.is_some());
    }

    /// The keys the runtime derives at start are exactly the registry's for that kind
    /// (the table the macros read to reject them in `attributes(..)`): every key it sets
    /// on its own is listed, and every `Set` key of the table is set.
    #[test]
    fn start_defaults_follow_the_registry() {
        for kind in Kind::ALL {
            let mut start = Start::new(CaptureContent::default(), 100);
            // Every key a mirror copies from is given, as an argument would give it.
            for d in kind.derived() {
                if let Derived::Mirror { from, .. } = d {
                    start.set(from, "given");
                }
            }
            let given: Vec<String> = start.attrs.iter().map(|kv| kv.key.to_string()).collect();
            start_defaults(
                callsite(kind),
                &mut start,
                &Context::new(),
                &Options::default(),
                false,
            );
            for kv in start.attrs.iter() {
                let key = kv.key.as_str();
                if given.iter().any(|g| g == key) {
                    continue;
                }
                assert!(
                    kind.derives(key).is_some(),
                    "{kind:?}: the runtime sets `{key}`, which the registry does not list"
                );
            }
            for d in Kind::COMMON.iter().chain(kind.derived()) {
                match d {
                    Derived::Set(key) | Derived::Default(key) | Derived::Mirror { key, .. } => {
                        // Set only inside an enclosing flow or on a resumed one.
                        let in_context_only = matches!(
                            *key,
                            crate::attributes::CRUX_FLOW_PARENT_ID
                                | crate::attributes::CRUX_FLOW_SUSPEND_POINT
                                | crate::attributes::CRUX_FLOW_SUSPENDED_MS
                        ) || (kind == Kind::FlowStep
                            && *key == crate::attributes::CRUX_FLOW_ID)
                            || (kind == Kind::RetrievalStage
                                && *key == crate::attributes::CRUX_RETRIEVER_ID);
                        assert!(
                            start.attrs.has(key) || in_context_only,
                            "{kind:?}: the registry says the runtime sets `{key}`, it does not"
                        );
                    }
                    Derived::Argument { .. } | Derived::End(_) | Derived::Captured(_) => {}
                }
            }
        }
    }
}
