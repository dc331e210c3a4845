//! Model routing: `#[crux::router]` on the function that picks a model opens
//! `crux.router.select`; inside it, [`select`] records the choice on that span — the
//! class the request was put in, the model, whether the choice was overridden. Called
//! outside a router fn, [`select`] records an instant `crux.router.select` instead. The
//! candidate routes and hints are never recorded. A classifier's cost
//! ([`Selection::cost`]) feeds the enclosing flows' `crux.cost.total`; a
//! `#[crux::generate]` classifier inside the router counts by itself.
//!
//! ```
//! use crux::router::{self, Selection};
//!
//! #[crux::router(name = "by-difficulty")]
//! fn route(question: &str) -> &'static str {
//!     let model = if question.len() > 40 { "gpt-4o" } else { "gpt-4o-mini" };
//!     router::select(Selection::new(model).classified_as("short").overridden(false));
//!     model
//! }
//! # let _c = crux::testing::capture();
//! route("where is my parcel?");
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;
use crate::core::pipeline::{self, MomentAttrs};
use crate::core::span::Span;
use crate::families::cost::{self, CostSource};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;

/// A router's choice, for [`select`].
#[derive(Clone, Debug)]
pub struct Selection<'a> {
    model: &'a str,
    classified_as: Option<&'a str>,
    overridden: bool,
    cost: Option<f64>,
}

impl<'a> Selection<'a> {
    /// `model` was chosen.
    pub fn new(model: &'a str) -> Selection<'a> {
        Selection {
            model,
            classified_as: None,
            overridden: false,
            cost: None,
        }
    }
    /// The class the request was put in.
    pub fn classified_as(mut self, class: &'a str) -> Self {
        self.classified_as = Some(class);
        self
    }
    /// Whether the router's own choice was overridden (by a rule, a user setting, ...).
    pub fn overridden(mut self, overridden: bool) -> Self {
        self.overridden = overridden;
        self
    }
    /// What classifying cost, USD, when no `#[crux::generate]` span recorded it.
    pub fn cost(mut self, usd: f64) -> Self {
        self.cost = Some(usd);
        self
    }
}

/// The enclosing `#[crux::router]` span, carried in the context.
#[derive(Clone, Debug)]
pub(crate) struct RouterScope {
    span: Context,
}

/// Records the router's choice: on the enclosing `#[crux::router]` span when the current
/// span is that one, else as an instant `crux.router.select`.
pub fn select(selection: Selection<'_>) {
    if !pipeline::enabled() {
        return;
    }
    let cx = Context::current();
    if let Some(usd) = selection.cost {
        cost::add(&cx, usd, CostSource::Actual, &pipeline::hold());
    }
    let attrs = MomentAttrs::default()
        .maybe(
            key::CRUX_ROUTER_CLASSIFIED_AS,
            selection.classified_as.map(str::to_owned),
        )
        .with(key::CRUX_ROUTER_SELECTED_MODEL, selection.model.to_owned())
        .with(key::CRUX_ROUTER_OVERRIDDEN, selection.overridden)
        .maybe(key::CRUX_COST, selection.cost);
    match cx.get::<RouterScope>() {
        // The body's own context (it carries the span's attribute buffer, for
        // `map_attributes`), else the router span's.
        Some(scope) if same_span(&cx, &scope.span) => Span::from_context(cx.clone()).put(attrs.0),
        Some(scope) => Span::from_context(scope.span.clone()).put(attrs.0),
        None => attrs.record(spans::ROUTER_SELECT),
    }
}

fn same_span(a: &Context, b: &Context) -> bool {
    a.span().span_context().span_id() == b.span().span_context().span_id()
}

/// The start default of a router: its name, the fn name unless given.
pub(crate) fn start_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_ROUTER_NAME, callsite.label);
}

/// Opens the router's scope in its span's context `cx`.
pub(crate) fn enter(cx: Context) -> Context {
    let span = cx.clone();
    cx.with_value(RouterScope { span })
}
