//! A human-in-the-loop refund: the first run suspends waiting for a manager and writes
//! its checkpoint to a file, then exits; a second run, another process, resumes it.
//!
//!     cargo run --example approval_flow              # suspends, writes target/approval-checkpoint.json
//!     cargo run --example approval_flow -- --approve # resumes in a new process
//!
//! Both runs print their trace; the second shows the span link to the suspension.
//! Add `-- --continue` to resume as a child of the suspended span (same trace).

use crux::{Checkpoint, ResumeMode};
use crux_examples::{Answer, Completion, ModelError, ScriptedModel};

const CHECKPOINT_FILE: &str = "target/approval-checkpoint.json";

#[derive(Debug)]
enum Outcome {
    WaitingForApproval(Checkpoint),
    Refunded(String),
}

struct Refunds {
    model: ScriptedModel,
}

impl Refunds {
    /// Refunds a damaged order, above $25 only with a manager's approval.
    #[crux::flow(name = "refund_approval", resume = checkpoint)]
    async fn run(
        &self,
        order: &str,
        amount_cents: u32,
        checkpoint: Option<&Checkpoint>,
    ) -> Result<Outcome, ModelError> {
        if checkpoint.is_none() {
            self.assess(order).await?;
            if amount_cents > 2_500 {
                return Ok(match crux::flow::suspend("manager_approval") {
                    Ok(checkpoint) => Outcome::WaitingForApproval(checkpoint),
                    // Telemetry off: nothing to link; the application still waits.
                    Err(_) => Outcome::Refunded("pending approval".into()),
                });
            }
        }
        crux::flow::signal("manager_approved");
        let receipt = self.refund(order, amount_cents).await;
        let reply = self.chat(&format!("Tell the customer: {receipt}")).await?;
        Ok(Outcome::Refunded(match reply.answer {
            Answer::Text(text) => text,
            Answer::ToolCalls(_) => receipt,
        }))
    }

    #[crux::flow_step(label = "assess_damage")]
    async fn assess(&self, order: &str) -> Result<Completion, ModelError> {
        self.chat(&format!("Assess the damage photos of order {order}"))
            .await
    }

    /// Pays the refund back to the customer's card.
    #[crux::tool(name = "issue_refund")]
    async fn refund(&self, order: &str, amount_cents: u32) -> String {
        format!(
            "refunded ${}.{:02} for order {order}",
            amount_cents / 100,
            amount_cents % 100
        )
    }

    #[crux::generate(provider = "openai", model = "gpt-4o-mini", temperature = 0.0)]
    async fn chat(&self, prompt: &str) -> Result<Completion, ModelError> {
        self.model
            .complete("gpt-4o-mini", "You handle refunds.", prompt)
            .await
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let approve = args.iter().any(|a| a == "--approve");
    let mode = if args.iter().any(|a| a == "--continue") {
        ResumeMode::Continue
    } else {
        ResumeMode::Link
    };
    let telemetry = crux::Telemetry::builder()
        .service_name("refund-approvals")
        .resume_mode(mode)
        .console()
        .otlp_from_env()
        .install();
    // A configuration mistake is worth a line, not a failed run: carry on untraced.
    if let Err(e) = &telemetry {
        eprintln!("telemetry is off: {e}");
    }
    let script = if approve {
        vec![Answer::Text("Your refund of $34.50 is on its way.".into())]
    } else {
        vec![Answer::Text("damage confirmed: cracked lid".into())]
    };
    let refunds = Refunds {
        model: ScriptedModel::new(script),
    };

    let checkpoint = if approve {
        // A corrupt or missing checkpoint is reported and the flow still runs, unlinked.
        match std::fs::read_to_string(CHECKPOINT_FILE)
            .map_err(|e| e.to_string())
            .and_then(|json| Checkpoint::from_json(&json).map_err(|e| e.to_string()))
        {
            Ok(checkpoint) => Some(checkpoint),
            Err(e) => {
                eprintln!("cannot use the checkpoint ({e}); resuming without a link");
                None
            }
        }
    } else {
        None
    };
    if approve && checkpoint.is_none() {
        // Without a checkpoint there is nothing to resume from: finish the refund anyway.
        let outcome = refunds.refund("A-1042", 3_450).await;
        println!("{outcome}");
    } else {
        match refunds.run("A-1042", 3_450, checkpoint.as_ref()).await? {
            Outcome::WaitingForApproval(checkpoint) => {
                std::fs::create_dir_all("target")?;
                std::fs::write(CHECKPOINT_FILE, checkpoint.to_json())?;
                println!(
                    "suspended at {} (trace {}); checkpoint in {CHECKPOINT_FILE}. Run again with --approve.",
                    checkpoint.suspend_point(),
                    checkpoint.traceparent()
                );
            }
            Outcome::Refunded(reply) => println!("{reply}"),
        }
    }
    if let Ok(telemetry) = telemetry {
        eprintln!("{}", telemetry.shutdown());
    }
    Ok(())
}
