//! The support agent of `cargo run --example support_agent`, as a library so the tests
//! can run exactly the same code (the privacy scan runs it with content capture off).
//!
//! A run (`#[crux::agent]`) handles a ticket as a flow of steps; the resolve step is a
//! `#[crux::use_reason]` over a derived prompt whose model passes (`#[crux::generate]`)
//! ask for tools that the agent runs in a loop.

use crate::{Answer, Completion, ModelError, ScriptedModel};
use std::collections::HashMap;

/// The system prompt.
pub const SYSTEM: &str = "You are the support agent of Parcel & Co. Be brief, be kind, \
    call tools to look orders up and to issue refunds within the refund policy.";

/// A ticket as it arrives from the help desk. It serializes, so with content capture on
/// it is the run's and the flow's `input.value`: the trace's input in LLM backends.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Ticket {
    /// The ticket's id.
    pub id: String,
    /// The conversation (chat session) it belongs to.
    pub session: String,
    /// The authenticated customer (from the server's session, not the client).
    pub customer: String,
    /// The customer's message.
    pub text: String,
}

/// A tool failed.
#[derive(Debug)]
pub struct ToolError(pub String);

impl std::fmt::Display for ToolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ToolError {}

/// The agent failed.
#[derive(Debug)]
pub enum AgentError {
    /// The model failed.
    Model(ModelError),
    /// A tool failed in a way the agent could not recover from.
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

impl std::error::Error for AgentError {}

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

/// The resolve prompt: its identity is static, its version comes from the prompt store
/// at run time, the queue is recorded as an attribute, the ticket text is a template
/// variable (recorded only with input capture).
#[derive(crux::Prompt)]
#[prompt(name = "support.resolve", kind = "chat", source = "prompt-store")]
pub struct ResolvePrompt<'a> {
    /// The version the prompt store served.
    #[prompt(version)]
    pub version: &'a str,
    /// The routing queue.
    #[prompt(attribute = "app.queue")]
    pub queue: &'a str,
    /// What the customer wrote.
    #[prompt(variable)]
    pub ticket_text: &'a str,
    /// The customer's address: never recorded.
    #[prompt(skip)]
    pub customer: &'a str,
}

/// The agent: a model and the shop's back office.
pub struct SupportAgent {
    /// The model.
    pub model: ScriptedModel,
    /// Order number → (item, cents paid).
    pub orders: HashMap<&'static str, (&'static str, u32)>,
}

