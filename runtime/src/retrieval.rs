//! What `#[crux::embedding]` and `#[crux::retrieval]` read from the value a function
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
