//! The `crux-devtools` binary itself: it listens on loopback only, says where, refuses
//! bad arguments, and what it acknowledged survives the process being killed outright.

mod common;

use common::*;
use prost::Message;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts the binary on an ephemeral port; returns it and its `127.0.0.1:port`.
fn start(data: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crux-devtools"))
        .args(["--port", "0", "--data"])
        .arg(data)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut line = String::new();
    let stderr = child.stderr.take().expect("piped stderr");
    BufReader::new(stderr)
        .read_line(&mut line)
        .expect("the binary says where it listens");
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "loopback only: {line}");
    (child, addr)
}

#[test]
fn what_was_acknowledged_survives_a_kill() {
    let data = TempDir::new("binary-kill");
    let (mut first, addr) = start(&data.0);
    let body = request_of("svc", agent_trace(5, "s", "u", "T-5", (3, 4))).encode_to_vec();
    let reply = request(&addr, "POST", "/v1/traces", &[PROTOBUF], &body);
    assert_eq!(reply.status, 200, "{}", reply.text());
    first.kill().expect("SIGKILL");
    let _ = first.wait();

    let (mut second, addr) = start(&data.0);
    let reply = request(&addr, "GET", "/api/traces", &[], b"");
    let _ = second.kill();
    let _ = second.wait();
    let list: serde_json::Value = serde_json::from_slice(&reply.body).expect("JSON");
    assert_eq!(list["traces"][0]["flow_id"], "T-5");
    assert_eq!(list["traces"][0]["span_count"], 4);
    assert_eq!(list["traces"][0]["tokens_out"], 4);
}

#[test]
fn help_and_bad_arguments() {
    let help = Command::new(env!("CARGO_BIN_EXE_crux-devtools"))
        .arg("--help")
        .output()
        .expect("runs");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--max-traces"));

    let bad = Command::new(env!("CARGO_BIN_EXE_crux-devtools"))
        .args(["--port", "http"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--port takes 0-65535"));
}
