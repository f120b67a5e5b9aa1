//! Getting the log's checkpoints cosigned by witnesses, and serving the cosignatures.
//!
//! The log is the client of [C2SP tlog-witness]: for each new checkpoint it sends every
//! configured witness `POST <url>/add-checkpoint` with
//!
//! ```text
//! old <size the witness last cosigned>
//! <consistency proof from that size, one base64 hash per line>
//!
//! <the signed C2SP checkpoint>
//! ```
//!
//! and keeps the `cosignature/v1` lines the witness answers with, after checking each against
//! the witness's key ([C2SP tlog-cosignature]). A `409` answer carries the witness's own size
//! (`text/x.tlog.size`); the log proves consistency from there and tries once more. Witnesses
//! are asked about the C2SP checkpoint, whose origin is the log's name: the sumdb note's first
//! line is the same for every sumdb log, so a witness could not tell two of them apart.
//!
//! `/checkpoint` serves the latest checkpoint with every cosignature collected *for that
//! tree*; a witness that has not answered yet simply adds nothing. Nothing is persisted: after
//! a restart the log asks again (`old 0` first, then the witness's size from its `409`).
//!
//! [C2SP tlog-witness]: https://c2sp.org/tlog-witness
//! [C2SP tlog-cosignature]: https://c2sp.org/tlog-cosignature

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use lockproof_tlog::cosignature::verify_cosignature;
use lockproof_tlog::{Checkpoint, KeyAlgorithm, Signature, SignedNote, Tree, VerifierKey};

use crate::log::Published;
use crate::{Error, Log};

/// How long one `add-checkpoint` request may take.
const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest witness response read (a few signature lines).
const MAX_WITNESS_RESPONSE: u64 = 64 * 1024;

/// A witness the log submits its checkpoints to.
#[derive(Debug, Clone)]
pub struct Witness {
    /// The witness's `cosignature/v1` verifier key.
    pub key: VerifierKey,
    /// Its submission prefix (`add-checkpoint` is appended).
    pub url: String,
}

impl Witness {
    /// Parses `"<vkey> <url>"`: a cosignature/v1 (`0x04`) verifier key and an `http(s)://` URL.
    ///
    /// # Errors
    /// [`Error::BadRequest`] naming what is wrong.
    pub fn parse(text: &str) -> Result<Witness, Error> {
        let bad = |why: &str| Error::BadRequest(format!("witness {text:?}: {why}"));
        let (vkey, url) = text
            .trim()
            .split_once(' ')
            .ok_or_else(|| bad("expected \"<vkey> <url>\""))?;
        let key = VerifierKey::parse(vkey.trim()).map_err(|e| bad(&e.to_string()))?;
        if key.algorithm() != KeyAlgorithm::CosignatureV1 {
            return Err(bad("the key must be a cosignature/v1 (0x04) witness key"));
        }
        let url = url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(bad("the URL must start with http:// or https://"));
        }
        Ok(Witness {
            key,
            url: url.trim_end_matches('/').to_owned(),
        })
    }
}

/// What one witness has said so far.
#[derive(Default)]
struct Seen {
    /// The size the witness last reported or cosigned (`None`: not asked yet).
    size: Option<u64>,
    /// Its verified cosignature and the tree it covers.
    cosigned: Option<(Tree, Signature)>,
    /// Submissions that failed so far.
    failures: u64,
}

impl Seen {
    /// The witness's cosignature of exactly `tree`, if it gave one.
    fn cosignature_of(&self, tree: Tree) -> Option<&Signature> {
        self.cosigned
            .as_ref()
            .filter(|(t, _)| *t == tree)
            .map(|(_, sig)| sig)
    }
}

/// The witnesses of one served log and their cosignatures.
pub(crate) struct Witnessing {
    witnesses: Vec<(Witness, Mutex<Seen>)>,
    agent: ureq::Agent,
}