impl SupportAgent {
    /// Handles one ticket: the agent run.
    #[crux::agent(name = "support", session_id = ticket.session, user_id = ticket.customer, tenant_id = "parcel-co",
                  metadata(channel = "email"), tags("support", "tier-1"))]
    pub async fn handle(&self, ticket: &Ticket) -> Result<String, AgentError> {
        self.ticket_flow(ticket).await
    }

    /// The ticket's flow of steps.
    #[crux::flow(name = "support_ticket", id = ticket.id)]
    async fn ticket_flow(&self, ticket: &Ticket) -> Result<String, AgentError> {
        let intent = self.classify(ticket).await?;
        let context = self.gather_context(ticket).await?;
        let reply = self.resolve(ticket, &intent, &context).await?;
        self.review(&reply);
        self.remember(&ticket.customer, &reply);
        Ok(reply)
    }

    /// Grades the reply before it goes out.
    #[crux::flow_step(label = "review")]
    fn review(&self, reply: &str) -> f64 {
        grade_reply(reply)
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
        self.research(ticket).await
    }

    /// Three lookups run as a parallel composition of agents, the first in its own task:
    /// crux::spawn keeps it in this trace.
    #[crux::composition(kind = "parallel")]
    async fn research(&self, ticket: &Ticket) -> Result<String, AgentError> {
        let customer = ticket.customer.clone();
        let history = crux::spawn(crux::composition::agent("history", async move {
            customer_history(&customer).await
        }));
        let policy = crux::composition::agent(
            "knowledge_base",
            search_knowledge_base("refund policy damaged item"),
        );
        let memory = crux::composition::agent_value("memory", async { recall(&ticket.customer) });
        let (policy, memory) = futures_join(policy, memory).await;
        let history = history.await.expect("task")?;
        crux::composition::record_agreement(1.0);
        Ok(format!("{history}\n{}\n{memory}", policy?))
    }

    #[crux::flow_step(label = "resolve")]
    async fn resolve(
        &self,
        ticket: &Ticket,
        intent: &str,
        context: &str,
    ) -> Result<String, AgentError> {
        let prompt = ResolvePrompt {
            version: "2026-11-02",
            queue: intent,
            ticket_text: &ticket.text,
            customer: &ticket.customer,
        };
        self.reason(&prompt, context).await
    }

    /// Remembers how the ticket ended, for the next conversation.
    #[crux::memory(op = "write", kind = "episodic", namespace = customer, write_mode = "auto")]
    fn remember(&self, customer: &str, outcome: &str) -> bool {
        !outcome.is_empty()
    }

    /// Keeps the transcript short enough for the model's context window.
    #[crux::compact(reason = "context_window")]
    fn compact(&self, transcript: &str) -> String {
        let kept: String = transcript
            .lines()
            .rev()
            .take(3)
            .collect::<Vec<_>>()
            .join("\n");
        crux::judge::record_compaction(transcript.len(), kept.len());
        kept
    }

    /// The tool loop: ask the model, run the tools it asks for, ask again.
    #[crux::use_reason(id = "resolve", provider = "openai", model = "gpt-4o",
                       telemetry(operation = "chat", prompt = prompt, tags("tool-loop"), metadata(max_turns = 4)))]
    async fn reason(
        &self,
        prompt: &ResolvePrompt<'_>,
        context: &str,
    ) -> Result<String, AgentError> {
        let mut transcript = format!("{context}\n{}", prompt.ticket_text);
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
                    if transcript.len() > 300 {
                        transcript = self.compact(&transcript);
                    }
                }
            }
        }
        Err(AgentError::Model(ModelError(
            "no answer after 4 turns".into(),
        )))
    }

    /// One chat completion.
    #[crux::generate(provider = "openai", model = model, temperature = 0.2, max_tokens = 512,
                     messages = [crux::Message::user(prompt)], system = SYSTEM)]
    async fn chat(&self, model: &str, prompt: &str) -> Result<Completion, ModelError> {
        self.model.complete(model, SYSTEM, prompt).await
    }

    /// Looks an order up by its number.
    #[crux::tool(name = "lookup_order", call_id = call_id)]
    fn lookup_order(&self, call_id: &str, order: &str) -> Result<String, ToolError> {
        let (item, cents) = self
            .orders
            .get(order)
            .ok_or_else(|| ToolError("no such order".into()))?;
        Ok(format!(
            "order {order}: {item}, paid ${}.{:02}",
            cents / 100,
            cents % 100
        ))
    }

    /// Refunds an order in full; refunds need an approval (granted here by policy).
    #[crux::tool(name = "issue_refund", call_id = call_id)]
    fn issue_refund(&self, call_id: &str, order: &str) -> Result<String, ToolError> {
        let approval = format!("appr-{call_id}");
        crux::approval::request("issue_refund", call_id, &approval);
        crux::approval::decision(&approval, true, Some("issue_refund"), Some(call_id));
        let (_, cents) = self
            .orders
            .get(order)
            .ok_or_else(|| ToolError("no such order".into()))?;
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

/// An evaluator: how helpful a reply is, 0 to 1 (a heuristic standing in for an LLM judge).
#[crux::judge(metric = "helpfulness")]
fn grade_reply(reply: &str) -> f64 {
    if reply.contains("refund") || reply.contains("order") {
        0.9
    } else {
        0.4
    }
}

/// What the agent remembers of the customer.
#[crux::memory(op = "read", kind = "episodic", operation = "recall", namespace = customer)]
fn recall(customer: &str) -> String {
    format!("{} previous conversations", customer.len() % 3)
}

/// Joins two futures (a tiny stand-in for `futures::join!`).
async fn futures_join<A: std::future::Future, B: std::future::Future>(
    a: A,
    b: B,
) -> (A::Output, B::Output) {
    let b = std::pin::pin!(b);
    let a = a.await;
    (a, b.await)
}

/// Re-indexes the help center (run once at startup).
#[crux::corpus_sync(id = "help-center", namespace = SHOP, mode = "incremental", stale_policy = "keep",
                    source_set = "articles", dry_run = false, source_count = 3)]
