//! Human and JSON renderings of one [`Report`] (the JSON schema is docs/repro-json.md).

use std::fmt::Write as _;

use lockproof_repro::{ExpectationResult, Report, Verdict};

/// Differences shown per artifact in the human output (JSON has all, up to the library's cap).
const HUMAN_DIFFERENCES: usize = 4;

/// The JSON document: the report plus the expectation results.
pub(super) fn json(report: &Report, expectations: &[ExpectationResult]) -> anyhow::Result<String> {
    let mut value = serde_json::to_value(report)?;
    if let Some(map) = value.as_object_mut() {
        map.insert(
            "expectations".to_owned(),
            serde_json::to_value(expectations)?,
        );
    }
    Ok(serde_json::to_string_pretty(&value)?)
}

/// A verdict line, then causes with fixes, then per-artifact findings in cause order.
pub(super) fn human(report: &Report, expectations: &[ExpectationResult]) -> String {
    let mut out = String::new();
    let differing = report.artifacts.iter().filter(|a| !a.reproducible).count();
    let experiments = report
        .builds
        .iter()
        .filter(|b| b.label.starts_with("experiment-"))
        .count();
    let attribution = report.attribution.as_ref().map_or(0, |a| a.builds);
    let mismatches: Vec<&ExpectationResult> = expectations.iter().filter(|e| !e.matches).collect();
    let verdict = match (report.verdict, mismatches.is_empty()) {
        (Verdict::Reproducible, true) => "REPRODUCIBLE",
        (Verdict::Reproducible, false) => "REPRODUCIBLE BUT NOT AS PUBLISHED",
        (Verdict::Unreproducible, _) => "UNREPRODUCIBLE",
    };
    let _ = writeln!(
        out,
        "{verdict}: {differing} of {} artifact(s) differ; control + {experiments} experiment build(s) varying {}{}",
        report.artifacts.len(),
        report.applied,
        if attribution > 0 {
            format!(", {attribution} attribution build(s)")
        } else {
            String::new()
        },
    );
    for e in &mismatches {
        let _ = writeln!(
            out,
            "expected digest mismatch: artifact {}: expected {} ({}), rebuilt {}",
            e.artifact
                .as_deref()
                .or(e.expected.artifact.as_deref())
                .unwrap_or("(none matched)"),
            e.expected.digest,
            e.expected.origin,
            e.rebuilt
                .map_or_else(|| "(no such artifact)".to_owned(), |d| d.to_string()),
        );
    }
    for e in expectations.iter().filter(|e| e.matches) {
        let _ = writeln!(
            out,
            "expected digest matches: artifact {}: {}",
            e.artifact.as_deref().unwrap_or(""),
            e.expected.digest
        );
    }
    if let Some(a) = &report.attribution {
        if a.nondeterministic {
            let _ = writeln!(
                out,
                "attribution: the build differs even without any variation (nondeterministic)"
            );
        } else if !a.single_causes.is_empty() {
            let names: Vec<&str> = a.single_causes.iter().map(|v| v.name()).collect();
            let _ = writeln!(
                out,
                "attribution: differs when varying each of: {}",
                names.join(", ")
            );
        } else if let Some(set) = &a.interacting {
            let _ = writeln!(
                out,
                "attribution: differs only when varying these together: {set}"
            );
        }
        for (v, why) in &a.failing {
            let first = why.lines().next().unwrap_or_default();
            let _ = writeln!(
                out,
                "attribution: the build fails when varying {v}: {first}"
            );
        }
    }
    for c in &report.causes {
        let vars = if c.variations.is_empty() {
            String::new()
        } else {
            format!(" [{}]", c.variations)
        };
        let _ = writeln!(
            out,
            "cause: {}{vars} ({})\n  fix: {}",
            c.cause, c.basis, c.suggestion
        );
    }
    for a in &report.artifacts {
        let control = a
            .control
            .as_ref()
            .map_or_else(|| "(missing)".to_owned(), |c| c.sha256.to_string());
        if a.reproducible {
            let _ = writeln!(out, "artifact {}: identical {control}", a.name);
            continue;
        }
        let run = a.compared_run.unwrap_or(1);
        let exp = a
            .experiments
            .get(run as usize - 1)
            .and_then(|e| e.as_ref())
            .map_or_else(|| "(missing)".to_owned(), |e| e.sha256.to_string());
        let _ = writeln!(
            out,
            "artifact {}: DIFFERS control {control} vs experiment-{run} {exp}",
            a.name
        );
        for d in a.differences.iter().take(HUMAN_DIFFERENCES) {
            let _ = writeln!(out, "  {}", d.describe());
        }
        if a.differences.len() > HUMAN_DIFFERENCES {
            let more = a.differences.len() - HUMAN_DIFFERENCES;
            let _ = writeln!(
                out,
                "  … {more} more difference(s) (symptoms; --format json lists them)"
            );
        }
        for e in &a.evidence {
            let show = |v: &Option<String>, n: usize| {
                v.as_ref()
                    .map_or_else(|| "-".to_owned(), |v| format!("{v:?}×{n}"))
            };
            let _ = writeln!(
                out,
                "  evidence: {} control {} vs experiment {}{}",
                serde_json::to_value(e.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                show(&e.control, e.control_count),
                show(&e.experiment, e.experiment_count),
                e.location
                    .as_ref()
                    .map(|l| format!(" at {l}"))
                    .unwrap_or_default(),
            );
        }
        for h in &a.hints {
            let _ = writeln!(out, "  hint: {h}");
        }
        if let Some(path) = &a.diffoscope {
            let _ = writeln!(out, "  diffoscope report: {}", path.display());
        }
    }
    for s in &report.skipped {
        let _ = writeln!(out, "skipped variation {}: {}", s.variation, s.reason);
    }
    for n in &report.notes {
        let _ = writeln!(out, "note: {n}");
    }
    if let Some(k) = &report.kept {
        let _ = writeln!(out, "kept: {}", k.display());
    }
    out
}
