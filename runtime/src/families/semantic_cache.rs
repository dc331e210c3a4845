//! A semantic cache (answers reused for similar prompts): `#[crux::semantic_cache]` on
//! the lookup opens `crux.semantic_cache.lookup`, ended with `crux.semantic_cache.status`
//! = `hit` or `miss` from the value it returns (an `Option`: `Some` is a hit, directly or
//! in `Ok`; or anything implementing [`CacheLookup`]). The moments of a cache — hit, miss,
//! write, skip, replay — are instant spans; inside a lookup they take its operation,
//! version and prompt id, elsewhere a [`Cache`] value gives them.
//!
//! Never recorded: the cache key, the prompt or query, the cached answer, the scope hash.
//! A hit's cost ([`Hit::cost`], e.g. the embedding of the query) feeds the enclosing
//! flows' `crux.cost.total`, as a model call's does.
//!
//! ```
//! use crux::semantic_cache::{self, Hit};
//! use std::time::Duration;
//!
//! #[crux::semantic_cache(operation = "generate", version = "v3", threshold = 0.92, prompt_id = "answer")]
//! fn lookup(question: &str) -> Option<String> {
//!     semantic_cache::hit(Hit::new(0.97).age(Duration::from_secs(300)).cost(0.00002));
//!     Some(format!("cached answer to {question}"))
//! }
//! # let _c = crux::testing::capture();
//! lookup("where is my parcel?");
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::attrs::AttrList;
use crate::core::pipeline::{self, count, MomentAttrs};
use crate::families::cost::{self, CostSource};
use crate::families::skill::hit_or_miss;
use opentelemetry::Context;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// What a lookup returns, read to record `hit` or `miss`.
pub trait CacheLookup {
    /// Whether the cache had an entry.
    fn is_hit(&self) -> bool;
}

impl<T> CacheLookup for Option<T> {
    fn is_hit(&self) -> bool {
        self.is_some()
    }
}

/// The identity of a semantic cache, for moments recorded outside a lookup.
#[derive(Clone, Debug, Default)]
pub struct Cache {
    operation: Option<String>,
    version: Option<String>,
    prompt_id: Option<String>,
}

impl Cache {
    /// A cache for `operation` (`generate` or `stream`) at `version`.
    pub fn new(operation: impl Into<String>, version: impl Into<String>) -> Cache {
        Cache {
            operation: Some(operation.into()),
            version: Some(version.into()),
            prompt_id: None,
        }
    }
    /// The prompt its entries answer.
    pub fn prompt_id(mut self, id: impl Into<String>) -> Self {
        self.prompt_id = Some(id.into());
        self
    }

    /// The enclosing lookup's identity, if the current span is inside one.
    fn current() -> Cache {
        Context::current()
            .get::<LookupScope>()
            .map(|s| s.cache.clone())
            .unwrap_or_default()
    }

    /// The identity a moment carries: the prompt, and the operation and version when
    /// asked for (the reference table leaves the version off a skip and the operation
    /// off a replay).
    fn attrs(&self, operation: bool, version: bool) -> MomentAttrs {
        MomentAttrs::default()
            .maybe(key::CRUX_PROMPT_ID, self.prompt_id.clone())
            .maybe(
                key::CRUX_SEMANTIC_CACHE_OPERATION,
                self.operation.clone().filter(|_| operation),
            )
            .maybe(
                key::CRUX_SEMANTIC_CACHE_VERSION,
                self.version.clone().filter(|_| version),
            )
    }

    /// The cache had an answer: `crux.semantic_cache.hit` with its score and age.
    pub fn hit(&self, hit: Hit) {
        if !pipeline::enabled() {
            return;
        }
        let cx = Context::current();
        if let Some(scope) = cx.get::<LookupScope>() {
            *scope.score.lock().unwrap_or_else(PoisonError::into_inner) = Some(hit.score);
        }
        if let Some(usd) = hit.cost {
            cost::add(&cx, usd, CostSource::Actual, &pipeline::hold());
        }
        self.attrs(true, true)
            .with(key::CRUX_SEMANTIC_CACHE_SCORE, hit.score)
            .maybe(
                key::CRUX_SEMANTIC_CACHE_AGE_MS,
                hit.age.map(|a| count(a.as_millis())),
            )
            .maybe(key::CRUX_COST, hit.cost)
            .record(spans::SEMANTIC_CACHE_HIT);
    }

    /// The cache had nothing close enough: `crux.semantic_cache.miss`.
    pub fn miss(&self) {
        self.attrs(true, true).record(spans::SEMANTIC_CACHE_MISS);
    }

