//! The HTTP faces of a log (axum): sumdb, C2SP tlog-tiles, the lockproof JSON API and ops.
//!
//! Routing is done by hand on the raw request path so that every path is parsed strictly
//! (tile paths by [`lockproof_tlog::Tile::parse_path`] / [`lockproof_tlog::Tile::parse_c2sp_path`],
//! lookup keys by [`lockproof_tlog::RecordKey::parse_lookup_path`]) and only parsed numbers
//! ever reach storage; a non-canonical or traversal path is a 400 or 404.
//!
//! | Method and path | Response |
//! |---|---|
//! | `GET /lookup/<key>` | `<index>\n<record>\n<signed tree note>` (sumdb) |
//! | `GET /latest` | signed sumdb tree note |
//! | `GET /tile/8/<L>/<N>[.p/<W>]` | `W × 32` hash bytes |
//! | `GET /tile/8/data/<N>[.p/<W>]` | records, each followed by `\n` |
//! | `GET /sumdb/<name>/…` | the four above; `/sumdb/<name>/supported` → 200 |
//! | `GET /checkpoint` | signed C2SP checkpoint (origin = log name) + witness cosignatures |
//! | `GET /tile/<L>/<N>[.p/<W>]` | hash tile, byte-identical to the sumdb face |
//! | `GET /tile/entries/<N>[.p/<W>]` | C2SP entry bundle (u16 length-prefixed records) |
//! | `POST /lockproof/v1/add` | append (bearer token), see [`api`] |
//! | `POST /lockproof/v1/lookups` | batched lookups with proofs, see [`api`] |
//! | `GET /healthz`, `GET /metrics` | ops |

pub mod api;
mod workers;

pub use workers::serve_on_workers;

use std::convert::Infallible;
use std::io::Write as _;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use lockproof_tlog::{RecordKey, Tile, TileLevel};

use crate::witness::{Witness, Witnessing};
use crate::{Error, Log};

/// Longest request path looked at; anything longer is a 404 without parsing.
pub const MAX_PATH_LEN: usize = 8192;

const TEXT: &str = "text/plain; charset=UTF-8";
const BINARY: &str = "application/octet-stream";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const NO_STORE: &str = "no-store";

/// Server configuration.
#[derive(Clone, Default)]
pub struct ServeConfig {
    /// The bearer token that authorises `POST /lockproof/v1/add`; `None` disables writes.
    pub token: Option<String>,
    /// Where to append one line per request (`<METHOD> <path> <status> <bytes>`), if anywhere.
    pub access_log: Option<Arc<Mutex<std::fs::File>>>,
    /// Witnesses to submit each new checkpoint to; their cosignatures are served on
    /// `/checkpoint` (see [`crate::witness`]). Submitting runs on the async runtime the router
    /// is built in, for as long as the router lives; a router built outside a runtime only
    /// serves (and never collects) cosignatures.
    pub witnesses: Vec<Witness>,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("access_log", &self.access_log.is_some())
            .field("witnesses", &self.witnesses)
            .finish()
    }
}

/// Shared state of the HTTP handlers.
pub(crate) struct AppState {
    pub(crate) log: Log,
    pub(crate) token_hash: Option<[u8; 32]>,
    pub(crate) sumdb_prefix: Arc<str>,
    pub(crate) access_log: Option<Arc<Mutex<std::fs::File>>>,
    pub(crate) witnessing: Arc<Witnessing>,
}

/// Builds the router for `log`: [`service`] as an axum [`Router`], for embedding and for
/// layering middleware (the mirror mode does).
///
/// Also starts loading the log's key index into memory on a background thread
/// ([`Log::load_memory_index`]); lookups are served from the on-disk index until it is done.
pub fn router(log: Log, config: ServeConfig) -> Router {
    Router::new().fallback_service(service(log, config))
}

/// The log's HTTP faces as a bare tower service, the cheapest way to serve them (no routing
/// layer: [`LogService`] routes every request itself). Starts loading the key index into
/// memory, like [`router`].
pub fn service(log: Log, config: ServeConfig) -> LogService {
    LogService(Arc::new(app_state(log, config)))
}

/// Every face of one log (see the [module docs](self)) as a [`tower_service::Service`]; cheap
/// to clone. A GET is answered synchronously, in `call`; only POSTs (appends, batched lookups)
/// return a pending future.
#[derive(Clone)]
pub struct LogService(Arc<AppState>);

impl tower_service::Service<Request> for LogService {
    type Response = Response;
    type Error = Infallible;
    type Future = Answer;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Answer {
        if req.method() == Method::POST {
            let state = Arc::clone(&self.0);
            return Answer(AnswerState::Pending(Box::pin(async move {
                let path = req.uri().path().to_owned();
                let response = post(&state, req, &path).await;
                finish(&state, &Method::POST, &path, response)
            })));
        }
        let (method, path) = (req.method(), req.uri().path());
        let response = finish(&self.0, method, path, get(&self.0, method, path));
        Answer(AnswerState::Ready(Some(response)))
    }
}

