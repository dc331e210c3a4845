//! Crux's traces in the LLM backends people use, read back through each backend's own
//! API: a local Arize Phoenix and a local MLflow tracking server (installed from PyPI
//! into `.tools/` by `scripts/test`), each started once on loopback, each receiving the
//! main example's traces over OTLP/HTTP with content capture on.
//!
//! For every span: the kind the backend shows (never UNKNOWN); per trace: the token
//! totals equal to crux's console totals (nothing counted twice), cost on every model
//! call, the session and the user, the trace's input and output. The servers are heavy
//! (a minute to start on a loaded machine): readiness is polled for up to ten minutes and
//! each server gets one warm-up request before the example runs, so a cold start never
//! fails the run.

use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The kind each crux span must have in the backends (the README's table). MLflow shows
/// a chat model call as CHAT_MODEL (crux sets `mlflow.spanType`), Phoenix as LLM.
fn expected_kind(name: &str, mlflow: bool) -> &'static str {
    match name {
        "crux.run" | "crux.use_reason" => "AGENT",
        "crux.generate" if mlflow => "CHAT_MODEL",
        "crux.generate" => "LLM",
        "crux.embedding" => "EMBEDDING",
        "crux.retrieval" => "RETRIEVER",
        "crux.judge" => "EVALUATOR",
        "crux.tool.approval.request" | "crux.tool.approval.decision" => "GUARDRAIL",
        n if n.starts_with("crux.composition.agent.") => "AGENT",
        n if n.starts_with("crux.tool.") => "TOOL",
        "crux.flow" | "crux.flow.step" | "crux.compact" | "crux.memory.read"
        | "crux.memory.write" | "crux.cost.report" | "crux.cost.warn" | "crux.corpus.sync"
        | "crux.corpus.source" => "CHAIN",
        n if n.starts_with("crux.composition.") => "CHAIN",
        other => panic!("a span the table does not know: {other}"),
    }
}