    /// An answer was stored for `ttl`: `crux.semantic_cache.write`.
    pub fn write(&self, ttl: Duration, kind: ResultKind) {
        self.attrs(true, true)
            .with(key::CRUX_SEMANTIC_CACHE_TTL_MS, count(ttl.as_millis()))
            .with(key::CRUX_SEMANTIC_CACHE_RESULT_KIND, kind.as_str())
            .record(spans::SEMANTIC_CACHE_WRITE);
    }

    /// The cache was not used, for `reason` (`streaming`, `tools`, ...):
    /// `crux.semantic_cache.skip`.
    pub fn skip(&self, reason: &str) {
        self.attrs(true, false)
            .with(key::CRUX_SEMANTIC_CACHE_SKIP_REASON, reason.to_owned())
            .record(spans::SEMANTIC_CACHE_SKIP);
    }

    /// A cached answer starts being replayed: `crux.semantic_cache.replay`.
    pub fn replay(&self) {
        self.attrs(false, true).record(spans::SEMANTIC_CACHE_REPLAY);
    }
}

/// A hit, for [`hit`].
#[derive(Clone, Copy, Debug)]
pub struct Hit {
    score: f64,
    age: Option<Duration>,
    cost: Option<f64>,
}

impl Hit {
    /// A hit of similarity `score`.
    pub fn new(score: f64) -> Hit {
        Hit {
            score,
            age: None,
            cost: None,
        }
    }
    /// How old the entry is.
    pub fn age(mut self, age: Duration) -> Self {
        self.age = Some(age);
        self
    }
    /// What the lookup cost, USD (counted in the flows' totals).
    pub fn cost(mut self, usd: f64) -> Self {
        self.cost = Some(usd);
        self
    }
}

/// What was cached (`crux.semantic_cache.result_kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultKind {
    /// Text.
    Text,
    /// A structured object.
    Object,
}

impl ResultKind {
    fn as_str(self) -> &'static str {
        match self {
            ResultKind::Text => "text",
            ResultKind::Object => "object",
        }
    }
}

/// A hit in the enclosing lookup's cache (see [`Cache::hit`]).
pub fn hit(hit: Hit) {
    Cache::current().hit(hit);
}

/// A miss in the enclosing lookup's cache (see [`Cache::miss`]).
pub fn miss() {
    Cache::current().miss();
}

/// A write to the enclosing lookup's cache (see [`Cache::write`]).
pub fn write(ttl: Duration, kind: ResultKind) {
    Cache::current().write(ttl, kind);
}

/// The enclosing lookup's cache was skipped (see [`Cache::skip`]).
pub fn skip(reason: &str) {
    Cache::current().skip(reason);
}

/// A replay from the enclosing lookup's cache (see [`Cache::replay`]).
pub fn replay() {
    Cache::current().replay();
}

/// One lookup: its cache's identity, and the score of a hit reported inside it.
#[derive(Clone, Debug)]
pub(crate) struct LookupScope {
    cache: Cache,
    score: Arc<Mutex<Option<f64>>>,
}

/// The start default of a lookup: the operation, `generate` unless given.
pub(crate) fn start_defaults(attrs: &mut AttrList) {
    attrs.default_static(key::CRUX_SEMANTIC_CACHE_OPERATION, "generate");
}

/// Reads the cache's identity from the lookup's start attributes.
pub(crate) fn open(attrs: &AttrList) -> LookupScope {
    LookupScope {
        cache: Cache {
            operation: attrs.text(key::CRUX_SEMANTIC_CACHE_OPERATION),
            version: attrs.text(key::CRUX_SEMANTIC_CACHE_VERSION),
            prompt_id: attrs.text(key::CRUX_PROMPT_ID),
        },
        score: Arc::default(),
    }
}

/// Puts the lookup's scope into its span's context `cx`.
pub(crate) fn enter(scope: &LookupScope, cx: Context) -> Context {
    cx.with_value(scope.clone())
}

/// The lookup's status: `hit` or `miss`.
pub(crate) fn status(hit: bool) -> &'static str {
    hit_or_miss(hit)
}

impl LookupScope {
    /// The end attribute: the score of a hit reported inside.
    pub(crate) fn end(&self, end: &mut AttrList) {
        if let Some(score) = *self.score.lock().unwrap_or_else(PoisonError::into_inner) {
            end.push(key::CRUX_SEMANTIC_CACHE_SCORE, score);
        }
    }
}
