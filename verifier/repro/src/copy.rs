//! Copying the source tree to a fresh directory: respects `.gitignore`, skips `target/`,
//! `node_modules/` and `.git/`, keeps permissions, symlinks and modification times (so an
//! archive of source files does not pick up the copy time).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use crate::Error;

/// Directory names never copied, at any depth: build outputs and VCS state.
pub const EXCLUDED_DIRS: [&str; 3] = ["target", "node_modules", ".git"];

/// Copies `source` into `dest` (which must not exist yet) and returns the relative paths of the
/// regular files copied.
///
/// # Errors
/// [`Error::Io`] naming the path that could not be read or written; [`Error::Config`] if `dest`
/// lies inside `source`.
pub fn copy_tree(source: &Path, dest: &Path) -> Result<BTreeSet<PathBuf>, Error> {
    let source = source
        .canonicalize()
        .map_err(|e| Error::io("resolve", source, e))?;
    if dest.starts_with(&source) {
        return Err(Error::Config(format!(
            "the work directory {} lies inside the source tree {}",
            dest.display(),
            source.display()
        )));
    }
    fs::create_dir_all(dest).map_err(|e| Error::io("create directory", dest, e))?;
    let walker = ignore::WalkBuilder::new(&source)
        .standard_filters(false)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(false)
        .parents(true)
        .filter_entry(|e| {
            !(e.depth() > 0
                && e.file_type().is_some_and(|t| t.is_dir())
                && EXCLUDED_DIRS.iter().any(|d| e.file_name() == *d))
        })
        .build();
    let mut files = BTreeSet::new();
    let mut dirs = Vec::new();
    for entry in walker {
        let entry =
            entry.map_err(|e| Error::io("walk", &source, std::io::Error::other(e.to_string())))?;
        let Ok(rel) = entry.path().strip_prefix(&source) else {
            continue;
        };
        if rel.as_os_str().is_empty() {
            continue;
        }
        let target = dest.join(rel);
        let meta =
            fs::symlink_metadata(entry.path()).map_err(|e| Error::io("stat", entry.path(), e))?;
        let kind = meta.file_type();
        if kind.is_dir() {
            fs::create_dir_all(&target).map_err(|e| Error::io("create directory", &target, e))?;
            fs::set_permissions(&target, meta.permissions())
                .map_err(|e| Error::io("set permissions", &target, e))?;
            if let Ok(mtime) = meta.modified() {
                dirs.push((target, mtime));
            }
        } else if kind.is_symlink() {
            let link =
                fs::read_link(entry.path()).map_err(|e| Error::io("read link", entry.path(), e))?;
            std::os::unix::fs::symlink(&link, &target)
                .map_err(|e| Error::io("create symlink", &target, e))?;
        } else if kind.is_file() {
            fs::copy(entry.path(), &target).map_err(|e| Error::io("copy", entry.path(), e))?;
            if let Ok(mtime) = meta.modified() {
                let file = fs::File::options()
                    .write(true)
                    .open(&target)
                    .map_err(|e| Error::io("open", &target, e))?;
                file.set_modified(mtime)
                    .map_err(|e| Error::io("set mtime", &target, e))?;
            }
            files.insert(rel.to_path_buf());
        }
        // Sockets, FIFOs and devices are not source; they are skipped.
    }
    // Directory mtimes last, deepest first: creating entries inside updates them.
    for (dir, mtime) in dirs.into_iter().rev() {
        let handle = fs::File::open(&dir).map_err(|e| Error::io("open", &dir, e))?;
        handle
            .set_modified(mtime)
            .map_err(|e| Error::io("set mtime", &dir, e))?;
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_source_but_not_ignored_files_or_build_outputs() {
        let src = tempfile::tempdir().unwrap();
        let root = src.path();
        fs::write(root.join(".gitignore"), "*.log\n/out\n").unwrap();
        fs::write(root.join("main.c"), "int main(){}\n").unwrap();
        fs::write(root.join("build.log"), "noise").unwrap();
        for d in ["target", "node_modules", ".git", "out", "sub"] {
            fs::create_dir(root.join(d)).unwrap();
            fs::write(root.join(d).join("f"), "x").unwrap();
        }
        std::os::unix::fs::symlink("main.c", root.join("link.c")).unwrap();
        let dst = tempfile::tempdir().unwrap();
        let dest = dst.path().join("copy");
        let files = copy_tree(root, &dest).unwrap();
        let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(names, [".gitignore", "main.c", "sub/f"]);
        assert_eq!(
            fs::read_link(dest.join("link.c")).unwrap(),
            PathBuf::from("main.c")
        );
        assert!(!dest.join("target").exists() && !dest.join("out").exists());
        let m1 = fs::metadata(root.join("main.c"))
            .unwrap()
            .modified()
            .unwrap();
        let m2 = fs::metadata(dest.join("main.c"))
            .unwrap()
            .modified()
            .unwrap();
        assert_eq!(m1, m2);
        let d1 = fs::metadata(root.join("sub")).unwrap().modified().unwrap();
        let d2 = fs::metadata(dest.join("sub")).unwrap().modified().unwrap();
        assert_eq!(d1, d2);
    }

    #[test]
    fn refuses_to_copy_a_tree_into_itself() {
        let src = tempfile::tempdir().unwrap();
        let err = copy_tree(src.path(), &src.path().join("work")).unwrap_err();
        assert!(matches!(err, Error::Config(_)));
    }
}
