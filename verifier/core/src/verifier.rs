//! From lockfile entries to a [`Report`]: plan the lookups per log, ask each log (or read an
//! offline bundle), then judge every entry.

use std::collections::{BTreeMap, HashMap};

use lockproof_lockfile::{Algorithm, Entry, PinState};
use lockproof_tlog::{Record, RecordHashes};

use crate::client::{LogAnswers, LogHandle, TrustContext};
use crate::policy::{Actions, LogSpec};
use crate::report::{CheckpointRef, Finding, LogFailure, Report, Verdict};
use crate::{Error, Pending};

/// One lockfile's entries, with the path to show in reports (repo-relative, `/`-separated).
#[derive(Debug, Clone)]
pub struct Lockfile {
    /// Path shown in reports and used in SARIF locations.
    pub display: String,
    /// Entries to check (in PR mode: only the added and changed ones).
    pub entries: Vec<Entry>,
    /// Entries skipped because they are unchanged since the base ref.
    pub skipped: usize,
}

/// Which log answers which lookup path.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Per log index: the distinct lookup paths, in first-seen order.
    pub keys: Vec<Vec<String>>,
    /// Per log index: whether every key is a Go module.
    pub all_go: Vec<bool>,
}

/// Assign each pinned entry to the first log serving its ecosystem.
#[must_use]
pub fn plan(logs: &[LogSpec], files: &[Lockfile]) -> Plan {
    let mut p = Plan {
        keys: vec![Vec::new(); logs.len()],
        all_go: vec![true; logs.len()],
    };
    let mut seen: Vec<std::collections::HashSet<String>> = vec![Default::default(); logs.len()];
    for e in files.iter().flat_map(|f| &f.entries) {
        if e.pin != PinState::Pinned {
            continue;
        }
        let Some(key) = e.record_key() else { continue };
        let Some(li) = logs.iter().position(|l| l.serves(e.ecosystem.name())) else {
            continue;
        };
        let path = key.lookup_path();
        if seen[li].insert(path.clone()) {
            p.keys[li].push(path);
            p.all_go[li] &= key.is_go();
        }
    }
    p
}

/// The result of asking (or reading the bundle of) one log.
pub type LogResult = Result<LogAnswers, Error>;

