//! The witness quorum: C2SP tlog-cosignature cosignatures on the log's checkpoint.
//!
//! The policy's witnesses must have cosigned the tree a run verifies against, either on the
//! sumdb note itself or on the log's C2SP checkpoint (`/checkpoint`, [C2SP tlog-checkpoint]).
//! A busy log may have grown, and its witnesses cosigned the larger tree, before a client
//! asks: a cosigned larger tree counts when the verified tree is provably its prefix (RFC 9162
//! §2.1.4 consistency, computed from hash tiles that are authenticated against the larger
//! tree before use).
//!
//! [C2SP tlog-checkpoint]: https://c2sp.org/tlog-checkpoint

use std::time::{Duration, Instant};

use lockproof_tlog::{Checkpoint, Hash, TileHashReader, Tree, TreeProof, check_tree, prove_tree};

use crate::Error;
use crate::cache::RunTiles;
use crate::client::{LogHandle, TrustContext, parse_hashes};

impl LogHandle<'_> {
    /// Fails unless `ctx.required` witnesses cosigned `tree`: `on_note` of them on the sumdb
    /// note, else on the log's C2SP checkpoint (`c2sp` if the log already sent it, else
    /// fetched from `/checkpoint`) for the same tree, or for a larger tree that `tree` is a
    /// prefix of (checked with hash tiles authenticated against the larger tree).
    pub(crate) fn require_witnesses(
        &self,
        ctx: &TrustContext,
        tree: Tree,
        on_note: usize,
        c2sp: Option<&str>,
    ) -> Result<(), Error> {
        if on_note >= ctx.required {
            return Ok(());
        }
        let not_met = |n: usize, why: &str| {
            self.err(format!(
                "witness quorum not met: {n} of the required {} witness cosignatures{why}",
                ctx.required
            ))
        };
        // The log may have grown moments ago and its witnesses not answered yet: ask again,
        // with growing pauses, until `ctx.witness_wait` is spent.
        let deadline = Instant::now() + ctx.witness_wait;
        let mut pause = Duration::from_millis(100);
        let mut given = c2sp;
        loop {
            let fetched;
            let bytes = match given.take() {
                Some(text) => text.as_bytes(),
                None => match self.fetcher.checkpoint()? {
                    Some(b) => {
                        fetched = b;
                        &fetched[..]
                    }
                    None => return Err(not_met(on_note, "")),
                },
            };
            let (cp, cosigned) = self.open_c2sp(ctx, bytes)?;
            if cp == tree && cosigned >= ctx.required {
                return Ok(());
            }
            if cp.size > tree.size && cosigned >= ctx.required {
                // The log grew and its witnesses cosigned the newer tree: `tree` is witnessed
                // through it if it is a prefix of it.
                return self.prove_prefix(ctx, tree, cp).map(|_| ());
            }
            // Not cosigned yet (the same or a newer tree), or behind: the witnesses may not
            // have answered yet. Another root for the same size is not worth waiting for.
            let waiting = cp.size != tree.size || cp.hash == tree.hash;
            if waiting && Instant::now() + pause <= deadline {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(1));
                continue;
            }
            return Err(if cp == tree {
                not_met(cosigned, " on the log's C2SP checkpoint")
            } else {
                not_met(
                    on_note,
                    &format!(
                        " (the log's cosigned checkpoint is for tree size {}, not {}; its \
                         witnesses may not have answered yet)",
                        cp.size, tree.size
                    ),
                )
            });
        }
    }

    /// Opens the log's C2SP checkpoint: the log's signature and its name as origin are
    /// required; returns the tree and how many of the policy's witnesses cosigned it.
    fn open_c2sp(&self, ctx: &TrustContext, bytes: &[u8]) -> Result<(Tree, usize), Error> {
        let (note, cosigned) = self.open_note(ctx, bytes, "C2SP checkpoint")?;
        let cp = Checkpoint::parse(note.text())
            .map_err(|e| self.err(format!("C2SP checkpoint rejected: {e}")))?;
        if cp.origin() != self.key.name().as_str() {
            return Err(self.err(format!(
                "C2SP checkpoint has origin {:?}, expected {:?}",
                cp.origin(),
                self.key.name().as_str()
            )));
        }
        Ok((cp.tree(), cosigned))
    }

    /// The log's cosigned C2SP checkpoint (`/checkpoint`) for a bundle proven at `tree`, with
    /// the consistency proof from `tree` to it: empty when it is for `tree` itself, computed
    /// from tiles authenticated against it when it is for a larger tree (the log grew after
    /// answering). `None` when the log serves no C2SP checkpoint, or one for a smaller tree.
    ///
    /// # Errors
    /// [`Error::Fetch`]; [`Error::Log`] when the checkpoint does not verify, or `tree` is not a
    /// prefix of it.
    pub fn cosigned_for_bundle(
        &self,
        ctx: &TrustContext,
        tree: Tree,
    ) -> Result<Option<(String, Vec<Hash>)>, Error> {
        let Some(bytes) = self.fetcher.checkpoint()? else {
            return Ok(None);
        };
        let (cp, _) = self.open_c2sp(ctx, &bytes)?;
        // `open_c2sp` parsed it as a note, so it is UTF-8.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        if cp == tree {
            return Ok(Some((text, Vec::new())));
        }
        if cp.size <= tree.size {
            return Ok(None);
        }
        let proof = self.prove_prefix(ctx, tree, cp)?;
        Ok(Some((text, proof)))
    }

    /// The consistency proof that `tree` is a prefix of the larger tree `cosigned`, checked:
    /// the one the fetcher carries, or one computed from tiles verified against `cosigned`.
    /// A proof from authentic tiles that does not hold means the log signed two histories: a
    /// security failure.
    fn prove_prefix(
        &self,
        ctx: &TrustContext,
        tree: Tree,
        cosigned: Tree,
    ) -> Result<Vec<Hash>, Error> {
        let carried = self.fetcher.carried_consistency(tree.size, cosigned.size);
        let proof = match &carried {
            Some(proof) => parse_hashes(proof)
                .map_err(|r| self.err(format!("consistency proof to the cosigned tree: {r}")))?,
            None => {
                let tiles = RunTiles::new(&self.name(), self.fetcher, ctx.tile_cache.clone());
                let reader = TileHashReader::new(cosigned, &tiles);
                prove_tree(cosigned.size, tree.size, &reader)
                    .map_err(|e| {
                        self.err(format!(
                            "witnesses cosigned tree size {}, but its tiles do not verify: {e}",
                            cosigned.size
                        ))
                    })?
                    .0
            }
        };
        let proof = TreeProof(proof);
        if check_tree(&proof, cosigned.size, cosigned.hash, tree.size, tree.hash).is_err() {
            return Err(self.err(if carried.is_some() {
                format!(
                    "the consistency proof from tree size {} to the cosigned tree size {} does \
                     not verify",
                    tree.size, cosigned.size
                )
            } else {
                format!(
                    "fork: the witnesses cosigned tree size {}, whose first {} records are not \
                     the verified tree of that size",
                    cosigned.size, tree.size
                )
            }));
        }
        Ok(proof.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::LogFetcher;
    use crate::state::TrustStore;
    use lockproof_tlog::{KeyName, SignerKey, Tile, read_tile_data, stored_hashes, tree_hash};

    /// A log that only serves hash tiles, from `hashes`.
    struct TilesOnly(Vec<Hash>);

    impl LogFetcher for TilesOnly {
        fn describe(&self) -> String {
            "tiles only".to_owned()
        }
        fn latest(&self) -> Result<Vec<u8>, Error> {
            Err(Error::Usage("no latest".into()))
        }
        fn lookup(&self, _: &str) -> Result<Option<Vec<u8>>, Error> {
            Err(Error::Usage("no lookups".into()))
        }
        fn lookups_batch(&self, _: &[u8]) -> Result<Option<Vec<u8>>, Error> {
            Ok(None)
        }
        fn read_tiles(&self, tiles: &[Tile]) -> Result<Vec<Vec<u8>>, Error> {
            tiles
                .iter()
                .map(|t| read_tile_data(t, &self.0).map_err(|e| Error::Usage(e.to_string())))
                .collect()
        }
    }

    /// The stored hashes of 300 records (over a tile boundary), the `forked`-th one changed.
    fn history(forked: Option<usize>) -> Vec<Hash> {
        let mut hashes = Vec::new();
        for i in 0..300 {
            let mark = if forked == Some(i) { "evil" } else { "good" };
            let record = format!("cargo/r{i} 1.0.0 sha256:{mark}\n");
            let h = stored_hashes(i as u64, record.as_bytes(), &hashes).unwrap();
            hashes.extend(h);
        }
        hashes
    }

    fn tree(size: u64, hashes: &[Hash]) -> Tree {
        Tree {
            size,
            hash: tree_hash(size, hashes).unwrap(),
        }
    }

    /// `prove_prefix(verified, cosigned)` for a log serving the tiles of `served`.
    fn check(verified: Tree, cosigned: Tree, served: Vec<Hash>) -> Result<(), Error> {
        let dir = tempfile::tempdir().unwrap();
        let ctx = TrustContext {
            witnesses: Vec::new(),
            required: 1,
            store: TrustStore::at(dir.path()),
            tile_cache: None,
            collect_proofs: false,
            prefer_batch: false,
            witness_wait: Duration::ZERO,
        };
        let signer = SignerKey::from_seed(KeyName::new("prefix.test/log").unwrap(), [4; 32]);
        let fetcher = TilesOnly(served);
        let handle = LogHandle {
            key: signer.verifier_key(),
            fetcher: &fetcher,
        };
        handle.prove_prefix(&ctx, verified, cosigned).map(|_| ())
    }

    #[test]
    fn a_prefix_of_the_cosigned_tree_is_witnessed_through_it() {
        let honest = history(None);
        check(tree(260, &honest), tree(300, &honest), honest).unwrap();
    }

    #[test]
    fn a_verified_tree_that_is_not_a_prefix_of_the_cosigned_one_is_a_fork() {
        let (honest, forked) = (history(None), history(Some(7)));
        let err = check(tree(260, &forked), tree(300, &honest), honest).unwrap_err();
        assert!(err.is_security(), "{err}");
        assert!(
            err.to_string()
                .contains("fork: the witnesses cosigned tree size 300")
        );
    }

    #[test]
    fn tiles_that_do_not_hash_to_the_cosigned_root_are_refused() {
        let (honest, forked) = (history(None), history(Some(7)));
        let err = check(tree(260, &honest), tree(300, &honest), forked).unwrap_err();
        assert!(err.to_string().contains("its tiles do not verify"), "{err}");
    }
}