impl Witnessing {
    pub(crate) fn new(witnesses: Vec<Witness>) -> Witnessing {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(WITNESS_TIMEOUT))
            .max_redirects(0)
            .user_agent(concat!("lockproof-log/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Witnessing {
            witnesses: witnesses
                .into_iter()
                .map(|w| (w, Mutex::new(Seen::default())))
                .collect(),
            agent,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.witnesses.is_empty()
    }

    /// The signed C2SP checkpoint of `published` followed by every cosignature collected for
    /// exactly that tree.
    pub(crate) fn cosigned_checkpoint(&self, published: &Published) -> Vec<u8> {
        let mut out = published.checkpoint.clone();
        for (_, seen) in &self.witnesses {
            let seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some(sig) = seen.cosignature_of(published.tree) {
                out.extend_from_slice(sig.to_line().as_bytes());
            }
        }
        out
    }

    /// Asks every witness that has not cosigned `published` yet, all at once (blocking;
    /// failures are returned per witness and retried on the next call).
    pub(crate) fn submit(&self, log: &Log, published: &Published) -> Vec<String> {
        std::thread::scope(|scope| {
            let asked: Vec<_> = self
                .witnesses
                .iter()
                .filter(|(_, seen)| {
                    let seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    seen.cosignature_of(published.tree).is_none()
                })
                .map(|(witness, seen)| {
                    let ask = move || self.submit_one(log, published, witness, seen);
                    (witness, seen, scope.spawn(ask))
                })
                .collect();
            let mut failures = Vec::new();
            for (witness, seen, asking) in asked {
                let result = asking
                    .join()
                    .unwrap_or_else(|_| Err("submission panicked".to_owned()));
                if let Err(e) = result {
                    seen.lock().unwrap_or_else(PoisonError::into_inner).failures += 1;
                    failures.push(format!("witness {}: {e}", witness.key.name()));
                }
            }
            failures
        })
    }

    /// Per witness: the tree size it last cosigned and its failed submissions, in the
    /// Prometheus text format (appended to `/metrics`).
    pub(crate) fn render_metrics(&self) -> String {
        let mut sizes = String::from(
            "# HELP lockproof_log_witness_cosigned_size Tree size of the latest checkpoint the witness cosigned (0: none yet).\n\
             # TYPE lockproof_log_witness_cosigned_size gauge\n",
        );
        let mut failures = String::from(
            "# HELP lockproof_log_witness_failures_total Checkpoint submissions to the witness that failed.\n\
             # TYPE lockproof_log_witness_failures_total counter\n",
        );
        for (witness, seen) in &self.witnesses {
            let seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
            let label = witness
                .key
                .name()
                .as_str()
                .replace('\\', "\\\\")
                .replace('"', "\\\"");
            let size = seen.cosigned.as_ref().map_or(0, |(t, _)| t.size);
            sizes.push_str(&format!(
                "lockproof_log_witness_cosigned_size{{witness=\"{label}\"}} {size}\n"
            ));
            failures.push_str(&format!(
                "lockproof_log_witness_failures_total{{witness=\"{label}\"}} {}\n",
                seen.failures
            ));
        }
        sizes + &failures
    }

    fn submit_one(
        &self,
        log: &Log,
        published: &Published,
        witness: &Witness,
        seen: &Mutex<Seen>,
    ) -> Result<(), String> {
        let note = SignedNote::parse_unauthenticated(&published.checkpoint)
            .map_err(|e| format!("own checkpoint: {e}"))?;
        let checkpoint =
            Checkpoint::parse(note.text()).map_err(|e| format!("own checkpoint: {e}"))?;
        let size = published.tree.size;
        // At most two rounds: the second after a 409 told us the witness's size.
        for _ in 0..2 {
            let old = seen
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .size
                .unwrap_or(0);
            if old > size {
                return Err(format!(
                    "it has cosigned size {old}, beyond this log's size {size}"
                ));
            }
            let proof = log.prove_tree(size, old).map_err(|e| e.to_string())?;
            let mut body = format!("old {old}\n");
            for h in &proof.0 {
                body.push_str(&h.to_base64());
                body.push('\n');
            }
            body.push('\n');
            let mut body = body.into_bytes();
            body.extend_from_slice(&published.checkpoint);
            let url = format!("{}/add-checkpoint", witness.url);
            let mut resp = self
                .agent
                .post(&url)
                .header("Content-Type", "text/plain; charset=utf-8")
                .send(&body[..])
                .map_err(|e| format!("{url}: {e}"))?;
            let status = resp.status().as_u16();
            let text = resp
                .body_mut()
                .with_config()
                .limit(MAX_WITNESS_RESPONSE)
                .read_to_string()
                .map_err(|e| format!("{url}: {e}"))?;
            match status {
                200 => {
                    let sig = own_cosignature(&text, &checkpoint, &witness.key)?;
                    let mut seen = seen.lock().unwrap_or_else(PoisonError::into_inner);
                    seen.size = Some(size);
                    seen.cosigned = Some((published.tree, sig));
                    return Ok(());
                }
                409 => {
                    let theirs = text
                        .strip_suffix('\n')
                        .and_then(|s| lockproof_tlog::checkpoint::parse_decimal(s).ok())
                        .ok_or_else(|| format!("409 without a size: {:?}", text.trim()))?;
                    seen.lock().unwrap_or_else(PoisonError::into_inner).size = Some(theirs);
                }
                other => return Err(format!("HTTP {other}: {}", text.trim())),
            }
        }
        Err("the witness's size kept changing".into())
    }
}

/// The one valid cosignature by `key` over `checkpoint` among the signature lines of a
/// witness's answer.
fn own_cosignature(
    text: &str,
    checkpoint: &Checkpoint,
    key: &VerifierKey,
) -> Result<Signature, String> {
    for line in text.lines().filter(|l| !l.is_empty()) {
        let sig = Signature::parse_line(line).map_err(|e| format!("answer line {line:?}: {e}"))?;
        if sig.is_from(key) {
            verify_cosignature(checkpoint, key, &sig)
                .map_err(|e| format!("its cosignature does not verify: {e}"))?;
            return Ok(sig);
        }
    }
    Err("answered without a cosignature by its key".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lockproof_tlog::{KeyName, SignerKey};

    fn witness_vkey() -> String {
        SignerKey::from_seed_with(
            KeyName::new("w.test").unwrap(),
            KeyAlgorithm::CosignatureV1,
            [3; 32],
        )
        .verifier_key()
        .to_string()
    }

    #[test]
    fn parses_a_witness_key_and_url() {
        let w = Witness::parse(&format!("{} http://127.0.0.1:1/w/", witness_vkey())).unwrap();
        assert_eq!(w.url, "http://127.0.0.1:1/w");
        assert_eq!(w.key.name().as_str(), "w.test");
    }

    #[test]
    fn rejects_a_log_key_a_missing_url_and_a_non_http_url() {
        let log_key = SignerKey::from_seed(KeyName::new("log.test").unwrap(), [1; 32])
            .verifier_key()
            .to_string();
        for bad in [
            format!("{log_key} http://127.0.0.1:1"),
            witness_vkey(),
            format!("{} ftp://127.0.0.1:1", witness_vkey()),
        ] {
            assert!(Witness::parse(&bad).is_err(), "{bad}");
        }
    }
}
