//! An OpenAI-compatible HTTP server on a loopback port, answering from a script: the
//! real client crates talk to it over real HTTP (JSON bodies and SSE streams), so the
//! examples and tests need no key and no network.
//!
//! Each request (to `/v1/chat/completions`, `/v1/embeddings`, or Ollama's `/api/chat`)
//! takes the next scripted reply; a streaming request must meet a [`Reply::Stream`]
//! (SSE) or, for Ollama, [`Reply::Lines`]. Requests are kept for the caller to inspect.

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A JSON body (a chat completion or an embeddings response).
    Json(Value),
    /// Server-sent events: one `data:` line per chunk, then `data: [DONE]`.
    Stream(Vec<Value>),
    /// Newline-delimited JSON, one object a line (Ollama's streams).
    Lines(Vec<Value>),
}

#[derive(Debug, Default)]
struct State {
    script: VecDeque<Reply>,
    requests: Vec<(String, Value)>,
}

/// A running mock server; it stops with the Tokio runtime it was started on.
#[derive(Clone, Debug)]
pub struct MockOpenAi {
    /// The API base URL, `http://127.0.0.1:<port>/v1`.
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl MockOpenAi {
    /// Starts the server on a free loopback port, answering `script` in order.
    pub async fn start(script: impl IntoIterator<Item = Reply>) -> std::io::Result<MockOpenAi> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/v1", listener.local_addr()?);
        let state = Arc::new(Mutex::new(State {
            script: script.into_iter().collect(),
            requests: Vec::new(),
        }));
        let server = state.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let state = server.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(answer(req, &state).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(MockOpenAi { url, state })
    }

    /// The requests received so far: path and JSON body.
    pub fn requests(&self) -> Vec<(String, Value)> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .requests
            .clone()
    }
}

async fn answer(req: Request<Incoming>, state: &Mutex<State>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let body = match req.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => {
            return reply(
                StatusCode::BAD_REQUEST,
                "text/plain",
                "unreadable body".into(),
            )
        }
    };
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let next = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        state.requests.push((path, request));
        state.script.pop_front()
    };
    match next {
        Some(Reply::Json(body)) => reply(StatusCode::OK, "application/json", body.to_string()),
        Some(Reply::Stream(chunks)) => {
            let mut events = String::new();
            for chunk in chunks {
                events.push_str(&format!("data: {chunk}\n\n"));
            }
            events.push_str("data: [DONE]\n\n");
            reply(StatusCode::OK, "text/event-stream", events)
        }
        Some(Reply::Lines(lines)) => {
            let body: String = lines.iter().map(|l| format!("{l}\n")).collect();
            reply(StatusCode::OK, "application/x-ndjson", body)
        }
        None => {
            let error = json!({"error": {"message": "the script has no more replies",
                "type": "invalid_request_error", "param": null, "code": null}});
            reply(
                StatusCode::BAD_REQUEST,
                "application/json",
                error.to_string(),
            )
        }
    }
}

fn reply(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(value) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, value);
    }
    response
}

/// A chat completion answering `text`, with usage (`cached` of the input tokens from
/// the prompt cache).
pub fn completion(model: &str, id: &str, text: &str, usage: (u32, u32, u32)) -> Value {
    json!({
        "id": id, "object": "chat.completion", "created": 1_700_000_000, "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": text}}],
        "usage": usage_json(usage),
    })
}

/// A chat completion asking for one tool call.
pub fn tool_call(
    model: &str,
    id: &str,
    call: (&str, &str, Value),
    usage: (u32, u32, u32),
) -> Value {
    let (call_id, name, arguments) = call;
    json!({
        "id": id, "object": "chat.completion", "created": 1_700_000_000, "model": model,
        "choices": [{"index": 0, "finish_reason": "tool_calls",
            "message": {"role": "assistant", "content": null, "tool_calls": [{
                "id": call_id, "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}}]}}],
        "usage": usage_json(usage),
    })
}

/// The chunks of a streamed answer: one per word of `text`, the finish reason, and a
/// last chunk with the usage (as with `stream_options.include_usage`).
pub fn stream_chunks(model: &str, id: &str, text: &str, usage: (u32, u32, u32)) -> Vec<Value> {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": id, "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut chunks = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    let words: Vec<&str> = text.split_inclusive(' ').collect();
    chunks.extend(
        words
            .iter()
            .map(|w| chunk(json!({"content": w}), Value::Null)),
    );
    chunks.push(chunk(json!({}), json!("stop")));
    chunks.push(
        json!({"id": id, "object": "chat.completion.chunk", "created": 1_700_000_000,
        "model": model, "choices": [], "usage": usage_json(usage)}),
    );
    chunks
}

/// The chunks of a streamed tool call: the call's id and name first, then its arguments
/// in the given fragments (one chunk each), the finish reason and a last chunk with the
/// usage.
pub fn stream_tool_call(
    model: &str,
    id: &str,
    call: (&str, &str, &[&str]),
    usage: (u32, u32, u32),
) -> Vec<Value> {
    let (call_id, name, fragments) = call;
    let chunk = |delta: Value, finish: Value| {
        json!({"id": id, "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut chunks = vec![chunk(
        json!({"role": "assistant", "content": null, "tool_calls": [{"index": 0, "id": call_id,
            "type": "function", "function": {"name": name, "arguments": ""}}]}),
        Value::Null,
    )];
    chunks.extend(fragments.iter().map(|fragment| {
        chunk(
            json!({"tool_calls": [{"index": 0, "function": {"arguments": fragment}}]}),
            Value::Null,
        )
    }));
    chunks.push(chunk(json!({}), json!("tool_calls")));
    chunks.push(
        json!({"id": id, "object": "chat.completion.chunk", "created": 1_700_000_000,
        "model": model, "choices": [], "usage": usage_json(usage)}),
    );
    chunks
}

fn usage_json((input, cached, output): (u32, u32, u32)) -> Value {
    json!({"prompt_tokens": input, "completion_tokens": output, "total_tokens": input + output,
        "prompt_tokens_details": {"cached_tokens": cached},
        "completion_tokens_details": {"reasoning_tokens": 0}})
}
