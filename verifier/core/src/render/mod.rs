//! Renderers: one [`Report`], five output formats.
//!
//! Every renderer is a pure function from the report to text; the CLI decides where the text
//! goes and whether colour is allowed (`NO_COLOR`, terminal detection).

mod github;
mod human;
mod markdown;
mod sarif;

pub use github::{MAX_ANNOTATIONS, escape_data, escape_property, render_github};
pub use human::render_human;
pub use markdown::{MARKDOWN_BUDGET_BYTES, render_markdown};
pub use sarif::{SARIF_SCHEMA, render_sarif};

use crate::report::Report;

/// The output formats of `lockproof verify --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// Aligned text for a terminal, one-line verdict at the end.
    Human,
    /// The versioned JSON report (`docs/verify-json.md`).
    Json,
    /// SARIF 2.1.0 for code scanning.
    Sarif,
    /// A GitHub job summary (Markdown), capped below 900 KiB.
    Markdown,
    /// GitHub workflow-command annotations.
    Github,
}

impl std::str::FromStr for Format {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            "markdown" => Ok(Format::Markdown),
            "github" => Ok(Format::Github),
            other => Err(format!(
                "unknown format {other:?} (expected human, json, sarif, markdown or github)"
            )),
        }
    }
}

/// Render `report` in `format`. `color` only affects [`Format::Human`].
#[must_use]
pub fn render(report: &Report, format: Format, color: bool) -> String {
    match format {
        Format::Human => render_human(report, color),
        Format::Json => render_json(report),
        Format::Sarif => render_sarif(report),
        Format::Markdown => render_markdown(report, MARKDOWN_BUDGET_BYTES),
        Format::Github => render_github(report),
    }
}

/// The JSON report: `report` serialised as documented in `docs/verify-json.md`.
#[must_use]
pub fn render_json(report: &Report) -> String {
    // Serialising plain structs of strings and integers cannot fail.
    let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
    s.push('\n');
    s
}
