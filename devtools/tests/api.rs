//! The HTTP API the UI reads: the list with its filters and change marker, one trace in
//! waterfall order with summaries and resume links both ways, errors for bad ids, and
//! the UI's assets.

mod common;

use common::*;
use prost::Message;
use serde_json::Value;

fn send(server: &Server, spans: Vec<opentelemetry_proto::tonic::trace::v1::Span>) {
    let body = request_of("svc", spans).encode_to_vec();
    let reply = server.post("/v1/traces", &[PROTOBUF], &body);
    assert_eq!(reply.status, 200, "{}", reply.text());
}

fn flows(list: &Value) -> Vec<String> {
    list["traces"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["flow_id"].as_str().unwrap_or("-").to_owned())
        .collect()
}

#[test]
fn the_list_is_newest_first_with_totals_and_filters() {
    let dir = TempDir::new("api-list");
    let server = Server::default_retention(&dir.0);
    let empty = server.json("/api/traces");
    // Trace n starts n ms after the epoch: shift every span of later traces later.
    let shifted = |trace: u8, session: &str, user: &str, flow: &str| {
        agent_trace(trace, session, user, flow, (100 + i64::from(trace), 10))
            .into_iter()
            .map(|mut s| {
                s.start_time_unix_nano += u64::from(trace) * 1_000_000_000;
                s.end_time_unix_nano += u64::from(trace) * 1_000_000_000;
                s
            })
            .collect::<Vec<_>>()
    };
    send(&server, shifted(1, "chat-a", "dana", "T-1001"));
    send(&server, shifted(2, "chat-b", "lee", "T-1002"));
    let mut failing = shifted(3, "chat-a", "lee", "T-1003");
    failing[3] = with_error(failing[3].clone(), "rate limited");
    send(&server, failing);

    let list = server.json("/api/traces");
    let since = format!("/api/traces?since={}", list["revision"]);
    assert_eq!(server.json(&since).get("traces"), None, "nothing new since");
    assert!(
        list["revision"].as_i64() > empty["revision"].as_i64(),
        "the marker moved"
    );
    assert_eq!(flows(&list), ["T-1003", "T-1002", "T-1001"], "newest first");
    let first = &list["traces"][2];
    assert_eq!(first["root_name"], "crux.run");
    assert_eq!(first["session_id"], "chat-a");
    assert_eq!(first["user_id"], "dana");
    assert_eq!(
        (first["tokens_in"].as_i64(), first["tokens_out"].as_i64()),
        (Some(101), Some(10))
    );
    assert_eq!(first["cost"], 0.25);
    assert_eq!(first["span_count"], 4);
    assert_eq!(first["duration_ns"], 100_000_000);
    assert_eq!(list["traces"][0]["error_count"], 1);

    assert_eq!(
        flows(&server.json("/api/traces?session=chat-a")),
        ["T-1003", "T-1001"]
    );
    assert_eq!(
        flows(&server.json("/api/traces?user=lee")),
        ["T-1003", "T-1002"]
    );
    assert_eq!(flows(&server.json("/api/traces?flow=1002")), ["T-1002"]);
    assert_eq!(
        flows(&server.json("/api/traces?flow=support_ticket&error=1")),
        ["T-1003"]
    );
    assert_eq!(
        flows(&server.json("/api/traces?session=chat-a&user=dana")),
        ["T-1001"]
    );
    assert_eq!(flows(&server.json("/api/traces?limit=1")), ["T-1003"]);
    assert!(flows(&server.json("/api/traces?session=nobody")).is_empty());

    // A span arriving later for an old trace moves the marker and the totals.
    let before = server.json("/api/traces")["revision"].as_i64();
    send(
        &server,
        vec![span(
            1,
            9,
            Some(2),
            "crux.generate",
            3,
            (60, 70),
            vec![
                int("gen_ai.usage.input_tokens", 5),
                int("gen_ai.usage.output_tokens", 1),
            ],
        )],
    );
    let list = server.json("/api/traces?flow=T-1001");
    assert!(list["revision"].as_i64() > before);
    let again = server.json(&since);
    assert_eq!(
        again["traces"].as_array().map(Vec::len),
        Some(3),
        "all again"
    );
    assert_eq!(list["traces"][0]["tokens_in"], 106);
    assert_eq!(list["traces"][0]["span_count"], 5);
}

