//! GitHub workflow-command annotations (`::error file=…,line=…::message`).
//!
//! GitHub keeps at most 10 annotations of each level per step, so only the 10 most important
//! findings are annotated, followed by one notice with the count of the rest. Escaping follows
//! the Actions toolkit's `command.ts`.

use std::fmt::Write as _;

use crate::report::{Action, Report, Verdict};

/// Annotations printed before the rest are summarised in one notice.
pub const MAX_ANNOTATIONS: usize = 10;

/// Escape a workflow-command message: `%`, CR, LF.
#[must_use]
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property value: as [`escape_data`] plus `:` and `,`.
#[must_use]
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Render annotations: log failures and failing findings as `::error`, warnings as `::warning`.
#[must_use]
pub fn render_github(report: &Report) -> String {
    let mut lines: Vec<String> = Vec::new();
    for f in &report.log_failures {
        lines.push(format!(
            "::error title={}::{}",
            escape_property("lockproof/log-failure"),
            escape_data(&format!("log {}: {}", f.log, f.message))
        ));
    }
    for f in report
        .findings
        .iter()
        .filter(|f| f.verdict != Verdict::Match && f.action != Action::Pass)
    {
        let level = if f.action == Action::Fail {
            "error"
        } else {
            "warning"
        };
        lines.push(format!(
            "::{level} file={},line={},endLine={},title={}::{}",
            escape_property(&f.file),
            f.line,
            f.line,
            escape_property(&format!("lockproof/{}", f.verdict.rule_id())),
            escape_data(&f.message())
        ));
    }
    let mut out = String::new();
    let total = lines.len();
    for l in lines.iter().take(MAX_ANNOTATIONS) {
        let _ = writeln!(out, "{l}");
    }
    if total > MAX_ANNOTATIONS {
        let _ = writeln!(
            out,
            "::notice title=lockproof::{}",
            escape_data(&format!(
                "{} more findings omitted; see the SARIF or JSON report",
                total - MAX_ANNOTATIONS
            ))
        );
    }
    let _ = writeln!(out, "{}", report.summary_line());
    out
}
