//! The embedded SQLite store: spans keyed by (trace, span) so a re-sent batch is stored
//! once, a trace table for retention, and a link table to follow resume links backwards.
//! A batch is committed (WAL, `synchronous = FULL`) before it is acknowledged.

use crate::span::{SpanRecord, STATUS_ERROR};
use crate::summary::{counted_usage, span_summary};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The database file's name inside the data directory.
pub const DATABASE_FILE: &str = "devtools.sqlite3";

/// How much the store keeps: the most recently active traces, up to a count and an age.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retention {
    /// The most traces kept; the least recently active beyond it are deleted.
    pub max_traces: usize,
    /// Traces with no new span for longer than this are deleted (`None`: no age bound).
    pub max_age: Option<Duration>,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            max_traces: 1000,
            max_age: Some(Duration::from_secs(7 * 24 * 3600)),
        }
    }
}

/// A store failure (the database could not be opened, read or written).
#[derive(Debug)]
pub struct StoreError(String);

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError(format!("database error: {e}"))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> StoreError {
        StoreError(format!("stored JSON is corrupt: {e}"))
    }
}

/// Which traces a list shows. Empty fields do not filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TraceFilter {
    /// Only traces with a span of this `session.id`.
    pub session: Option<String>,
    /// Only traces with a span of this `user.id`.
    pub user: Option<String>,
    /// Only traces with a flow whose id or name contains this.
    pub flow: Option<String>,
    /// Only traces with at least one error.
    pub errors_only: bool,
    /// At most this many traces.
    pub limit: usize,
}

/// One line of the trace list.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TraceSummary {
    /// The trace id.
    pub trace_id: String,
    /// The root span's name (the earliest span when the root is elsewhere).
    pub root_name: String,
    /// The root span's one-line summary.
    pub root_summary: String,
    /// The service that sent the root.
    pub service: String,
    /// The outermost flow's id.
    pub flow_id: Option<String>,
    /// The session id, when the run had one.
    pub session_id: Option<String>,
    /// The user id, when the run had one.
    pub user_id: Option<String>,
    /// The earliest start, Unix nanoseconds.
    pub start_ns: i64,
    /// From the earliest start to the latest end.
    pub duration_ns: i64,
    /// Spans received.
    pub span_count: i64,
    /// Input tokens of the model calls.
    pub tokens_in: i64,
    /// Output tokens of the model calls.
    pub tokens_out: i64,
    /// Cost of the model calls and cost reports, USD.
    pub cost: f64,
    /// Spans with status Error.
    pub error_count: i64,
}

/// A span of another trace that links to a span of this one (e.g. the resumed flow).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LinkedFrom {
    /// The linking span's trace.
    pub trace_id: String,
    /// The linking span.
    pub span_id: String,
    /// The span of this trace it links to.
    pub linked_span_id: String,
    /// `crux.link.kind` of the link (`resume`, `expire`), if any.
    pub kind: Option<String>,
}

/// Everything stored about one trace.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredTrace {
    /// The trace's list line.
    pub summary: TraceSummary,
    /// Its spans, by start time.
    pub spans: Vec<SpanRecord>,
    /// Spans elsewhere that link here.
    pub linked_from: Vec<LinkedFrom>,
}

/// The store. Cheap to share behind an `Arc`; calls block (run them off the async
/// runtime's workers).
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    retention: Retention,
    path: PathBuf,
}

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA synchronous = FULL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS traces (
    trace_id TEXT PRIMARY KEY,
    active_ns INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_active ON traces(active_ns);
CREATE TABLE IF NOT EXISTS spans (
    trace_id TEXT NOT NULL REFERENCES traces(trace_id) ON DELETE CASCADE,
    span_id TEXT NOT NULL,
    parent_span_id TEXT NOT NULL,
    name TEXT NOT NULL,
    start_ns INTEGER NOT NULL,
    end_ns INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    service TEXT NOT NULL,
    session_id TEXT,
    user_id TEXT,
    flow_id TEXT,
    flow_name TEXT,
    tokens_in INTEGER,
    tokens_out INTEGER,
    cost REAL,
    record TEXT NOT NULL,
    PRIMARY KEY (trace_id, span_id)
);
CREATE TABLE IF NOT EXISTS links (
    trace_id TEXT NOT NULL REFERENCES traces(trace_id) ON DELETE CASCADE,
    span_id TEXT NOT NULL,
    linked_trace_id TEXT NOT NULL,
    linked_span_id TEXT NOT NULL,
    kind TEXT
);
CREATE INDEX IF NOT EXISTS links_target ON links(linked_trace_id);
";

fn now_ns() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
}

