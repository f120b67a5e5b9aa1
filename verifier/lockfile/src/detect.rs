//! Which lockfile format a file is, and finding lockfiles under a directory.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::Error;

/// A lockfile format lockproof parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Format {
    /// `Cargo.lock`, versions 1 to 4.
    CargoLock,
    /// `go.sum`, read together with the `go.mod` next to it (either file may be given).
    GoSum,
    /// `package-lock.json` or `npm-shrinkwrap.json`, lockfileVersion 1 to 3.
    PackageLock,
    /// `yarn.lock` v1 (classic), a line format.
    YarnV1,
    /// `yarn.lock` from Yarn 2+ (Berry), YAML with `__metadata`.
    YarnBerry,
    /// `pnpm-lock.yaml`, lockfileVersion 5.x, 6.x and 9.x.
    PnpmLock,
    /// `poetry.lock`, lock-version 1.x and 2.x.
    PoetryLock,
    /// `uv.lock`, version 1.
    UvLock,
    /// `pylock.toml` / `pylock.<name>.toml` (PEP 751), lock-version 1.0.
    PyLock,
    /// `Pipfile.lock`, pipfile-spec 6.
    PipfileLock,
    /// A pip requirements file (`requirements*.txt`), hashes in `--hash=` options.
    Requirements,
    /// `Gemfile.lock` / `gems.locked`.
    GemfileLock,
    /// `composer.lock`.
    ComposerLock,
}

