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

use lockproof_tlog::{Hash, Tree};
use serde::{Deserialize, Serialize};

use crate::client::Found;
use crate::fsutil::write_replace;

/// Largest answer cache read.
const MAX_ANSWER_CACHE_BYTES: u64 = 256 << 20;

#[derive(Debug, Serialize, Deserialize)]
struct CachedAnswer {
    index: u64,
    record: String,
    proof: Vec<String>,
}

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

/// Replace the cache with the found answers proven against `tree` (best effort).
pub(crate) fn store(dir: &Path, tree: Tree, answers: &HashMap<String, Option<Found>>) {
    let file = AnswerFile {
        size: tree.size,
        root: tree.hash.to_base64(),
        answers: answers
            .iter()
            .filter_map(|(k, f)| {
                let f = f.as_ref()?;
                Some((
                    k.clone(),
                    CachedAnswer {
                        index: f.index,
                        record: f.record.clone(),
                        proof: f.proof.iter().map(Hash::to_base64).collect(),
                    },
                ))
            })
            .collect(),
    };
    if let Ok(bytes) = serde_json::to_vec(&file) {
        let _ = write_replace(&path(dir), &bytes, false);
    }
}
