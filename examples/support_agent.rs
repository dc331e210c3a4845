//! A customer-support agent, instrumented with crux, talking to a scripted model: no
//! network, no API key. Run it with
//!
//!     cargo run --example support_agent
//!
//! and read its trace tree on stderr. Set `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g.
//! `http://localhost:4318`) to export the same spans to a collector as well, and
//! `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true` to record prompts and
//! completions too. The agent itself is in `src/support.rs`.

use crux_examples::support;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = crux::Telemetry::builder()
        .service_name("support-agent")
        // A per-ticket budget: crux.cost.warn and crux.cost.limit appear once if crossed.
        .cost_budget(0.001, 0.01)
        .console()
        .otlp_from_env()
        .install();
    // A configuration mistake is worth a line, not a failed run: carry on untraced.
    if let Err(e) = &telemetry {
        eprintln!("telemetry is off: {e}");
    }

    support::sync_help_center();

    let handles: Vec<_> = support::demo()
        .into_iter()
        .map(|(agent, ticket)| {
            tokio::spawn(async move { (ticket.id.clone(), agent.handle(&ticket).await) })
        })
        .collect();
    for handle in handles {
        let (id, reply) = handle.await?;
        match reply {
            Ok(reply) => println!("{id}: {reply}"),
            Err(e) => println!("{id}: failed: {e}"),
        }
    }

    // Dropping the guard would do the same; shutting down explicitly says how it went:
    // within the deadline (5 s, or CRUX_SHUTDOWN_TIMEOUT), and what was not delivered.
    if let Ok(telemetry) = telemetry {
        eprintln!("{}", telemetry.shutdown());
    }
    Ok(())
}
