//! Embeddings, retrievals, indexing and ingest: their start defaults, and what
//! `#[crux::embedding]` and `#[crux::retrieval]` read from the value a function
//! returns (directly or as the `Ok` of a `Result`): the vectors' length and the number
//! of results. Implement the traits for a provider's own response type to have them
//! recorded too; anything else records nothing, and the numbers can still be set by hand
//! with [`crate::Span::set_attribute`].
//!
//! ```
//! #[crux::retrieval(retriever = "kb", limit = 3)]
//! fn search(query: &str) -> Vec<String> {
//!     vec![format!("a document about {query}")]
//! }
//! # let _ = search("parcels");
//! ```
//!
//! records `crux.retrieval.result_count = 1` on the span, and never the query unless
//! input capture is on.
//!
//! A retrieval in stages puts `#[crux::retrieval_stage]` on each stage: its span is a
//! child of the retrieval's, takes the retriever from it, and counts what the stage
//! returns (queries for a `query` stage, hits otherwise); queries and hits themselves
//! are never recorded.
//!
//! ```
//! #[crux::retrieval_stage(kind = "rerank", phase = "hits", input_hit_count = hits.len() as i64)]
//! fn rerank(hits: Vec<String>) -> Vec<String> {
//!     hits.into_iter().take(2).collect()               // output_hit_count: 2
//! }
//!
//! #[crux::retrieval(retriever = "kb")]
//! fn search(query: &str) -> Vec<String> {
//!     rerank(vec![format!("a {query}"), format!("b {query}"), format!("c {query}")])
//! }
//! # let _c = crux::testing::capture();
//! # search("parcels");
//! ```

use crate::attributes as key;
use crate::core::attrs::AttrList;
use crate::core::callsite::Callsite;
use opentelemetry::{Context, Value};
use std::sync::Arc;

/// Embedding vectors a `#[crux::embedding]` fn returns: one vector, or one per input.
pub trait Embeddings {
    /// The length of each vector (`crux.embedding.dimensions` and
    /// `gen_ai.embeddings.dimension.count`), if there is a vector.
    fn dimensions(&self) -> Option<usize>;
}

impl Embeddings for Vec<f32> {
    fn dimensions(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl Embeddings for Vec<f64> {
    fn dimensions(&self) -> Option<usize> {
        Some(self.len())
    }
}

impl Embeddings for Vec<Vec<f32>> {
    fn dimensions(&self) -> Option<usize> {
        self.first().map(Vec::len)
    }
}

impl Embeddings for Vec<Vec<f64>> {
    fn dimensions(&self) -> Option<usize> {
        self.first().map(Vec::len)
    }
}

/// The results a `#[crux::retrieval]` fn returns.
pub trait Retrieved {
    /// How many results came back (`crux.retrieval.result_count`).
    fn result_count(&self) -> usize;
}

impl<T> Retrieved for Vec<T> {
    fn result_count(&self) -> usize {
        self.len()
    }
}

impl<T> Retrieved for std::collections::VecDeque<T> {
    fn result_count(&self) -> usize {
        self.len()
    }
}

/// The start defaults of an embedding call: its name, the GenAI operation, and the
/// provider and dimensions under their GenAI keys too.
pub(crate) fn embedding_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_EMBEDDING_NAME, callsite.label);
    attrs.upsert_static(key::GEN_AI_OPERATION_NAME, "embeddings");
    attrs.mirror(key::GEN_AI_PROVIDER_NAME, key::GEN_AI_SYSTEM);
    attrs.mirror(
        key::CRUX_EMBEDDING_DIMENSIONS,
        key::GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
    );
}

/// The start defaults of a retrieval: the retriever, the GenAI operation, and the
/// retriever and limit under their GenAI keys too.
pub(crate) fn retrieval_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_RETRIEVER_ID, callsite.label);
    attrs.upsert_static(key::GEN_AI_OPERATION_NAME, "retrieval");
    attrs.mirror(key::CRUX_RETRIEVER_ID, key::GEN_AI_DATA_SOURCE_ID);
    attrs.mirror(key::CRUX_RETRIEVAL_LIMIT, key::GEN_AI_RETRIEVAL_TOP_K);
}

/// The start defaults of an indexing span: the indexer.
pub(crate) fn indexing_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_INDEXER_ID, callsite.label);
}

/// The start defaults of an ingest span: the parser.
pub(crate) fn ingest_defaults(callsite: &Callsite, attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_INGEST_PARSER, callsite.label);
}

/// The GenAI span name of a retrieval: `retrieval {data source}`.
pub(crate) fn retrieval_genai_name(attrs: &AttrList) -> String {
    match attrs.text(key::GEN_AI_DATA_SOURCE_ID) {
        Some(source) if !source.is_empty() => format!("retrieval {source}"),
        _ => "retrieval".to_owned(),
    }
}

/// The start defaults of a retrieval stage: its name (the fn name unless given), and the
/// retriever of the enclosing `#[crux::retrieval]` when not given.
pub(crate) fn stage_defaults(callsite: &Callsite, attrs: &mut AttrList, parent: &Context) {
    attrs.default_static(key::CRUX_RETRIEVAL_STAGE_NAME, callsite.label);
    if !attrs.has(key::CRUX_RETRIEVER_ID) {
        if let Some(RetrieverScope(id)) = parent.get::<RetrieverScope>() {
            attrs.upsert(key::CRUX_RETRIEVER_ID, Value::from(id.to_string()));
        }
    }
}

/// The retriever of the enclosing `#[crux::retrieval]`, for the stages inside it.
#[derive(Clone, Debug)]
pub(crate) struct RetrieverScope(Arc<str>);

/// Reads the retriever from a retrieval's start attributes.
pub(crate) fn open_retrieval(attrs: &AttrList) -> Option<RetrieverScope> {
    attrs
        .text(key::CRUX_RETRIEVER_ID)
        .map(|id| RetrieverScope(id.into()))
}

/// Puts the retriever into its span's context `cx`.
pub(crate) fn enter_retrieval(scope: &RetrieverScope, cx: Context) -> Context {
    cx.with_value(scope.clone())
}

/// What a stage's returned count is: queries (a `query` stage) or hits (any other).
pub(crate) fn stage_output_key(attrs: &AttrList) -> &'static str {
    match attrs.text(key::CRUX_RETRIEVAL_STAGE_PHASE).as_deref() {
        Some("query") => key::CRUX_RETRIEVAL_STAGE_OUTPUT_QUERY_COUNT,
        _ => key::CRUX_RETRIEVAL_STAGE_OUTPUT_HIT_COUNT,
    }
}
