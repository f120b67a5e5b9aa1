//! Trust state: the latest verified checkpoint per log, persisted under the XDG state
//! directory, and evidence files for forks and rollbacks.
//!
//! Layout: `<state>/logs/<log name>+<key id>/latest` holds the signed note bytes exactly as the
//! log served them (so the file can be re-verified by anyone), replaced atomically.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Error;
use crate::fsutil::{PendingWrite, Xdg, in_background, safe_component, write_atomic, xdg_dir};

/// Where trust state lives.
#[derive(Debug, Clone)]
pub struct TrustStore {
    root: PathBuf,
}

impl TrustStore {
    /// The store under `$XDG_STATE_HOME/lockproof` (or `~/.local/state/lockproof`).
    ///
    /// # Errors
    /// [`Error::Usage`] when no state directory can be determined.
    pub fn from_env() -> Result<Self, Error> {
        Ok(TrustStore {
            root: xdg_dir(Xdg::State)?,
        })
    }

    /// A store rooted at `root` (tests).
    #[must_use]
    pub fn at(root: &Path) -> Self {
        TrustStore {
            root: root.to_path_buf(),
        }
    }

    /// The directory holding one log's state; `log_id` is `<name>+<keyid hex>`.
    #[must_use]
    pub fn log_dir(&self, log_id: &str) -> PathBuf {
        self.root.join("logs").join(safe_component(log_id))
    }

    /// The stored signed note for `log_id`, if any.
    ///
    /// # Errors
    /// [`Error::Io`] if the file exists but cannot be read.
    pub fn load(&self, log_id: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = self.log_dir(log_id).join("latest");
        match std::fs::read(&path) {
            Ok(b) if b.is_empty() => Ok(None),
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// Replace the stored note for `log_id`, atomically.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn store(&self, log_id: &str, signed_note: &[u8]) -> Result<(), Error> {
        write_atomic(&self.log_dir(log_id).join("latest"), signed_note)
    }

    /// Like [`TrustStore::store`], on a thread of its own, so the write's fsyncs overlap the
    /// caller's other work (checking a batch's inclusion proofs). The caller must only pass
    /// a note it has already verified and found consistent with the stored one, and must
    /// [`PendingWrite::wait`] before it reports success; dropping the handle also waits.
    #[must_use]
    pub fn store_in_background(&self, log_id: &str, signed_note: Vec<u8>) -> PendingWrite {
        let path = self.log_dir(log_id).join("latest");
        let target = path.clone();
        in_background(path, move || write_atomic(&target, &signed_note))
    }

    /// Write an evidence file next to the log's state and return its path.
    ///
    /// # Errors
    /// [`Error::Io`].
    pub fn write_evidence(&self, log_id: &str, evidence: &Evidence) -> Result<PathBuf, Error> {
        let name = format!(
            "evidence-{}-{}-{}.json",
            evidence.kind, evidence.trusted_size, evidence.new_size
        );
        let path = self.log_dir(log_id).join(name);
        // Serialising plain strings and integers cannot fail.
        let mut json = serde_json::to_vec_pretty(evidence).unwrap_or_default();
        json.push(b'\n');
        write_atomic(&path, &json)?;
        Ok(path)
    }
}

/// Proof that a log misbehaved: two checkpoints it signed that cannot both be honest.
///
/// A third party checks it with nothing but the log's verifier key: both notes verify, and
///
/// * `rollback`: `new_size < trusted_size` — the log served an older tree as its latest after
///   it had served a larger one;
/// * `fork`: `consistency_proof` proves (RFC 9162 §2.1.4) that the new tree's prefix of size
///   `trusted_size` has root `prefix_root`, which differs from the trusted note's root; or, when
///   `prefix_root` is absent, the log's own consistency proof fails to verify.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    /// `fork` or `rollback`.
    pub kind: &'static str,
    /// The log's verifier key.
    pub vkey: String,
    /// The previously trusted signed note, verbatim.
    pub trusted_note: String,
    /// Its tree size.
    pub trusted_size: u64,
    /// The newly served signed note, verbatim.
    pub new_note: String,
    /// Its tree size.
    pub new_size: u64,
    /// Consistency proof hashes (base64) from `trusted_size` to `new_size`, if any.
    pub consistency_proof: Vec<String>,
    /// Root of the first `trusted_size` records computed from the new tree, if computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix_root: Option<String>,
    /// One sentence explaining the failure.
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_background_store_is_in_place_once_waited_for() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path());
        store
            .store_in_background("log+00000000", b"note one\n".to_vec())
            .wait()
            .unwrap();
        assert_eq!(
            store.load("log+00000000").unwrap().as_deref(),
            Some(&b"note one\n"[..])
        );
    }

    #[test]
    fn dropping_a_pending_store_still_finishes_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::at(dir.path());
        store.store("log+00000000", b"old\n").unwrap();
        drop(store.store_in_background("log+00000000", b"new\n".to_vec()));
        assert_eq!(
            store.load("log+00000000").unwrap().as_deref(),
            Some(&b"new\n"[..])
        );
    }

    #[test]
    fn pending_writes_report_the_first_failure_and_still_finish_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"").unwrap();
        let good = TrustStore::at(dir.path());
        let mut pending = crate::Pending::default();
        // The first store's root is a file, so its log directory cannot be created.
        pending.push(TrustStore::at(&file).store_in_background("log+00000000", b"x\n".to_vec()));
        pending.push(good.store_in_background("log+00000000", b"y\n".to_vec()));
        let err = pending.wait().unwrap_err();
        assert!(err.to_string().contains("file"), "{err}");
        assert_eq!(
            good.load("log+00000000").unwrap().as_deref(),
            Some(&b"y\n"[..])
        );
    }

    #[test]
    fn a_background_store_reports_a_write_failure_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        // The state root is a file, so the log directory cannot be created.
        let root = dir.path().join("file");
        std::fs::write(&root, b"").unwrap();
        let err = TrustStore::at(&root)
            .store_in_background("log+00000000", b"x\n".to_vec())
            .wait()
            .unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
    }
}