/// The future of a [`LogService`] call.
pub struct Answer(AnswerState);

/// A GET's response, already made (taken when polled), or a POST's handler under way.
enum AnswerState {
    Ready(Option<Response>),
    Pending(std::pin::Pin<Box<dyn Future<Output = Response> + Send>>),
}

impl Future for Answer {
    type Output = Result<Response, Infallible>;

    fn poll(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let state = &mut self.get_mut().0;
        let response = match state {
            AnswerState::Ready(response) => response.take(),
            AnswerState::Pending(handler) => {
                let response = std::task::ready!(handler.as_mut().poll(cx));
                *state = AnswerState::Ready(None);
                Some(response)
            }
        };
        // Polled again after completion (hyper never does): answer like an internal error.
        Poll::Ready(Ok(response.unwrap_or_else(|| {
            text_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        })))
    }
}

/// The handlers' state for `log`; starts loading its key index into memory.
fn app_state(log: Log, config: ServeConfig) -> AppState {
    log.spawn_memory_index_load();
    let token_hash = config.token.as_deref().map(api::sha256);
    let sumdb_prefix: Arc<str> = format!("/sumdb/{}", log.name().as_str()).into();
    let witnessing = Arc::new(Witnessing::new(config.witnesses));
    if !witnessing.is_empty()
        && let Ok(runtime) = tokio::runtime::Handle::try_current()
    {
        runtime.spawn(submit_to_witnesses(
            log.clone(),
            Arc::downgrade(&witnessing),
        ));
    }
    AppState {
        log,
        token_hash,
        sumdb_prefix,
        access_log: config.access_log,
        witnessing,
    }
}

/// Serves `log` on `listener`, on the calling runtime, until `shutdown` completes: for
/// embedding a log server (tests do). `lockproof log serve` uses [`serve_on_workers`].
///
/// # Errors
/// [`Error::Io`] if the server fails.
pub async fn serve(
    log: Log,
    listener: tokio::net::TcpListener,
    config: ServeConfig,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    use axum::ServiceExt as _;
    axum::serve(listener, service(log, config).into_make_service())
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::io("serve", "", e))
}

/// Submits every new checkpoint to the witnesses for as long as a router serves their
/// cosignatures (`witnessing` is the router's; the task ends once the router is dropped):
/// every 250 ms while they answer, every 5 s after a failure. A failure is reported on stderr
/// when it first happens or changes.
async fn submit_to_witnesses(log: Log, witnessing: std::sync::Weak<Witnessing>) {
    let mut reported: Vec<String> = Vec::new();
    while let Some(w) = witnessing.upgrade() {
        let published = log.checkpoint();
        let l = log.clone();
        let failures = tokio::task::spawn_blocking(move || w.submit(&l, &published))
            .await
            .unwrap_or_else(|_| vec!["witness submission panicked".to_owned()]);
        for f in failures.iter().filter(|f| !reported.contains(f)) {
            eprintln!("lockproof log: {f}");
        }
        let pause = if failures.is_empty() { 250 } else { 5_000 };
        reported = failures;
        tokio::time::sleep(std::time::Duration::from_millis(pause)).await;
    }
}

/// Which face a request belongs to (for metrics).
fn face_of(path: &str) -> &'static str {
    if path.starts_with("/lockproof/") {
        "api"
    } else if path == "/healthz" || path == "/metrics" {
        "ops"
    } else if path == "/checkpoint" || path.starts_with("/tile/entries/") {
        "tiles"
    } else {
        "sumdb"
    }
}

/// Counts `response` in the metrics and the access log, and returns it.
fn finish(state: &AppState, method: &Method, path: &str, response: Response) -> Response {
    let status = response.status().as_u16();
    state.log.metrics().record_request(face_of(path), status);
    if let Some(log) = &state.access_log {
        let len = axum::body::HttpBody::size_hint(response.body())
            .exact()
            .unwrap_or(0);
        let mut f = match log.lock() {
            Ok(f) => f,
            Err(p) => p.into_inner(),
        };
        // The path is printed with control characters escaped; failures to log are ignored.
        let _ = writeln!(f, "{method} {} {status} {len}", path.escape_debug());
    }
    response
}

async fn post(state: &AppState, req: Request, path: &str) -> Response {
    match path {
        "/lockproof/v1/add" => api::add(state, req).await,
        "/lockproof/v1/lookups" => api::lookups(state, req).await,
        _ if path.len() > MAX_PATH_LEN => text_error(StatusCode::NOT_FOUND, "path too long"),
        _ => text_error(StatusCode::NOT_FOUND, "not found"),
    }
}

