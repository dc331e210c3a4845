//! Test helpers: a devtools server on an ephemeral loopback port with its own data
//! directory, a minimal HTTP/1.1 client, and OTLP requests built from parts.
#![allow(dead_code)] // each test binary uses a different part

use crux_devtools::store::{Retention, Store};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{any_value, AnyValue, KeyValue};
use opentelemetry_proto::tonic::resource::v1::Resource;
use opentelemetry_proto::tonic::trace::v1::{span, ResourceSpans, ScopeSpans, Span, Status};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A fresh, empty directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "crux-devtools-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running devtools server; stopped (and its store closed) on drop.
pub struct Server {
    pub base: String,
    pub store: Arc<Store>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Server {
    pub fn start(dir: &Path, retention: Retention) -> Server {
        let store = Arc::new(Store::open(dir, retention).expect("the store opens"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (ready, port) = std::sync::mpsc::channel();
        let served = store.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("an ephemeral loopback port");
                let addr = listener.local_addr().expect("bound");
                ready.send(addr.port()).expect("the test waits");
                let shutdown = async {
                    let _ = stopped.await;
                };
                crux_devtools::server::serve(listener, served, shutdown)
                    .await
                    .expect("serve");
            });
        });
        let port = port.recv().expect("the server starts");
        Server {
            base: format!("http://127.0.0.1:{port}"),
            store,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    pub fn default_retention(dir: &Path) -> Server {
        Server::start(dir, Retention::default())
    }

    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    pub fn get(&self, path: &str) -> Reply {
        request(self.addr(), "GET", path, &[], b"")
    }

    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        request(self.addr(), "POST", path, headers, body)
    }

    pub fn json(&self, path: &str) -> serde_json::Value {
        let reply = self.get(path);
        assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
        serde_json::from_slice(&reply.body).expect("the API answers JSON")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// An HTTP response.
pub struct Reply {
    pub status: u16,
    pub headers: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One HTTP/1.1 request on a fresh connection (`Connection: close`).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("the server listens");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("a timeout");
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send the head");
    // The server may answer (e.g. 400 too large) before reading all of a big body.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let headers = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = headers
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let mut body = raw[split + 4..].to_vec();
    if headers
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body,
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&data[..line_end]).trim(), 16)
            .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

fn kv(key: &str, value: any_value::Value) -> KeyValue {
    KeyValue {
        key: key.into(),
        value: Some(AnyValue { value: Some(value) }),
        ..KeyValue::default()
    }
}

pub fn string(key: &str, value: &str) -> KeyValue {
    kv(key, any_value::Value::StringValue(value.into()))
}

pub fn int(key: &str, value: i64) -> KeyValue {
    kv(key, any_value::Value::IntValue(value))
}

pub fn double(key: &str, value: f64) -> KeyValue {
    kv(key, any_value::Value::DoubleValue(value))
}

/// Trace id `n` as 16 bytes and as hex.
pub fn trace_id(n: u8) -> (Vec<u8>, String) {
    let bytes: Vec<u8> = (0..16)
        .map(|i| if i == 15 { n } else { 0xa0 + i })
        .collect();
    let hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
    (bytes, hex)
}

/// Span id `n` as 8 bytes.
pub fn span_id(n: u8) -> Vec<u8> {
    vec![0xb0, 1, 2, 3, 4, 5, 6, n]
}

/// A span of trace `trace` (ids from [`trace_id`] and [`span_id`]), `start_ms` to `end_ms`
/// after a fixed epoch.
pub fn span(
    trace: u8,
    id: u8,
    parent: Option<u8>,
    name: &str,
    kind: i32,
    (start_ms, end_ms): (u64, u64),
    attributes: Vec<KeyValue>,
) -> Span {
    const EPOCH: u64 = 1_700_000_000_000_000_000;
    Span {
        trace_id: trace_id(trace).0,
        span_id: span_id(id),
        parent_span_id: parent.map(span_id).unwrap_or_default(),
        name: name.into(),
        kind,
        start_time_unix_nano: EPOCH + start_ms * 1_000_000,
        end_time_unix_nano: EPOCH + end_ms * 1_000_000,
        attributes,
        ..Span::default()
    }
}

pub fn with_error(mut s: Span, message: &str) -> Span {
    s.status = Some(Status {
        code: 2,
        message: message.into(),
    });
    s
}

pub fn with_link(mut s: Span, trace: u8, id: u8, kind: &str) -> Span {
    s.links.push(span::Link {
        trace_id: trace_id(trace).0,
        span_id: span_id(id),
        attributes: vec![string("crux.link.kind", kind)],
        ..span::Link::default()
    });
    s
}

/// A suspended flow (trace 1, span 1) and its resumption in another process (trace 2,
/// span 1) with a resume link back to it.
pub fn suspended_and_resumed(flow_id: &str) -> (Span, Span) {
    let flow = || vec![string("crux.flow.id", flow_id)];
    let suspended = span(1, 1, None, "crux.flow", 1, (0, 10), flow());
    let resumed = span(2, 1, None, "crux.flow.resume", 1, (20, 30), flow());
    (suspended, with_link(resumed, 1, 1, "resume"))
}

/// A request with `spans`, from the service `service`.
pub fn request_of(service: &str, spans: Vec<Span>) -> ExportTraceServiceRequest {
    ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            resource: Some(Resource {
                attributes: vec![string("service.name", service)],
                ..Resource::default()
            }),
            scope_spans: vec![ScopeSpans {
                spans,
                ..ScopeSpans::default()
            }],
            ..ResourceSpans::default()
        }],
    }
}

/// A small crux-like trace: run → flow [flow_id] → step → generate (CLIENT, usage, cost).
pub fn agent_trace(
    trace: u8,
    session: &str,
    user: &str,
    flow_id: &str,
    tokens: (i64, i64),
) -> Vec<Span> {
    let who = || vec![string("session.id", session), string("user.id", user)];
    let mut flow = who();
    flow.extend([
        string("crux.flow.name", "support_ticket"),
        string("crux.flow.id", flow_id),
    ]);
    let mut step = who();
    step.extend([
        string("crux.step.label", "classify"),
        string("crux.flow.id", flow_id),
        string("crux.step.id", "s1"),
    ]);
    let mut call = who();
    call.extend([
        string("gen_ai.provider.name", "openai"),
        string("gen_ai.request.model", "gpt-4o"),
        int("gen_ai.usage.input_tokens", tokens.0),
        int("gen_ai.usage.output_tokens", tokens.1),
        double("crux.cost", 0.25),
    ]);
    vec![
        span(trace, 1, None, "crux.run", 1, (0, 100), who()),
        span(trace, 2, Some(1), "crux.flow", 1, (1, 99), flow),
        span(trace, 3, Some(2), "crux.flow.step", 1, (2, 60), step),
        span(trace, 4, Some(3), "crux.generate", 3, (3, 50), call),
    ]
}

pub const PROTOBUF: (&str, &str) = ("Content-Type", "application/x-protobuf");
pub const JSON: (&str, &str) = ("Content-Type", "application/json");
