//! The lockproof JSON API.
//!
//! `POST /lockproof/v1/add` — header `Authorization: Bearer <token>`, body: records separated
//! by blank lines (the sumdb data format; at most [`MAX_ADD_BODY`] bytes and
//! [`crate::MAX_BATCH_RECORDS`] records). Answers, only after the checkpoint covering every
//! record is durable and published:
//! - 200 `{"size":N,"results":[{"index":n,"status":"added"|"exists"},…]}`
//! - 400 `{"error":"record #2: …"}` malformed body (nothing appended)
//! - 401 `{"error":…}` missing or wrong token (compared in constant time)
//! - 403 `{"error":…}` the server has no token configured (writes disabled)
//! - 409 `{"error":…,"key":…,"existing":"<record>","index":n}` a key already holds a
//!   different record (nothing of the request appended)
//! - 413 body too large; 503 the sequencer stopped.
//!
//! `POST /lockproof/v1/lookups` — body `{"keys":["<lookup key>",…],"old_size":N|null}` (at most
//! [`MAX_LOOKUP_KEYS`] keys, [`MAX_LOOKUPS_BODY`] bytes) → 200
//! `{"checkpoint":"<signed sumdb tree note>","consistency":["<b64>",…],"results":[…]}` where
//! `consistency` proves the checkpoint's tree extends the tree of `old_size` (`[]` when
//! `old_size` is null, 0 or equal), and each result is
//! `{"key":…,"status":"found","index":n,"record":"<text>","inclusion":["<b64>",…]}` or
//! `{"key":…,"status":"missing"}`. A server with witnesses adds `"cosigned":"<C2SP
//! checkpoint>"`: the same tree as `/checkpoint`, with the cosignatures collected so far.
//! Nothing in it needs trusting: every proof verifies against the signed checkpoint. 400 for
//! a malformed body, a bad key or `old_size` beyond the tree.

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::Response;
use lockproof_tlog::{Record, RecordKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::{AppState, respond};
use crate::Error;

/// Largest add body: 8 MiB (about 8,192 records of 1 KiB; Go records are ~200 bytes).
pub const MAX_ADD_BODY: usize = 8 << 20;
/// Most keys in one lookups request.
pub const MAX_LOOKUP_KEYS: usize = 10_000;
/// Largest lookups body: 10,000 keys of up to ~400 bytes each.
pub const MAX_LOOKUPS_BODY: usize = 4 << 20;

const JSON: &str = "application/json";
const NO_STORE: &str = "no-store";

pub(crate) fn sha256(data: &str) -> [u8; 32] {
    Sha256::digest(data.as_bytes()).into()
}

fn json_response(status: StatusCode, value: &impl Serialize) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    respond(status, JSON, NO_STORE, body)
}

fn json_error(status: StatusCode, msg: impl Into<String>) -> Response {
    #[derive(Serialize)]
    struct E {
        error: String,
    }
    json_response(status, &E { error: msg.into() })
}

/// Reads the body up to `cap` bytes; `Err` is the 413 response.
async fn read_body(req: Request, cap: usize) -> Result<Vec<u8>, Response> {
    let too_large = || {
        json_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body exceeds {cap} bytes"),
        )
    };
    if let Some(len) = req.headers().get(header::CONTENT_LENGTH) {
        let len = len.to_str().ok().and_then(|s| s.parse::<u64>().ok());
        match len {
            Some(n) if n > cap as u64 => return Err(too_large()),
            Some(_) => {}
            None => return Err(json_error(StatusCode::BAD_REQUEST, "bad Content-Length")),
        }
    }
    match axum::body::to_bytes(req.into_body(), cap).await {
        Ok(b) => Ok(b.to_vec()),
        Err(_) => Err(too_large()),
    }
}

