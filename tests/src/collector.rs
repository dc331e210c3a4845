//! A real OpenTelemetry collector for the integration tests: the `rotel` OTLP collector
//! (a Rust binary shipped in the `rotel` package on PyPI, which `scripts/test` installs
//! into `.tools/`), started on free loopback ports. It prints every span it receives
//! (debug log, detailed); [`Collector::spans`] parses that back into [`ReceivedSpan`]s,
//! and every metric data point, [`Collector::metric_points`].

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A running collector process.
pub struct Collector {
    child: Option<Child>,
    output: Arc<Mutex<String>>,
    /// The OTLP/gRPC port on 127.0.0.1.
    pub grpc_port: u16,
    /// The OTLP/HTTP port on 127.0.0.1.
    pub http_port: u16,
    dir: PathBuf,
}

/// One span as the collector received it.
#[derive(Clone, Debug, Default)]
pub struct ReceivedSpan {
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits, empty for a root.
    pub parent_id: String,
    /// 16 hex digits.
    pub id: String,
    /// The span name.
    pub name: String,
    /// `SPAN_KIND_INTERNAL`, `SPAN_KIND_CLIENT`, ...
    pub kind: String,
    /// `STATUS_CODE_UNSET`, `STATUS_CODE_ERROR`, ...
    pub status_code: String,
    /// The status description.
    pub status_message: String,
    /// `(key, value)` as the collector prints them: `Str(x)`, `Int(3)`, `Double(0.2)`, ...
    pub attributes: Vec<(String, String)>,
    /// Event names with their attributes.
    pub events: Vec<(String, Vec<(String, String)>)>,
    /// The resource attributes of the batch the span came in.
    pub resource: Vec<(String, String)>,
    /// The span's links.
    pub links: Vec<ReceivedLink>,
}

/// One span link as the collector received it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReceivedLink {
    /// The linked trace.
    pub trace_id: String,
    /// The linked span.
    pub span_id: String,
    /// The link's attributes, printed values.
    pub attributes: Vec<(String, String)>,
}

impl ReceivedSpan {
    /// The printed value of attribute `key` (e.g. `Str(openai)`).
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The resource attribute `key`.
    pub fn resource_attr(&self, key: &str) -> Option<&str> {
        self.resource
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Where the rotel binary is: `$CRUX_ROTEL`, else the copy `scripts/test` installs.
pub fn rotel_binary() -> PathBuf {
    if let Ok(path) = std::env::var("CRUX_ROTEL") {
        return PathBuf::from(path);
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(".tools");
    std::fs::read_dir(&root)
        .ok()
        .and_then(|dirs| {
            dirs.filter_map(Result::ok)
                .map(|d| d.path().join("rotel").join("rotel-agent"))
                .find(|p| p.exists())
        })
        .unwrap_or_else(|| {
            panic!(
                "the rotel collector is not installed: run ./scripts/test (it installs rotel from PyPI \
                 into .tools/) or set CRUX_ROTEL to a rotel-agent binary"
            )
        })
}

/// A loopback port free right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Collector {
    /// Starts a collector on two free loopback ports and waits until it listens.
    pub fn start() -> Collector {
        Collector::start_on(free_port(), free_port())
    }

    /// Starts a collector that only counts what it receives (for throughput: printing
    /// every span would make the collector the bottleneck); see [`Collector::received`].
    pub fn counting() -> Collector {
        Collector::counting_on(free_port(), free_port())
    }

    /// A counting collector on the given ports (to restart one where clients expect it).
    pub fn counting_on(grpc_port: u16, http_port: u16) -> Collector {
        Collector::launch(grpc_port, http_port, "basic")
    }

    /// How many spans the collector has received (works in both modes).
    pub fn received(&self) -> usize {
        let output = self.output();
        let counted: usize = output
            .lines()
            .filter(|l| l.contains("Received traces."))
            .filter_map(|l| l.rsplit(" spans=").next())
            .filter_map(|n| n.split_whitespace().next()?.parse::<usize>().ok())
            .sum();
        counted.max(
            output
                .lines()
                .filter(|l| l.trim_start().starts_with("Span #"))
                .count(),
        )
    }

    /// Starts a collector on the given ports (to restart one where clients expect it).
    pub fn start_on(grpc_port: u16, http_port: u16) -> Collector {
        Collector::launch(grpc_port, http_port, "detailed")
    }

    fn launch(grpc_port: u16, http_port: u16, verbosity: &str) -> Collector {
        let dir =
            std::env::temp_dir().join(format!("crux-rotel-{}-{http_port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let mut child = Command::new(rotel_binary())
            .args(["start", "--exporter", "blackhole", "--debug-log", "traces"])
            .args(["--debug-log", "metrics"])
            .args(["--debug-log-verbosity", verbosity])
            .args(["--otlp-grpc-endpoint", &format!("127.0.0.1:{grpc_port}")])
            .args(["--otlp-http-endpoint", &format!("127.0.0.1:{http_port}")])
            .arg("--pid-file")
            .arg(dir.join("rotel.pid"))
            .arg("--log-file")
            .arg(dir.join("rotel.log"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", rotel_binary().display()));
        let output = Arc::new(Mutex::new(String::new()));
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let output = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    let mut out = output.lock().expect("output lock");
                    out.push_str(&strip_ansi(&line));
                    out.push('\n');
                }
            });
        }
        let collector = Collector {
            child: Some(child),
            output,
            grpc_port,
            http_port,
            dir,
        };
        collector.wait_until_listening();
        collector
    }

    fn wait_until_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let up = |p| std::net::TcpStream::connect(("127.0.0.1", p)).is_ok();
            if up(self.http_port) && up(self.grpc_port) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "rotel did not start listening; it printed:\n{}",
            self.output()
        );
    }

