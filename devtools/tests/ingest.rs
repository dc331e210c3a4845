//! Ingest and storage over HTTP: both OTLP encodings, gzip, bad input refused and not
//! stored, re-sent batches stored once, concurrent writers, restart, retention.

mod common;

use common::*;
use crux_devtools::store::{Retention, Store, TraceFilter};
use prost::Message;
use std::io::Write;
use std::time::Duration;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).expect("in-memory gzip");
    gz.finish().expect("in-memory gzip")
}

fn all(store: &Store) -> Vec<crux_devtools::store::TraceSummary> {
    store
        .list(&TraceFilter {
            limit: 1000,
            ..TraceFilter::default()
        })
        .expect("the store reads")
}

#[test]
fn both_encodings_and_gzip_are_stored_with_their_attributes() {
    let dir = TempDir::new("encodings");
    let server = Server::default_retention(&dir.0);
    let cases: Vec<(u8, &str, bool)> = vec![
        (1, "protobuf", false),
        (2, "json", false),
        (3, "protobuf", true),
        (4, "json", true),
    ];
    for (trace, encoding, gzipped) in &cases {
        let req = request_of(
            "svc",
            agent_trace(*trace, "s", "u", &format!("F-{trace}"), (10, 2)),
        );
        let (body, content_type) = match *encoding {
            "protobuf" => (req.encode_to_vec(), PROTOBUF),
            _ => (serde_json::to_vec(&req).expect("OTLP/JSON"), JSON),
        };
        let (body, mut headers) = (body, vec![content_type]);
        let body = if *gzipped {
            headers.push(("Content-Encoding", "gzip"));
            gzip(&body)
        } else {
            body
        };
        let reply = server.post("/v1/traces", &headers, &body);
        assert_eq!(
            reply.status,
            200,
            "{encoding} gzip={gzipped}: {}",
            reply.text()
        );
        assert!(
            reply.headers.contains(content_type.1),
            "the response is in the request's encoding: {}",
            reply.headers
        );
    }
    let traces = all(&server.store);
    assert_eq!(traces.len(), cases.len());
    for (trace, _, _) in &cases {
        let id = trace_id(*trace).1;
        let stored = server.store.trace(&id).expect("reads").expect("stored");
        assert_eq!(stored.spans.len(), 4);
        assert_eq!(stored.summary.root_name, "crux.run");
        assert_eq!(
            stored.summary.flow_id.as_deref(),
            Some(format!("F-{trace}").as_str())
        );
        assert_eq!(
            (stored.summary.tokens_in, stored.summary.tokens_out),
            (10, 2)
        );
        let call = stored
            .spans
            .iter()
            .find(|s| s.name == "crux.generate")
            .expect("the model call");
        assert_eq!(call.service, "svc");
        assert_eq!(
            call.attr("gen_ai.usage.input_tokens"),
            Some(&serde_json::json!(10))
        );
        assert_eq!(call.attr("crux.cost"), Some(&serde_json::json!(0.25)));
        assert_eq!(call.parent_span_id, hex(&span_id(3)));
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn bad_input_gets_a_reason_and_is_not_stored() {
    let dir = TempDir::new("bad");
    let server = Server::default_retention(&dir.0);
    let good = request_of("svc", agent_trace(1, "s", "u", "F", (1, 1))).encode_to_vec();
    let mut bad_id = request_of("svc", agent_trace(2, "s", "u", "F", (1, 1)));
    bad_id.resource_spans[0].scope_spans[0].spans[1].span_id = vec![1, 2, 3];
    let huge = vec![b'x'; crux_devtools::ingest::MAX_BODY_BYTES + 1];
    /// What is sent, the headers, the body, the status and a part of the reason expected.
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "garbage protobuf",
            vec![PROTOBUF],
            b"\xff\xff\xff\xff".to_vec(),
            400,
            "not an OTLP",
        ),
        (
            "truncated protobuf",
            vec![PROTOBUF],
            good[..good.len() / 2].to_vec(),
            400,
            "not an OTLP",
        ),
        (
            "malformed JSON",
            vec![JSON],
            b"{\"resourceSpans\": [".to_vec(),
            400,
            "not an OTLP",
        ),
        (
            "bad span id",
            vec![PROTOBUF],
            bad_id.encode_to_vec(),
            400,
            "span id must be 8 bytes",
        ),
        (
            "corrupt gzip",
            vec![PROTOBUF, ("Content-Encoding", "gzip")],
            good.clone(),
            400,
            "corrupt gzip",
        ),
        (
            "unknown encoding",
            vec![PROTOBUF, ("Content-Encoding", "br")],
            good.clone(),
            400,
            "content encoding",
        ),
        ("oversized", vec![PROTOBUF], huge, 400, "larger than"),
        (
            "not OTLP",
            vec![("Content-Type", "text/plain")],
            good.clone(),
            415,
            "content type",
        ),
    ];
    for (what, headers, body, status, reason) in cases {
        let reply = server.post("/v1/traces", &headers, &body);
        assert_eq!(reply.status, status, "{what}: {}", reply.text());
        assert!(reply.text().contains(reason), "{what}: {}", reply.text());
    }
    assert_eq!(server.get("/v1/traces").status, 405);
    assert_eq!(
        server.store.trace_count().expect("reads"),
        0,
        "nothing was stored"
    );
    // The server is still fine after all that.
    assert_eq!(server.post("/v1/traces", &[PROTOBUF], &good).status, 200);
    assert_eq!(server.store.trace_count().expect("reads"), 1);
}

