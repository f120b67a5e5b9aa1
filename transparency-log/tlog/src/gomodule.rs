//! Go module paths and versions, as the Go checksum database accepts them.
//!
//! Follows `golang.org/x/mod/module` (`CheckPath`, `Check`, `EscapePath`, `EscapeVersion`,
//! <https://pkg.go.dev/golang.org/x/mod/module#CheckPath>) and `golang.org/x/mod/semver`:
//! - path: `/`-separated elements of `[A-Za-z0-9._~-]`, no empty/`.`/`..` element, no leading
//!   or trailing dot in an element, no leading dash, no Windows-reserved names (`CON`, `COM1`,
//!   …) or short names (`abc~1`); the first element has a dot and only `[a-z0-9.-]`; a major
//!   version suffix `/vN` (or `.vN` for `gopkg.in/`) is canonical (N ≥ 2, no leading zero);
//! - version: canonical semantic version `vMAJOR.MINOR.PATCH[-prerelease][+incompatible]`,
//!   with no leading zeros, consistent with the path's major suffix.

use crate::Error;
use crate::escape::{escape_case, unescape_case};

/// Longest accepted module path, in bytes. Go sets no limit; 4096 bounds work on input and is
/// far above any real module path.
pub const MAX_MODULE_PATH_LEN: usize = 4096;

/// Longest accepted version, in bytes (pseudo-versions are about 40 bytes).
pub const MAX_MODULE_VERSION_LEN: usize = 256;

/// Checks a module path as Go's `module.CheckPath` does.
///
/// # Errors
/// [`Error::Malformed`] naming the rule broken.
pub fn check_path(path: &str) -> Result<(), Error> {
    if path.len() > MAX_MODULE_PATH_LEN {
        return Err(bad_path(path, "too long"));
    }
    if path.is_empty() {
        return Err(bad_path(path, "empty"));
    }
    if path.starts_with('-') {
        return Err(bad_path(path, "leading dash"));
    }
    if path.contains("//") {
        return Err(bad_path(path, "double slash"));
    }
    if path.ends_with('/') {
        return Err(bad_path(path, "trailing slash"));
    }
    for elem in path.split('/') {
        check_elem(path, elem)?;
    }
    let first = path.split('/').next().unwrap_or_default();
    if !first.contains('.') {
        return Err(bad_path(path, "missing dot in first path element"));
    }
    if !first
        .bytes()
        .all(|b| b == b'-' || b == b'.' || b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        return Err(bad_path(path, "invalid char in first path element"));
    }
    if split_path_version(path).is_none() {
        return Err(bad_path(path, "invalid major version suffix"));
    }
    Ok(())
}

/// Checks that `version` is a canonical semantic version valid for module `path`
/// (`vN.N.N[-pre][+incompatible]`; Go `module.Check`).
///
/// # Errors
/// [`Error::Malformed`] naming the rule broken.
pub fn check_version(path: &str, version: &str) -> Result<(), Error> {
    if version.len() > MAX_MODULE_VERSION_LEN {
        return Err(bad_version(version, "too long"));
    }
    let (core, incompatible) = match version.strip_suffix("+incompatible") {
        Some(core) => (core, true),
        None => (version, false),
    };
    let major = parse_canonical_semver(core)
        .ok_or_else(|| bad_version(version, "not a canonical semantic version"))?;
    let suffix =
        split_path_version(path).ok_or_else(|| bad_path(path, "invalid major version suffix"))?;
    let ok = match suffix {
        PathMajor::None => major <= 1 && !incompatible || major >= 2 && incompatible,
        PathMajor::Slash(n) => !incompatible && major == n,
        // gopkg.in/….v1 modules may use v0.0.0- pseudo-versions (Go `module.MatchPathMajor`).
        PathMajor::GopkgIn(n) => {
            !incompatible && (major == n || n == 1 && version.starts_with("v0.0.0-"))
        }
    };
    if !ok {
        return Err(bad_version(
            version,
            "major version does not match the module path",
        ));
    }
    Ok(())
}

/// Escapes a valid module path for lookup URLs (Go `module.EscapePath`).
///
/// # Errors
/// [`Error::Malformed`] if the path is not valid ([`check_path`]).
pub fn escape_path(path: &str) -> Result<String, Error> {
    check_path(path)?;
    escape_case(path)
}

/// Unescapes and validates an escaped module path (Go `module.UnescapePath`).
///
/// # Errors
/// [`Error::Malformed`] if the escaping is not canonical or the path is invalid.
pub fn unescape_path(escaped: &str) -> Result<String, Error> {
    let path = unescape_case(escaped)?;
    check_path(&path)?;
    Ok(path)
}

/// Escapes a version for lookup URLs (Go `module.EscapeVersion`). The version is checked only
/// for characters here; use [`check_version`] for semantic-version validity.
///
/// # Errors
/// [`Error::Malformed`] if the version is empty, too long, has a character outside
/// `[A-Za-z0-9.+-~_]`, is only dots, ends in a dot, or is a Windows reserved name (Go
/// `checkElem` for file names).
pub fn escape_version(version: &str) -> Result<String, Error> {
    check_version_chars(version)?;
    escape_case(version)
}