pub fn sync_help_center() {
    use crux::corpus::{source, SourceAction, SourceReport};
    source(SourceReport::new("articles/refunds.md", SourceAction::Changed).chunks(14));
    source(SourceReport::new(
        "articles/shipping.md",
        SourceAction::Unchanged,
    ));
    source(SourceReport::new("articles/teapots.md", SourceAction::Added).chunks(6));
}

const SHOP: &str = "parcel-co";

/// Searches the help-center articles (an embedding search, whose cost is reported).
#[crux::tool]
async fn search_knowledge_base(query: &str) -> Result<String, ToolError> {
    crux::cost::report(
        crux::cost::CostReport::new(0.00002)
            .estimate()
            .model("text-embedding-3-small")
            .input_tokens(query.len() as u64 / 4 + 1),
    );
    let articles = retrieve_articles(query).await?;
    Ok(format!("top article for '{query}': {}", articles[0]))
}

/// A hybrid search over the help center's index; the namespace is recorded hashed and
/// the query only with content capture on.
#[crux::retrieval(retriever = "help-center", namespace = SHOP, mode = "hybrid", limit = 3,
                  fusion = "rrf", query = query)]
async fn retrieve_articles(query: &str) -> Result<Vec<String>, ToolError> {
    let _vector = embed_query(query).await?;
    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    Ok(vec![
        "damaged items are refunded in full within 30 days".to_owned(),
        "report damage with a photo of the parcel".to_owned(),
    ])
}

/// Embeds the query (scripted: no network).
#[crux::embedding(
    provider = "openai",
    model = "text-embedding-3-small",
    kind = "dense",
    operation = "embed",
    input_count = 1
)]
async fn embed_query(query: &str) -> Result<Vec<f32>, ToolError> {
    crux::Span::current().record_usage(&crux::Usage::new(query.len() as u64 / 4 + 1, 0));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    Ok(vec![0.01; 1536])
}

/// A tool call the scripted model makes.
pub fn call(id: &str, tool: &str, argument: &str) -> (String, String, String) {
    (id.into(), tool.into(), argument.into())
}

/// The shop's orders.
pub fn orders() -> HashMap<&'static str, (&'static str, u32)> {
    HashMap::from([
        ("A-1042", ("ceramic teapot", 3_450)),
        ("A-2077", ("wool scarf", 2_900)),
    ])
}

/// The demo: two tickets, one refunded after a two-step tool loop, one about an order
/// that does not exist (the tool's error shows in the trace).
pub fn demo() -> Vec<(SupportAgent, Ticket)> {
    let refund = SupportAgent {
        orders: orders(),
        model: ScriptedModel::new([
            Answer::Text("refund_request".into()),
            Answer::ToolCalls(vec![call("call_lk1", "lookup_order", "A-1042")]),
            Answer::ToolCalls(vec![call("call_rf1", "issue_refund", "A-1042")]),
            Answer::Text(
                "I'm sorry the teapot arrived broken. I've refunded $34.50 to your card.".into(),
            ),
        ]),
    };
    let missing = SupportAgent {
        orders: orders(),
        model: ScriptedModel::new([
            Answer::Text("order_status".into()),
            Answer::ToolCalls(vec![call("call_lk2", "lookup_order", "A-9999")]),
            Answer::Text(
                "I couldn't find order A-9999. Could you check the number on your receipt?".into(),
            ),
        ]),
    };
    vec![
        (
            refund,
            Ticket {
                id: "T-1001".into(),
                session: "chat-7f3a".into(),
                customer: "dana@example.com".into(),
                text: "My teapot (order A-1042) arrived broken. Refund please.".into(),
            },
        ),
        (
            missing,
            Ticket {
                id: "T-1002".into(),
                session: "chat-91bc".into(),
                customer: "lee@example.com".into(),
                text: "Where is my order A-9999?".into(),
            },
        ),
    ]
}
