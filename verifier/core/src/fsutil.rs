//! Local files: XDG directories and atomic writes.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::Error;

/// Which XDG base directory.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Xdg {
    /// `$XDG_STATE_HOME` (default `~/.local/state`): trust state that must survive cache wipes.
    State,
    /// `$XDG_CACHE_HOME` (default `~/.cache`): verified tiles, safe to delete.
    Cache,
}

/// `<base>/lockproof` for the XDG directory `which`.
///
/// # Errors
/// [`Error::Usage`] when neither the XDG variable nor `HOME` is set to an absolute path.
pub(crate) fn xdg_dir(which: Xdg) -> Result<PathBuf, Error> {
    let (var, fallback) = match which {
        Xdg::State => ("XDG_STATE_HOME", ".local/state"),
        Xdg::Cache => ("XDG_CACHE_HOME", ".cache"),
    };
    if let Some(v) = std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Ok(v.join("lockproof"));
    }
    match std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        Some(home) => Ok(home.join(fallback).join("lockproof")),
        None => Err(Error::Usage(format!("neither {var} nor HOME is set"))),
    }
}

/// A file-name-safe rendering of a log key name (`sum.example.com/log` →
/// `sum.example.com!log`); keeps ASCII letters, digits, `.`, `-`, `_`, `+` and escapes the rest.
pub(crate) fn safe_component(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '-' | '_' | '+' => out.push(c),
            '/' => out.push('!'),
            other => out.push_str(&format!("%{:02x}", u32::from(other) & 0xff)),
        }
    }
    if out.starts_with('.') {
        out.insert(0, '_');
    }
    out
}

/// Write `bytes` to `path` atomically: temp file in the same directory, fsync, rename, fsync
/// the directory. A reader sees the old file or the new one, never a half-written one.
///
/// # Errors
/// [`Error::Io`] naming the file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    write_replace(path, bytes, true)
}

/// Like [`write_atomic`], but without the fsyncs when `durable` is false: for caches, whose
/// content is re-verified on every read, a write lost in a crash only costs a refetch.
pub(crate) fn write_replace(path: &Path, bytes: &[u8], durable: bool) -> Result<(), Error> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.tmp.{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if durable {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if durable && let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// A file write under way on a thread of its own ([`in_background`]).
#[derive(Debug)]
pub struct PendingWrite {
    path: PathBuf,
    writer: Option<std::thread::JoinHandle<Result<(), Error>>>,
}

impl PendingWrite {
    /// Waits until the write is done (durable, if it was a durable write).
    ///
    /// # Errors
    /// [`Error::Io`] if it could not be written.
    pub fn wait(mut self) -> Result<(), Error> {
        self.join()
    }

    fn join(&mut self) -> Result<(), Error> {
        match self.writer.take().map(std::thread::JoinHandle::join) {
            None => Ok(()),
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(Error::io(
                &self.path,
                std::io::Error::other("the writer thread panicked"),
            )),
        }
    }
}

impl Drop for PendingWrite {
    /// A write is never abandoned half-way, even when verification failed meanwhile.
    fn drop(&mut self) {
        let _ = self.join();
    }
}

/// Runs `write` (which writes `path`) on a thread of its own, so its fsyncs overlap the
/// caller's other work.
pub(crate) fn in_background(
    path: PathBuf,
    write: impl FnOnce() -> Result<(), Error> + Send + 'static,
) -> PendingWrite {
    PendingWrite {
        path,
        writer: Some(std::thread::spawn(write)),
    }
}

/// Background writes a caller must wait for before it reports anything that depends on them
/// (the trust state a run advanced). Dropping it also waits, but loses the errors.
#[derive(Debug, Default)]
#[must_use = "wait for the writes before reporting"]
pub struct Pending(Vec<PendingWrite>);

impl Pending {
    /// Adds `write` to the set.
    pub(crate) fn push(&mut self, write: PendingWrite) {
        self.0.push(write);
    }

    /// Adds every write of `other`.
    pub fn extend(&mut self, mut other: Pending) {
        self.0.append(&mut other.0);
    }

    /// Waits for every write, in order; the first failure is the error (the later writes are
    /// still waited for).
    ///
    /// # Errors
    /// [`Error::Io`] naming the file that could not be written.
    pub fn wait(self) -> Result<(), Error> {
        let mut first = Ok(());
        for w in self.0 {
            let r = w.wait();
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}