/// Checks `Authorization: Bearer <token>` in constant time (SHA-256 of both sides, so the
/// comparison does not even leak the token's length).
fn authorized(state: &AppState, req: &Request) -> Result<(), Box<Response>> {
    let Some(expected) = state.token_hash else {
        return Err(Box::new(json_error(
            StatusCode::FORBIDDEN,
            "writes are disabled: the server has no token",
        )));
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(sha256);
    match presented {
        Some(p) if bool::from(p.ct_eq(&expected)) => Ok(()),
        Some(_) => Err(Box::new(json_error(
            StatusCode::UNAUTHORIZED,
            "wrong bearer token",
        ))),
        None => Err(Box::new(json_error(
            StatusCode::UNAUTHORIZED,
            "missing bearer token",
        ))),
    }
}

/// Splits an add body into records, reporting the 1-based position of the first bad one.
///
/// # Errors
/// [`Error::MalformedRecord`].
pub fn parse_add_body(body: &[u8]) -> Result<Vec<Record>, Error> {
    let text = std::str::from_utf8(body).map_err(|e| Error::MalformedRecord {
        position: 1,
        reason: format!("not UTF-8: {e}"),
    })?;
    let text = match text.strip_suffix("\n\n") {
        Some(t) => &text[..=t.len()],
        None => text,
    };
    if text.is_empty() {
        return Err(Error::MalformedRecord {
            position: 1,
            reason: "empty body".into(),
        });
    }
    let chunks: Vec<&str> = text.split("\n\n").collect();
    let last = chunks.len() - 1;
    let mut records = Vec::with_capacity(chunks.len());
    for (i, chunk) in chunks.into_iter().enumerate() {
        let owned;
        let rec_text = if i < last {
            owned = format!("{chunk}\n");
            owned.as_str()
        } else {
            chunk
        };
        let rec = Record::parse(rec_text.as_bytes()).map_err(|e| Error::MalformedRecord {
            position: i + 1,
            reason: if chunk.is_empty() || chunk.starts_with('\n') {
                "blank line between records (records are separated by exactly one blank line)"
                    .to_owned()
            } else {
                e.to_string()
            },
        })?;
        records.push(rec);
    }
    Ok(records)
}

#[derive(Serialize)]
struct AddResponse {
    size: u64,
    results: Vec<AddResult>,
}

#[derive(Serialize)]
struct AddResult {
    index: u64,
    status: &'static str,
}

pub(crate) async fn add(state: &AppState, req: Request) -> Response {
    if let Err(r) = authorized(state, &req) {
        return *r;
    }
    let body = match read_body(req, MAX_ADD_BODY).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let records = match parse_add_body(&body) {
        Ok(r) => r,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, e.to_string()),
    };
    match state.log.add_async(records).await {
        Ok(outcome) => json_response(
            StatusCode::OK,
            &AddResponse {
                size: outcome.size,
                results: outcome
                    .results
                    .iter()
                    .map(|s| AddResult {
                        index: s.index(),
                        status: match s {
                            crate::AddStatus::Added(_) => "added",
                            crate::AddStatus::Exists(_) => "exists",
                        },
                    })
                    .collect(),
            },
        ),
        Err(Error::Conflict {
            key,
            index,
            existing,
        }) => {
            #[derive(Serialize)]
            struct C {
                error: String,
                key: String,
                existing: String,
                index: u64,
            }
            json_response(
                StatusCode::CONFLICT,
                &C {
                    error: format!(
                        "{key} is already logged at index {index} with a different record"
                    ),
                    key,
                    existing,
                    index,
                },
            )
        }
        Err(e @ (Error::MalformedRecord { .. } | Error::BadRequest(_))) => {
            json_error(StatusCode::BAD_REQUEST, e.to_string())
        }
        Err(Error::Stopped(m)) => json_error(StatusCode::SERVICE_UNAVAILABLE, m),
        Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

/// The `/lockproof/v1/lookups` request body.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LookupsRequest {
    /// Lookup keys (`<escaped name>@<escaped version>[/<artifact>]`).
    pub keys: Vec<String>,
    /// The size of the tree the client already trusts, for the consistency proof.
    pub old_size: Option<u64>,
}

/// The `/lockproof/v1/lookups` response body.
#[derive(Debug, Deserialize, Serialize)]
pub struct LookupsResponse {
    /// The signed sumdb tree note every proof refers to.
    pub checkpoint: String,
    /// Consistency proof from `old_size` to the checkpoint's size (base64 hashes).
    pub consistency: Vec<String>,
    /// One result per key, in request order.
    pub results: Vec<LookupResult>,
    /// With witnesses configured: the C2SP checkpoint of the same tree with the cosignatures
    /// collected so far, so that a client needing a witness quorum asks nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosigned: Option<String>,
}

/// One key's answer.
#[derive(Debug, Deserialize, Serialize)]
pub struct LookupResult {
    /// The key as requested.
    pub key: String,
    /// `found` or `missing`.
    pub status: String,
    /// Leaf index (found only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub index: Option<u64>,
    /// Record text (found only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub record: Option<String>,
    /// Inclusion proof, leaf side first (found only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub inclusion: Option<Vec<String>>,
}

/// Answers a lookups request from `log`'s latest checkpoint (what the HTTP endpoint does; the
/// CLI uses it in-process for local log directories).
///
/// # Errors
/// [`Error::BadRequest`] for too many keys, a malformed key or `old_size` beyond the tree;
/// storage errors.
pub fn answer_lookups(log: &crate::Log, req: &LookupsRequest) -> Result<LookupsResponse, Error> {
    if req.keys.len() > MAX_LOOKUP_KEYS {
        return Err(Error::BadRequest(format!(
            "{} keys; at most {MAX_LOOKUP_KEYS}",
            req.keys.len()
        )));
    }
    let snapshot = log.checkpoint();
    let size = snapshot.tree.size;
    let old = req.old_size.unwrap_or(0);
    let consistency = log
        .prove_tree(size, old)?
        .0
        .iter()
        .map(|h| h.to_base64())
        .collect();
    let mut found = Vec::with_capacity(req.keys.len());
    for key in &req.keys {
        RecordKey::parse_lookup_path(key)
            .map_err(|e| Error::BadRequest(format!("invalid key {key:?}: {e}")))?;
        found.push(log.lookup_in(&snapshot, key)?);
    }
    let indexes: Vec<u64> = found.iter().flatten().map(|(i, _)| *i).collect();
    let mut proofs = log.prove_records(size, &indexes)?.into_iter();
    let mut results = Vec::with_capacity(req.keys.len());
    for (key, hit) in req.keys.iter().zip(found) {
        results.push(match hit {
            Some((index, record)) => LookupResult {
                key: key.clone(),
                status: "found".into(),
                index: Some(index),
                record: Some(record),
                inclusion: Some(
                    proofs
                        .next()
                        .map(|p| p.0.iter().map(|h| h.to_base64()).collect())
                        .unwrap_or_default(),
                ),
            },
            None => LookupResult {
                key: key.clone(),
                status: "missing".into(),
                index: None,
                record: None,
                inclusion: None,
            },
        });
    }
    let checkpoint = String::from_utf8(snapshot.note.clone())
        .map_err(|_| Error::Corrupt("checkpoint is not UTF-8".into()))?;
    Ok(LookupsResponse {
        checkpoint,
        consistency,
        results,
        cosigned: None,
    })
}

pub(crate) async fn lookups(state: &AppState, req: Request) -> Response {
    let body = match read_body(req, MAX_LOOKUPS_BODY).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let parsed: LookupsRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return json_error(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")),
    };
    let log = state.log.clone();
    let answer = tokio::task::spawn_blocking(move || answer_lookups(&log, &parsed)).await;
    match answer {
        Ok(Ok(mut resp)) => {
            if !state.witnessing.is_empty() {
                let snapshot = state.log.checkpoint();
                if resp.checkpoint.as_bytes() == snapshot.note {
                    let c2sp = state.witnessing.cosigned_checkpoint(&snapshot);
                    resp.cosigned = String::from_utf8(c2sp).ok();
                }
            }
            json_response(StatusCode::OK, &resp)
        }
        Ok(Err(Error::BadRequest(m))) => json_error(StatusCode::BAD_REQUEST, m),
        Ok(Err(_)) | Err(_) => json_error(StatusCode::INTERNAL_SERVER_ERROR, "internal error"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO: &str = "example.com/m v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nexample.com/m v1.0.0/go.mod h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
    const CARGO: &str = "cargo/serde 1.0.0 sha256:0000000000000000000000000000000000000000000000000000000000000000\n";

    #[test]
    fn add_body_splits_on_single_blank_lines() {
        let body = format!("{GO}\n{CARGO}");
        let recs = parse_add_body(body.as_bytes()).expect("parse");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].text(), CARGO);
        let trailing = format!("{GO}\n{CARGO}\n");
        assert_eq!(parse_add_body(trailing.as_bytes()).expect("parse").len(), 2);
    }

    #[test]
    fn add_body_reports_the_position_of_a_bad_record() {
        let body = format!("{GO}\n{CARGO}\n\n{CARGO}");
        let err = parse_add_body(body.as_bytes()).expect_err("blank line");
        assert!(
            matches!(err, Error::MalformedRecord { position: 3, .. }),
            "{err}"
        );
        let err = parse_add_body(b"cargo/x 1 sha256:00\x01\n").expect_err("control");
        assert!(
            matches!(err, Error::MalformedRecord { position: 1, .. }),
            "{err}"
        );
        assert!(parse_add_body(b"").is_err());
        assert!(parse_add_body(&[0xff, b'\n']).is_err());
    }
}
