//! Mirror mode over HTTP: an axum decorator around the log server's own router.
//!
//! Requests that can name a missing key are filled first, then handed unchanged to
//! [`lockproof_log::http::router`], which answers from the log as always:
//!
//! - `GET /lookup/<key>` and `GET /sumdb/<name>/lookup/<key>`: a key the log lacks is fetched
//!   from its upstream and appended (the answer waits for the durable checkpoint). An upstream
//!   failure is `502 Bad Gateway` with the reason; "no such version" falls through to the log's
//!   404.
//! - `POST /lockproof/v1/lookups`: every missing key of the batch is filled (in parallel, one
//!   append); if any upstream fails, `502` with `{"error":…,"failures":[{"key":…,"reason":…}]}`.
//! - `GET /metrics`: the log's metrics followed by the fill counters.
//!
//! Everything else goes straight to the log's router. The server crate needs no change.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use lockproof_log::http::ServeConfig;
use lockproof_log::http::api::{LookupsRequest, MAX_LOOKUP_KEYS, MAX_LOOKUPS_BODY};
use lockproof_tlog::RecordKey;
use serde::Serialize;

use crate::{Error, Fill, Filler};

#[derive(Clone)]
struct MirrorState {
    filler: Arc<Filler>,
    sumdb_prefix: Arc<str>,
}

/// The log server's router with mirror-mode filling in front of it.
pub fn router(filler: Arc<Filler>, config: ServeConfig) -> Router {
    let log = filler.log().clone();
    let state = MirrorState {
        sumdb_prefix: format!("/sumdb/{}", log.name().as_str()).into(),
        filler,
    };
    lockproof_log::http::router(log, config)
        .layer(axum::middleware::from_fn_with_state(state, decorate))
}

/// The lookup key of a sumdb lookup path, if `path` is one.
fn lookup_key<'a>(path: &'a str, sumdb_prefix: &str) -> Option<&'a str> {
    let p = path.strip_prefix(sumdb_prefix).unwrap_or(path);
    p.strip_prefix("/lookup/")
}

async fn decorate(State(state): State<MirrorState>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    if (method == Method::GET || method == Method::HEAD)
        && let Some(key) = lookup_key(&path, &state.sumdb_prefix)
    {
        // An invalid key is the log's 400 to give.
        if let Ok(key) = RecordKey::parse_lookup_path(key)
            && let Err(e) = fill(&state, vec![key]).await
        {
            return bad_gateway_text(&e);
        }
        return next.run(req).await;
    }
    if method == Method::POST && path == "/lockproof/v1/lookups" {
        return lookups(&state, req, next).await;
    }
    if method == Method::GET && path == "/metrics" {
        let inner = next.run(req).await;
        return with_fill_metrics(&state, inner).await;
    }
    next.run(req).await
}

/// Fills `keys` on a blocking thread (the filler blocks on upstream I/O and on the append).
/// Keys already logged are answered without leaving the async thread.
async fn fill(state: &MirrorState, keys: Vec<RecordKey>) -> Result<(), Vec<Error>> {
    let log = state.filler.log();
    let missing: Vec<RecordKey> = keys
        .into_iter()
        .filter(|k| state.filler.serves(k) && !matches!(log.lookup(k), Ok(Some(_))))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let filler = Arc::clone(&state.filler);
    let results = tokio::task::spawn_blocking(move || filler.fill_many(&missing, &|_, _| {}))
        .await
        .map_err(|e| vec![Error::Log(format!("fill task: {e}"))])?;
    let errors: Vec<Error> = results
        .into_iter()
        .filter_map(|r: Result<Fill, Error>| r.err())
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

async fn lookups(state: &MirrorState, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_LOOKUPS_BODY).await else {
        return text(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body exceeds {MAX_LOOKUPS_BODY} bytes"),
        );
    };
    // A body the log would reject is passed on untouched for the log's own 400.
    if let Ok(parsed) = serde_json::from_slice::<LookupsRequest>(&bytes)
        && parsed.keys.len() <= MAX_LOOKUP_KEYS
    {
        let keys: Vec<RecordKey> = parsed
            .keys
            .iter()
            .filter_map(|k| RecordKey::parse_lookup_path(k).ok())
            .collect();
        if let Err(errors) = fill(state, keys).await {
            return bad_gateway_json(&errors);
        }
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn text(status: StatusCode, msg: String) -> Response {
    let mut r = (status, format!("{msg}\n")).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=UTF-8"),
    );
    r
}

fn bad_gateway_text(errors: &[Error]) -> Response {
    let reasons: Vec<String> = errors.iter().map(ToString::to_string).collect();
    text(StatusCode::BAD_GATEWAY, reasons.join("\n"))
}

fn bad_gateway_json(errors: &[Error]) -> Response {
    #[derive(Serialize)]
    struct Failure {
        key: String,
        reason: String,
    }
    #[derive(Serialize)]
    struct Body502 {
        error: String,
        failures: Vec<Failure>,
    }
    let failures: Vec<Failure> = errors
        .iter()
        .map(|e| match e {
            Error::Upstream { key, reason } => Failure {
                key: key.clone(),
                reason: reason.clone(),
            },
            other => Failure {
                key: String::new(),
                reason: other.to_string(),
            },
        })
        .collect();
    let body = Body502 {
        error: format!(
            "{} key(s) could not be filled from upstream",
            failures.len()
        ),
        failures,
    };
    let bytes = serde_json::to_vec(&body).unwrap_or_else(|_| b"{}".to_vec());
    let mut r = (StatusCode::BAD_GATEWAY, bytes).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Appends the fill counters to a successful `/metrics` response.
async fn with_fill_metrics(state: &MirrorState, inner: Response) -> Response {
    if inner.status() != StatusCode::OK {
        return inner;
    }
    let (mut parts, body) = inner.into_parts();
    let Ok(mut bytes) = axum::body::to_bytes(body, 16 << 20)
        .await
        .map(|b| b.to_vec())
    else {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "metrics".into());
    };
    bytes.extend_from_slice(state.filler.metrics().render().as_bytes());
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(bytes))
}
