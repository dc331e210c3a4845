//! Every argument of `#[crux::embedding]` (`name`, `provider`, `model`, `kind`,
//! `operation`, `input_count`, `chunk_count`, `dimensions`, `attributes(..)`) and of
//! `#[crux::retrieval]` (`retriever`, `namespace` hashed, `mode`, `limit`, `fusion`,
//! `model`, `query` recorded only with input capture, `attributes(..)`), as literals and
//! expressions, on sync and async fns returning vectors directly or in a `Result`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;

const TENANT: &str = "tenant-a";

#[crux::embedding]
fn bare_embed(text: &str) -> Vec<f64> {
    vec![text.len() as f64; 4]
}

#[crux::embedding(
    name = "titles",
    provider = "openai",
    model = model,
    kind = "dense",
    operation = "embed_many",
    input_count = texts.len() as i64,
    chunk_count = 2,
    dimensions = 3,
    attributes(app.batch = "nightly"),
)]
async fn embed_titles(model: &str, texts: &[&str]) -> Result<Vec<Vec<f32>>, String> {
    let _ = model;
    Ok(texts.iter().map(|_| vec![0.0; 3]).collect())
}

#[crux::retrieval]
fn bare_search() -> std::collections::VecDeque<u8> {
    std::collections::VecDeque::from([1, 2])
}

#[crux::retrieval(
    retriever = "kb",
    namespace = TENANT,
    mode = "hybrid",
    limit = limit,
    fusion = "rrf",
    model = "text-embedding-3-small",
    query = query,
    attributes(app.index = "help-center"),
)]
async fn search(query: &str, limit: i64) -> Result<Vec<String>, std::io::Error> {
    Ok(vec![query.to_owned(); limit as usize])
}

fn main() {
    let capture = crux::testing::capture();

    assert_eq!(bare_embed("tea").len(), 4);
    let vectors = futures::executor::block_on(embed_titles("m-1", &["a", "b"])).unwrap();
    assert_eq!(vectors.len(), 2);
    assert_eq!(bare_search().len(), 2);
    let hits = futures::executor::block_on(search("parcel", 2)).unwrap();
    assert_eq!(hits.len(), 2);

    let embeddings = capture.named("crux.embedding");
    let bare = embeddings
        .iter()
        .find(|s| s.str_attr("crux.embedding.name").as_deref() == Some("bare_embed"))
        .unwrap();
    assert_eq!(bare.i64_attr("crux.embedding.dimensions"), Some(4));
    let titles = embeddings
        .iter()
        .find(|s| s.str_attr("crux.embedding.name").as_deref() == Some("titles"))
        .unwrap();
    assert_eq!(
        titles.str_attr("gen_ai.request.model").as_deref(),
        Some("m-1")
    );
    assert_eq!(titles.str_attr("gen_ai.system").as_deref(), Some("openai"));
    assert_eq!(
        titles.str_attr("crux.embedding.kind").as_deref(),
        Some("dense")
    );
    assert_eq!(titles.i64_attr("crux.embedding.input_count"), Some(2));
    assert_eq!(titles.i64_attr("crux.embedding.chunk_count"), Some(2));
    assert_eq!(
        titles.i64_attr("gen_ai.embeddings.dimension.count"),
        Some(3)
    );
    assert_eq!(titles.str_attr("app.batch").as_deref(), Some("nightly"));

    let retrievals = capture.named("crux.retrieval");
    let bare = retrievals
        .iter()
        .find(|s| s.str_attr("crux.retriever.id").as_deref() == Some("bare_search"))
        .unwrap();
    assert_eq!(bare.i64_attr("crux.retrieval.result_count"), Some(2));
    let search = retrievals
        .iter()
        .find(|s| s.str_attr("crux.retriever.id").as_deref() == Some("kb"))
        .unwrap();
    assert_eq!(
        search.str_attr("crux.retrieval.namespace_hash").as_deref(),
        Some(crux::hashing::fnv1a(TENANT).as_str())
    );
    assert_eq!(search.i64_attr("gen_ai.retrieval.top_k"), Some(2));
    assert_eq!(search.i64_attr("crux.retrieval.result_count"), Some(2));
    assert_eq!(search.str_attr("app.index").as_deref(), Some("help-center"));
    assert_eq!(
        search.attr("gen_ai.retrieval.query.text"),
        None,
        "capture is off"
    );
}
