//! A context cache (assembled context — retrieved documents, summaries — kept between
//! turns): each lookup is a `crux.context.cache` moment under the current span with the
//! context's id and `hit` or `miss`; never the cache key or the context.
//!
//! ```
//! # let _c = crux::testing::capture();
//! crux::context_cache::hit("ctx-T-1", std::time::Duration::from_secs(42));
//! crux::context_cache::miss("ctx-T-2");
//! ```

use crate::attributes as key;
use crate::attributes::spans;
use crate::core::pipeline::{count, MomentAttrs};
use std::time::Duration;

/// The cache had the context, `age` old: `crux.context.cache.status = hit` and
/// `crux.context.cache.age_ms`.
pub fn hit(context_id: &str, age: Duration) {
    MomentAttrs::default()
        .with(key::CRUX_CONTEXT_CACHE_STATUS, "hit")
        .with(key::CRUX_CONTEXT_ID, context_id.to_owned())
        .with(key::CRUX_CONTEXT_CACHE_AGE_MS, count(age.as_millis()))
        .record(spans::CONTEXT_CACHE);
}

/// The cache did not have the context: `crux.context.cache.status = miss`.
pub fn miss(context_id: &str) {
    MomentAttrs::default()
        .with(key::CRUX_CONTEXT_CACHE_STATUS, "miss")
        .with(key::CRUX_CONTEXT_ID, context_id.to_owned())
        .record(spans::CONTEXT_CACHE);
}
