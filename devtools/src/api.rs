//! The JSON API the UI reads: the trace list (with a change marker for live updates) and
//! one trace with its spans in tree order, each with its depth and one-line summary.

use crate::span::SpanRecord;
use crate::store::{LinkedFrom, Store, StoreError, StoredTrace, TraceFilter, TraceSummary};
use crate::summary::span_summary;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The most traces one list returns.
pub const MAX_LIST: usize = 500;

/// `GET /api/traces`.
#[derive(Debug, Serialize)]
pub struct TraceList {
    /// Grows whenever spans arrive: the UI re-renders when it changes.
    pub revision: i64,
    /// The matching traces, newest first; absent when the request's `since` is the
    /// current revision (nothing changed, nothing queried).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub traces: Option<Vec<TraceSummary>>,
}

impl TraceList {
    /// Answers a list query string (`session`, `user`, `flow`, `error`, `limit`, `since`).
    pub fn query(store: &Store, query: Option<&str>) -> Result<TraceList, StoreError> {
        let (filter, since) = parse_query(query);
        let revision = store.revision()?;
        let traces = if since == Some(revision) {
            None
        } else {
            Some(store.list(&filter)?)
        };
        Ok(TraceList { revision, traces })
    }
}

/// One span as the trace page shows it.
#[derive(Debug, Serialize)]
pub struct SpanView {
    /// The stored span.
    #[serde(flatten)]
    pub span: SpanRecord,
    /// Nesting depth in the waterfall (0 for roots).
    pub depth: usize,
    /// The one-line summary after the name.
    pub summary: String,
}

/// `GET /api/traces/{id}`.
#[derive(Debug, Serialize)]
pub struct TraceView {
    /// The trace's list line.
    pub summary: TraceSummary,
    /// Spans in waterfall order: each parent before its children, siblings by start.
    pub spans: Vec<SpanView>,
    /// Spans of other traces that link into this one.
    pub linked_from: Vec<LinkedFrom>,
}

impl TraceView {
    /// Orders a stored trace's spans as a tree, depth first.
    pub fn new(trace: StoredTrace) -> TraceView {
        let ids: HashSet<String> = trace.spans.iter().map(|s| s.span_id.clone()).collect();
        let mut children: HashMap<String, Vec<SpanRecord>> = HashMap::new();
        let mut roots = Vec::new();
        for span in trace.spans {
            if span.parent_span_id != span.span_id && ids.contains(&span.parent_span_id) {
                children
                    .entry(span.parent_span_id.clone())
                    .or_default()
                    .push(span);
            } else {
                roots.push(span);
            }
        }
        let mut spans = Vec::new();
        // An explicit stack: a deep or cyclic parent chain from a sender cannot overflow.
        let mut stack: Vec<(SpanRecord, usize)> = roots.into_iter().rev().map(|s| (s, 0)).collect();
        while let Some((span, depth)) = stack.pop() {
            if let Some(kids) = children.remove(&span.span_id) {
                stack.extend(kids.into_iter().rev().map(|k| (k, depth + 1)));
            }
            spans.push(SpanView {
                summary: span_summary(&span),
                span,
                depth,
            });
        }
        // Spans in a parent cycle are unreachable from any root: show them at the end.
        for (_, orphans) in children {
            spans.extend(orphans.into_iter().map(|span| SpanView {
                summary: span_summary(&span),
                span,
                depth: 0,
            }));
        }
        TraceView {
            summary: trace.summary,
            spans,
            linked_from: trace.linked_from,
        }
    }
}

/// Parses the list's query string: the filter (`session`, `user`, `flow`, `error`,
/// `limit`) and the revision the client already shows (`since`).
pub fn parse_query(query: Option<&str>) -> (TraceFilter, Option<i64>) {
    let mut filter = TraceFilter {
        limit: 200,
        ..TraceFilter::default()
    };
    let mut since = None;
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode(value);
        let text = Some(value.clone()).filter(|v| !v.is_empty());
        match key {
            "session" => filter.session = text,
            "user" => filter.user = text,
            "flow" => filter.flow = text,
            "error" => filter.errors_only = matches!(value.as_str(), "1" | "true" | "on"),
            "limit" => {
                if let Ok(n) = value.parse::<usize>() {
                    filter.limit = n.clamp(1, MAX_LIST);
                }
            }
            "since" => since = value.parse().ok(),
            _ => {}
        }
    }
    (filter, since)
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte);
/// malformed escapes stay as they are.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(b) = hex {
                    out.push(b);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `id` looks like a trace id (32 hex digits).
pub fn is_trace_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_come_from_the_query_string() {
        let (f, since) = parse_query(Some(
            "session=chat%207f&user=u+1&flow=T-1&error=1&limit=99999&since=7",
        ));
        assert_eq!(since, Some(7));
        assert_eq!(f.session.as_deref(), Some("chat 7f"));
        assert_eq!(f.user.as_deref(), Some("u 1"));
        assert_eq!(f.flow.as_deref(), Some("T-1"));
        assert!(f.errors_only);
        assert_eq!(f.limit, MAX_LIST);
        let (none, since) = parse_query(Some("session=&error=0&x&since=x"));
        assert_eq!(since, None);
        assert_eq!(none.session, None);
        assert!(!none.errors_only);
    }

    #[test]
    fn malformed_escapes_do_not_panic() {
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("%C3%A9"), "é");
        assert_eq!(percent_decode("%e2%82"), "\u{fffd}");
    }

    #[test]
    fn trace_ids_are_32_hex_digits() {
        assert!(is_trace_id("0123456789abcdef0123456789ABCDEF"));
        assert!(!is_trace_id("../../etc/passwd"));
        assert!(!is_trace_id("0123"));
    }
}
