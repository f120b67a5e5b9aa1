//! The parts of go.mod that matter for pinning: `require` and `replace` directives.
//!
//! Grammar per <https://go.dev/ref/mod#go-mod-file-grammar>: one directive per line or a
//! parenthesised block, `//` comments, identifiers or Go-quoted strings. Other directives
//! (`module`, `go`, `toolchain`, `godebug`, `exclude`, `retract`, `tool`, `ignore`) are skipped;
//! an unknown directive is an error.

use std::path::Path;

use crate::Error;
use crate::lines::to_u32;

/// A required module version.
#[derive(Debug)]
pub(crate) struct Require {
    pub(crate) module: String,
    pub(crate) version: String,
    pub(crate) line: u32,
}

/// What a module is replaced by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Replacement {
    /// A directory on disk (`=> ./x`, `=> ../x`, `=> /abs`).
    Local,
    /// Another module version.
    Module,
}

/// The `require` and `replace` directives of a go.mod.
#[derive(Debug, Default)]
pub(crate) struct GoMod {
    pub(crate) requires: Vec<Require>,
    replaces: Vec<(String, Option<String>, Replacement)>,
}

impl GoMod {
    /// How `module@version` is replaced, if it is (a version-specific replace wins).
    pub(crate) fn replacement(&self, module: &str, version: &str) -> Option<Replacement> {
        let mut found = None;
        for (m, v, r) in &self.replaces {
            if m == module {
                match v {
                    Some(v) if v == version => return Some(*r),
                    Some(_) => {}
                    None => found = Some(*r),
                }
            }
        }
        found
    }
}

const SKIPPED: &[&str] = &[
    "module",
    "go",
    "toolchain",
    "godebug",
    "exclude",
    "retract",
    "tool",
    "ignore",
];

/// Parse go.mod `text`.
pub(crate) fn parse(path: &Path, text: &str) -> Result<GoMod, Error> {
    let mut out = GoMod::default();
    let mut block: Option<(String, u32)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = to_u32(i + 1);
        let content = raw.split_once("//").map_or(raw, |(c, _)| c).trim();
        if content.is_empty() {
            continue;
        }
        let tokens = tokens(path, line, content)?;
        if let Some((verb, _)) = &block {
            if tokens == [")"] {
                block = None;
                continue;
            }
            let verb = verb.clone();
            directive(path, line, &verb, &tokens, &mut out)?;
            continue;
        }
        let Some((verb, rest)) = tokens.split_first() else {
            continue;
        };
        if rest == ["("] {
            block = Some((verb.clone(), line));
            continue;
        }
        directive(path, line, verb, rest, &mut out)?;
    }
    if let Some((verb, line)) = block {
        return Err(Error::invalid(
            path,
            line,
            verb,
            "block is not closed with ')'",
        ));
    }
    Ok(out)
}

fn directive(
    path: &Path,
    line: u32,
    verb: &str,
    args: &[String],
    out: &mut GoMod,
) -> Result<(), Error> {
    match verb {
        "require" => {
            let [module, version] = args else {
                return Err(Error::invalid(
                    path,
                    line,
                    "require",
                    "want module and version",
                ));
            };
            out.requires.push(Require {
                module: module.clone(),
                version: version.clone(),
                line,
            });
        }
        "replace" => {
            let arrow = args.iter().position(|a| a == "=>");
            let (old, new) = match arrow {
                Some(i) => (&args[..i], &args[i + 1..]),
                None => return Err(Error::invalid(path, line, "replace", "missing '=>'")),
            };
            let (module, version) = match old {
                [m] => (m.clone(), None),
                [m, v] => (m.clone(), Some(v.clone())),
                _ => {
                    return Err(Error::invalid(
                        path,
                        line,
                        "replace",
                        "bad module before '=>'",
                    ));
                }
            };
            let kind = match new {
                [p] if p.starts_with("./") || p.starts_with("../") || p.starts_with('/') => {
                    Replacement::Local
                }
                [_, _] => Replacement::Module,
                _ => {
                    return Err(Error::invalid(
                        path,
                        line,
                        "replace",
                        "bad target after '=>'",
                    ));
                }
            };
            out.replaces.push((module, version, kind));
        }
        v if SKIPPED.contains(&v) => {}
        other => {
            return Err(Error::invalid(
                path,
                line,
                other,
                "unknown go.mod directive",
            ));
        }
    }
    Ok(())
}

/// Split a go.mod line into identifiers, `(`/`)`, `=>` and unquoted strings.
fn tokens(path: &Path, line: u32, content: &str) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    let mut rest = content;
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(out);
        }
        if let Some(r) = rest.strip_prefix('"') {
            let end = r
                .find('"')
                .ok_or_else(|| Error::invalid(path, line, "go.mod", "unterminated string"))?;
            out.push(r[..end].to_owned());
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('`') {
            let end = r
                .find('`')
                .ok_or_else(|| Error::invalid(path, line, "go.mod", "unterminated string"))?;
            out.push(r[..end].to_owned());
            rest = &r[end + 1..];
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
}
