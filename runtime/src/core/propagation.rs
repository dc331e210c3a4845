//! Crossing a process boundary: W3C `traceparent`, `tracestate` and `baggage` injected
//! into and extracted from a plain string map or an `http::HeaderMap`.
//!
//! Crux uses its own propagator (trace context + baggage); it never reads or replaces
//! the global one the application may have set.
//!
//! ```
//! # let _capture = crux::testing::capture();
//! #[crux::delegate(id = "billing-agent")]
//! fn hand_off() -> std::collections::HashMap<String, String> {
//!     crux::propagation::headers() // send these with the request
//! }
//! let headers = hand_off();
//! assert!(headers["traceparent"].starts_with("00-"));
//!
//! // The remote agent continues the same trace:
//! #[crux::flow(name = "billing", parent = headers)]
//! fn billing(headers: &std::collections::HashMap<String, String>) {}
//! billing(&headers);
//! ```

use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::trace::TraceContextExt;
use opentelemetry::Context;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use std::collections::HashMap;
use std::sync::OnceLock;

fn propagator() -> &'static TextMapCompositePropagator {
    static PROPAGATOR: OnceLock<TextMapCompositePropagator> = OnceLock::new();
    PROPAGATOR.get_or_init(|| {
        TextMapCompositePropagator::new(vec![
            Box::new(TraceContextPropagator::new()),
            Box::new(BaggagePropagator::new()),
        ])
    })
}

/// Injects `cx` into any carrier; a header with nothing to carry (an empty
/// `tracestate` or `baggage`) is left out.
pub fn inject_context(cx: &Context, carrier: &mut dyn Injector) {
    propagator().inject_context(cx, &mut SkipEmpty(carrier));
}

/// Passes on only headers with a value (the W3C propagator writes an empty
/// `tracestate` when there is none).
struct SkipEmpty<'a>(&'a mut dyn Injector);

impl Injector for SkipEmpty<'_> {
    fn set(&mut self, key: &str, value: String) {
        if !value.is_empty() {
            self.0.set(key, value);
        }
    }
}

/// Injects the current context into a string map.
pub fn inject(map: &mut HashMap<String, String>) {
    inject_context(&Context::current(), map);
}

/// The current context as W3C headers (`traceparent`, and `tracestate`/`baggage` when set).
pub fn headers() -> HashMap<String, String> {
    let mut map = HashMap::new();
    inject(&mut map);
    map
}

/// `cx` as W3C headers.
pub fn headers_of(cx: &Context) -> HashMap<String, String> {
    let mut map = HashMap::new();
    inject_context(cx, &mut map);
    map
}

/// Extracts a context from any carrier (an empty context when it holds none).
pub fn extract(carrier: &dyn Extractor) -> Context {
    propagator().extract(carrier)
}

/// Extracts a context from a string map.
pub fn extract_map(map: &HashMap<String, String>) -> Context {
    extract(map)
}

/// Injects the current context into HTTP headers.
pub fn inject_headers(headers: &mut http::HeaderMap) {
    inject_context(&Context::current(), &mut HeaderInjector(headers));
}

/// Extracts a context from HTTP headers.
pub fn extract_headers(headers: &http::HeaderMap) -> Context {
    extract(&HeaderExtractor(headers))
}

struct HeaderInjector<'a>(&'a mut http::HeaderMap);

impl Injector for HeaderInjector<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            http::header::HeaderName::from_bytes(key.as_bytes()),
            http::header::HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

struct HeaderExtractor<'a>(&'a http::HeaderMap);

impl Extractor for HeaderExtractor<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}

/// What `parent = ..` accepts: a carrier of W3C headers, or a context. A carrier with
/// no valid trace context leaves the caller's context as the parent.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot carry a remote parent",
    label = "`parent = ..` takes W3C headers: a `HashMap<String, String>`, an `http::HeaderMap`, or an OpenTelemetry `Context`"
)]
pub trait RemoteParent {
    /// The remote parent's context, if the carrier holds a valid one.
    fn remote_context(&self) -> Option<Context>;
}

fn valid(cx: Context) -> Option<Context> {
    cx.span().span_context().is_valid().then_some(cx)
}

impl RemoteParent for HashMap<String, String> {
    fn remote_context(&self) -> Option<Context> {
        valid(extract_map(self))
    }
}

impl RemoteParent for http::HeaderMap {
    fn remote_context(&self) -> Option<Context> {
        valid(extract_headers(self))
    }
}

impl RemoteParent for Context {
    fn remote_context(&self) -> Option<Context> {
        valid(self.clone())
    }
}

impl<T: RemoteParent + ?Sized> RemoteParent for &T {
    fn remote_context(&self) -> Option<Context> {
        (**self).remote_context()
    }
}

impl<T: RemoteParent> RemoteParent for Option<T> {
    fn remote_context(&self) -> Option<Context> {
        self.as_ref().and_then(RemoteParent::remote_context)
    }
}
