//! The attribute macros of [crux](https://docs.rs/crux). Use them through the `crux`
//! crate (`#[crux::tool]`, ...), which documents them and provides the runtime they
//! expand to.
//!
//! Each entry point is three steps: parse and check the arguments against the macro's
//! table (`spec.rs`), check the item, expand. Every problem found is reported at once,
//! on the user's token, and the user's item is still emitted so the rest of the crate
//! keeps compiling.

extern crate proc_macro;

mod args;
mod errors;
mod expand;
mod item;
mod prompt;
mod spec;
mod validate;

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;

/// Wraps a tool function in a `crux.tool.<name>` span. See `crux::tool`.
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::TOOL, args.into(), item.into()).into()
}

/// Wraps a flow in a `crux.flow` span. See `crux::flow`.
#[proc_macro_attribute]
pub fn flow(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::FLOW, args.into(), item.into()).into()
}

/// Wraps a flow step in a `crux.flow.step` span. See `crux::flow_step`.
#[proc_macro_attribute]
pub fn flow_step(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::FLOW_STEP, args.into(), item.into()).into()
}

/// Wraps a model call in a `crux.generate` span. See `crux::generate`.
#[proc_macro_attribute]
pub fn generate(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::GENERATE, args.into(), item.into()).into()
}

/// Wraps a hand-off to a remote agent in a `crux.delegate` span. See `crux::delegate`.
#[proc_macro_attribute]
pub fn delegate(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::DELEGATE, args.into(), item.into()).into()
}

/// Wraps an agent run in a `crux.run` span. See `crux::agent`.
#[proc_macro_attribute]
pub fn agent(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::AGENT, args.into(), item.into()).into()
}

/// Wraps a reasoning call (model passes and its tool loop) in a `crux.use_reason` span.
/// See `crux::use_reason`.
#[proc_macro_attribute]
pub fn use_reason(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::USE_REASON, args.into(), item.into()).into()
}

/// Wraps a composition of agents in a `crux.composition.<kind>` span. See `crux::composition`.
#[proc_macro_attribute]
pub fn composition(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::COMPOSITION, args.into(), item.into()).into()
}

/// Wraps a memory read or write in a `crux.memory.<op>` span. See `crux::memory`.
#[proc_macro_attribute]
pub fn memory(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::MEMORY, args.into(), item.into()).into()
}

/// Wraps a corpus sync in a `crux.corpus.sync` span. See `crux::corpus_sync`.
#[proc_macro_attribute]
pub fn corpus_sync(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::CORPUS_SYNC, args.into(), item.into()).into()
}

/// Wraps an embedding call in a `crux.embedding` span (CLIENT). See `crux::embedding`.
#[proc_macro_attribute]
pub fn embedding(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::EMBEDDING, args.into(), item.into()).into()
}

/// Wraps a retrieval in a `crux.retrieval` span (CLIENT). See `crux::retrieval`.
#[proc_macro_attribute]
pub fn retrieval(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::RETRIEVAL, args.into(), item.into()).into()
}

/// Wraps an indexing run in a `crux.indexing` span. See `crux::indexing`.
#[proc_macro_attribute]
pub fn indexing(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::INDEXING, args.into(), item.into()).into()
}

/// Wraps the parsing of one source in a `crux.ingest.parse` span. See `crux::ingest`.
#[proc_macro_attribute]
pub fn ingest(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::INGEST, args.into(), item.into()).into()
}

/// Wraps a context compaction in a `crux.compact` span. See `crux::compact`.
#[proc_macro_attribute]
pub fn compact(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::COMPACT, args.into(), item.into()).into()
}

/// Wraps an evaluator in a `crux.judge` span. See `crux::judge`.
#[proc_macro_attribute]
pub fn judge(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::JUDGE, args.into(), item.into()).into()
}

/// Wraps one stage of a retrieval pipeline in a `crux.retrieval.stage` span. See
/// `crux::retrieval_stage`.
#[proc_macro_attribute]
pub fn retrieval_stage(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::RETRIEVAL_STAGE, args.into(), item.into()).into()
}

/// Wraps a workspace file operation in a `crux.workspace.<op>` span. See `crux::workspace`.
#[proc_macro_attribute]
pub fn workspace(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::WORKSPACE, args.into(), item.into()).into()
}

/// Wraps a semantic-cache lookup in a `crux.semantic_cache.lookup` span. See
/// `crux::semantic_cache`.
#[proc_macro_attribute]
pub fn semantic_cache(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::SEMANTIC_CACHE, args.into(), item.into()).into()
}

/// Wraps a validation-retry loop in a `crux.validation.retry` span. See
/// `crux::validation_retry`.
#[proc_macro_attribute]
pub fn validation_retry(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::VALIDATION_RETRY, args.into(), item.into()).into()
}

/// Wraps a model router in a `crux.router.select` span. See `crux::router`.
#[proc_macro_attribute]
pub fn router(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::ROUTER, args.into(), item.into()).into()
}

/// Wraps a cascade of model tiers in a `crux.cascade.run` span. See `crux::cascade`.
#[proc_macro_attribute]
pub fn cascade(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::CASCADE, args.into(), item.into()).into()
}

/// Implements `crux::Prompt` for a prompt struct. See `crux::Prompt`.
#[proc_macro_derive(Prompt, attributes(prompt))]
pub fn derive_prompt(input: TokenStream) -> TokenStream {
    prompt::derive(input.into()).into()
}

fn attribute(spec: &spec::MacroSpec, args: TokenStream2, item: TokenStream2) -> TokenStream2 {
    let mut errors = errors::Errors::default();
    let args = syn::parse2::<args::Args>(args).unwrap_or_else(|e| {
        errors.push(e);
        args::Args(Vec::new())
    });
    let checked = validate::check(spec, &args.0, &mut errors);
    let function = item::parse(spec, item.clone(), &mut errors);
    match (errors.finish(), function) {
        (Err(error), _) => errors::item_with_errors(item, error),
        (Ok(()), None) => item,
        (Ok(()), Some(_)) if cfg!(feature = "disabled") => item,
        (Ok(()), Some(function)) => expand::function(spec, &checked, function),
    }
}

#[cfg(test)]
mod snapshots;
