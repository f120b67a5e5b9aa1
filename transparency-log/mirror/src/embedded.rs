//! The embedded default log of `lockproof verify`: a log directory under the XDG data dir,
//! created on first use with its own key, filled from the public registries (trust on first
//! use).
//!
//! The registries are asked for what they publish, never the lockfile: a lockfile whose digest
//! differs from the registry's is a mismatch against the logged record even the first time the
//! key is seen. From then on the logged answer is fixed, so a registry that later changes its
//! answer is caught too.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lockproof_log::Log;
use lockproof_tlog::{RecordKey, VerifierKey};

use crate::{Error, Fill, Filler};

/// The name (and key name) of every embedded default log. Logs are told apart by their key,
/// which is generated per machine.
pub const DEFAULT_LOG_NAME: &str = "lockproof.local/default";

/// How often a held embedded log is tried again.
const LOCK_POLL: Duration = Duration::from_millis(100);

/// `$XDG_DATA_HOME/lockproof/default-log`, or `$HOME/.local/share/lockproof/default-log` when
/// `XDG_DATA_HOME` is unset or not absolute (XDG Base Directory Specification). Takes the two
/// variables' values so the caller decides where they come from.
///
/// # Errors
/// [`Error::Embedded`] when neither gives an absolute directory.
pub fn default_log_dir(
    xdg_data_home: Option<OsString>,
    home: Option<OsString>,
) -> Result<PathBuf, Error> {
    let data = xdg_data_home
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".local/share"))
        })
        .ok_or_else(|| Error::Embedded {
            path: PathBuf::from("$XDG_DATA_HOME"),
            reason: "neither XDG_DATA_HOME nor HOME is an absolute directory".into(),
        })?;
    Ok(data.join("lockproof").join("default-log"))
}

/// The embedded log, opened.
#[derive(Debug)]
pub struct EmbeddedLog {
    /// Its directory.
    pub dir: PathBuf,
    /// Its verifier key.
    pub vkey: VerifierKey,
    /// The writable handle (it holds the log's lock until dropped).
    pub log: Log,
    /// Whether this call created the log.
    pub created: bool,
}

impl EmbeddedLog {
    /// The `--log` value that verifies against this log: `"<vkey> <dir>"`.
    #[must_use]
    pub fn log_flag(&self) -> String {
        format!("{} {}", self.vkey, self.dir.display())
    }
}

/// Opens the embedded log in `dir` for filling, creating it (with a fresh key) on first use.
/// When another process holds it (a concurrent `lockproof verify` filling it), waits up to
/// `wait` for it to finish.
///
/// # Errors
/// [`Error::Embedded`] if the directory cannot be created, is not a log, or is still held by
/// another process after `wait`.
pub fn open_embedded(dir: &Path, wait: Duration) -> Result<EmbeddedLog, Error> {
    let embedded = |reason: String| Error::Embedded {
        path: dir.to_path_buf(),
        reason,
    };
    let mut created = false;
    if !dir.join("config.json").exists() {
        if let Some(parent) = dir.parent() {
            std::fs::create_dir_all(parent).map_err(|e| embedded(e.to_string()))?;
        }
        match Log::init(dir, DEFAULT_LOG_NAME, None) {
            Ok(_) => created = true,
            // Another process created it at the same moment: use theirs.
            Err(_) if dir.join("config.json").exists() => {}
            Err(e) => return Err(embedded(format!("creating the log: {e}"))),
        }
    }
    let started = Instant::now();
    let log = loop {
        match Log::open(dir) {
            Ok(log) => break log,
            Err(lockproof_log::Error::Directory { reason, .. })
                if dir.join("config.json").exists() =>
            {
                if started.elapsed() >= wait {
                    return Err(embedded(format!(
                        "{reason}; try again when it has finished"
                    )));
                }
                std::thread::sleep(LOCK_POLL);
            }
            Err(e) => return Err(embedded(e.to_string())),
        }
    };
    Ok(EmbeddedLog {
        dir: dir.to_path_buf(),
        vkey: log.verifier_key().clone(),
        log,
        created,
    })
}

/// What filling a set of keys did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FillSummary {
    /// Keys fetched upstream and appended now.
    pub filled: usize,
    /// Keys already logged.
    pub already: usize,
    /// Keys the upstream does not publish (they verify as `missing`).
    pub absent: usize,
    /// Keys of ecosystems with no upstream.
    pub no_upstream: usize,
    /// Keys that could not be filled, with the reason (they verify as `missing`).
    pub errors: Vec<Error>,
}

/// Fills every key of `keys` the log lacks, reporting upstream progress as `(done, total)`.
#[must_use]
pub fn fill_keys(
    filler: &Filler,
    keys: &[RecordKey],
    progress: &(dyn Fn(usize, usize) + Sync),
) -> FillSummary {
    let mut s = FillSummary::default();
    let mut missing = Vec::new();
    for k in keys {
        match filler.log().lookup(k) {
            Ok(Some(_)) => s.already += 1,
            _ => missing.push(k.clone()),
        }
    }
    for r in filler.fill_many(&missing, progress) {
        match r {
            Ok(Fill::Logged(_)) => s.filled += 1,
            Ok(Fill::Absent) => s.absent += 1,
            Ok(Fill::NoUpstream) => s.no_upstream += 1,
            Err(e) => s.errors.push(e),
        }
    }
    s
}
