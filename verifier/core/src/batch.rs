//! The batched lookup of the lockproof API: `POST /lockproof/v1/lookups`.
//!
//! Request `{"keys":[<lookup path component>…],"old_size":N|null}` (≤ [`MAX_BATCH_KEYS`]);
//! response `{"checkpoint":<signed tree note>,"consistency":[<b64>…],"results":[…]
//! [,"cosigned":<C2SP checkpoint with witness cosignatures>]}`, where
//! each result is `{"key","status":"found","index","record","inclusion":[<b64>…]}` or
//! `{"key","status":"missing"}`. The client verifies every proof against the signed checkpoint,
//! so nothing in the response is trusted. See the shared design "HTTP faces".

use std::collections::HashMap;

use lockproof_tlog::Tree;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::answers::CachedAnswer;
use crate::client::{Found, LogAnswers, LogHandle, TrustContext, parse_hashes};
use crate::fsutil::Pending;

/// Most keys in one batched request (the server's limit).
pub const MAX_BATCH_KEYS: usize = 10_000;

/// Most hashes in one proof: a tree of at most 2^63 leaves needs fewer.
pub const MAX_PROOF_HASHES: usize = 64;

/// The request body.
#[derive(Debug, Serialize)]
pub struct BatchRequest<'a> {
    /// Lookup path components.
    pub keys: &'a [String],
    /// The tree size the client already trusts (for the consistency proof).
    pub old_size: Option<u64>,
}

/// The response body (untrusted until verified).
#[derive(Debug, Deserialize)]
pub struct BatchResponse {
    /// The signed sumdb tree note.
    pub checkpoint: String,
    /// Consistency proof from `old_size` to the checkpoint's size.
    #[serde(default)]
    pub consistency: Vec<String>,
    /// One result per requested key, in request order.
    pub results: Vec<BatchResult>,
    /// The log's C2SP checkpoint of the same tree with its witness cosignatures, if it has
    /// witnesses (saves fetching `/checkpoint`; verified like it).
    #[serde(default)]
    pub cosigned: Option<String>,
}

/// One key's answer.
#[derive(Debug, Deserialize)]
pub struct BatchResult {
    /// The lookup path component asked for.
    pub key: String,
    /// `found` or `missing`.
    pub status: String,
    /// Leaf index, when found.
    pub index: Option<u64>,
    /// Record text, when found.
    pub record: Option<String>,
    /// Inclusion proof hashes (base64), when found.
    #[serde(default)]
    pub inclusion: Vec<String>,
}

impl LogHandle<'_> {
    /// Asks the batched lookup for `keys` (in requests of [`MAX_BATCH_KEYS`]) and proves every
    /// answer: each response's checkpoint must verify and be consistent with `trusted`, then
    /// every inclusion proof must hold in it. Returns `None` when the log has no batched API.
    /// Each newer checkpoint becomes the trust state as soon as it is consistent, and the
    /// proven answers go to the answer cache, both written in the background (`pending`; the
    /// caller waits for them before it reports anything).
    pub(crate) fn query_batch(
        &self,
        ctx: &TrustContext,
        keys: &[String],
        mut trusted: Option<(Vec<u8>, Tree)>,
        pending: &mut Pending,
    ) -> Result<Option<LogAnswers>, Error> {
        let mut answers = HashMap::new();
        let mut cached = HashMap::new();
        for chunk in keys.chunks(MAX_BATCH_KEYS) {
            let req = BatchRequest {
                keys: chunk,
                old_size: trusted.as_ref().map(|t| t.1.size),
            };
            // Serialising strings and integers cannot fail.
            let body = serde_json::to_vec(&req).unwrap_or_default();
            let Some(resp) = self.fetcher.lookups_batch(&body)? else {
                return Ok(None);
            };
            let resp: BatchResponse = serde_json::from_slice(&resp)
                .map_err(|e| self.err(format!("malformed batched lookup response: {e}")))?;
            let note_bytes = resp.checkpoint.into_bytes();
            let (tree, _, on_note) = self.open_signed(ctx, &note_bytes)?;
            self.require_witnesses(ctx, tree, on_note, resp.cosigned.as_deref())?;
            let consistency = parse_hashes(&resp.consistency)
                .map_err(|r| self.err(format!("consistency proof: {r}")))?;
            self.check_consistency(
                ctx,
                trusted.as_ref(),
                &note_bytes,
                tree,
                Some(&consistency),
                None,
            )?;
            // Signed and consistent with the trust state: make it the trust state now, its
            // fsyncs overlapping the inclusion checks below (one write at a time, in order).
            if trusted.as_ref().is_none_or(|t| tree.size > t.1.size) {
                std::mem::take(pending).wait()?;
                pending.push(
                    ctx.store
                        .store_in_background(&self.id(), note_bytes.clone()),
                );
            }
            if resp.results.len() != chunk.len() {
                return Err(self.err(format!(
                    "batched lookup answered {} keys, asked {}",
                    resp.results.len(),
                    chunk.len()
                )));
            }
            for (key, r) in chunk.iter().zip(resp.results) {
                if &r.key != key {
                    return Err(
                        self.err(format!("batched lookup answered {:?} for {key:?}", r.key))
                    );
                }
                let found = match r.status.as_str() {
                    "missing" => None,
                    "found" => {
                        let (Some(index), Some(record)) = (r.index, r.record) else {
                            return Err(self.err(format!("{key}: found without index or record")));
                        };
                        if index >= tree.size {
                            return Err(self.err(format!(
                                "{key}: record id {index} is not below tree size {}",
                                tree.size
                            )));
                        }
                        let found = Found::proven(tree, index, record, &r.inclusion)
                            .map_err(|e| self.err(format!("{key}: {e}")))?;
                        let entry = CachedAnswer::new(index, found.record.clone(), r.inclusion);
                        cached.insert(key.clone(), entry);
                        Some(found)
                    }
                    other => return Err(self.err(format!("{key}: unknown status {other:?}"))),
                };
                answers.insert(key.clone(), found);
            }
            trusted = Some((note_bytes, tree));
        }
        // Each chunk made its checkpoint `trusted`: with any keys asked, that is the tree every
        // answer is proven in.
        let (note, tree) = match trusted.filter(|_| !keys.is_empty()) {
            Some((n, t)) => (Some(n), t),
            None => (None, Tree::default()),
        };
        if let Some(dir) = &ctx.tile_cache {
            pending.push(crate::answers::store_in_background(dir, tree, cached));
        }
        Ok(Some(LogAnswers {
            note,
            tree,
            answers,
            requests: 0,
        }))
    }
}