impl Store {
    /// Opens (creating when missing) the store in `dir`.
    pub fn open(dir: &Path, retention: Retention) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError(format!("cannot create {}: {e}", dir.display())))?;
        let path = dir.join(DATABASE_FILE);
        let conn = Connection::open(&path)
            .map_err(|e| StoreError(format!("cannot open {}: {e}", path.display())))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store {
            conn: Mutex::new(conn),
            retention,
            path,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written batch: the
        // transaction rolls back when dropped.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores a batch in one transaction, then applies the retention bound. Returns how
    /// many spans were new (a span already stored is kept as it was).
    pub fn insert(&self, spans: &[SpanRecord]) -> Result<usize, StoreError> {
        let now = now_ns();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let mut added = 0;
        {
            let mut trace = tx.prepare_cached(
                "INSERT INTO traces (trace_id, active_ns) VALUES (?1, ?2)
                 ON CONFLICT (trace_id) DO UPDATE SET active_ns = excluded.active_ns",
            )?;
            let mut span_stmt = tx.prepare_cached(
                "INSERT OR IGNORE INTO spans (trace_id, span_id, parent_span_id, name, start_ns,
                   end_ns, status_code, service, session_id, user_id, flow_id, flow_name,
                   tokens_in, tokens_out, cost, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?;
            let mut link = tx.prepare_cached(
                "INSERT INTO links (trace_id, span_id, linked_trace_id, linked_span_id, kind)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for span in spans {
                trace.execute(params![span.trace_id, now])?;
                let (tokens_in, tokens_out, cost) = counted_usage(span);
                let inserted = span_stmt.execute(params![
                    span.trace_id,
                    span.span_id,
                    span.parent_span_id,
                    span.name,
                    span.start_ns,
                    span.end_ns,
                    span.status_code,
                    span.service,
                    span.text("session.id"),
                    span.text("user.id"),
                    span.text("crux.flow.id"),
                    span.text("crux.flow.name"),
                    tokens_in,
                    tokens_out,
                    cost,
                    serde_json::to_string(span)?,
                ])?;
                if inserted == 0 {
                    continue;
                }
                added += 1;
                for l in &span.links {
                    let kind = l.attributes.get("crux.link.kind").and_then(|v| v.as_str());
                    link.execute(params![
                        span.trace_id,
                        span.span_id,
                        l.trace_id,
                        l.span_id,
                        kind
                    ])?;
                }
            }
        }
        apply_retention(&tx, self.retention, now)?;
        tx.commit()?;
        Ok(added)
    }

    /// How many traces are stored.
    pub fn trace_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM traces", [], |r| r.get(0))?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    /// A number that grows whenever spans are added: the list's change marker.
    pub fn revision(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT IFNULL(MAX(rowid), 0) FROM spans", [], |r| r.get(0))?)
    }

    /// The traces matching `filter`, newest (by start) first.
    pub fn list(&self, filter: &TraceFilter) -> Result<Vec<TraceSummary>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{AGGREGATE}
             GROUP BY s.trace_id
             HAVING (?1 IS NULL OR SUM(s.session_id = ?1) > 0)
                AND (?2 IS NULL OR SUM(s.user_id = ?2) > 0)
                AND (?3 IS NULL OR SUM(instr(s.flow_id, ?3) > 0 OR instr(s.flow_name, ?3) > 0) > 0)
                AND (?4 = 0 OR SUM(s.status_code = {STATUS_ERROR}) > 0)
             ORDER BY MIN(s.start_ns) DESC
             LIMIT ?5"
        ))?;
        let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
        let rows = stmt.query_map(
            params![
                filter.session,
                filter.user,
                filter.flow,
                filter.errors_only,
                limit
            ],
            aggregate_row,
        )?;
        let mut out = Vec::new();
        for row in rows {
            let mut summary = row?;
            complete(&conn, &mut summary)?;
            out.push(summary);
        }
        Ok(out)
    }

    /// One trace with its spans (by start time) and the links into it, if stored.
    pub fn trace(&self, trace_id: &str) -> Result<Option<StoredTrace>, StoreError> {
        let conn = self.conn();
        let summary = conn
            .query_row(
                &format!("{AGGREGATE} WHERE s.trace_id = ?1 GROUP BY s.trace_id"),
                [trace_id],
                aggregate_row,
            )
            .optional()?;
        let Some(mut summary) = summary else {
            return Ok(None);
        };
        complete(&conn, &mut summary)?;
        let mut stmt = conn.prepare_cached(
            "SELECT record FROM spans WHERE trace_id = ?1 ORDER BY start_ns, rowid",
        )?;
        let spans = stmt
            .query_map([trace_id], |r| r.get::<_, String>(0))?
            .map(|json| Ok(serde_json::from_str(&json?)?))
            .collect::<Result<Vec<SpanRecord>, StoreError>>()?;
        let mut stmt = conn.prepare_cached(
            "SELECT trace_id, span_id, linked_span_id, kind FROM links
             WHERE linked_trace_id = ?1 AND trace_id <> ?1",
        )?;
        let linked_from = stmt
            .query_map([trace_id], |r| {
                Ok(LinkedFrom {
                    trace_id: r.get(0)?,
                    span_id: r.get(1)?,
                    linked_span_id: r.get(2)?,
                    kind: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(StoredTrace {
            summary,
            spans,
            linked_from,
        }))
    }
}

const AGGREGATE: &str = "SELECT s.trace_id, MIN(s.start_ns), MAX(s.end_ns) - MIN(s.start_ns),
    COUNT(*), IFNULL(SUM(s.tokens_in), 0), IFNULL(SUM(s.tokens_out), 0),
    IFNULL(SUM(s.cost), 0.0), SUM(s.status_code = 2), MAX(s.session_id), MAX(s.user_id)
    FROM spans s";

fn aggregate_row(r: &Row<'_>) -> rusqlite::Result<TraceSummary> {
    Ok(TraceSummary {
        trace_id: r.get(0)?,
        start_ns: r.get(1)?,
        duration_ns: r.get(2)?,
        span_count: r.get(3)?,
        tokens_in: r.get(4)?,
        tokens_out: r.get(5)?,
        cost: r.get(6)?,
        error_count: r.get(7)?,
        session_id: r.get(8)?,
        user_id: r.get(9)?,
        root_name: String::new(),
        root_summary: String::new(),
        service: String::new(),
        flow_id: None,
    })
}

/// Fills in what comes from single spans: the root and the outermost flow.
fn complete(conn: &Connection, summary: &mut TraceSummary) -> Result<(), StoreError> {
    let root: Option<String> = conn
        .prepare_cached(
            "SELECT record FROM spans WHERE trace_id = ?1
             ORDER BY parent_span_id <> '', start_ns LIMIT 1",
        )?
        .query_row([&summary.trace_id], |r| r.get(0))
        .optional()?;
    if let Some(root) = root {
        let root: SpanRecord = serde_json::from_str(&root)?;
        summary.root_summary = span_summary(&root);
        summary.root_name = root.name;
        summary.service = root.service;
    }
    summary.flow_id = conn
        .prepare_cached(
            "SELECT flow_id FROM spans WHERE trace_id = ?1 AND flow_id IS NOT NULL
             ORDER BY start_ns LIMIT 1",
        )?
        .query_row([&summary.trace_id], |r| r.get(0))
        .optional()?;
    Ok(())
}

fn apply_retention(
    tx: &rusqlite::Transaction<'_>,
    retention: Retention,
    now: i64,
) -> Result<(), StoreError> {
    let keep = i64::try_from(retention.max_traces).unwrap_or(i64::MAX);
    tx.execute(
        "DELETE FROM traces WHERE trace_id IN
           (SELECT trace_id FROM traces ORDER BY active_ns DESC, rowid DESC LIMIT -1 OFFSET ?1)",
        [keep],
    )?;
    if let Some(age) = retention.max_age {
        let age = i64::try_from(age.as_nanos()).unwrap_or(i64::MAX);
        tx.execute(
            "DELETE FROM traces WHERE active_ns < ?1",
            [now.saturating_sub(age)],
        )?;
    }
    Ok(())
}
