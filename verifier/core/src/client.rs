//! Asking one log about a set of keys, and proving every answer.
//!
//! Two protocols, one result:
//!
//! * the lockproof batched lookup (one request per 10,000 keys, with inclusion proofs and a
//!   consistency proof from the trusted size), used when the log offers it;
//! * the plain sumdb protocol (`/lookup` + hash tiles), as Go's own client does it, so any
//!   GOSUMDB-compatible server works. Tiles are authenticated against the signed tree before
//!   any hash in them is used, fetched at most once per run, and cached on disk only after
//!   verification.
//!
//! Either way the new checkpoint must be signed by the log key, carry the witness quorum, and
//! be consistent with the checkpoint trusted before (rollback or fork → [`Error::Inconsistent`]
//! with an evidence file).

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use lockproof_tlog::{
    Hash, HashReader, Note, RecordProof, TileHashReader, Tree, TreeProof, VerifierKey, Verifiers,
    check_record, check_tree, parse_tree_note, prove_record, prove_tree, record_hash,
    stored_hash_index, tree_hash,
};

use crate::batch::MAX_PROOF_HASHES;
use crate::cache::RunTiles;
use crate::fetch::LogFetcher;
use crate::lookup::{LookupAnswer, parse_lookup};
use crate::state::{Evidence, TrustStore};
use crate::{Error, Pending};

/// Lookups running at once in the sumdb protocol.
pub const LOOKUP_CONCURRENCY: usize = 8;

/// One log as the verifier talks to it.
pub struct LogHandle<'a> {
    /// The log's verifier key (trust anchor).
    pub key: VerifierKey,
    /// How to reach it.
    pub fetcher: &'a dyn LogFetcher,
}

/// Trust settings shared by every log in a run.
#[derive(Debug)]
pub struct TrustContext {
    /// Witness cosignature keys.
    pub witnesses: Vec<VerifierKey>,
    /// How many of them must cosign each checkpoint.
    pub required: usize,
    /// Persisted trust state.
    pub store: TrustStore,
    /// Tile cache root per log (None disables the disk cache).
    pub tile_cache: Option<PathBuf>,
    /// Also compute an inclusion proof for every found record (for bundles).
    pub collect_proofs: bool,
    /// Try the batched lookup even when every key is a Go module.
    pub prefer_batch: bool,
    /// How long to keep asking `/checkpoint` while the log's witnesses have not yet cosigned
    /// the tree being verified (a log submits a new checkpoint within moments; zero offline).
    pub witness_wait: Duration,
}

/// A record the log proved it holds.
#[derive(Debug, Clone)]
pub struct Found {
    /// Leaf index.
    pub index: u64,
    /// Record text, verbatim.
    pub record: String,
    /// Inclusion proof against [`LogAnswers::tree`], when collected.
    pub proof: Vec<Hash>,
}

/// Everything one log proved in this run.
#[derive(Debug, Clone)]
pub struct LogAnswers {
    /// The verified checkpoint (signed note bytes), if the log produced one.
    pub note: Option<Vec<u8>>,
    /// Its tree.
    pub tree: Tree,
    /// Per lookup path: the proven record, or `None` for "not in the log".
    pub answers: HashMap<String, Option<Found>>,
    /// Requests made.
    pub requests: u64,
}

