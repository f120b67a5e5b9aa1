//! The human format: aligned columns, optional ANSI colour, a final one-line verdict.

use std::fmt::Write as _;

use crate::report::{Action, Report, Verdict};

const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const GREEN: &str = "\x1b[32m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("{code}{text}{RESET}")
    } else {
        text.to_owned()
    }
}

/// Render the report for a terminal. Matches are counted, not listed; every other finding gets
/// one aligned line: verdict, package, `file:line`, details.
#[must_use]
pub fn render_human(report: &Report, color: bool) -> String {
    let mut out = String::new();
    for c in &report.checkpoints {
        let _ = writeln!(
            out,
            "log {}: verified checkpoint, tree size {}, root {}",
            c.log, c.size, c.root
        );
    }
    for f in &report.log_failures {
        let _ = writeln!(
            out,
            "{} log {}: {}",
            paint(color, RED, "LOG FAILURE"),
            f.log,
            f.message
        );
        if let Some(e) = &f.evidence {
            let _ = writeln!(out, "    evidence: {e}");
        }
        if f.entries_not_checked > 0 {
            let _ = writeln!(
                out,
                "    {} entries could not be checked",
                f.entries_not_checked
            );
        }
    }
    let shown: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.verdict != Verdict::Match)
        .collect();
    let rows: Vec<[String; 3]> = shown
        .iter()
        .map(|f| {
            let who = match &f.artifact {
                Some(a) => format!("{}/{} {} {a}", f.ecosystem, f.name, f.version),
                None => format!("{}/{} {}", f.ecosystem, f.name, f.version),
            };
            [
                f.verdict.as_str().to_uppercase(),
                who,
                format!("{}:{}", f.file, f.line),
            ]
        })
        .collect();
    let w0 = rows.iter().map(|r| r[0].len()).max().unwrap_or(0);
    let w1 = rows.iter().map(|r| r[1].chars().count()).max().unwrap_or(0);
    let w2 = rows.iter().map(|r| r[2].chars().count()).max().unwrap_or(0);
    for (f, r) in shown.iter().zip(&rows) {
        let code = match f.action {
            Action::Fail => RED,
            Action::Warn => YELLOW,
            Action::Pass => GREEN,
        };
        let label = paint(color, code, &format!("{:<w0$}", r[0]));
        let detail = match f.verdict {
            Verdict::Mismatch => format!(
                "lockfile {} | log {} (record {}, tree size {})",
                f.expected.as_deref().unwrap_or("?"),
                f.logged.as_deref().unwrap_or("?"),
                f.index.map_or_else(|| "?".to_owned(), |i| i.to_string()),
                f.checkpoint.as_ref().map_or(0, |c| c.size),
            ),
            Verdict::Missing => "not in the log".to_owned(),
            Verdict::Unpinned => crate::report::describe_unpinned(f.reason.as_deref()).to_owned(),
            Verdict::Match => String::new(),
        };
        let _ = writeln!(out, "{label}  {:<w1$}  {:<w2$}  {detail}", r[1], r[2]);
    }
    for s in &report.files {
        let _ = writeln!(
            out,
            "{}: {} matched, {} mismatched, {} missing, {} unpinned{}",
            s.file,
            s.matched,
            s.mismatched,
            s.missing,
            s.unpinned,
            if s.skipped > 0 {
                format!(", {} unchanged skipped", s.skipped)
            } else {
                String::new()
            }
        );
    }
    let line = report.summary_line();
    let code = if report.failed() { RED } else { GREEN };
    let _ = writeln!(out, "{}", paint(color, &format!("{BOLD}{code}"), &line));
    out
}
