//! Offline proof bundles: everything needed to verify lockfile entries with no network.
//!
//! Format (`docs/bundle-format.md`): canonical JSON, exactly as [`Bundle::to_bytes`] writes
//! it (any other byte sequence is rejected, so one changed byte anywhere fails):
//!
//! ```json
//! {"format":"lockproof-bundle/v1",
//!  "logs":[{"name":"<key name>","checkpoint":"<signed tree note>"
//!           [,"cosigned":"<C2SP checkpoint>"[,"cosigned_consistency":["<b64>",…]]]}],
//!  "answers":[{"log":0,"key":"<lookup path>","index":7,"record":"<text>","inclusion":["<b64>",…]},
//!             {"log":0,"key":"<lookup path>","missing":true}]}
//! ```
//!
//! Trust does not come from the bundle: the verifier keys come from `--log`/policy, each
//! checkpoint must verify under them (with the witness quorum), and every record must be
//! proven included in its checkpoint (RFC 9162 §2.1.3.2). "missing" answers cannot be proven
//! and yield the `missing` verdict, which fails by default.

use std::collections::HashMap;

use lockproof_tlog::{Hash, VerifierKey};
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::client::{Found, LogAnswers, LogHandle, TrustContext};
use crate::fetch::LogFetcher;

/// The `format` field of version 1.
pub const BUNDLE_FORMAT: &str = "lockproof-bundle/v1";

/// Largest bundle read.
pub const MAX_BUNDLE_BYTES: usize = 256 << 20;

/// The whole bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bundle {
    /// [`BUNDLE_FORMAT`].
    pub format: String,
    /// One entry per log used.
    pub logs: Vec<BundleLog>,
    /// One entry per looked-up key.
    pub answers: Vec<BundleAnswer>,
}

/// A log's checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleLog {
    /// The log's key name.
    pub name: String,
    /// The signed tree note every answer of this log is proven against.
    pub checkpoint: String,
    /// The log's C2SP checkpoint for the same tree with its witness cosignatures, when the
    /// witness quorum was met there rather than on the sumdb note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosigned: Option<String>,
    /// When `cosigned` is for a larger tree (the log grew before its witnesses cosigned): the
    /// consistency proof from `checkpoint`'s tree to it (RFC 9162 §2.1.4, base64 hashes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cosigned_consistency: Vec<String>,
}

/// One key's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleAnswer {
    /// Index into [`Bundle::logs`].
    pub log: usize,
    /// Lookup path component.
    pub key: String,
    /// Leaf index (found records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u64>,
    /// Record text (found records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    /// Inclusion proof, base64 hashes, leaf side first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion: Vec<String>,
    /// True when the log said the key is absent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub missing: bool,
}

impl Bundle {
    /// Build a bundle from verified answers (`logs[i]` named `names[i]`).
    #[must_use]
    pub fn from_answers(names: &[String], answers: &[LogAnswers]) -> Self {
        let mut b = Bundle {
            format: BUNDLE_FORMAT.to_owned(),
            logs: Vec::new(),
            answers: Vec::new(),
        };
        for (name, a) in names.iter().zip(answers) {
            let Some(note) = &a.note else { continue };
            let li = b.logs.len();
            b.logs.push(BundleLog {
                name: name.clone(),
                checkpoint: String::from_utf8_lossy(note).into_owned(),
                cosigned: None,
                cosigned_consistency: Vec::new(),
            });
            let mut keys: Vec<&String> = a.answers.keys().collect();
            keys.sort();
            for k in keys {
                let ans = match &a.answers[k] {
                    Some(f) => BundleAnswer {
                        log: li,
                        key: k.clone(),
                        index: Some(f.index),
                        record: Some(f.record.clone()),
                        inclusion: f.proof.iter().map(Hash::to_base64).collect(),
                        missing: false,
                    },
                    None => BundleAnswer {
                        log: li,
                        key: k.clone(),
                        index: None,
                        record: None,
                        inclusion: Vec::new(),
                        missing: true,
                    },
                };
                b.answers.push(ans);
            }
        }
        b
    }

    /// Records log `name`'s cosigned C2SP checkpoint and the consistency proof from the
    /// bundle's checkpoint to it (empty for the same tree), as
    /// [`LogHandle::cosigned_for_bundle`] returns them; the offline verifier checks both.
    pub fn attach_cosigned(&mut self, name: &str, c2sp: &str, consistency: &[Hash]) {
        for l in self.logs.iter_mut().filter(|l| l.name == name) {
            l.cosigned = Some(c2sp.to_owned());
            l.cosigned_consistency = consistency.iter().map(Hash::to_base64).collect();
        }
    }