impl LogHandle<'_> {
    /// `<name>+<keyid>`, the identity used for trust state and caches.
    #[must_use]
    pub fn id(&self) -> String {
        format!("{}+{}", self.key.name(), self.key.key_id())
    }

    pub(crate) fn name(&self) -> String {
        self.key.name().to_string()
    }

    pub(crate) fn err(&self, reason: impl Into<String>) -> Error {
        Error::log(&self.name(), reason)
    }

    /// Verify a signed note: log signature, sumdb tree text, and the policy's witness quorum.
    ///
    /// The quorum counts cosignatures on the note itself or, when those fall short, on the
    /// log's C2SP checkpoint (`/checkpoint`, origin = the log's name), which must be signed by
    /// the log key and be for exactly the same tree: witnesses cosign C2SP checkpoints, not
    /// sumdb notes, whose first line is the same for every sumdb log.
    ///
    /// # Errors
    /// [`Error::Log`] for any failure.
    pub fn open_checkpoint(&self, ctx: &TrustContext, bytes: &[u8]) -> Result<(Tree, Note), Error> {
        let (tree, note, cosigned) = self.open_signed(ctx, bytes)?;
        self.require_witnesses(ctx, tree, cosigned, None)?;
        Ok((tree, note))
    }

    /// Verify a signed note's log signature and tree text; also count the policy's witnesses
    /// that cosigned it. No quorum is required here.
    pub(crate) fn open_signed(
        &self,
        ctx: &TrustContext,
        bytes: &[u8],
    ) -> Result<(Tree, Note, usize), Error> {
        let (note, cosigned) = self.open_note(ctx, bytes, "checkpoint")?;
        let tree = parse_tree_note(note.text())
            .map_err(|e| self.err(format!("checkpoint rejected: {e}")))?;
        Ok((tree, note, cosigned))
    }

    /// Opens a signed note (`what` names it in errors): the log's signature is required; also
    /// returns how many of the policy's witnesses cosigned it.
    pub(crate) fn open_note(
        &self,
        ctx: &TrustContext,
        bytes: &[u8],
        what: &str,
    ) -> Result<(Note, usize), Error> {
        let mut verifiers = Verifiers::new([self.key.clone()]);
        for w in &ctx.witnesses {
            verifiers.push(w.clone());
        }
        let note = lockproof_tlog::open(bytes, &verifiers)
            .map_err(|e| self.err(format!("{what} rejected: {e}")))?;
        if !note.is_verified_by(&self.key) {
            return Err(self.err(format!("{what} is not signed by the log's key")));
        }
        let cosigned = ctx
            .witnesses
            .iter()
            .filter(|w| note.is_verified_by(w))
            .count();
        Ok((note, cosigned))
    }

    /// The stored trust state for this log, its signature re-checked.
    pub(crate) fn trusted(&self, ctx: &TrustContext) -> Result<Option<(Vec<u8>, Tree)>, Error> {
        let Some(bytes) = ctx.store.load(&self.id())? else {
            return Ok(None);
        };
        // The quorum was required when this note was stored; only its signature is re-checked.
        let (tree, _, _) = self.open_signed(ctx, &bytes).map_err(|e| {
            Error::Usage(format!(
                "stored trust state for {} does not verify: {e}",
                self.id()
            ))
        })?;
        Ok(Some((bytes, tree)))
    }

    #[allow(clippy::too_many_arguments)]
    fn inconsistent(
        &self,
        ctx: &TrustContext,
        kind: &'static str,
        old: &(Vec<u8>, Tree),
        new_note: &[u8],
        new: Tree,
        proof: &[Hash],
        prefix_root: Option<Hash>,
        explanation: String,
    ) -> Error {
        let evidence = Evidence {
            kind,
            vkey: self.key.to_string(),
            trusted_note: String::from_utf8_lossy(&old.0).into_owned(),
            trusted_size: old.1.size,
            new_note: String::from_utf8_lossy(new_note).into_owned(),
            new_size: new.size,
            consistency_proof: proof.iter().map(Hash::to_base64).collect(),
            prefix_root: prefix_root.map(|h| h.to_base64()),
            explanation: explanation.clone(),
        };
        match ctx.store.write_evidence(&self.id(), &evidence) {
            Ok(path) => Error::Inconsistent {
                log: self.name(),
                reason: explanation,
                evidence: path,
            },
            Err(e) => self.err(format!("{explanation} (could not write evidence: {e})")),
        }
    }

    /// Check `new` against the trusted checkpoint with a consistency proof (batched API) or
    /// by recomputing the old root from the new tree's authenticated tiles.
    pub(crate) fn check_consistency(
        &self,
        ctx: &TrustContext,
        old: Option<&(Vec<u8>, Tree)>,
        new_note: &[u8],
        new: Tree,
        proof: Option<&[Hash]>,
        tiles: Option<&RunTiles<'_>>,
    ) -> Result<(), Error> {
        let Some(old) = old else { return Ok(()) };
        let o = old.1;
        if new.size < o.size {
            return Err(self.inconsistent(
                ctx,
                "rollback",
                old,
                new_note,
                new,
                &[],
                None,
                format!(
                    "rollback: log served tree size {} after size {} was verified",
                    new.size, o.size
                ),
            ));
        }
        if new.size == o.size {
            if new.hash != o.hash {
                return Err(self.inconsistent(
                    ctx,
                    "fork",
                    old,
                    new_note,
                    new,
                    &[],
                    Some(new.hash),
                    format!("fork: two different roots signed for tree size {}", o.size),
                ));
            }
            return Ok(());
        }
        if o.size == 0 {
            return Ok(());
        }
        if let Some(p) = proof {
            if check_tree(&TreeProof(p.to_vec()), new.size, new.hash, o.size, o.hash).is_err() {
                return Err(self.inconsistent(
                    ctx,
                    "fork",
                    old,
                    new_note,
                    new,
                    p,
                    None,
                    format!(
                        "fork: tree size {} is not consistent with the verified tree size {}",
                        new.size, o.size
                    ),
                ));
            }
            return Ok(());
        }
        let Some(tiles) = tiles else {
            return Err(self.err("no way to check consistency"));
        };
        let reader = TileHashReader::new(new, tiles);
        let prefix = tree_hash(o.size, &reader).map_err(|e| {
            self.err(format!(
                "tiles for tree size {} do not verify: {e}",
                new.size
            ))
        })?;
        if prefix != o.hash {
            let p = prove_tree(new.size, o.size, &reader)
                .map(|p| p.0)
                .unwrap_or_default();
            return Err(self.inconsistent(
                ctx,
                "fork",
                old,
                new_note,
                new,
                &p,
                Some(prefix),
                format!(
                    "fork: tree size {} does not extend the verified tree size {}",
                    new.size, o.size
                ),
            ));
        }
        Ok(())
    }

    /// Ask the log for `keys` (lookup path components), prove every answer, check consistency
    /// with the trust state and advance it.
    ///
    /// # Errors
    /// [`Error::Log`] / [`Error::Inconsistent`] / [`Error::Fetch`] when the log cannot be
    /// verified; [`Error::Io`] when trust state cannot be written.
    pub fn query(
        &self,
        ctx: &TrustContext,
        keys: &[String],
        all_go: bool,
    ) -> Result<LogAnswers, Error> {
        let (answers, pending) = self.query_deferred(ctx, keys, all_go)?;
        pending.wait()?;
        Ok(answers)
    }

    /// Like [`LogHandle::query`], but the writes of the advanced trust state and of the answer
    /// cache may still be under way: the caller must [`Pending::wait`] before it reports
    /// anything (so that judging the answers overlaps the fsyncs).
    ///
    /// # Errors
    /// As [`LogHandle::query`], except write failures of the returned [`Pending`].
    pub fn query_deferred(
        &self,
        ctx: &TrustContext,
        keys: &[String],
        all_go: bool,
    ) -> Result<(LogAnswers, Pending), Error> {
        let trusted = self.trusted(ctx)?;
        let before = self.fetcher.requests();
        let batch_first = !all_go || ctx.prefer_batch;
        let mut out = None;
        if batch_first
            && let (Some(dir), Some(t)) = (&ctx.tile_cache, &trusted)
            && let Some(cached) = crate::answers::load(dir, t.1, keys)
        {
            out = self.warm_answers(ctx, t.1, cached)?;
        }
        let mut pending = Pending::default();
        // The batched path stores the checkpoints it verifies itself, in the background.
        let mut stored = false;
        if out.is_none() && batch_first && !keys.is_empty() {
            out = self.query_batch(ctx, keys, trusted.clone(), &mut pending)?;
            stored = out.is_some();
        }
        let mut out = match out {
            Some(o) => o,
            None => self.query_sumdb(ctx, keys, trusted.as_ref())?,
        };
        if !stored
            && let Some(note) = &out.note
            && trusted.as_ref().is_none_or(|t| out.tree.size > t.1.size)
        {
            ctx.store.store(&self.id(), note)?;
        }
        if out.note.is_none()
            && let Some((bytes, tree)) = trusted
        {
            out.note = Some(bytes);
            out.tree = tree;
        }
        out.requests = self.fetcher.requests() - before;
        Ok((out, pending))
    }

    /// A warm run: `cached` holds every key's answer, proven against the trusted tree; if the
    /// log's latest checkpoint is still exactly that tree, nothing else needs asking.
    fn warm_answers(
        &self,
        ctx: &TrustContext,
        trusted: Tree,
        cached: HashMap<String, Option<Found>>,
    ) -> Result<Option<LogAnswers>, Error> {
        let latest = self.fetcher.latest()?;
        let (tree, _) = self.open_checkpoint(ctx, &latest)?;
        if tree != trusted {
            // The log moved (or lies): the batched lookup checks consistency and re-proves.
            return Ok(None);
        }
        Ok(Some(LogAnswers {
            note: Some(latest),
            tree,
            answers: cached,
            requests: 0,
        }))
    }

    fn query_sumdb(
        &self,
        ctx: &TrustContext,
        keys: &[String],
        trusted: Option<&(Vec<u8>, Tree)>,
    ) -> Result<LogAnswers, Error> {
        let responses = crate::pool::pool_map(keys, LOOKUP_CONCURRENCY, |k| self.fetcher.lookup(k));
        let mut parsed: Vec<(String, Option<LookupAnswer>)> = Vec::new();
        for (key, resp) in keys.iter().zip(responses) {
            let parsed_one = match resp? {
                None => None,
                Some(body) => {
                    Some(parse_lookup(&body).map_err(|r| self.err(format!("lookup {key}: {r}")))?)
                }
            };
            parsed.push((key.clone(), parsed_one));
        }
        // Verify every distinct note; the largest tree is the one everything is proven in, and
        // the one the witness quorum must cover (the others are proven consistent with it).
        let mut notes: Vec<(Vec<u8>, Tree, usize)> = Vec::new();
        for (_, p) in &parsed {
            if let Some((_, _, note)) = p
                && !notes.iter().any(|(n, _, _)| n == note)
            {
                let (tree, _, cosigned) = self.open_signed(ctx, note)?;
                notes.push((note.clone(), tree, cosigned));
            }
        }
        let Some((top_note, top_tree, top_cosigned)) =
            notes.iter().max_by_key(|(_, t, _)| t.size).cloned()
        else {
            let answers = keys.iter().map(|k| (k.clone(), None)).collect();
            return Ok(LogAnswers {
                note: None,
                tree: Tree::default(),
                answers,
                requests: 0,
            });
        };
        self.require_witnesses(ctx, top_tree, top_cosigned, None)?;
        let top = (top_note, top_tree);
        let notes: Vec<(Vec<u8>, Tree)> = notes.into_iter().map(|(n, t, _)| (n, t)).collect();
        let tiles = RunTiles::new(&self.name(), self.fetcher, ctx.tile_cache.clone());
        for other in &notes {
            self.check_consistency(ctx, Some(other), &top.0, top.1, None, Some(&tiles))?;
        }
        self.check_consistency(ctx, trusted, &top.0, top.1, None, Some(&tiles))?;
        let tree = top.1;
        let reader = TileHashReader::new(tree, &tiles);
        let mut indexes = Vec::new();
        for (key, p) in &parsed {
            if let Some((id, _, _)) = p {
                if *id >= tree.size {
                    return Err(self.err(format!(
                        "lookup {key}: record id {id} is not below tree size {}",
                        tree.size
                    )));
                }
                indexes.push(stored_hash_index(0, *id));
            }
        }
        let leaves = reader.read_hashes(&indexes).map_err(|e| {
            self.err(format!(
                "tiles for tree size {} do not verify: {e}",
                tree.size
            ))
        })?;
        let mut answers = HashMap::new();
        let mut leaf = leaves.into_iter();
        for (key, p) in parsed {
            let found = match p {
                None => None,
                Some((id, record, _)) => {
                    if leaf.next() != Some(record_hash(record.as_bytes())) {
                        return Err(self.err(format!(
                            "lookup {key}: record {id} is not the one in the signed tree (inclusion does not hold)"
                        )));
                    }
                    let proof = if ctx.collect_proofs {
                        prove_record(tree.size, id, &reader)
                            .map_err(|e| self.err(format!("proving record {id}: {e}")))?
                            .0
                    } else {
                        Vec::new()
                    };
                    Some(Found {
                        index: id,
                        record,
                        proof,
                    })
                }
            };
            answers.insert(key, found);
        }
        Ok(LogAnswers {
            note: Some(top.0),
            tree,
            answers,
            requests: 0,
        })
    }
}

impl Found {
    /// A record and its base64 inclusion proof, accepted only if the proof shows the record at
    /// leaf `index` of `tree`. The error says which step failed (the caller adds the key).
    pub(crate) fn proven(
        tree: Tree,
        index: u64,
        record: String,
        inclusion: &[String],
    ) -> Result<Found, String> {
        let proof =
            RecordProof(parse_hashes(inclusion).map_err(|e| format!("inclusion proof: {e}"))?);
        check_record(
            &proof,
            tree.size,
            tree.hash,
            index,
            record_hash(record.as_bytes()),
        )
        .map_err(|_| format!("inclusion proof for record {index} does not verify"))?;
        Ok(Found {
            index,
            record,
            proof: proof.0,
        })
    }
}

pub(crate) fn parse_hashes(list: &[String]) -> Result<Vec<Hash>, String> {
    if list.len() > MAX_PROOF_HASHES {
        return Err(format!("more than {MAX_PROOF_HASHES} hashes"));
    }
    list.iter()
        .map(|h| Hash::from_base64(h).map_err(|e| e.to_string()))
        .collect()
}
