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

#[doc = include_str!("../docs/tool.md")]
#[proc_macro_attribute]
pub fn tool(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::TOOL, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/flow.md")]
#[proc_macro_attribute]
pub fn flow(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::FLOW, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/flow_step.md")]
#[proc_macro_attribute]
pub fn flow_step(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::FLOW_STEP, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/generate.md")]
#[proc_macro_attribute]
pub fn generate(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::GENERATE, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/delegate.md")]
#[proc_macro_attribute]
pub fn delegate(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::DELEGATE, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/agent.md")]
#[proc_macro_attribute]
pub fn agent(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::AGENT, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/use_reason.md")]
#[proc_macro_attribute]
pub fn use_reason(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::USE_REASON, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/composition.md")]
#[proc_macro_attribute]
pub fn composition(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::COMPOSITION, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/memory.md")]
#[proc_macro_attribute]
pub fn memory(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::MEMORY, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/corpus_sync.md")]
#[proc_macro_attribute]
pub fn corpus_sync(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::CORPUS_SYNC, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/embedding.md")]
#[proc_macro_attribute]
pub fn embedding(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::EMBEDDING, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/retrieval.md")]
#[proc_macro_attribute]
pub fn retrieval(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::RETRIEVAL, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/indexing.md")]
#[proc_macro_attribute]
pub fn indexing(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::INDEXING, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/ingest.md")]
#[proc_macro_attribute]
pub fn ingest(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::INGEST, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/compact.md")]
#[proc_macro_attribute]
pub fn compact(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::COMPACT, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/judge.md")]
#[proc_macro_attribute]
pub fn judge(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::JUDGE, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/retrieval_stage.md")]
#[proc_macro_attribute]
pub fn retrieval_stage(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::RETRIEVAL_STAGE, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/workspace.md")]
#[proc_macro_attribute]
pub fn workspace(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::WORKSPACE, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/semantic_cache.md")]
#[proc_macro_attribute]
pub fn semantic_cache(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::SEMANTIC_CACHE, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/validation_retry.md")]
#[proc_macro_attribute]
pub fn validation_retry(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::VALIDATION_RETRY, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/router.md")]
#[proc_macro_attribute]
pub fn router(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::ROUTER, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/cascade.md")]
#[proc_macro_attribute]
pub fn cascade(args: TokenStream, item: TokenStream) -> TokenStream {
    attribute(&spec::CASCADE, args.into(), item.into()).into()
}

#[doc = include_str!("../docs/derive_prompt.md")]
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
mod doc_pages;
#[cfg(test)]
mod snapshots;