    /// The OTLP/HTTP base URL (`http://127.0.0.1:PORT`).
    pub fn http_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    /// The OTLP/HTTP traces URL.
    pub fn http_traces_url(&self) -> String {
        format!("{}/v1/traces", self.http_endpoint())
    }

    /// The OTLP/gRPC URL.
    pub fn grpc_endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.grpc_port)
    }

    /// Everything the collector printed.
    pub fn output(&self) -> String {
        self.output.lock().expect("output lock").clone()
    }

    /// The spans received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        parse(&self.output())
    }

    /// The metric data points received so far.
    pub fn metric_points(&self) -> Vec<ReceivedPoint> {
        parse_metrics(&self.output())
    }

    /// Waits until `done(points)` holds, or panics after `timeout` with what arrived.
    /// Then waits for the collector's output to settle: it prints one export over many
    /// lines, read as they come, so `done` can hold while the rest of that export is
    /// still being written.
    pub fn wait_for_metrics(
        &self,
        timeout: Duration,
        done: impl Fn(&[ReceivedPoint]) -> bool,
    ) -> Vec<ReceivedPoint> {
        let deadline = Instant::now() + timeout;
        loop {
            let points = self.metric_points();
            if done(&points) {
                let mut seen = self.output().len();
                loop {
                    std::thread::sleep(Duration::from_millis(200));
                    let now = self.output().len();
                    if now == seen || Instant::now() >= deadline {
                        return self.metric_points();
                    }
                    seen = now;
                }
            }
            assert!(
                Instant::now() < deadline,
                "the collector did not receive the expected metrics within {timeout:?}: {points:#?}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits until `done(spans)` holds, or panics after `timeout` with what arrived.
    pub fn wait_for(
        &self,
        timeout: Duration,
        done: impl Fn(&[ReceivedSpan]) -> bool,
    ) -> Vec<ReceivedSpan> {
        let deadline = Instant::now() + timeout;
        loop {
            let spans = self.spans();
            if done(&spans) {
                return spans;
            }
            if Instant::now() > deadline {
                let mut counts = std::collections::BTreeMap::new();
                for span in &spans {
                    *counts.entry(span.name.as_str()).or_insert(0usize) += 1;
                }
                let saved =
                    std::env::temp_dir().join(format!("crux-rotel-output-{}.log", self.http_port));
                let _ = std::fs::write(&saved, self.output());
                panic!(
                    "the collector did not receive what was expected within {timeout:?}; it has {} spans: {counts:?}; its output is in {}",
                    spans.len(),
                    saved.display()
                );
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Stops the collector process without ending it (`SIGSTOP`): connections are
    /// accepted by the kernel but nothing is answered, as with a hung collector.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused collector run again (`SIGCONT`).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        if let Some(child) = &self.child {
            let status = Command::new("kill")
                .arg(signal)
                .arg(child.id().to_string())
                .status()
                .expect("kill runs");
            assert!(status.success(), "kill {signal} failed");
        }
    }

    /// Kills the collector process (for outage tests).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn key_value(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix("-> ")?;
    let (k, v) = rest.split_once(": ")?;
    Some((k.to_owned(), v.to_owned()))
}

/// Parses rotel's detailed trace debug output.
pub fn parse(output: &str) -> Vec<ReceivedSpan> {
    #[derive(PartialEq)]
    enum Section {
        Resource,
        Span,
        Attributes,
        Events,
        Links,
        Other,
    }
    let mut spans = Vec::new();
    let mut resource: Vec<(String, String)> = Vec::new();
    let mut current: Option<ReceivedSpan> = None;
    let mut section = Section::Other;
    for line in output.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("ResourceSpans #") {
            spans.extend(current.take());
            resource.clear();
            section = Section::Other;
        } else if trimmed.starts_with("ResourceMetrics #") {
            // Metrics until the next `ResourceSpans`: see `parse_metrics`.
            spans.extend(current.take());
            section = Section::Other;
        } else if trimmed == "Resource attributes:" {
            section = Section::Resource;
        } else if trimmed.starts_with("ScopeSpans #") {
            spans.extend(current.take());
            section = Section::Other;
        } else if trimmed.starts_with("Span #") {
            spans.extend(current.take());
            current = Some(ReceivedSpan {
                resource: resource.clone(),
                ..ReceivedSpan::default()
            });
            section = Section::Span;
        } else if trimmed == "Attributes:" && current.is_some() {
            section = Section::Attributes;
        } else if trimmed == "Events:" && current.is_some() {
            section = Section::Events;
        } else if trimmed == "Links:" && current.is_some() {
            section = Section::Links;
        } else if let (Some(span), true) = (current.as_mut(), section == Section::Span) {
            if let Some((k, v)) = trimmed.split_once(':') {
                let v = v.trim().to_owned();
                match k.trim() {
                    "Trace ID" => span.trace_id = v,
                    "Parent ID" => span.parent_id = v,
                    "ID" => span.id = v,
                    "Name" => span.name = v,
                    "Kind" => span.kind = v,
                    "Status code" => span.status_code = v,
                    "Status message" => span.status_message = v,
                    _ => {}
                }
            }
        } else if section == Section::Resource {
            if let Some(kv) = key_value(line) {
                resource.push(kv);
            }
        } else if let Some(span) = current.as_mut() {
            match section {
                Section::Attributes => {
                    if let Some(kv) = key_value(line) {
                        span.attributes.push(kv);
                    }
                }
                Section::Events => {
                    if let Some((k, v)) = key_value(line) {
                        if k == "Name" {
                            span.events.push((v, Vec::new()));
                        } else if line.starts_with("          ->") {
                            if let Some(event) = span.events.last_mut() {
                                event.1.push((k, v));
                            }
                        }
                    }
                }
                Section::Links => {
                    if trimmed.starts_with("SpanLink #") {
                        span.links.push(ReceivedLink::default());
                    } else if let (Some((k, v)), Some(link)) =
                        (key_value(line), span.links.last_mut())
                    {
                        match k.as_str() {
                            "Trace ID" => link.trace_id = v,
                            "ID" => link.span_id = v,
                            _ if line.starts_with("          ->") => link.attributes.push((k, v)),
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    spans.extend(current);
    spans
}

/// One metric data point as the collector received it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReceivedPoint {
    /// The metric's name.
    pub metric: String,
    /// Its unit.
    pub unit: String,
    /// `Histogram`, `Sum`, ...
    pub data_type: String,
    /// The point's attributes, printed values (`Str(chat)`).
    pub attributes: Vec<(String, String)>,
    /// A histogram point's count.
    pub count: Option<u64>,
    /// A histogram point's sum.
    pub sum: Option<f64>,
    /// A sum's (counter's) value.
    pub value: Option<f64>,
    /// A histogram's explicit bucket boundaries.
    pub bounds: Vec<f64>,
}

impl ReceivedPoint {
    /// The printed value of attribute `key`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses rotel's detailed metrics debug output.
pub fn parse_metrics(output: &str) -> Vec<ReceivedPoint> {
    let mut points = Vec::new();
    let mut metric = ReceivedPoint::default();
    let mut in_metrics = false;
    let mut in_point_attributes = false;
    for line in output.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("ResourceMetrics #") {
            in_metrics = true;
        } else if trimmed.starts_with("ResourceSpans #") {
            in_metrics = false;
        }
        if !in_metrics {
            continue;
        }
        if trimmed.starts_with("Metric #") {
            metric = ReceivedPoint::default();
            in_point_attributes = false;
        } else if trimmed.starts_with("HistogramDataPoints #")
            || trimmed.starts_with("NumberDataPoints #")
        {
            points.push(ReceivedPoint {
                attributes: Vec::new(),
                ..metric.clone()
            });
            in_point_attributes = false;
        } else if trimmed == "Data point attributes:" {
            in_point_attributes = true;
        } else if let Some((k, v)) = key_value(line) {
            match (in_point_attributes, points.last_mut(), k.as_str()) {
                (true, Some(point), _) => point.attributes.push((k, v)),
                (false, _, "Name") => metric.metric = v,
                (false, _, "Unit") => metric.unit = v,
                (false, _, "DataType") => metric.data_type = v,
                _ => {}
            }
        } else if let (Some((k, v)), Some(point)) = (trimmed.split_once(": "), points.last_mut()) {
            in_point_attributes = false;
            match k {
                "Count" => point.count = v.parse().ok(),
                "Sum" => point.sum = v.parse().ok(),
                "Value" => point.value = v.parse().ok(),
                k if k.starts_with("ExplicitBounds #") => {
                    point.bounds.extend(v.parse::<f64>().ok())
                }
                _ => {}
            }
        }
    }
    points
}
