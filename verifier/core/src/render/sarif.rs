//! SARIF 2.1.0 for GitHub code scanning.
//!
//! One rule per verdict kind (plus `log-failure`), each with `help` text and a
//! `security-severity`; results carry repo-relative locations with the lockfile line and a
//! stable `partialFingerprints` key `ecosystem:name@version:rule` that survives reformatting.
//! See <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>.

use serde_json::{Value, json};

use crate::report::{Action, Report, Verdict};

/// The SARIF schema URI written into `$schema`.
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

struct Rule {
    id: &'static str,
    name: &'static str,
    short: &'static str,
    full: &'static str,
    help: &'static str,
    severity: &'static str,
    level: &'static str,
}

const RULES: [Rule; 4] = [
    Rule {
        id: "checksum-mismatch",
        name: "ChecksumMismatch",
        short: "Lockfile checksum differs from the transparency log",
        full: "The transparency log holds a different checksum for this package version than the lockfile pins. Either the lockfile was tampered with, or the artifact was replaced after it was first published.",
        help: "Do not install this dependency. Compare the lockfile's checksum with the one the log committed to (both are in the message), find out which side changed, and restore the logged artifact or report the registry.",
        severity: "9.1",
        level: "error",
    },
    Rule {
        id: "missing-from-log",
        name: "MissingFromLog",
        short: "Package version is not in the transparency log",
        full: "The transparency log has no record for this package version, so nobody else can check that they got the same bytes.",
        help: "Add the package version to the log (`lockproof log add` or the log's write API) after checking its provenance, or use a log that mirrors this registry.",
        severity: "6.5",
        level: "error",
    },
    Rule {
        id: "unpinned-dependency",
        name: "UnpinnedDependency",
        short: "Lockfile entry has no checksum",
        full: "The lockfile entry carries no checksum, so its content cannot be verified against the transparency log.",
        help: "Regenerate the lockfile with checksums (for example `cargo generate-lockfile`, `npm install`, or `pip-compile --generate-hashes`).",
        severity: "4.0",
        level: "warning",
    },
    Rule {
        id: "log-failure",
        name: "LogFailure",
        short: "The transparency log could not be verified",
        full: "The log's signed checkpoint, consistency with earlier checkpoints, or a proof failed to verify, or the log could not be reached. Nothing it said can be trusted in this run.",
        help: "Read the message: a fork or rollback comes with an evidence file holding both signed checkpoints; report it to the log operator and witnesses. For a timeout, retry.",
        severity: "9.5",
        level: "error",
    },
];

fn level(action: Action) -> &'static str {
    match action {
        Action::Fail => "error",
        Action::Warn => "warning",
        Action::Pass => "note",
    }
}

/// Render the report as a SARIF 2.1.0 log with one run.
#[must_use]
pub fn render_sarif(report: &Report) -> String {
    let rules: Vec<Value> = RULES
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "name": r.name,
                "shortDescription": {"text": r.short},
                "fullDescription": {"text": r.full},
                "help": {"text": r.help, "markdown": r.help},
                "defaultConfiguration": {"level": r.level},
                "properties": {
                    "tags": ["security", "supply-chain"],
                    "precision": "very-high",
                    "security-severity": r.severity
                }
            })
        })
        .collect();
    let rule_index = |id: &str| RULES.iter().position(|r| r.id == id).unwrap_or(0);
    let mut results: Vec<Value> = Vec::new();
    for f in report
        .findings
        .iter()
        .filter(|f| f.verdict != Verdict::Match)
    {
        let rule = f.verdict.rule_id();
        results.push(json!({
            "ruleId": rule,
            "ruleIndex": rule_index(rule),
            "level": level(f.action),
            "message": {"text": format!("{}.", f.message())},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f.file},
                    "region": {"startLine": f.line}
                }
            }],
            "partialFingerprints": {
                "lockproof/v1": format!("{}:{rule}", f.identity())
            }
        }));
    }
    let first_file = report.files.first().map(|s| s.file.clone());
    for lf in &report.log_failures {
        let mut result = json!({
            "ruleId": "log-failure",
            "ruleIndex": rule_index("log-failure"),
            "level": "error",
            "message": {"text": format!("Log {} failed verification: {}.", lf.log, lf.message)},
            "partialFingerprints": {"lockproof/v1": format!("log:{}:log-failure", lf.log)}
        });
        if let (Some(file), Some(obj)) = (&first_file, result.as_object_mut()) {
            obj.insert(
                "locations".to_owned(),
                json!([{"physicalLocation": {
                    "artifactLocation": {"uri": file},
                    "region": {"startLine": 1}
                }}]),
            );
        }
        results.push(result);
    }
    let doc = json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lockproof",
                "semanticVersion": report.tool_version,
                "informationUri": "https://github.com/lockproof/lockproof",
                "rules": rules
            }},
            "automationDetails": {"id": "lockproof/verify/"},
            "results": results
        }]
    });
    // Serialising a `Value` cannot fail.
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