/// Ask every log its planned keys. A log that cannot be verified gives an `Err` in its slot;
/// only local problems (trust state unwritable, …) abort the whole run.
///
/// # Errors
/// Non-security errors ([`Error::Io`], [`Error::Usage`]) from any log.
pub fn query_all(
    handles: &[LogHandle<'_>],
    ctx: &TrustContext,
    plan: &Plan,
) -> Result<Vec<LogResult>, Error> {
    let (results, pending) = query_all_deferred(handles, ctx, plan)?;
    pending.wait()?;
    Ok(results)
}

/// Like [`query_all`], but the trust-state and answer-cache writes may still be under way:
/// the caller must [`Pending::wait`] before it reports anything (see
/// [`LogHandle::query_deferred`]).
///
/// # Errors
/// As [`query_all`], except write failures of the returned [`Pending`].
pub fn query_all_deferred(
    handles: &[LogHandle<'_>],
    ctx: &TrustContext,
    plan: &Plan,
) -> Result<(Vec<LogResult>, Pending), Error> {
    let mut out = Vec::new();
    let mut pending = Pending::default();
    for (i, h) in handles.iter().enumerate() {
        let Some(keys) = plan.keys.get(i) else {
            return Err(Error::Usage(format!("no plan for log {}", h.key.name())));
        };
        if keys.is_empty() {
            out.push(Ok(LogAnswers {
                note: None,
                tree: lockproof_tlog::Tree::default(),
                answers: HashMap::new(),
                requests: 0,
            }));
            continue;
        }
        match h.query_deferred(ctx, keys, plan.all_go.get(i).copied().unwrap_or(false)) {
            Err(e) if !e.is_security() => return Err(e),
            Err(e) => out.push(Err(e)),
            Ok((answers, writes)) => {
                out.push(Ok(answers));
                pending.extend(writes);
            }
        }
    }
    Ok((out, pending))
}

fn expected_text(entry: &Entry) -> Option<String> {
    let d = entry.digest.as_ref()?;
    Some(if d.algorithm() == Algorithm::GoH1 {
        d.to_sri()
    } else {
        d.to_string()
    })
}

/// Judge every entry against the logs' answers and build the report.
///
/// A record whose text is not exactly the record for the key asked (another module or
/// version, an extra line) is a failure of that log.
#[must_use]
pub fn judge(
    tool_version: &str,
    logs: &[LogSpec],
    files: &[Lockfile],
    results: &[LogResult],
    actions: &Actions,
) -> Report {
    let mut report = Report::new(tool_version);
    let mut failures: BTreeMap<usize, LogFailure> = BTreeMap::new();
    // Each log's checkpoint, as every finding it proved refers to it.
    let mut checkpoints = Vec::with_capacity(results.len());
    for (i, r) in results.iter().enumerate() {
        let name = logs
            .get(i)
            .map_or_else(String::new, |l| l.name().to_owned());
        checkpoints.push(r.as_ref().ok().map(|a| CheckpointRef {
            log: name.clone(),
            size: a.tree.size,
            root: a.tree.hash.to_base64(),
        }));
        match r {
            Ok(a) if a.note.is_some() => report.checkpoints.extend(checkpoints[i].clone()),
            Ok(_) => {}
            Err(e) => {
                let evidence = match e {
                    Error::Inconsistent { evidence, .. } => Some(evidence.display().to_string()),
                    _ => None,
                };
                let message = match e {
                    Error::Log { reason, .. } | Error::Inconsistent { reason, .. } => {
                        reason.clone()
                    }
                    other => other.to_string(),
                };
                failures.insert(
                    i,
                    LogFailure {
                        log: name,
                        message,
                        evidence,
                        entries_not_checked: 0,
                    },
                );
            }
        }
    }
    // Records already parsed, per log and lookup path (a Go module's zip and go.mod entries
    // share one record).
    let mut parsed: HashMap<(usize, String), Result<Record, String>> = HashMap::new();
    for file in files {
        for e in &file.entries {
            let mut finding = Finding {
                verdict: Verdict::Unpinned,
                action: actions.unpinned,
                ecosystem: e.ecosystem.name().to_owned(),
                name: e.name.clone(),
                version: e.version.clone(),
                artifact: e.artifact.clone(),
                file: file.display.clone(),
                line: e.location.line,
                expected: expected_text(e),
                logged: None,
                index: None,
                checkpoint: None,
                reason: None,
            };
            let key = match e.pin {
                PinState::Pinned => e.record_key(),
                PinState::Unpinned(reason) => {
                    finding.reason = Some(reason.code().to_owned());
                    None
                }
            };
            let Some(key) = key else {
                finding
                    .reason
                    .get_or_insert_with(|| "no-record-key".to_owned());
                report.findings.push(finding);
                continue;
            };
            let Some(li) = logs.iter().position(|l| l.serves(e.ecosystem.name())) else {
                finding.verdict = Verdict::Missing;
                finding.action = actions.missing;
                report.findings.push(finding);
                continue;
            };
            let (Some(Ok(answers)), Some(Some(checkpoint))) =
                (results.get(li), checkpoints.get(li))
            else {
                if let Some(f) = failures.get_mut(&li) {
                    f.entries_not_checked += 1;
                }
                continue;
            };
            let path = key.lookup_path();
            match answers.answers.get(&path) {
                None => {
                    // Not asked (cannot happen for planned keys) or not answered: a log failure.
                    let f = failures.entry(li).or_insert_with(|| LogFailure {
                        log: checkpoint.log.clone(),
                        message: format!("no answer for {path}"),
                        evidence: None,
                        entries_not_checked: 0,
                    });
                    f.entries_not_checked += 1;
                }
                Some(None) => {
                    finding.verdict = Verdict::Missing;
                    finding.action = actions.missing;
                    report.findings.push(finding);
                }
                Some(Some(found)) => {
                    let record = parsed.entry((li, path)).or_insert_with_key(|(_, path)| {
                        Record::parse_for_key(found.record.as_bytes(), &key)
                            .map_err(|err| format!("answer for {path}: {err}"))
                    });
                    let record = match record {
                        Ok(r) => r,
                        Err(message) => {
                            let f = failures.entry(li).or_insert_with(|| LogFailure {
                                log: checkpoint.log.clone(),
                                message: message.clone(),
                                evidence: None,
                                entries_not_checked: 0,
                            });
                            f.entries_not_checked += 1;
                            continue;
                        }
                    };
                    let logged = match record.hashes() {
                        RecordHashes::Go { zip, go_mod } => {
                            if e.artifact.as_deref() == Some("go.mod") {
                                go_mod.clone()
                            } else {
                                zip.clone()
                            }
                        }
                        RecordHashes::Digest(d) => d.to_string(),
                        _ => String::new(),
                    };
                    finding.index = Some(found.index);
                    finding.checkpoint = Some(checkpoint.clone());
                    if finding.expected.as_deref() == Some(logged.as_str()) {
                        finding.verdict = Verdict::Match;
                        finding.action = actions.for_verdict(Verdict::Match);
                    } else {
                        finding.verdict = Verdict::Mismatch;
                        finding.action = actions.mismatch;
                        finding.logged = Some(logged);
                    }
                    report.findings.push(finding);
                }
            }
        }
        if file.skipped > 0 {
            report.files.push(crate::report::FileSummary {
                file: file.display.clone(),
                skipped: file.skipped,
                ..Default::default()
            });
            report.skipped_unchanged += file.skipped;
        }
    }
    report.log_failures = failures.into_values().collect();
    report.finish();
    report
}
