//! Test support: capture the spans an instrumented program produces and assert on them.
//!
//! ```
//! use crux::testing::SpanDataExt;
//!
//! #[crux::tool(name = "search")]
//! fn search(q: &str) -> usize { q.len() }
//!
//! let capture = crux::testing::capture();
//! search("rust");
//! let span = capture.one("crux.tool.search");
//! assert_eq!(span.str_attr("gen_ai.tool.name").as_deref(), Some("search"));
//! ```

use crate::export::InMemorySpans;
use crate::telemetry::{Telemetry, TelemetryBuilder, TelemetryGuard};
use opentelemetry::trace::{Event, Status};
use opentelemetry::Value;
use opentelemetry_sdk::trace::SpanData;
use std::sync::{Mutex, MutexGuard, PoisonError};

static EXCLUSIVE: Mutex<()> = Mutex::new(());

/// Serialises tests of one binary that install a pipeline: the pipeline is process-wide,
/// so two tests installing theirs at once would record into each other's. [`capture`]
/// takes this lock itself; a test that calls [`Telemetry::builder`]`…install()` directly
/// holds the returned guard for as long as its pipeline is installed.
///
/// ```
/// let _turn = crux::testing::exclusive();
/// let guard = crux::Telemetry::builder().install().unwrap();
/// // ...
/// drop(guard);
/// ```
pub fn exclusive() -> Turn {
    Turn(EXCLUSIVE.lock().unwrap_or_else(PoisonError::into_inner))
}

/// A test's turn to install a pipeline (see [`exclusive`]); held for the whole test,
/// across `.await`s, by design.
#[derive(Debug)]
pub struct Turn(#[allow(dead_code)] MutexGuard<'static, ()>);

/// Captures every span finished while it lives, through the process-wide pipeline.
///
/// Captures in one process take turns (each holds a lock for its lifetime), so tests in
/// one binary never see each other's spans; dropping it uninstalls the pipeline.
#[derive(Debug)]
pub struct Capture {
    spans: InMemorySpans,
    guard: Option<TelemetryGuard>,
    _exclusive: Turn,
}

/// Starts capturing with default options.
pub fn capture() -> Capture {
    capture_with(Telemetry::builder())
}

/// Starts capturing with the options of `builder` (its other destinations receive the
/// spans too).
pub fn capture_with(builder: TelemetryBuilder) -> Capture {
    let exclusive = exclusive();
    crate::set_enabled(true);
    let spans = InMemorySpans::new();
    let guard = builder
        .in_memory(&spans)
        .install()
        .expect("an in-memory pipeline always installs");
    Capture {
        spans,
        guard: Some(guard),
        _exclusive: exclusive,
    }
}

impl Capture {
    /// Every span finished so far, in the order they ended.
    pub fn spans(&self) -> Vec<SpanData> {
        self.spans.spans()
    }

    /// The spans named `name`.
    pub fn named(&self, name: &str) -> Vec<SpanData> {
        self.spans()
            .into_iter()
            .filter(|s| s.name == name)
            .collect()
    }

    /// The one span named `name`; panics (listing what there is) unless exactly one.
    pub fn one(&self, name: &str) -> SpanData {
        let mut found = self.named(name);
        if found.len() != 1 {
            let names: Vec<_> = self.spans().iter().map(|s| s.name.to_string()).collect();
            panic!(
                "expected exactly one span named {name:?}, found {}; spans: {names:?}",
                found.len()
            );
        }
        found.remove(0)
    }

    /// The finished children of `parent`, in start order.
    pub fn children(&self, parent: &SpanData) -> Vec<SpanData> {
        let mut kids: Vec<_> = self
            .spans()
            .into_iter()
            .filter(|s| {
                s.parent_span_id == parent.span_context.span_id()
                    && s.span_context.trace_id() == parent.span_context.trace_id()
            })
            .collect();
        kids.sort_by_key(|s| s.start_time);
        kids
    }

    /// The finished parent of `child`, if it is among the captured spans.
    pub fn parent(&self, child: &SpanData) -> Option<SpanData> {
        self.spans().into_iter().find(|s| {
            s.span_context.span_id() == child.parent_span_id
                && s.span_context.trace_id() == child.span_context.trace_id()
        })
    }

    /// Forgets the spans captured so far.
    pub fn clear(&self) {
        self.spans.clear();
    }

    /// The guard of the pipeline the capture installed.
    pub fn guard(&self) -> &TelemetryGuard {
        self.guard.as_ref().expect("present until drop")
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        drop(self.guard.take());
        crate::set_enabled(true);
    }
}

/// Reading attributes and events of a finished span.
pub trait SpanDataExt {
    /// The value of attribute `key`.
    fn attr(&self, key: &str) -> Option<&Value>;
    /// The value of attribute `key` as text.
    fn str_attr(&self, key: &str) -> Option<String> {
        self.attr(key).map(|v| v.as_str().into_owned())
    }
    /// The value of attribute `key` if it is an integer.
    fn i64_attr(&self, key: &str) -> Option<i64> {
        match self.attr(key) {
            Some(Value::I64(v)) => Some(*v),
            _ => None,
        }
    }
    /// The value of attribute `key` if it is a float.
    fn f64_attr(&self, key: &str) -> Option<f64> {
        match self.attr(key) {
            Some(Value::F64(v)) => Some(*v),
            _ => None,
        }
    }
    /// The value of attribute `key` if it is a bool.
    fn bool_attr(&self, key: &str) -> Option<bool> {
        match self.attr(key) {
            Some(Value::Bool(v)) => Some(*v),
            _ => None,
        }
    }
    /// The first event named `name`.
    fn event(&self, name: &str) -> Option<&Event>;
    /// The status description if the status is Error.
    fn error_description(&self) -> Option<String>;
}

impl SpanDataExt for SpanData {
    fn attr(&self, key: &str) -> Option<&Value> {
        crate::core::attrs::find(&self.attributes, key)
    }

    fn event(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
    }

    fn error_description(&self) -> Option<String> {
        match &self.status {
            Status::Error { description } => Some(description.to_string()),
            _ => None,
        }
    }
}

/// Reading an event's attributes.
pub trait EventExt {
    /// The value of attribute `key` as text.
    fn str_attr(&self, key: &str) -> Option<String>;
}

impl EventExt for Event {
    fn str_attr(&self, key: &str) -> Option<String> {
        crate::core::attrs::find(&self.attributes, key).map(|v| v.as_str().into_owned())
    }
}