impl Format {
    /// A stable kebab-case name (`cargo-lock`, `go-sum`, `package-lock`, `yarn-v1`,
    /// `yarn-berry`, `pnpm-lock`, `poetry-lock`, `uv-lock`, `pylock`, `pipfile-lock`,
    /// `requirements`, `gemfile-lock`, `composer-lock`).
    pub fn name(self) -> &'static str {
        match self {
            Format::CargoLock => "cargo-lock",
            Format::GoSum => "go-sum",
            Format::PackageLock => "package-lock",
            Format::YarnV1 => "yarn-v1",
            Format::YarnBerry => "yarn-berry",
            Format::PnpmLock => "pnpm-lock",
            Format::PoetryLock => "poetry-lock",
            Format::UvLock => "uv-lock",
            Format::PyLock => "pylock",
            Format::PipfileLock => "pipfile-lock",
            Format::Requirements => "requirements",
            Format::GemfileLock => "gemfile-lock",
            Format::ComposerLock => "composer-lock",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The format a file name alone identifies, for the names tools write (`Cargo.lock`,
/// `go.sum`, `go.mod`, …, `requirements*.txt`). `yarn.lock` is `None`: v1 and Berry need the
/// content.
pub fn detect_by_name(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?;
    let format = match name {
        "Cargo.lock" => Format::CargoLock,
        "go.sum" | "go.mod" => Format::GoSum,
        "package-lock.json" | "npm-shrinkwrap.json" => Format::PackageLock,
        "pnpm-lock.yaml" => Format::PnpmLock,
        "poetry.lock" => Format::PoetryLock,
        "uv.lock" => Format::UvLock,
        "pylock.toml" => Format::PyLock,
        "Pipfile.lock" => Format::PipfileLock,
        "Gemfile.lock" | "gems.locked" => Format::GemfileLock,
        "composer.lock" => Format::ComposerLock,
        _ if name.starts_with("pylock.") && name.ends_with(".toml") => Format::PyLock,
        _ if name.starts_with("requirements") && name.ends_with(".txt") => Format::Requirements,
        _ => return None,
    };
    Some(format)
}

/// The format of a file, from its name and its content.
///
/// The name decides when it is a name tools write (see [`detect_by_name`]); `yarn.lock` and
/// unknown names are decided by content markers (`# yarn lockfile v1`, `__metadata:`,
/// `"lockfileVersion"`, `lock-version`, a go.sum line, …). Never panics, on any input.
pub fn detect(path: &Path, content: &str) -> Option<Format> {
    if let Some(format) = detect_by_name(path) {
        return Some(format);
    }
    detect_by_content(content)
}

fn detect_by_content(content: &str) -> Option<Format> {
    let text = content.strip_prefix('\u{feff}').unwrap_or(content);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#') && l != &"---")
        .unwrap_or("");
    if text.lines().any(|l| l.trim() == "# yarn lockfile v1") {
        return Some(Format::YarnV1);
    }
    if first.starts_with('{') {
        return if text.contains("\"lockfileVersion\"") {
            Some(Format::PackageLock)
        } else if text.contains("\"pipfile-spec\"") {
            Some(Format::PipfileLock)
        } else if text.contains("\"content-hash\"") {
            Some(Format::ComposerLock)
        } else {
            None
        };
    }
    if first.starts_with("__metadata:") || text.lines().any(|l| l == "__metadata:") {
        return Some(Format::YarnBerry);
    }
    if first.starts_with("lockfileVersion:") {
        return Some(Format::PnpmLock);
    }
    let has_line = |prefix: &str| text.lines().any(|l| l.starts_with(prefix));
    if has_line("[[package]]") || has_line("version = ") || has_line("[metadata]") {
        if has_line("lock-version = ") && has_line("[[packages]]") {
            return Some(Format::PyLock);
        }
        if has_line("content-hash = ") || text.contains("\nlock-version = ") {
            return Some(Format::PoetryLock);
        }
        if has_line("requires-python = ") {
            return Some(Format::UvLock);
        }
        return Some(Format::CargoLock);
    }
    if has_line("lock-version = ") && has_line("[[packages]]") {
        return Some(Format::PyLock);
    }
    if has_line("BUNDLED WITH") || (has_line("GEM") && has_line("  specs:")) {
        return Some(Format::GemfileLock);
    }
    let mut fields = first.split(' ');
    if let (Some(_), Some(v), Some(h), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
        && v.starts_with('v')
        && h.starts_with("h1:")
    {
        return Some(Format::GoSum);
    }
    if text.contains("--hash=") {
        return Some(Format::Requirements);
    }
    None
}

/// Directory names [`discover`] never descends into: installed dependencies, build output and
/// version-control metadata.
pub const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "vendor", ".git"];

/// Limit on directory depth for [`discover`], so a symlink-free but absurdly deep tree cannot
/// make it run forever.
pub const MAX_DISCOVER_DEPTH: usize = 64;

/// Every lockfile under `root`, sorted: files whose name [`detect_by_name`] knows, plus
/// `yarn.lock`. A `go.mod` is listed only when no `go.sum` sits next to it (parsing either reads
/// both). Skips [`SKIPPED_DIRS`] and does not follow symbolic links.
///
/// # Errors
/// [`Error::Io`] if a directory cannot be read.
pub fn discover(root: &Path) -> Result<Vec<PathBuf>, Error> {
    let mut found = Vec::new();
    walk(root, 0, &mut found)?;
    found.sort();
    Ok(found)
}

fn walk(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), Error> {
    if depth > MAX_DISCOVER_DEPTH {
        return Ok(());
    }
    let io = |source| Error::Io {
        file: dir.to_path_buf(),
        source,
    };
    let mut entries = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(io)?;
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let path = entry.path();
        let kind = entry.file_type().map_err(io)?;
        let name = entry.file_name();
        if kind.is_dir() {
            if !SKIPPED_DIRS.iter().any(|s| name == **s) {
                walk(&path, depth + 1, found)?;
            }
        } else if kind.is_file() {
            let wanted = name == "yarn.lock"
                || (name == "go.mod" && !dir.join("go.sum").is_file())
                || (name != "go.mod" && detect_by_name(&path).is_some());
            if wanted {
                found.push(path);
            }
        }
    }
    Ok(())
}
