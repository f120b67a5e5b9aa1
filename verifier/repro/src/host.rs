//! What this host can vary: installed locales, CPU count, `taskset`, `setarch -R`, `disorderfs`.
//!
//! Probing runs small commands (`locale -a`, `setarch -R true`, …) once per check; the result
//! decides which requested variations are applied and which are skipped, with the reason.

use std::process::{Command, Stdio};

use crate::variation::{Skipped, Variation, VariationSet};

/// Locales tried for the `locales` variation, in order; the first installed one is used.
/// Estonian is reprotest's choice: its collation differs from English (`z` sorts after `s`).
const PREFERRED_LOCALES: [&str; 5] = [
    "et_EE.UTF-8",
    "fr_FR.UTF-8",
    "de_DE.UTF-8",
    "en_US.UTF-8",
    "en_GB.UTF-8",
];

/// The capabilities of the host that decide which variations apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostCapabilities {
    /// An installed locale other than C/POSIX, as spelled by `locale -a`.
    pub locale: Option<String>,
    /// The number of CPUs this process may run on.
    pub cpus: usize,
    /// Whether `taskset -c 0 true` works.
    pub taskset: bool,
    /// Whether `setarch -R true` works (some seccomp profiles filter `personality(2)`).
    pub setarch: bool,
    /// Why `disorderfs` cannot be used, or `None` when it can.
    pub disorderfs_unusable: Option<String>,
}

impl HostCapabilities {
    /// Probes the host by running small commands.
    #[must_use]
    pub fn probe() -> Self {
        Self {
            locale: find_locale(),
            cpus: std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            taskset: succeeds("taskset", &["-c", "0", "true"]),
            setarch: succeeds("setarch", &["-R", "true"]),
            disorderfs_unusable: disorderfs_problem(),
        }
    }

    /// Splits `requested` into the variations this host can apply and the skipped ones.
    #[must_use]
    pub fn applicable(&self, requested: &VariationSet) -> (VariationSet, Vec<Skipped>) {
        let mut applied = VariationSet::none();
        let mut skipped = Vec::new();
        for v in requested.iter() {
            match self.why_not(v) {
                None => applied.insert(v),
                Some(reason) => skipped.push(Skipped {
                    variation: v,
                    reason,
                }),
            }
        }
        (applied, skipped)
    }

    fn why_not(&self, v: Variation) -> Option<String> {
        match v {
            Variation::Locales if self.locale.is_none() => {
                Some("no locale other than C/POSIX is installed (locale -a)".to_owned())
            }
            Variation::NumCpus if self.cpus < 2 => Some(format!(
                "only {} CPU is available to this process",
                self.cpus
            )),
            Variation::NumCpus if !self.taskset => Some("taskset is missing or fails".to_owned()),
            Variation::Aslr if !self.setarch => {
                Some("setarch -R is missing or personality(2) is filtered".to_owned())
            }
            Variation::FileOrdering => self.disorderfs_unusable.clone(),
            _ => None,
        }
    }
}

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn find_locale() -> Option<String> {
    let out = Command::new("locale")
        .arg("-a")
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let installed: Vec<&str> = text.lines().map(str::trim).collect();
    let norm = |s: &str| s.to_ascii_lowercase().replace("utf-8", "utf8");
    for want in PREFERRED_LOCALES {
        if let Some(found) = installed.iter().find(|l| norm(l) == norm(want)) {
            return Some((*found).to_owned());
        }
    }
    installed
        .iter()
        .find(|l| {
            !matches!(
                l.to_ascii_lowercase().as_str(),
                "c" | "posix" | "c.utf8" | "c.utf-8"
            )
        })
        .map(|l| (*l).to_owned())
}

fn disorderfs_problem() -> Option<String> {
    if !succeeds("sh", &["-c", "command -v disorderfs"]) {
        return Some("disorderfs is not installed".to_owned());
    }
    if !std::path::Path::new("/dev/fuse").exists() {
        return Some("/dev/fuse does not exist (FUSE unavailable, e.g. in a container)".to_owned());
    }
    if !succeeds(
        "sh",
        &["-c", "command -v fusermount || command -v fusermount3"],
    ) {
        return Some("fusermount is not installed".to_owned());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bare_host() -> HostCapabilities {
        HostCapabilities {
            locale: None,
            cpus: 1,
            taskset: true,
            setarch: true,
            disorderfs_unusable: Some("disorderfs is not installed".to_owned()),
        }
    }

    #[test]
    fn skips_locales_cpus_and_file_ordering_on_a_bare_host_with_reasons() {
        let (applied, skipped) = bare_host().applicable(&VariationSet::all());
        assert!(applied.contains(Variation::BuildPath));
        let names: Vec<Variation> = skipped.iter().map(|s| s.variation).collect();
        assert_eq!(
            names,
            vec![
                Variation::Locales,
                Variation::FileOrdering,
                Variation::NumCpus
            ]
        );
        assert!(skipped.iter().all(|s| !s.reason.is_empty()));
    }
}