/// One HTTP/1.1 request on loopback; `None` when the server does not answer yet.
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(300)))
        .ok()?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        request.push_str(&format!("{k}: {v}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).ok()?;
    let text = String::from_utf8_lossy(&response).into_owned();
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    Some((status, body))
}

/// A backend server process (and the workers it forks), stopped when dropped.
struct Server {
    child: Child,
    port: u16,
    dir: PathBuf,
    log: PathBuf,
}

impl Server {
    fn start(name: &str, mut command: Command, port: u16, dir: PathBuf) -> Server {
        use std::os::unix::process::CommandExt;
        let log = dir.join("server.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        Server {
            child,
            port,
            dir,
            log,
        }
    }

    /// Polls `path` until it answers 200: generous, a cold start on a loaded machine
    /// takes a minute or more.
    fn wait_ready(&mut self, path: &str) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(600) {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!(
                    "the server exited ({status}) before it was ready:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                );
            }
            if matches!(http(self.port, "GET", path, &[], b""), Some((200, _))) {
                eprintln!(
                    "{path} ready after {:.1} s",
                    started.elapsed().as_secs_f64()
                );
                return;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!(
            "not ready after 10 minutes:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        );
    }

    /// One empty OTLP request, answered before the example runs: the first one loads the
    /// server's ingest path, which can take longer than an exporter waits at shutdown.
    fn warm_up(&self, headers: &[(&str, &str)]) {
        let mut all = vec![("content-type", "application/x-protobuf")];
        all.extend_from_slice(headers);
        let answer = http(self.port, "POST", "/v1/traces", &all, b"");
        assert!(answer.is_some(), "no answer to the warm-up request");
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // The whole process group: MLflow serves from forked workers.
        let _ = Command::new("kill")
            .arg("--")
            .arg(format!("-{}", self.child.id()))
            .status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("crux-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The main example's binary, as the current sources build it (cargo does nothing when
/// it is up to date; it holds no lock on the target directory while tests run).
fn example() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let deps = std::env::current_exe().unwrap();
            let profile = deps.parent().and_then(Path::parent).unwrap().to_owned();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "crux-examples",
                    "--example",
                    "support_agent",
                ])
                .env("CARGO_TARGET_DIR", profile.parent().unwrap())
                .status()
                .expect("cargo builds the example");
            assert!(status.success(), "the example builds");
            profile.join("examples").join("support_agent")
        })
        .clone()
}

/// What crux itself said about one trace: its console header and its model calls.
#[derive(Debug, Default)]
struct CruxTrace {
    spans: usize,
    /// The header's totals: model and embedding calls.
    tokens_in: i64,
    tokens_out: i64,
    /// Summed over `crux.generate` lines only (what counts as an LLM call everywhere).
    generate_in: i64,
    generate_out: i64,
    /// The header's cost, as printed (`0.00107`).
    cost: String,
}

fn tokens(line: &str) -> Option<(i64, i64)> {
    let rest = line.split("tokens ").nth(1)?;
    let mut words = rest.split_whitespace();
    let input = words.next()?.parse().ok()?;
    let output = words.nth(2)?.parse().ok()?;
    Some((input, output))
}

/// Parses the console tree on the example's stderr, by trace id.
fn console(stderr: &str) -> Vec<(String, CruxTrace)> {
    let mut traces: Vec<(String, CruxTrace)> = Vec::new();
    for line in stderr.lines() {
        if let Some(header) = line.strip_prefix("trace ") {
            let id = header.split_whitespace().next().unwrap().to_owned();
            let spans = header
                .split(" · ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            let (tokens_in, tokens_out) = tokens(header).unwrap_or_default();
            let cost = header
                .rsplit(" · $")
                .next()
                .filter(|_| header.contains(" · $"));
            traces.push((
                id,
                CruxTrace {
                    spans: spans.parse().unwrap(),
                    tokens_in,
                    tokens_out,
                    cost: cost.unwrap_or_default().to_owned(),
                    ..CruxTrace::default()
                },
            ));
        } else if line.contains("crux.generate ") {
            let (_, trace) = traces.last_mut().unwrap();
            let (i, o) = tokens(line).unwrap();
            trace.generate_in += i;
            trace.generate_out += o;
        }
    }
    traces
}

/// Runs the main example with content capture on, exporting to `endpoint` with
/// `headers`; returns its console traces and the replies it printed (`T-1001: ...`).
fn run_example(endpoint: &str, headers: &str) -> (Vec<(String, CruxTrace)>, String) {
    let out = Command::new(example())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint)
        .env("OTEL_EXPORTER_OTLP_HEADERS", headers)
        .env("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
        .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        .output()
        .expect("the example runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "the example failed:\n{stderr}");
    (
        console(&stderr),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// The backend's view, read by `tests/python/llm_backends.py` with `python`.
fn read_back(python: &Path, backend: &str, location: &str, which: &str) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/llm_backends.py");
    let out = Command::new(python)
        .arg(script)
        .args([backend, location, which])
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "llm_backends.py {backend} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the script prints JSON")
}

/// Polls the backend until it shows every span the example exported.
fn read_all(python: &Path, backend: &str, location: &str, which: &str, spans: usize) -> Value {
    let started = Instant::now();
    loop {
        let view = read_back(python, backend, location, which);
        let seen: usize = view["traces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["spans"].as_array().unwrap().len())
            .sum();
        if seen >= spans || started.elapsed() > Duration::from_secs(120) {
            assert_eq!(seen, spans, "every span arrived");
            return view;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// What both backends must show, given crux's own account of the same run.
fn assert_first_class(view: &Value, crux: &[(String, CruxTrace)], replies: &str, mlflow: bool) {
    let traces = view["traces"].as_array().unwrap();
    assert_eq!(traces.len(), crux.len(), "one trace per crux trace");
    let mut sessions = Vec::new();
    for (id, ours) in crux {
        let theirs = traces
            .iter()
            .find(|t| text(&t["trace_id"]).ends_with(id.as_str()))
            .unwrap_or_else(|| panic!("trace {id} is missing"));
        let spans = theirs["spans"].as_array().unwrap();
        assert_eq!(spans.len(), ours.spans, "trace {id}: every span");
        for span in spans {
            let name = text(&span["name"]);
            assert_eq!(
                text(&span["kind"]),
                expected_kind(name, mlflow),
                "{name} in trace {id}"
            );
        }
        if text(&theirs["root"]) != "crux.run" {
            continue; // the help-center sync: no model calls, no session
        }
        // Token totals: MLflow counts every call with usage (model and embedding calls),
        // Phoenix only LLM spans; neither counts a wrapper or a cost report again.
        let (want_in, want_out) = if mlflow {
            (ours.tokens_in, ours.tokens_out)
        } else {
            (ours.generate_in, ours.generate_out)
        };
        assert_eq!(
            theirs["tokens_in"].as_f64(),
            Some(want_in as f64),
            "trace {id} input tokens"
        );
        assert_eq!(
            theirs["tokens_out"].as_f64(),
            Some(want_out as f64),
            "trace {id} output tokens"
        );
        // Cost on every model call; MLflow takes crux's own, so the totals agree.
        for span in spans.iter().filter(|s| text(&s["name"]) == "crux.generate") {
            assert!(
                span["cost"].as_f64().is_some_and(|c| c > 0.0),
                "no cost on a model call in {id}"
            );
        }
        let cost = theirs["cost"].as_f64().expect("a trace cost");
        if mlflow {
            assert_eq!(
                format!("{cost:.5}"),
                ours.cost,
                "trace {id}: MLflow's cost is crux's"
            );
        }
        // The trace's input (the ticket) and output (the reply the example printed).
        let input = text(&theirs["input"]);
        assert!(input.contains("\"text\":"), "trace {id} input: {input:?}");
        let output = text(&theirs["output"]);
        let reply = replies
            .lines()
            .find(|l| !output.is_empty() && l.contains(output.trim_matches('"')))
            .unwrap_or_else(|| panic!("trace {id} output {output:?} is not a reply: {replies}"));
        assert!(
            input.contains(reply.split(':').next().unwrap()),
            "{id}: the reply to its own ticket"
        );
        assert!(!text(&theirs["user"]).is_empty(), "trace {id}: a user");
        sessions.push(text(&theirs["session"]).to_owned());
    }
    sessions.sort();
    assert_eq!(
        sessions,
        ["chat-7f3a", "chat-91bc"],
        "each run in its session"
    );
    let grouped: Vec<&str> = view["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| text(&s["id"]))
        .collect();
    for session in &sessions {
        assert!(
            grouped.contains(&session.as_str()),
            "session {session} is listed"
        );
    }
}

#[test]
fn phoenix_shows_every_crux_span_first_class() {
    let env = crux_tests::installed("CRUX_PHOENIX", "phoenix-", "Arize Phoenix");
    let dir = temp_dir("phoenix");
    let (port, grpc) = (
        crux_tests::collector::free_port(),
        crux_tests::collector::free_port(),
    );
    let mut command = Command::new(env.join("bin/phoenix"));
    command
        .arg("serve")
        .env("PHOENIX_WORKING_DIR", &dir)
        .env("PHOENIX_HOST", "127.0.0.1")
        .env("PHOENIX_PORT", port.to_string())
        .env("PHOENIX_GRPC_PORT", grpc.to_string())
        .env("PHOENIX_TELEMETRY_ENABLED", "false");
    let mut server = Server::start("phoenix", command, port, dir);
    server.wait_ready("/healthz");
    let project = ("x-project-name", "crux");
    server.warm_up(&[project]);
    let (crux, replies) = run_example(&server.endpoint(), "x-project-name=crux");
    let spans = crux.iter().map(|(_, t)| t.spans).sum();
    let view = read_all(
        &env.join("bin/python"),
        "phoenix",
        &server.endpoint(),
        "crux",
        spans,
    );
    assert_first_class(&view, &crux, &replies, false);
    // Phoenix's sessions show the first input and the last output.
    for session in view["sessions"].as_array().unwrap() {
        assert!(!text(&session["first_input"]).is_empty(), "{session}");
        assert!(!text(&session["last_output"]).is_empty(), "{session}");
    }
    // The run's metadata panel.
    let run = view["traces"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| text(&t["root"]) == "crux.run")
        .unwrap();
    assert_eq!(text(&run["metadata"]), r#"{"channel": "email"}"#);
}

#[test]
fn mlflow_shows_every_crux_span_first_class() {
    let env = crux_tests::installed("CRUX_MLFLOW", "mlflow-", "MLflow");
    let dir = temp_dir("mlflow");
    let port = crux_tests::collector::free_port();
    let mut command = Command::new(env.join("bin/mlflow"));
    command
        .args([
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--workers",
            "1",
        ])
        .arg("--backend-store-uri")
        .arg(format!("sqlite:///{}", dir.join("mlflow.db").display()))
        .arg("--default-artifact-root")
        .arg(dir.join("artifacts"))
        .env("MLFLOW_ENABLE_TELEMETRY", "false")
        .env("DO_NOT_TRACK", "true");
    let mut server = Server::start("mlflow", command, port, dir);
    server.wait_ready("/health");
    let experiment = create_experiment(port, "crux");
    // MLflow stores its first traces slowly (seconds on a loaded machine): the example
    // runs once into a warm-up experiment, whatever its exit status, so the run under
    // test meets a warm server.
    let warm_up = create_experiment(port, "warm-up");
    server.warm_up(&[("x-mlflow-experiment-id", &warm_up)]);
    let _ = Command::new(example())
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", server.endpoint())
        .env(
            "OTEL_EXPORTER_OTLP_HEADERS",
            format!("x-mlflow-experiment-id={warm_up}"),
        )
        .output();
    let (crux, replies) = run_example(
        &server.endpoint(),
        &format!("x-mlflow-experiment-id={experiment}"),
    );
    let spans = crux.iter().map(|(_, t)| t.spans).sum();
    let view = read_all(
        &env.join("bin/python"),
        "mlflow",
        &server.endpoint(),
        &experiment,
        spans,
    );
    assert_first_class(&view, &crux, &replies, true);
}

/// Creates an MLflow experiment; returns its id.
fn create_experiment(port: u16, name: &str) -> String {
    let body = format!(r#"{{"name": "{name}"}}"#);
    let (status, created) = http(
        port,
        "POST",
        "/api/2.0/mlflow/experiments/create",
        &[("content-type", "application/json")],
        body.as_bytes(),
    )
    .expect("MLflow answers");
    assert_eq!(status, 200, "{created}");
    let created: Value = serde_json::from_str(&created).unwrap();
    text(&created["experiment_id"]).to_owned()
}
