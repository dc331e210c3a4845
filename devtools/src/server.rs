//! The HTTP server: one listener, the OTLP receiver at `/v1/traces`, the JSON API under
//! `/api/`, the UI everywhere else. Database work runs on the blocking pool; a batch is
//! acknowledged only once committed.

use crate::api::{self, TraceList, TraceView};
use crate::ingest::{self, Encoding, IngestError};
use crate::store::Store;
use crate::ui;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

type Reply = Response<Full<Bytes>>;

/// How long a connection may take to send a request's headers (idle keep-alive
/// connections are closed after this too).
const HEADER_READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Serves on `listener` until `shutdown` completes, then stops accepting. A batch being
/// stored when the process stops is either committed or was never acknowledged (the
/// sender retries it; a span already stored is not stored twice).
pub async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    tokio::pin!(shutdown);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                // e.g. too many open files: keep serving the connections we have.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let store = store.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let store = store.clone();
                async move { Ok::<_, std::convert::Infallible>(route(req, store).await) }
            });
            // A client that goes away mid-request is its own problem, not the server's.
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn route(req: Request<Incoming>, store: Arc<Store>) -> Reply {
    let path = req.uri().path().to_owned();
    let method = req.method().clone();
    match (method, path.as_str()) {
        (Method::POST, "/v1/traces") => ingest(req, store).await,
        (_, "/v1/traces") => text(StatusCode::METHOD_NOT_ALLOWED, "POST OTLP traces here"),
        (Method::GET, "/api/traces") => {
            let query = req.uri().query().map(str::to_owned);
            read(move || TraceList::query(&store, query.as_deref()).map(Some)).await
        }
        (Method::GET, p) if p.starts_with("/api/traces/") => {
            let id = p.trim_start_matches("/api/traces/").to_ascii_lowercase();
            if !api::is_trace_id(&id) {
                return text(StatusCode::BAD_REQUEST, "a trace id is 32 hex digits");
            }
            read(move || Ok(store.trace(&id)?.map(TraceView::new))).await
        }
        (Method::GET, p) => match ui::asset(p) {
            Some((content_type, body)) => {
                let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
                r.headers_mut()
                    .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
                r
            }
            None => text(StatusCode::NOT_FOUND, "not found"),
        },
        _ => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    }
}

async fn ingest(req: Request<Incoming>, store: Arc<Store>) -> Reply {
    let header = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let encoding = match Encoding::from_content_type(header(CONTENT_TYPE).as_deref()) {
        Ok(e) => e,
        Err(e) => return text(StatusCode::UNSUPPORTED_MEDIA_TYPE, &e.to_string()),
    };
    let gzip = match ingest::is_gzip(header(CONTENT_ENCODING).as_deref()) {
        Ok(g) => g,
        Err(e) => return text(StatusCode::BAD_REQUEST, &e.to_string()),
    };
    let body = match Limited::new(req.into_body(), ingest::MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(body) => body.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => {
            let reason = IngestError::TooLarge(ingest::MAX_BODY_BYTES).to_string();
            return text(StatusCode::BAD_REQUEST, &reason);
        }
        Err(e) => {
            return text(
                StatusCode::BAD_REQUEST,
                &format!("cannot read the body: {e}"),
            )
        }
    };
    let stored = tokio::task::spawn_blocking(move || {
        let spans = ingest::decode(&body, encoding, gzip)
            .map_err(|e| (StatusCode::BAD_REQUEST, e.to_string()))?;
        store
            .insert(&spans)
            .map_err(|e| (StatusCode::SERVICE_UNAVAILABLE, e.to_string()))
    })
    .await;
    match stored {
        Ok(Ok(_)) => {
            let mut r = Response::new(Full::new(Bytes::from(encoding.success_body())));
            r.headers_mut().insert(
                CONTENT_TYPE,
                HeaderValue::from_static(encoding.content_type()),
            );
            r
        }
        Ok(Err((status, reason))) => text(status, &reason),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request handler failed",
        ),
    }
}

/// Runs a store read on the blocking pool and answers with its JSON (`None`: 404).
async fn read<T: serde::Serialize + Send + 'static>(
    read: impl FnOnce() -> Result<Option<T>, crate::store::StoreError> + Send + 'static,
) -> Reply {
    match tokio::task::spawn_blocking(read).await {
        Ok(Ok(None)) => text(StatusCode::NOT_FOUND, "no such trace (yet)"),
        Ok(Ok(Some(value))) => match serde_json::to_vec(&value) {
            Ok(json) => {
                let mut r = Response::new(Full::new(Bytes::from(json)));
                let headers = r.headers_mut();
                headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                r
            }
            Err(e) => text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Ok(Err(e)) => text(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(_) => text(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the request handler failed",
        ),
    }
}

fn text(status: StatusCode, reason: &str) -> Reply {
    let mut r = Response::new(Full::new(Bytes::from(format!("{reason}\n"))));
    *r.status_mut() = status;
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}