#[test]
fn a_batch_sent_twice_is_stored_once() {
    let dir = TempDir::new("twice");
    let server = Server::default_retention(&dir.0);
    let body = request_of("svc", agent_trace(1, "s", "u", "F", (7, 3))).encode_to_vec();
    for _ in 0..2 {
        assert_eq!(server.post("/v1/traces", &[PROTOBUF], &body).status, 200);
    }
    let traces = all(&server.store);
    assert_eq!(traces.len(), 1);
    assert_eq!(traces[0].span_count, 4);
    assert_eq!((traces[0].tokens_in, traces[0].tokens_out), (7, 3));
}

#[test]
fn concurrent_writers_lose_nothing() {
    let dir = TempDir::new("concurrent");
    let server = Server::default_retention(&dir.0);
    let addr = server.addr().to_owned();
    let writers: Vec<_> = (0..8u8)
        .map(|w| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                for i in 0..5u8 {
                    let trace = w * 10 + i + 1;
                    let body = request_of("svc", agent_trace(trace, "s", "u", "F", (1, 1)))
                        .encode_to_vec();
                    let reply = request(&addr, "POST", "/v1/traces", &[PROTOBUF], &body);
                    assert_eq!(reply.status, 200, "{}", reply.text());
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("a writer thread");
    }
    let traces = all(&server.store);
    assert_eq!(traces.len(), 40);
    assert!(traces.iter().all(|t| t.span_count == 4));
}

#[test]
fn traces_survive_a_restart() {
    let dir = TempDir::new("restart");
    let body = request_of("svc", agent_trace(9, "s", "u", "T-9", (5, 6))).encode_to_vec();
    let before = {
        let server = Server::default_retention(&dir.0);
        assert_eq!(server.post("/v1/traces", &[PROTOBUF], &body).status, 200);
        server.json("/api/traces")
    };
    // The first server (and its connection) is gone; a new one on the same directory.
    let server = Server::default_retention(&dir.0);
    let after = server.json("/api/traces");
    assert_eq!(after["traces"], before["traces"]);
    assert_eq!(after["traces"][0]["flow_id"], "T-9");
    assert_eq!(after["traces"][0]["span_count"], 4);
}

#[test]
fn retention_keeps_the_most_recent_traces_up_to_the_count() {
    let dir = TempDir::new("retention-count");
    let retention = Retention {
        max_traces: 3,
        max_age: None,
    };
    let server = Server::start(&dir.0, retention);
    for trace in 1..=5u8 {
        let body = request_of(
            "svc",
            agent_trace(trace, "s", "u", &format!("F-{trace}"), (1, 1)),
        )
        .encode_to_vec();
        assert_eq!(server.post("/v1/traces", &[PROTOBUF], &body).status, 200);
        std::thread::sleep(Duration::from_millis(2));
    }
    let mut kept: Vec<String> = all(&server.store)
        .into_iter()
        .filter_map(|t| t.flow_id)
        .collect();
    kept.sort();
    assert_eq!(kept, ["F-3", "F-4", "F-5"]);
    assert!(server.store.trace(&trace_id(1).1).expect("reads").is_none());
}

#[test]
fn retention_drops_traces_older_than_the_age() {
    let dir = TempDir::new("retention-age");
    let retention = Retention {
        max_traces: 1000,
        max_age: Some(Duration::from_millis(200)),
    };
    let server = Server::start(&dir.0, retention);
    let send = |trace: u8| {
        let body = request_of(
            "svc",
            agent_trace(trace, "s", "u", &format!("F-{trace}"), (1, 1)),
        )
        .encode_to_vec();
        assert_eq!(server.post("/v1/traces", &[PROTOBUF], &body).status, 200);
    };
    send(1);
    std::thread::sleep(Duration::from_millis(400));
    send(2);
    let kept: Vec<String> = all(&server.store)
        .into_iter()
        .filter_map(|t| t.flow_id)
        .collect();
    assert_eq!(kept, ["F-2"]);
}