#[test]
fn a_trace_comes_in_waterfall_order_with_summaries() {
    let dir = TempDir::new("api-trace");
    let server = Server::default_retention(&dir.0);
    // Sent children first, in two batches: the order comes from the tree, not arrival.
    let mut spans = agent_trace(1, "s", "u", "T-1001", (65, 4));
    spans.push(span(
        1,
        5,
        Some(2),
        "crux.flow.step",
        1,
        (61, 98),
        vec![
            string("crux.step.label", "resolve"),
            string("crux.step.id", "s2"),
        ],
    ));
    spans.reverse();
    let later = spans.split_off(3);
    send(&server, spans);
    send(&server, later);

    let trace = server.json(&format!("/api/traces/{}", trace_id(1).1));
    let rows: Vec<(String, i64, String)> = trace["spans"]
        .as_array()
        .expect("spans")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("").to_owned(),
                s["depth"].as_i64().unwrap_or(-1),
                s["summary"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected = [
        ("crux.run", 0, ""),
        ("crux.flow", 1, " support_ticket [T-1001]"),
        ("crux.flow.step", 2, " classify"),
        (
            "crux.generate",
            3,
            " openai gpt-4o  tokens 65 in / 4 out  $0.25000",
        ),
        ("crux.flow.step", 2, " resolve"),
    ];
    let expected: Vec<(String, i64, String)> = expected
        .iter()
        .map(|(n, d, s)| (n.to_string(), *d, s.to_string()))
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(trace["summary"]["tokens_in"], 65);
    assert_eq!(trace["spans"][0]["attributes"]["session.id"], "s");
}

#[test]
fn resume_links_can_be_followed_both_ways() {
    let dir = TempDir::new("api-links");
    let server = Server::default_retention(&dir.0);
    let (suspended, resumed) = suspended_and_resumed("F-1");
    send(&server, vec![suspended]);
    send(&server, vec![resumed]);

    let forward = server.json(&format!("/api/traces/{}", trace_id(2).1));
    let link = &forward["spans"][0]["links"][0];
    assert_eq!(link["trace_id"], trace_id(1).1);
    assert_eq!(link["attributes"]["crux.link.kind"], "resume");

    let back = server.json(&format!("/api/traces/{}", trace_id(1).1));
    assert_eq!(back["linked_from"][0]["trace_id"], trace_id(2).1);
    assert_eq!(back["linked_from"][0]["kind"], "resume");
    assert_eq!(
        back["linked_from"][0]["linked_span_id"],
        back["spans"][0]["span_id"]
    );
}

#[test]
fn bad_ids_and_unknown_paths_are_client_errors() {
    let dir = TempDir::new("api-errors");
    let server = Server::default_retention(&dir.0);
    assert_eq!(server.get("/api/traces/not-a-trace").status, 400);
    assert_eq!(
        server
            .get(&format!("/api/traces/{}", "0".repeat(32)))
            .status,
        404
    );
    assert_eq!(server.get("/nope").status, 404);
    assert_eq!(server.get("/api/traces?session=%zz&limit=-3").status, 200);
}

#[test]
fn the_ui_is_served_from_the_binary() {
    let dir = TempDir::new("api-ui");
    let server = Server::default_retention(&dir.0);
    for (path, content_type, marker) in [
        ("/", "text/html", "/app.js"),
        (
            &*format!("/trace/{}", trace_id(1).1),
            "text/html",
            "/app.js",
        ),
        ("/app.js", "text/javascript", "function tracePage"),
        ("/style.css", "text/css", ".waterfall"),
    ] {
        let reply = server.get(path);
        assert_eq!(reply.status, 200, "{path}");
        assert!(
            reply.headers.contains(content_type),
            "{path}: {}",
            reply.headers
        );
        assert!(reply.text().contains(marker), "{path}");
        assert!(
            !reply.text().contains("http://") && !reply.text().contains("https://"),
            "{path} fetches nothing from elsewhere"
        );
    }
}