    /// The canonical bytes: compact JSON, one trailing newline.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising strings, integers and booleans cannot fail.
        let mut v = serde_json::to_vec(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parse a bundle, requiring its canonical encoding.
    ///
    /// # Errors
    /// [`Error::Bundle`] when the bytes are not exactly a canonical v1 bundle.
    pub fn parse(bytes: &[u8]) -> Result<Self, Error> {
        if bytes.len() > MAX_BUNDLE_BYTES {
            return Err(Error::Bundle(format!(
                "larger than {MAX_BUNDLE_BYTES} bytes"
            )));
        }
        let b: Bundle =
            serde_json::from_slice(bytes).map_err(|e| Error::Bundle(format!("malformed: {e}")))?;
        if b.format != BUNDLE_FORMAT {
            return Err(Error::Bundle(format!("unknown format {:?}", b.format)));
        }
        if b.to_bytes() != bytes {
            return Err(Error::Bundle(
                "not in canonical form (was it edited?)".to_owned(),
            ));
        }
        Ok(b)
    }

    /// Verify the part of the bundle for the log of `key` and return its answers: the
    /// checkpoint must be signed by that key with the witness quorum, and every record must be
    /// proven included. Nothing but the bundle is read.
    ///
    /// # Errors
    /// [`Error::Bundle`] / [`Error::Log`] for anything that does not verify, or when the bundle
    /// has no checkpoint for this log.
    pub fn verify_log(&self, key: &VerifierKey, ctx: &TrustContext) -> Result<LogAnswers, Error> {
        let name = key.name().to_string();
        let li = self
            .logs
            .iter()
            .position(|l| l.name == name)
            .ok_or_else(|| Error::Bundle(format!("no checkpoint for log {name}")))?;
        let note = self.logs[li].checkpoint.as_bytes().to_vec();
        // Offline, "/checkpoint" is the cosigned C2SP checkpoint the bundle carries, if any.
        let fetcher = Offline(&self.logs[li]);
        let local = LogHandle {
            key: key.clone(),
            fetcher: &fetcher,
        };
        let (tree, _) = local.open_checkpoint(ctx, &note)?;
        // Offline, the trust state is checked where it can be: a stored tree of the same size
        // must have the same root (two roots signed for one size prove a fork, with evidence).
        // A bundle of another size is a snapshot whose consistency needs the log; the trust
        // state is not advanced by a bundle.
        if let Some(trusted) = local.trusted(ctx)?
            && trusted.1.size == tree.size
        {
            local.check_consistency(ctx, Some(&trusted), &note, tree, None, None)?;
        }
        let mut answers = HashMap::new();
        for a in self.answers.iter().filter(|a| a.log == li) {
            let found = match (a.missing, a.index, &a.record) {
                (true, None, None) if a.inclusion.is_empty() => None,
                (false, Some(index), Some(record)) => Some(
                    Found::proven(tree, index, record.clone(), &a.inclusion)
                        .map_err(|e| Error::Bundle(format!("{}: {e}", a.key)))?,
                ),
                _ => {
                    return Err(Error::Bundle(format!(
                        "{}: inconsistent answer fields",
                        a.key
                    )));
                }
            };
            if answers.insert(a.key.clone(), found).is_some() {
                return Err(Error::Bundle(format!("{}: answered twice", a.key)));
            }
        }
        if self.answers.iter().any(|a| a.log >= self.logs.len()) {
            return Err(Error::Bundle("answer refers to an unknown log".to_owned()));
        }
        Ok(LogAnswers {
            note: Some(note),
            tree,
            answers,
            requests: 0,
        })
    }
}

/// The fetcher of offline verification: it reads nothing, except that `/checkpoint` answers
/// with the bundle's cosigned C2SP checkpoint, if any, and the consistency proof to it is the
/// one the bundle carries.
struct Offline<'a>(&'a BundleLog);

impl LogFetcher for Offline<'_> {
    fn describe(&self) -> String {
        "offline".to_owned()
    }
    fn latest(&self) -> Result<Vec<u8>, Error> {
        Err(offline())
    }
    fn lookup(&self, _: &str) -> Result<Option<Vec<u8>>, Error> {
        Err(offline())
    }
    fn lookups_batch(&self, _: &[u8]) -> Result<Option<Vec<u8>>, Error> {
        Err(offline())
    }
    fn checkpoint(&self) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.0.cosigned.as_ref().map(|s| s.as_bytes().to_vec()))
    }
    fn carried_consistency(&self, _old: u64, _new: u64) -> Option<Vec<String>> {
        (!self.0.cosigned_consistency.is_empty()).then(|| self.0.cosigned_consistency.clone())
    }
    fn read_tiles(&self, _: &[lockproof_tlog::Tile]) -> Result<Vec<Vec<u8>>, Error> {
        Err(offline())
    }
}

fn offline() -> Error {
    Error::Bundle("offline verification reads nothing but the bundle".to_owned())
}
