//! Shared pieces of the crux examples: a scripted chat model that answers from a script
//! instead of the network, with realistic token usage and prices, the support agent and
//! the research agent.

#[cfg(feature = "openai-mock")]
pub mod openai_mock;
pub mod research;
pub mod support;

use std::collections::VecDeque;
use std::sync::Mutex;

/// What the scripted model answers: text, or a request to call tools.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A final text answer.
    Text(String),
    /// Tool calls the agent must run before asking again: (call id, tool, argument).
    ToolCalls(Vec<(String, String, String)>),
}

/// One response of the scripted model.
#[derive(Clone, Debug)]
pub struct Completion {
    /// The answer.
    pub answer: Answer,
    /// The model that answered (a dated snapshot of the requested one).
    pub model: String,
    /// The provider's response id.
    pub id: String,
    /// Input and output tokens.
    pub usage: crux::Usage,
    /// What the call cost, USD.
    pub cost: f64,
}

impl crux::ModelResponse for Completion {
    fn usage(&self) -> Option<crux::Usage> {
        Some(self.usage)
    }
    fn response_model(&self) -> Option<&str> {
        Some(&self.model)
    }
    fn response_id(&self) -> Option<&str> {
        Some(&self.id)
    }
    fn finish_reasons(&self) -> Vec<&str> {
        match self.answer {
            Answer::Text(_) => vec!["stop"],
            Answer::ToolCalls(_) => vec!["tool_calls"],
        }
    }
    fn cost_usd(&self) -> Option<f64> {
        Some(self.cost)
    }
    fn tool_calls(&self) -> Option<usize> {
        match &self.answer {
            Answer::Text(_) => Some(0),
            Answer::ToolCalls(calls) => Some(calls.len()),
        }
    }
    fn output_messages(&self) -> Vec<crux::Message> {
        let message = match &self.answer {
            Answer::Text(text) => crux::Message::assistant(text.clone()),
            Answer::ToolCalls(calls) => crux::Message {
                role: "assistant".into(),
                parts: calls
                    .iter()
                    .map(|(id, name, argument)| crux::Part::ToolCall {
                        id: Some(id.clone()),
                        name: name.clone(),
                        arguments: serde_json::json!({ "order": argument }),
                    })
                    .collect(),
                name: None,
                finish_reason: None,
            },
        };
        let reason = self
            .finish_reasons()
            .first()
            .map_or("stop", |r| *r)
            .to_owned();
        vec![message.with_finish_reason(reason)]
    }
}

/// Why a model call failed.
#[derive(Debug)]
pub struct ModelError(pub String);

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ModelError {}

/// USD per million tokens (input, cached input, output), as published by the provider.
fn price(model: &str) -> (f64, f64, f64) {
    match model {
        "gpt-4o-mini" => (0.15, 0.075, 0.60),
        "gpt-4o" => (2.50, 1.25, 10.00),
        _ => (1.00, 0.50, 4.00),
    }
}

/// A chat model that plays back a script, one answer per call, with token counts
/// derived from the prompt's length (about four characters a token) so numbers move
/// with the input like a real model's.
#[derive(Debug)]
pub struct ScriptedModel {
    script: Mutex<VecDeque<Answer>>,
    calls: Mutex<u32>,
}

impl ScriptedModel {
    /// A model that will answer `script` in order.
    pub fn new(script: impl IntoIterator<Item = Answer>) -> ScriptedModel {
        ScriptedModel {
            script: Mutex::new(script.into_iter().collect()),
            calls: Mutex::new(0),
        }
    }

    /// Answers `prompt` with the next scripted answer, after a short, model-like pause.
    pub async fn complete(
        &self,
        model: &str,
        system: &str,
        prompt: &str,
    ) -> Result<Completion, ModelError> {
        let answer = self
            .script
            .lock()
            .expect("script lock")
            .pop_front()
            .ok_or_else(|| ModelError("the script ran out of answers".into()))?;
        let call = {
            let mut calls = self.calls.lock().expect("calls lock");
            *calls += 1;
            *calls
        };
        let output_chars = match &answer {
            Answer::Text(t) => t.len(),
            Answer::ToolCalls(calls) => calls.iter().map(|(_, n, a)| n.len() + a.len() + 24).sum(),
        };
        tokio::time::sleep(std::time::Duration::from_millis(
            40 + 3 * output_chars as u64 / 4,
        ))
        .await;
        let cached = (system.len() / 4) as u64;
        let input = cached + (prompt.len() / 4) as u64 + 12;
        let output = (output_chars / 4) as u64 + 1;
        let (p_in, p_cached, p_out) = price(model);
        let cost =
            ((input - cached) as f64 * p_in + cached as f64 * p_cached + output as f64 * p_out)
                / 1e6;
        Ok(Completion {
            answer,
            model: format!("{model}-2024-07-18"),
            id: format!("chatcmpl-{call:04}"),
            usage: crux::Usage::new(input, output).with_cache_read(cached),
            cost,
        })
    }
}
