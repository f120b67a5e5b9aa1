//! The Markdown job summary, kept under GitHub's 1 MiB step-summary cap.

use std::fmt::Write as _;

use crate::report::{Report, Verdict};

/// Byte budget of the summary: GitHub drops a step summary over 1 MiB whole, so stay well
/// below it.
pub const MARKDOWN_BUDGET_BYTES: usize = 900 * 1024;

/// Bytes reserved for the closing "N more omitted" line and the details footer.
const FOOTER_RESERVE: usize = 512;

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// Render the job summary: verdict line, a table per lockfile, the checkpoints, then a
/// `<details>` table of every non-matching finding until `budget` bytes are used, followed by
/// "N more omitted" for the rest.
#[must_use]
pub fn render_markdown(report: &Report, budget: usize) -> String {
    let mut out = String::new();
    let icon = if report.failed() { "❌" } else { "✅" };
    let _ = writeln!(
        out,
        "## lockproof verify\n\n{icon} **{}**\n",
        cell(&report.summary_line())
    );
    if !report.files.is_empty() {
        out.push_str("| lockfile | matched | mismatched | missing | unpinned | skipped |\n");
        out.push_str("|---|---:|---:|---:|---:|---:|\n");
        for s in &report.files {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {} | {} |",
                cell(&s.file),
                s.matched,
                s.mismatched,
                s.missing,
                s.unpinned,
                s.skipped
            );
        }
        out.push('\n');
    }
    for c in &report.checkpoints {
        let _ = writeln!(
            out,
            "- log `{}`: tree size {}, root `{}`",
            cell(&c.log),
            c.size,
            c.root
        );
    }
    for f in &report.log_failures {
        let _ = writeln!(
            out,
            "- **log failure** `{}`: {}",
            cell(&f.log),
            cell(&f.message)
        );
    }
    let problems: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.verdict != Verdict::Match)
        .collect();
    if problems.is_empty() {
        return out;
    }
    out.push_str("\n<details open><summary>Findings</summary>\n\n");
    out.push_str("| verdict | package | location | details |\n|---|---|---|---|\n");
    let mut omitted = 0usize;
    for (i, f) in problems.iter().enumerate() {
        let row = format!(
            "| {} | `{}` | `{}:{}` | {} |\n",
            f.verdict.as_str(),
            cell(&f.identity()),
            cell(&f.file),
            f.line,
            cell(&f.message())
        );
        if out.len() + row.len() + FOOTER_RESERVE > budget {
            omitted = problems.len() - i;
            break;
        }
        out.push_str(&row);
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n{omitted} more omitted; see the SARIF or JSON report."
        );
    }
    out.push_str("\n</details>\n");
    out
}
