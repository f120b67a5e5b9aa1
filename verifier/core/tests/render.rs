//! The renderers: one report, five formats, each with its own limits and escaping.
#![allow(clippy::unwrap_used)]

use lockproof_verify::render::{
    MAX_ANNOTATIONS, escape_data, escape_property, render_github, render_human, render_json,
    render_markdown, render_sarif,
};
use lockproof_verify::report::{Action, CheckpointRef, Finding, LogFailure, Report, Verdict};

fn finding(i: usize, verdict: Verdict, action: Action) -> Finding {
    Finding {
        verdict,
        action,
        ecosystem: "cargo".into(),
        name: format!("crate{i}"),
        version: "1.0.0".into(),
        artifact: None,
        file: "sub/Cargo.lock".into(),
        line: 10 + i as u32,
        expected: Some(format!("sha256:{:064x}", i)),
        logged: (verdict == Verdict::Mismatch).then(|| format!("sha256:{:064x}", i + 1)),
        index: (verdict != Verdict::Missing).then_some(i as u64),
        checkpoint: Some(CheckpointRef {
            log: "log.test".into(),
            size: 99,
            root: "A".repeat(43) + "=",
        }),
        reason: (verdict == Verdict::Unpinned).then(|| "no-digest".to_owned()),
    }
}

fn report(n_mismatch: usize) -> Report {
    let mut r = Report::new("0.1.0");
    r.findings.push(finding(0, Verdict::Match, Action::Pass));
    r.findings.push(finding(1, Verdict::Unpinned, Action::Warn));
    r.findings.push(finding(2, Verdict::Missing, Action::Fail));
    for i in 0..n_mismatch {
        r.findings
            .push(finding(100 + i, Verdict::Mismatch, Action::Fail));
    }
    r.finish();
    r
}

#[test]
fn findings_are_sorted_most_important_first() {
    let r = report(2);
    let order: Vec<Verdict> = r.findings.iter().map(|f| f.verdict).collect();
    assert_eq!(
        order,
        [
            Verdict::Mismatch,
            Verdict::Mismatch,
            Verdict::Missing,
            Verdict::Unpinned,
            Verdict::Match
        ]
    );
    assert!(r.failed());
    assert_eq!(r.files[0].mismatched, 2);
}

#[test]
fn human_output_is_aligned_uncoloured_without_colour_and_ends_with_the_verdict() {
    let r = report(1);
    let out = render_human(&r, false);
    assert!(!out.contains('\x1b'));
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("MISMATCH") || l.starts_with("MISSING"))
        .collect();
    assert_eq!(rows.len(), 2);
    let col = |l: &str| l.find("sub/Cargo.lock").unwrap();
    assert_eq!(col(rows[0]), col(rows[1]), "columns are aligned:\n{out}");
    assert!(
        out.trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("FAILED: 4 entries checked")
    );
    assert!(render_human(&r, true).contains("\x1b[31m"));
}

#[test]
fn markdown_stays_within_its_budget_and_says_how_many_were_omitted() {
    let r = report(5000);
    let budget = 64 * 1024;
    let md = render_markdown(&r, budget);
    assert!(md.len() <= budget, "{} > {budget}", md.len());
    let omitted: usize = md
        .lines()
        .find(|l| l.ends_with("more omitted; see the SARIF or JSON report."))
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let shown = md
        .lines()
        .filter(|l| {
            l.starts_with("| mismatch") || l.starts_with("| missing") || l.starts_with("| unpinned")
        })
        .count();
    assert_eq!(shown + omitted, 5002);
    assert!(!render_markdown(&report(3), 900 * 1024).contains("omitted"));
}

#[test]
fn github_annotations_are_capped_and_escaped() {
    assert_eq!(escape_data("a%b\r\nc"), "a%25b%0D%0Ac");
    assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
    let mut r = report(25);
    r.log_failures.push(LogFailure {
        log: "l".into(),
        message: "bad, very: bad".into(),
        evidence: None,
        entries_not_checked: 1,
    });
    let out = render_github(&r);
    let annotations = out
        .lines()
        .filter(|l| l.starts_with("::error") || l.starts_with("::warning"))
        .count();
    assert_eq!(annotations, MAX_ANNOTATIONS);
    assert!(
        out.contains("::notice title=lockproof::18 more findings omitted"),
        "{out}"
    );
    assert!(
        out.starts_with("::error title=lockproof/log-failure::log l: bad, very: bad"),
        "{out}"
    );
    assert!(out.contains(
        "::error file=sub/Cargo.lock,line=110,endLine=110,title=lockproof/checksum-mismatch::"
    ));
}

#[test]
fn sarif_has_one_rule_per_verdict_kind_and_stable_fingerprints() {
    let sarif: serde_json::Value = serde_json::from_str(&render_sarif(&report(1))).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for r in rules {
        assert!(r["help"]["text"].as_str().unwrap().len() > 10);
        let sev: f64 = r["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&sev));
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3, "matches are not results");
    let m = results
        .iter()
        .find(|r| r["ruleId"] == "checksum-mismatch")
        .unwrap();
    assert_eq!(
        m["partialFingerprints"]["lockproof/v1"],
        "cargo:crate100@1.0.0:checksum-mismatch"
    );
    assert_eq!(
        m["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "sub/Cargo.lock"
    );
    assert_eq!(
        m["locations"][0]["physicalLocation"]["region"]["startLine"],
        110
    );
    assert_eq!(
        rules[m["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "checksum-mismatch"
    );
}

#[test]
fn json_report_carries_the_schema_version() {
    let v: serde_json::Value = serde_json::from_str(&render_json(&report(0))).unwrap();
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);
}
