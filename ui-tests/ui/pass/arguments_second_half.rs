//! Every argument of the second half's macros, as literals and as expressions, on
//! methods, `async fn`s and fns returning `impl Future`: `#[crux::retrieval_stage]`,
//! `#[crux::workspace]`, `#[crux::semantic_cache]`, `#[crux::validation_retry]`,
//! `#[crux::router]`, `#[crux::cascade]`.
#![deny(warnings)]
#![deny(clippy::all)]

use crux::testing::SpanDataExt;
use std::future::Future;

struct Store {
    mount: String,
}

impl Store {
    #[crux::workspace(
        op = "list",
        id = "notes",
        path = dir,
        mount = self.mount,
        mime_type = "inode/directory",
        size = 0,
        attributes(app.entries = 2),
    )]
    fn list(&self, dir: &str) -> Vec<String> {
        vec![format!("{dir}/a.md"), format!("{dir}/b.md")]
    }

    #[crux::retrieval_stage(
        stage = "vector",
        retriever = "kb",
        pipeline = format!("kb-{}", 2),
        kind = "search",
        phase = "hits",
        input_query_count = queries.len() as i64,
        input_hit_count = 0,
    )]
    async fn search(&self, queries: &[&str]) -> Result<Vec<String>, std::io::Error> {
        Ok(queries.iter().map(|q| q.to_string()).collect())
    }
}

#[crux::semantic_cache(
    operation = "stream",
    version = version,
    threshold = 0.9,
    prompt_id = "answer",
)]
fn lookup(version: &str) -> Option<u32> {
    let _ = version;
    None
}

#[crux::validation_retry(id = id, max_attempts = 3, prompt_id = "answer")]
fn validate(id: &str) -> Result<u32, String> {
    let _ = id;
    Ok(1)
}

#[crux::router(name = "by-length")]
fn route() -> impl Future<Output = &'static str> {
    async { "gpt-4o-mini" }
}

#[crux::cascade(id = "answer", budget = 1)]
async fn cascade() -> Option<u32> {
    None
}

fn main() {
    let capture = crux::testing::capture();
    let store = Store {
        mount: "/notes".into(),
    };
    assert_eq!(store.list("private").len(), 2);
    assert_eq!(
        futures::executor::block_on(store.search(&["a", "b"]))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(lookup("v2"), None);
    assert_eq!(validate("v-1"), Ok(1));
    assert_eq!(futures::executor::block_on(route()), "gpt-4o-mini");
    assert_eq!(futures::executor::block_on(cascade()), None);

    let list = capture.one("crux.workspace.list");
    assert_eq!(list.str_attr("crux.workspace.mount").as_deref(), Some("/notes"));
    assert_eq!(list.str_attr("crux.workspace.path_hash").as_deref(), Some(crux::hashing::fnv1a("private").as_str()));
    assert_eq!(list.i64_attr("app.entries"), Some(2));
    let stage = capture.one("crux.retrieval.stage");
    assert_eq!(stage.str_attr("crux.retrieval.pipeline.id").as_deref(), Some("kb-2"));
    assert_eq!(stage.i64_attr("crux.retrieval.stage.output_hit_count"), Some(2));
    let cache = capture.one("crux.semantic_cache.lookup");
    assert_eq!(cache.str_attr("crux.semantic_cache.status").as_deref(), Some("miss"));
    assert_eq!(cache.str_attr("crux.semantic_cache.version").as_deref(), Some("v2"));
    let retry = capture.one("crux.validation.retry");
    assert_eq!(retry.str_attr("crux.validation.retry_id").as_deref(), Some("v-1"));
    assert_eq!(retry.bool_attr("crux.validation.exhausted"), Some(false));
    let router = capture.one("crux.router.select");
    assert_eq!(router.str_attr("crux.router.name").as_deref(), Some("by-length"));
    let run = capture.one("crux.cascade.run");
    assert_eq!(run.f64_attr("crux.cascade.budget"), Some(1.0));
    assert_eq!(run.i64_attr("crux.cascade.total_tiers"), Some(0));
}
