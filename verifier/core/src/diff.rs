//! PR mode: keep only the lockfile entries added or changed since a git ref.
//!
//! The lockfile is read at `REF` with `git2` (no `git` binary needed) and parsed with the same
//! parser as the working tree; an entry is unchanged when an entry with the same ecosystem,
//! name, version and artifact exists at `REF` with the same digest and pin state. A lockfile
//! that did not exist at `REF` counts as all-new.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use lockproof_lockfile::Entry;

use crate::Error;

fn git_err(e: git2::Error) -> Error {
    Error::Git(e.message().to_owned())
}

/// The repository containing `path` and `path` relative to its work tree (`/`-separated).
///
/// # Errors
/// [`Error::Git`] if `path` is not inside a git work tree.
pub fn repo_relative(path: &Path) -> Result<(git2::Repository, String), Error> {
    let abs = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
    let start = abs.parent().unwrap_or(&abs);
    let repo = git2::Repository::discover(start).map_err(git_err)?;
    let workdir = repo
        .workdir()
        .ok_or_else(|| Error::Git("bare repository has no work tree".to_owned()))?;
    let workdir = std::fs::canonicalize(workdir).map_err(|e| Error::io(workdir, e))?;
    let rel = abs
        .strip_prefix(&workdir)
        .map_err(|_| Error::Git(format!("{} is outside the work tree", abs.display())))?;
    let rel = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/");
    Ok((repo, rel))
}

/// The path to show for a lockfile: relative to its git work tree when inside one, else as
/// given, always `/`-separated.
#[must_use]
pub fn display_path(path: &Path) -> String {
    match repo_relative(path) {
        Ok((_, rel)) => rel,
        Err(_) => {
            let p: PathBuf = path
                .components()
                .filter(|c| !matches!(c, std::path::Component::CurDir))
                .collect();
            p.to_string_lossy().replace('\\', "/")
        }
    }
}

/// The content of the lockfile at `path` as of `rev`, or `None` if it did not exist there.
///
/// # Errors
/// [`Error::Git`] if `rev` does not resolve or the repository cannot be read.
pub fn read_at_rev(path: &Path, rev: &str) -> Result<Option<String>, Error> {
    let (repo, rel) = repo_relative(path)?;
    let tree = repo
        .revparse_single(rev)
        .and_then(|o| o.peel_to_tree())
        .map_err(|e| Error::Git(format!("cannot resolve {rev:?}: {}", e.message())))?;
    let entry = match tree.get_path(Path::new(&rel)) {
        Ok(e) => e,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(git_err(e)),
    };
    let blob = entry
        .to_object(&repo)
        .and_then(|o| o.peel_to_blob())
        .map_err(git_err)?;
    if blob.size() as u64 > lockproof_lockfile::MAX_LOCKFILE_BYTES {
        return Err(Error::Git(format!("{rel} at {rev} is too large")));
    }
    let text = String::from_utf8(blob.content().to_vec())
        .map_err(|_| Error::Git(format!("{rel} at {rev} is not UTF-8")))?;
    Ok(Some(text))
}

type EntryId = (String, String, String, Option<String>);

fn id(e: &Entry) -> EntryId {
    (
        e.ecosystem.name().to_owned(),
        e.name.clone(),
        e.version.clone(),
        e.artifact.clone(),
    )
}

/// Split `current` into entries added or changed relative to `old` (returned) and the number
/// of unchanged ones.
#[must_use]
pub fn changed_entries(current: Vec<Entry>, old: &[Entry]) -> (Vec<Entry>, usize) {
    let old: HashSet<(EntryId, String, String)> = old
        .iter()
        .map(|e| (id(e), format!("{:?}", e.digest), format!("{:?}", e.pin)))
        .collect();
    let before = current.len();
    let changed: Vec<Entry> = current
        .into_iter()
        .filter(|e| !old.contains(&(id(e), format!("{:?}", e.digest), format!("{:?}", e.pin))))
        .collect();
    let skipped = before - changed.len();
    (changed, skipped)
}

/// Entries of the lockfile at `path` added or changed since `rev`, and how many were skipped.
///
/// # Errors
/// [`Error::Git`] for repository problems; [`Error::Usage`] when the old version cannot be
/// parsed.
pub fn changed_since(
    path: &Path,
    current: Vec<Entry>,
    rev: &str,
) -> Result<(Vec<Entry>, usize), Error> {
    let Some(text) = read_at_rev(path, rev)? else {
        return Ok((current, 0));
    };
    let format = lockproof_lockfile::detect(path, &text).ok_or_else(|| {
        Error::Usage(format!(
            "{} at {rev}: unknown lockfile format",
            path.display()
        ))
    })?;
    let old = lockproof_lockfile::parse_str(format, path, &text)
        .map_err(|e| Error::Usage(format!("{} at {rev}: {e}", path.display())))?;
    Ok(changed_entries(current, &old))
}
