//! A cache of proven answers, so a warm run against an unchanged log needs one small request.
//!
//! After a batched lookup, every found record is stored with its leaf index and its inclusion
//! proof against the checkpoint it was proven in (`<tile cache>/answers.json`, written without
//! fsync: it is a cache). On the next run, if the log's latest signed checkpoint is exactly the
//! trusted one and every key has a cached answer for that tree, the proofs are checked again
//! against the freshly verified checkpoint and no lookup is sent. Nothing in the file is
//! trusted: a tampered entry fails its proof and the run falls back to asking the log.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lockproof_tlog::Tree;
use serde::{Deserialize, Serialize};

use crate::client::Found;
use crate::fsutil::{PendingWrite, in_background, write_replace};

/// Largest answer cache read.
const MAX_ANSWER_CACHE_BYTES: u64 = 256 << 20;

#[derive(Debug, Serialize, Deserialize)]
struct AnswerFile {
    size: u64,
    root: String,
    answers: HashMap<String, CachedAnswer>,
}

fn path(dir: &Path) -> PathBuf {
    dir.join("answers.json")
}

/// The cached answers for every key in `keys`, each re-proven against `tree`; `None` unless
/// the cache is for exactly `tree` and holds a valid proof for every key.
pub(crate) fn load(
    dir: &Path,
    tree: Tree,
    keys: &[String],
) -> Option<HashMap<String, Option<Found>>> {
    if std::fs::metadata(path(dir)).ok()?.len() > MAX_ANSWER_CACHE_BYTES {
        return None;
    }
    let file: AnswerFile = serde_json::from_slice(&std::fs::read(path(dir)).ok()?).ok()?;
    if file.size != tree.size || file.root != tree.hash.to_base64() {
        return None;
    }
    let mut out = HashMap::new();
    for k in keys {
        let a = file.answers.get(k)?;
        let found = Found::proven(tree, a.index, a.record.clone(), &a.proof).ok()?;
        out.insert(k.clone(), Some(found));
    }
    Some(out)
}

/// One proven answer as the cache keeps it: the proof as the log sent it (base64).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct CachedAnswer {
    index: u64,
    record: String,
    proof: Vec<String>,
}

impl CachedAnswer {
    /// An answer whose `proof` has already been checked against the tree being cached.
    pub(crate) fn new(index: u64, record: String, proof: Vec<String>) -> Self {
        Self {
            index,
            record,
            proof,
        }
    }
}

/// Replace the cache with `answers`, proven against `tree`, on a thread of its own (best
/// effort: a failed write only costs the next run a lookup, so the handle never reports one).
pub(crate) fn store_in_background(
    dir: &Path,
    tree: Tree,
    answers: HashMap<String, CachedAnswer>,
) -> PendingWrite {
    let target = path(dir);
    in_background(target.clone(), move || {
        let file = AnswerFile {
            size: tree.size,
            root: tree.hash.to_base64(),
            answers,
        };
        if let Ok(bytes) = serde_json::to_vec(&file) {
            let _ = write_replace(&target, &bytes, false);
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockproof_tlog::{Hash, prove_records, stored_hashes, tree_hash};

    const KEYS: [&str; 3] = ["cargo/a@1.0.0", "cargo/b@1.0.0", "cargo/c@1.0.0"];

    fn record(i: usize) -> String {
        format!("cargo/{} 1.0.0 sha256:{:064x}\n", ["a", "b", "c"][i], i)
    }

    /// A three-record tree and every record's answer as a batched lookup would bring it.
    fn answers() -> (Tree, HashMap<String, CachedAnswer>) {
        let mut hashes: Vec<Hash> = Vec::new();
        for i in 0..3 {
            let h = stored_hashes(i as u64, record(i).as_bytes(), &hashes).unwrap();
            hashes.extend(h);
        }
        let tree = Tree {
            size: 3,
            hash: tree_hash(3, &hashes).unwrap(),
        };
        let proofs = prove_records(3, &[0, 1, 2], &hashes).unwrap();
        let cached = proofs
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let proof = p.0.iter().map(Hash::to_base64).collect();
                (
                    KEYS[i].to_owned(),
                    CachedAnswer::new(i as u64, record(i), proof),
                )
            })
            .collect();
        (tree, cached)
    }

    /// The three answers written to the cache in `dir` (waited for); their tree.
    fn stored(dir: &Path) -> Tree {
        let (tree, cached) = answers();
        store_in_background(dir, tree, cached).wait().unwrap();
        tree
    }

    #[test]
    fn answers_written_in_the_background_load_once_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let tree = stored(dir.path());
        let keys: Vec<String> = KEYS.iter().map(|k| (*k).to_owned()).collect();
        let loaded = load(dir.path(), tree, &keys).unwrap();
        let found = loaded["cargo/b@1.0.0"].as_ref().unwrap();
        assert_eq!(
            (found.index, found.record.as_str()),
            (1, record(1).as_str())
        );
    }

    #[test]
    fn cached_answers_for_another_tree_are_not_used() {
        let dir = tempfile::tempdir().unwrap();
        stored(dir.path());
        let other = Tree {
            size: 3,
            hash: Hash([7; 32]),
        };
        assert!(load(dir.path(), other, &[KEYS[0].to_owned()]).is_none());
    }

    #[test]
    fn a_failed_answer_cache_write_is_not_an_error() {
        let dir = tempfile::tempdir().unwrap();
        // The cache directory is a file: the write fails, and only costs the next run a lookup.
        let file = dir.path().join("file");
        std::fs::write(&file, b"").unwrap();
        let tree = stored(&file);
        assert!(load(&file, tree, &[KEYS[0].to_owned()]).is_none());
    }
}