fn get(state: &AppState, method: &Method, path: &str) -> Response {
    if path.len() > MAX_PATH_LEN {
        return text_error(StatusCode::NOT_FOUND, "path too long");
    }
    if method != Method::GET && method != Method::HEAD {
        return text_error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    }
    let mut p = path;
    if let Some(rest) = p.strip_prefix(&*state.sumdb_prefix) {
        if rest == "/supported" {
            return respond(StatusCode::OK, TEXT, NO_STORE, Vec::new());
        }
        if rest.starts_with('/') {
            p = rest;
        }
    }
    match p {
        "/healthz" => return respond(StatusCode::OK, TEXT, NO_STORE, b"ok\n".to_vec()),
        "/metrics" => {
            let mut text = state.log.metrics().render();
            if !state.witnessing.is_empty() {
                text.push_str(&state.witnessing.render_metrics());
            }
            return respond(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                NO_STORE,
                text.into_bytes(),
            );
        }
        "/latest" => {
            return respond(
                StatusCode::OK,
                TEXT,
                NO_STORE,
                state.log.checkpoint().note.clone(),
            );
        }
        "/checkpoint" => {
            let cp = state.log.checkpoint();
            if cp.checkpoint.is_empty() {
                return text_error(StatusCode::NOT_FOUND, "no C2SP checkpoint");
            }
            let body = state.witnessing.cosigned_checkpoint(&cp);
            return respond(StatusCode::OK, TEXT, NO_STORE, body);
        }
        _ => {}
    }
    if let Some(key) = p.strip_prefix("/lookup/") {
        return lookup(state, key);
    }
    if p.starts_with("/tile/") {
        return tile(state, &p[1..]);
    }
    text_error(StatusCode::NOT_FOUND, "not found")
}

fn lookup(state: &AppState, key: &str) -> Response {
    let snapshot = state.log.checkpoint();
    // The index is searched before the key is parsed: every key in it is the canonical lookup
    // path of a logged record (so it parses), and the index is a B-tree, not a file path. Only
    // a miss needs the parser, to tell a malformed key (400) from an unknown one (404).
    match state.log.lookup_in(&snapshot, key) {
        Ok(Some((index, record))) => {
            let mut body = Vec::with_capacity(24 + record.len() + snapshot.note.len());
            // Writing to a Vec cannot fail.
            let _ = writeln!(body, "{index}");
            body.extend_from_slice(record.as_bytes());
            body.push(b'\n');
            body.extend_from_slice(&snapshot.note);
            respond(StatusCode::OK, TEXT, NO_STORE, body)
        }
        Ok(None) => match RecordKey::parse_lookup_path(key) {
            Err(e) => text_error(StatusCode::BAD_REQUEST, &format!("invalid lookup key: {e}")),
            Ok(_) => text_error(StatusCode::NOT_FOUND, "not found"),
        },
        Err(e) => error_response(&e),
    }
}

fn tile(state: &AppState, path: &str) -> Response {
    // Go sumdb form first (`tile/8/…`), then C2SP (`tile/<L>/…`); the forms never overlap
    // because a C2SP `N` is never followed by another plain group.
    let (tile, c2sp) = match Tile::parse_path(path) {
        Ok(t) => (t, false),
        Err(_) => match Tile::parse_c2sp_path(path) {
            Ok(t) => (t, true),
            Err(e) => {
                return text_error(StatusCode::BAD_REQUEST, &format!("invalid tile path: {e}"));
            }
        },
    };
    let result = if c2sp && tile.level == TileLevel::Data {
        state.log.read_entries(tile)
    } else {
        state.log.read_tile(tile)
    };
    match result {
        Ok(data) => {
            let kind = if tile.level == TileLevel::Data && !c2sp {
                TEXT
            } else {
                BINARY
            };
            respond(StatusCode::OK, kind, IMMUTABLE, data)
        }
        Err(e) => error_response(&e),
    }
}

pub(crate) fn respond(
    status: StatusCode,
    content_type: &'static str,
    cache: &'static str,
    body: Vec<u8>,
) -> Response {
    let mut r = (status, Body::from(body)).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    r
}

pub(crate) fn text_error(status: StatusCode, msg: &str) -> Response {
    respond(status, TEXT, NO_STORE, format!("{msg}\n").into_bytes())
}

/// Maps a library error to a plain-text HTTP error (never echoing internal paths for 5xx).
fn error_response(e: &Error) -> Response {
    match e {
        Error::NotFound(m) => text_error(StatusCode::NOT_FOUND, &format!("not found: {m}")),
        Error::BadRequest(m) => text_error(StatusCode::BAD_REQUEST, m),
        Error::Stopped(_) => text_error(StatusCode::SERVICE_UNAVAILABLE, "log unavailable"),
        _ => text_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}