/// Unescapes an escaped version (Go `module.UnescapeVersion`).
///
/// # Errors
/// [`Error::Malformed`] if the escaping is not canonical or the characters are invalid.
pub fn unescape_version(escaped: &str) -> Result<String, Error> {
    let version = unescape_case(escaped)?;
    check_version_chars(&version)?;
    Ok(version)
}

/// Go `checkElem(version, filePath)`, restricted to the characters semantic versions use.
fn check_version_chars(version: &str) -> Result<(), Error> {
    if version.is_empty() || version.len() > MAX_MODULE_VERSION_LEN {
        return Err(bad_version(version, "empty or too long"));
    }
    if !version
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'~' | b'_'))
    {
        return Err(bad_version(version, "invalid character"));
    }
    if version.bytes().all(|b| b == b'.') || version.ends_with('.') {
        return Err(bad_version(version, "dots only or trailing dot"));
    }
    if is_windows_reserved(version) {
        return Err(bad_version(version, "Windows reserved name"));
    }
    Ok(())
}

/// Whether the part of `elem` before its first dot is a Windows reserved device name.
fn is_windows_reserved(elem: &str) -> bool {
    const BAD_WINDOWS_NAMES: [&str; 22] = [
        "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
        "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
    ];
    let short = elem.split('.').next().unwrap_or_default();
    BAD_WINDOWS_NAMES
        .iter()
        .any(|b| b.eq_ignore_ascii_case(short))
}

/// Go `checkElem` for module paths.
fn check_elem(path: &str, elem: &str) -> Result<(), Error> {
    if elem.is_empty() {
        return Err(bad_path(path, "empty path element"));
    }
    if elem.bytes().all(|b| b == b'.') {
        return Err(bad_path(path, "invalid path element"));
    }
    if elem.starts_with('.') {
        return Err(bad_path(path, "leading dot in path element"));
    }
    if elem.ends_with('.') {
        return Err(bad_path(path, "trailing dot in path element"));
    }
    if !elem
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
    {
        return Err(bad_path(path, "invalid char in path element"));
    }
    if is_windows_reserved(elem) {
        return Err(bad_path(
            path,
            "disallowed path element (Windows reserved name)",
        ));
    }
    let short = elem.split('.').next().unwrap_or_default();
    if let Some(tilde) = short.rfind('~')
        && tilde + 1 < short.len()
        && short[tilde + 1..].bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad_path(path, "trailing tilde and digits in path element"));
    }
    Ok(())
}

/// The major-version suffix of a module path.
enum PathMajor {
    /// No suffix: major version 0 or 1 (or ≥ 2 with `+incompatible`).
    None,
    /// `/vN`, N ≥ 2.
    Slash(u64),
    /// `gopkg.in/….vN`, N ≥ 0.
    GopkgIn(u64),
}

/// Go `module.SplitPathVersion`, returning only the parsed suffix; `None` if invalid.
fn split_path_version(path: &str) -> Option<PathMajor> {
    let b = path.as_bytes();
    if path.starts_with("gopkg.in/") {
        let mut i = b.len();
        while i > 0 && b[i - 1].is_ascii_digit() {
            i -= 1;
        }
        if i <= 1 || b[i - 1] != b'v' || b[i - 2] != b'.' {
            return None;
        }
        let digits = &path[i..];
        if digits.is_empty() || (digits.starts_with('0') && digits != "0") {
            return None;
        }
        return digits.parse().ok().map(PathMajor::GopkgIn);
    }
    let mut i = b.len();
    let mut dot = false;
    while i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        dot |= b[i - 1] == b'.';
        i -= 1;
    }
    if i <= 1 || i == b.len() || b[i - 1] != b'v' || b[i - 2] != b'/' {
        return Some(PathMajor::None);
    }
    let digits = &path[i..];
    if dot || digits.starts_with('0') || digits == "1" {
        return None;
    }
    digits.parse().ok().map(PathMajor::Slash)
}

/// Parses `vMAJOR.MINOR.PATCH[-prerelease]` in canonical form (no build metadata); returns
/// the major version.
fn parse_canonical_semver(v: &str) -> Option<u64> {
    let rest = v.strip_prefix('v')?;
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let mut nums = core.split('.');
    let major = canonical_number(nums.next()?)?;
    canonical_number(nums.next()?)?;
    canonical_number(nums.next()?)?;
    if nums.next().is_some() {
        return None;
    }
    if let Some(pre) = pre {
        for ident in pre.split('.') {
            if ident.is_empty()
                || !ident
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return None;
            }
            if ident.bytes().all(|b| b.is_ascii_digit())
                && ident.len() > 1
                && ident.starts_with('0')
            {
                return None;
            }
        }
    }
    Some(major)
}

fn canonical_number(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

fn bad_path(path: &str, reason: &str) -> Error {
    Error::Malformed {
        what: "module path",
        reason: format!("{reason}: {:?}", truncate(path)),
    }
}

fn bad_version(version: &str, reason: &str) -> Error {
    Error::Malformed {
        what: "module version",
        reason: format!("{reason}: {:?}", truncate(version)),
    }
}

/// At most 128 bytes of untrusted text for an error message (on a char boundary).
pub(crate) fn truncate(s: &str) -> &str {
    let mut end = s.len().min(128);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}
