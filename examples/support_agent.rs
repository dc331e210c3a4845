//! A customer-support agent, instrumented with crux, talking to a scripted model: no
//! network, no API key. Run it with
//!
//!     cargo run --example support_agent
//!
//! and read its trace tree on stderr. Set `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g.
//! `http://localhost:4318`) to export the same spans to a collector as well.

use crux_examples::{Answer, Completion, ModelError, ScriptedModel};
use std::collections::HashMap;
use std::sync::Arc;

const SYSTEM: &str = "You are the support agent of Parcel & Co. Be brief, be kind, \
    call tools to look orders up and to issue refunds within the refund policy.";

/// A ticket as it arrives from the help desk.
struct Ticket {
    id: String,
    customer: String,
    text: String,
}

#[derive(Debug)]
struct ToolError(String);

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToolError {}

#[derive(Debug)]
enum AgentError {
    Model(ModelError),
    Tool(ToolError),
}

impl std::fmt::Display for AgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AgentError::Model(e) => write!(f, "model: {e}"),
            AgentError::Tool(e) => write!(f, "tool: {e}"),
        }
    }
}

impl From<ModelError> for AgentError {
    fn from(e: ModelError) -> Self {
        AgentError::Model(e)
    }
}

impl From<ToolError> for AgentError {
    fn from(e: ToolError) -> Self {
        AgentError::Tool(e)
    }
}

/// The agent: a model and the shop's back office.
struct SupportAgent {
    model: ScriptedModel,
    orders: HashMap<&'static str, (&'static str, u32)>,
}

impl SupportAgent {
    /// Handles one ticket end to end.
    #[crux::flow(name = "support_ticket", id = ticket.id)]
    async fn handle(&self, ticket: &Ticket) -> Result<String, AgentError> {
        let intent = self.classify(ticket).await?;
        let context = self.gather_context(ticket).await?;
        self.resolve(ticket, &intent, &context).await
    }

    #[crux::flow_step(label = "classify")]
    async fn classify(&self, ticket: &Ticket) -> Result<String, AgentError> {
        let prompt = format!("Classify the intent of: {}", ticket.text);
        match self.chat("gpt-4o-mini", &prompt).await?.answer {
            Answer::Text(intent) => Ok(intent),
            Answer::ToolCalls(_) => Ok("unknown".into()),
        }
    }

    #[crux::flow_step(label = "gather_context")]
    async fn gather_context(&self, ticket: &Ticket) -> Result<String, AgentError> {
        // The two lookups run concurrently, each in its own task; crux::spawn keeps them
        // in this step's trace.
        let customer = ticket.customer.clone();
        let history = crux::spawn(async move { customer_history(&customer).await });
        let policy = search_knowledge_base("refund policy damaged item").await?;
        let history = history.await.expect("task")?;
        Ok(format!("{history}\n{policy}"))
    }

    #[crux::flow_step(label = "resolve")]
    async fn resolve(
        &self,
        ticket: &Ticket,
        intent: &str,
        context: &str,
    ) -> Result<String, AgentError> {
        let mut transcript = format!("{intent}\n{context}\n{}", ticket.text);
        // The tool loop: ask, run the tools the model asks for, ask again.
        for _turn in 0..4 {
            let completion = self.chat("gpt-4o", &transcript).await?;
            match completion.answer {
                Answer::Text(reply) => return Ok(reply),
                Answer::ToolCalls(calls) => {
                    for (call_id, tool, argument) in calls {
                        let result = match tool.as_str() {
                            "lookup_order" => self.lookup_order(&call_id, &argument),
                            "issue_refund" => self.issue_refund(&call_id, &argument),
                            other => Err(ToolError(format!("no tool named {other}"))),
                        };
                        // A failed tool is reported back to the model, as real agents do.
                        let result = result.unwrap_or_else(|e| format!("error: {e}"));
                        transcript.push_str(&format!("\n[{tool}] {result}"));
                    }
                }
            }
        }
        Err(AgentError::Model(ModelError(
            "no answer after 4 turns".into(),
        )))
    }

    /// One chat completion.
    #[crux::generate(provider = "openai", model = model, temperature = 0.2, max_tokens = 512)]
    async fn chat(&self, model: &str, prompt: &str) -> Result<Completion, ModelError> {
        self.model.complete(model, SYSTEM, prompt).await
    }

    /// Looks an order up by its number.
    #[crux::tool(name = "lookup_order", call_id = call_id)]
    fn lookup_order(&self, call_id: &str, order: &str) -> Result<String, ToolError> {
        let (item, cents) = self
            .orders
            .get(order)
            .ok_or_else(|| ToolError(format!("order {order} not found")))?;
        Ok(format!(
            "order {order}: {item}, paid ${}.{:02}",
            cents / 100,
            cents % 100
        ))
    }

    /// Refunds an order in full.
    #[crux::tool(name = "issue_refund", call_id = call_id)]
    fn issue_refund(&self, call_id: &str, order: &str) -> Result<String, ToolError> {
        let (_, cents) = self
            .orders
            .get(order)
            .ok_or_else(|| ToolError(format!("order {order} not found")))?;
        Ok(format!(
            "refunded ${}.{:02} for order {order}",
            cents / 100,
            cents % 100
        ))
    }
}

/// The customer's recent orders and tickets.
#[crux::tool]
async fn customer_history(customer: &str) -> Result<String, ToolError> {
    tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    Ok(format!(
        "{customer}: 3 orders, 1 previous ticket (resolved)"
    ))
}

/// Searches the help-center articles.
#[crux::tool]
async fn search_knowledge_base(query: &str) -> Result<String, ToolError> {
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    Ok(format!(
        "top article for '{query}': damaged items are refunded in full within 30 days"
    ))
}

fn call(id: &str, tool: &str, argument: &str) -> (String, String, String) {
    (id.into(), tool.into(), argument.into())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let telemetry = crux::Telemetry::builder()
        .service_name("support-agent")
        .console()
        .otlp_from_env()
        .install()?;

    let orders = HashMap::from([
        ("A-1042", ("ceramic teapot", 3_450)),
        ("A-2077", ("wool scarf", 2_900)),
    ]);
    let refund = Arc::new(SupportAgent {
        orders: orders.clone(),
        model: ScriptedModel::new([
            Answer::Text("refund_request".into()),
            Answer::ToolCalls(vec![call("call_lk1", "lookup_order", "A-1042")]),
            Answer::ToolCalls(vec![call("call_rf1", "issue_refund", "A-1042")]),
            Answer::Text(
                "I'm sorry the teapot arrived broken. I've refunded $34.50 to your card.".into(),
            ),
        ]),
    });
    let missing = Arc::new(SupportAgent {
        orders,
        model: ScriptedModel::new([
            Answer::Text("order_status".into()),
            Answer::ToolCalls(vec![call("call_lk2", "lookup_order", "A-9999")]),
            Answer::Text(
                "I couldn't find order A-9999. Could you check the number on your receipt?".into(),
            ),
        ]),
    });

    let tickets = [
        (
            refund,
            Ticket {
                id: "T-1001".into(),
                customer: "dana@example.com".into(),
                text: "My teapot (order A-1042) arrived broken. Refund please.".into(),
            },
        ),
        (
            missing,
            Ticket {
                id: "T-1002".into(),
                customer: "lee@example.com".into(),
                text: "Where is my order A-9999?".into(),
            },
        ),
    ];
    let handles: Vec<_> = tickets
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

    // Dropping the guard would do the same; shutting down explicitly reports errors.
    telemetry.shutdown()?;
    Ok(())
}
