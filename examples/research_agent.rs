//! A research agent, instrumented with crux, talking to a scripted model: no network, no
//! API key. Run it with
//!
//!     cargo run --example research_agent
//!
//! and read its trace tree on stderr: a plan and its task list, a skill, workspace reads
//! and a write (paths hashed), a retrieval in stages, a router and a model cascade, a
//! semantic cache (a miss, then a hit for the same question), a validation retry, output
//! constraints, a RAG evaluation summary, and the per-flow latency budget exceeded. The
//! agent itself is in `src/research.rs`.

use crux_examples::research::{ResearchAgent, QUESTION};
use std::time::Duration;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = crux::Telemetry::builder()
        .service_name("research-agent")
        .cost_budget(0.01, 0.05)
        // Each investigation should take under 300 ms; the scripted model is slower.
        .latency_budget(Duration::from_millis(300))
        .console()
        .otlp_from_env()
        .install();
    // A configuration mistake is worth a line, not a failed run: carry on untraced.
    if let Err(e) = &telemetry {
        eprintln!("telemetry is off: {e}");
    }

    let agent = ResearchAgent::new();
    let answer = agent.research("chat-solar", QUESTION).await?;
    println!("{answer}");
    // The same question again: answered from the semantic cache.
    let again = agent.research("chat-solar", QUESTION).await?;
    println!("(cached) {again}");

    // What was delivered within the shutdown deadline, in one line; never a failed run.
    if let Ok(telemetry) = telemetry {
        eprintln!("{}", telemetry.shutdown());
    }
    Ok(())
}
