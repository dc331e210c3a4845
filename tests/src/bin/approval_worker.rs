//! One side of the two-process resume test: `approval_worker suspend FILE` runs a flow
//! that suspends and writes its checkpoint to FILE; `approval_worker resume FILE MODE`
//! (MODE = link | continue), in another process, resumes it. Spans go over OTLP to
//! `OTEL_EXPORTER_OTLP_ENDPOINT`.

use crux::{Checkpoint, ResumeMode};

#[crux::flow_step]
async fn review() -> Option<Checkpoint> {
    crux::flow::suspend("manager_approval").ok()
}

#[crux::tool]
async fn refund() -> u32 {
    34
}

#[crux::flow(name = "refund_approval", resume = checkpoint)]
async fn refund_approval(checkpoint: Option<&Checkpoint>) -> Option<Checkpoint> {
    match checkpoint {
        None => review().await,
        Some(_) => {
            refund().await;
            None
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (command, file) = (args[1].as_str(), &args[2]);
    let mode = match args.get(3).map(String::as_str) {
        Some("continue") => ResumeMode::Continue,
        _ => ResumeMode::Link,
    };
    let guard = crux::Telemetry::builder()
        .service_name(format!("approval-worker-{command}"))
        .resume_mode(mode)
        .otlp()
        .install()
        .expect("telemetry");
    match command {
        "suspend" => {
            let checkpoint = refund_approval(None).await.expect("suspended");
            std::fs::write(file, checkpoint.to_json()).expect("write checkpoint");
        }
        "resume" => {
            let json = std::fs::read_to_string(file).expect("read checkpoint");
            let checkpoint = Checkpoint::from_json(&json).expect("valid checkpoint");
            refund_approval(Some(&checkpoint)).await;
        }
        other => panic!("unknown command {other}"),
    }
    let report = guard.shutdown();
    assert!(report.is_complete(), "flush: {report}");
}
