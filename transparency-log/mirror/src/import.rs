//! `lockproof log import`: lockfile entries → records → append, trust on first use.
//!
//! For ecosystems or registries without an upstream: whatever the lockfile pins the first time
//! is logged, and from then on any lockfile that disagrees is caught (here as a
//! [`Error::Conflict`], later by `lockproof verify` as a mismatch).

use lockproof_lockfile::Entry;
use lockproof_log::Log;

use crate::Error;
use crate::entries::{Skipped, entry_records};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Records newly appended.
    pub added: usize,
    /// Records already logged with the same text.
    pub present: usize,
    /// Keys whose logged record differs from the lockfile's (nothing appended for them).
    pub conflicts: Vec<Error>,
    /// Entries that give no record, and why.
    pub skipped: Vec<Skipped>,
    /// The checkpoint size covering every appended record.
    pub size: u64,
}

/// Imports the pinned entries of one or more lockfiles into `log` (opened writable). Records
/// whose key is already logged with the same text are counted as present; with a different text
/// they are reported as conflicts and not appended; the rest are appended in one batch, and this
/// returns once their checkpoint is durable.
///
/// # Errors
/// [`Error::Log`] for a storage or sequencer failure (nothing half-appended: each batch is
/// all-or-nothing); [`Error::Conflict`] only if another writer logged a conflicting record
/// between the check and the append.
pub fn import_entries(log: &Log, entries: &[Entry]) -> Result<ImportReport, Error> {
    let (records, skipped) = entry_records(entries);
    let mut report = ImportReport {
        skipped,
        ..ImportReport::default()
    };
    let mut to_add = Vec::new();
    for r in records {
        match log.lookup(r.key())? {
            Some((_, text)) if text == r.text() => report.present += 1,
            Some((index, text)) => report.conflicts.push(Error::Conflict {
                key: r.key().lookup_path(),
                index,
                existing: text.trim_end().to_owned(),
            }),
            None => to_add.push(r),
        }
    }
    let out = log.add(to_add)?;
    report.size = out.size;
    for s in out.results {
        match s {
            lockproof_log::AddStatus::Added(_) => report.added += 1,
            lockproof_log::AddStatus::Exists(_) => report.present += 1,
        }
    }
    Ok(report)
}
