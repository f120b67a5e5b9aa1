//! Planning one build: its tree path, `HOME`, environment and wrapper command, from the set of
//! variations it applies. Pure: nothing here touches the file system.
//!
//! The control build pins every variation to its control value; an experiment build flips the
//! variations in its set to their experiment values and leaves the rest at control values, so
//! a build with one variation differs from the control in exactly that respect.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::variation::{Variation, VariationSet};

/// The control build's `SOURCE_DATE_EPOCH` when the caller's environment has none
/// (2023-11-14T22:13:20Z: far from "now", so a leaked wall clock is visible).
pub const DEFAULT_SOURCE_DATE_EPOCH: u64 = 1_700_000_000;

/// How far the `source-date-epoch` variation moves the epoch: 398 days (reprotest's faketime
/// offset, so dates, months and years all change) plus one hour and seven seconds per run.
const EPOCH_SHIFT_SECONDS: u64 = 398 * 86_400;

/// Environment variables that the control pins or that would make builds share state; they are
/// removed from the inherited environment. `LC_*` variables are removed too.
const SCRUBBED_VARIABLES: [&str; 8] = [
    "SOURCE_DATE_EPOCH",
    "TZ",
    "LANG",
    "LANGUAGE",
    "HOME",
    "PWD",
    "OLDPWD",
    "CARGO_TARGET_DIR",
];

/// The name of the noise variable of the `environment` variation.
pub const NOISE_VARIABLE: &str = "LOCKPROOF_REPRO_CAPTURE_ENVIRONMENT";

/// Everything fixed for a whole check: where builds happen, the inherited environment and the
/// control values.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The directory holding build trees, homes, logs and stored artifacts.
    pub work_dir: PathBuf,
    /// The environment builds inherit, before pins and variations.
    pub base_env: Vec<(OsString, OsString)>,
    /// The control build's `SOURCE_DATE_EPOCH`.
    pub source_date_epoch: u64,
    /// The variations this check applies (decides which control pins are in effect).
    pub applied: VariationSet,
    /// The installed locale used by the `locales` variation.
    pub locale: Option<String>,
}

/// The fully planned setup of one build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSpec {
    /// `control`, `experiment-1`, `only-timezone`, …
    pub label: String,
    /// The variations this build applies.
    pub variations: VariationSet,
    /// The absolute path the source is copied to and the command runs in.
    pub tree: PathBuf,
    /// The `HOME` directory (created empty before the build).
    pub home: PathBuf,
    /// The complete environment of the build (nothing else is inherited).
    pub env: Vec<(OsString, OsString)>,
    /// The command line that wraps the build command (taskset, setarch, `sh -c umask …`).
    pub wrapper: Vec<String>,
    /// Whether the tree is mounted through `disorderfs --shuffle-dirents=yes`.
    pub shuffle_dirents: bool,
}

/// The values a build sees; [`Setup::plan`] fills them in. Exposed so reports and the evidence
/// scan can name the exact strings an experiment injected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Values {
    /// `TZ`.
    pub tz: &'static str,
    /// `LANG`, and `LC_ALL` when set.
    pub lang: String,
    /// Whether `LC_ALL` is set to `lang`.
    pub lc_all: bool,
    /// The umask, as an octal string.
    pub umask: &'static str,
    /// `SOURCE_DATE_EPOCH`, or `None` when unset (the wall clock shows through).
    pub source_date_epoch: Option<u64>,
    /// The extra noise variable's value, if any.
    pub noise: Option<String>,
    /// The extra `PATH` entry, if any.
    pub extra_path: Option<String>,
}

impl Setup {
    /// The control build's tree.
    #[must_use]
    pub fn control_tree(&self) -> PathBuf {
        self.work_dir.join("build").join("src")
    }

    /// The values a build with `set` sees in run `run` (1-based; 0 for the control).
    #[must_use]
    pub fn values(&self, set: &VariationSet, run: u32) -> Values {
        let run_u64 = u64::from(run);
        let locale = self
            .locale
            .clone()
            .filter(|_| set.contains(Variation::Locales));
        Values {
            tz: if set.contains(Variation::Timezone) {
                "GMT-14"
            } else {
                "GMT+12"
            },
            lc_all: locale.is_some(),
            lang: locale.unwrap_or_else(|| "C.UTF-8".to_owned()),
            umask: if set.contains(Variation::Umask) {
                "0002"
            } else {
                "0022"
            },
            source_date_epoch: if set.contains(Variation::WallClock) {
                None
            } else if set.contains(Variation::SourceDateEpoch) {
                Some(self.source_date_epoch + EPOCH_SHIFT_SECONDS + run_u64 * 3_607)
            } else {
                Some(self.source_date_epoch)
            },
            noise: set
                .contains(Variation::Environment)
                .then(|| format!("i_capture_the_environment_run{run}")),
            extra_path: set
                .contains(Variation::ExecPath)
                .then(|| format!("/lockproof_repro_capture_the_path_run{run}")),
        }
    }

    /// Plans a build with the variations in `set`, as run number `run` (1-based), labelled
    /// `label`. Only variations in [`Setup::applied`] have any effect.
    #[must_use]
    pub fn plan(&self, label: &str, set: &VariationSet, run: u32) -> BuildSpec {
        let set: VariationSet = set.iter().filter(|v| self.applied.contains(*v)).collect();
        let values = self.values(&set, run);
        let tree = if set.contains(Variation::BuildPath) {
            self.work_dir
                .join(format!("build-experiment-{run}"))
                .join("varied-path")
                .join("src")
        } else {
            self.control_tree()
        };
        let home = if set.contains(Variation::Home) {
            self.work_dir.join(format!("home-experiment-{run}"))
        } else {
            self.work_dir.join("home-control")
        };
        BuildSpec {
            label: label.to_owned(),
            env: self.environment(&values, &home),
            wrapper: self.wrapper(&set, &values),
            shuffle_dirents: set.contains(Variation::FileOrdering),
            variations: set,
            tree,
            home,
        }
    }

    fn environment(&self, values: &Values, home: &Path) -> Vec<(OsString, OsString)> {
        let mut env: Vec<(OsString, OsString)> = self
            .base_env
            .iter()
            .filter(|(k, _)| {
                let k = k.to_string_lossy();
                !SCRUBBED_VARIABLES.contains(&k.as_ref()) && !k.starts_with("LC_")
            })
            .cloned()
            .collect();
        env.extend(toolchain_pins(&self.base_env));
        let mut set = |k: &str, v: OsString| {
            env.retain(|(key, _)| key != k);
            env.push((k.into(), v));
        };
        set("HOME", home.as_os_str().to_owned());
        set("TZ", values.tz.into());
        set("LANG", values.lang.clone().into());
        if values.lc_all {
            set("LC_ALL", values.lang.clone().into());
        }
        if let Some(epoch) = values.source_date_epoch {
            set("SOURCE_DATE_EPOCH", epoch.to_string().into());
        }
        if let Some(noise) = &values.noise {
            set(NOISE_VARIABLE, noise.into());
        }
        if let Some(extra) = &values.extra_path {
            let base = lookup(&self.base_env, "PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
            let mut path = base;
            path.push(":");
            path.push(extra);
            set("PATH", path);
        }
        env.sort();
        env
    }

    fn wrapper(&self, set: &VariationSet, values: &Values) -> Vec<String> {
        let mut argv = Vec::new();
        if self.applied.contains(Variation::NumCpus) && !set.contains(Variation::NumCpus) {
            argv.extend(["taskset", "-c", "0"].map(String::from));
        }
        if self.applied.contains(Variation::Aslr) && !set.contains(Variation::Aslr) {
            argv.extend(["setarch", "-R"].map(String::from));
        }
        argv.extend([
            "sh".to_owned(),
            "-c".to_owned(),
            format!("umask {} && exec \"$@\"", values.umask),
            "lockproof-repro-build".to_owned(),
        ]);
        argv
    }
}

fn lookup(env: &[(OsString, OsString)], key: &str) -> Option<OsString> {
    env.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Toolchain state directories that default to somewhere under `HOME`. They are pinned to
/// their locations under the caller's `HOME`, so the `home` variation changes `HOME` itself and
/// not which toolchain or cache the build finds (rustup, cargo's registry, Go's build cache).
fn toolchain_pins(base: &[(OsString, OsString)]) -> Vec<(OsString, OsString)> {
    let Some(home) = lookup(base, "HOME").map(PathBuf::from) else {
        return Vec::new();
    };
    let mut pins = Vec::new();
    for (var, rel) in [("CARGO_HOME", ".cargo"), ("RUSTUP_HOME", ".rustup")] {
        if lookup(base, var).is_none() && home.join(rel).is_dir() {
            pins.push((var.into(), home.join(rel).into_os_string()));
        }
    }
    if lookup(base, "GOCACHE").is_none() {
        let cache =
            lookup(base, "XDG_CACHE_HOME").map_or_else(|| home.join(".cache"), PathBuf::from);
        pins.push(("GOCACHE".into(), cache.join("go-build").into_os_string()));
    }
    if lookup(base, "GOPATH").is_none() {
        pins.push(("GOPATH".into(), home.join("go").into_os_string()));
    }
    pins
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> Setup {
        Setup {
            work_dir: PathBuf::from("/w"),
            base_env: vec![
                ("PATH".into(), "/usr/bin".into()),
                ("HOME".into(), "/home/u".into()),
                ("LC_TIME".into(), "de_DE".into()),
                ("CARGO_TARGET_DIR".into(), "/shared".into()),
            ],
            source_date_epoch: DEFAULT_SOURCE_DATE_EPOCH,
            applied: VariationSet::all(),
            locale: Some("et_EE.utf8".into()),
        }
    }

    fn get(spec: &BuildSpec, key: &str) -> Option<String> {
        spec.env
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.to_string_lossy().into_owned())
    }

    #[test]
    fn control_pins_every_variation_and_scrubs_shared_state() {
        let spec = setup().plan("control", &VariationSet::none(), 0);
        assert_eq!(spec.tree, PathBuf::from("/w/build/src"));
        assert_eq!(get(&spec, "TZ").as_deref(), Some("GMT+12"));
        assert_eq!(
            get(&spec, "SOURCE_DATE_EPOCH").as_deref(),
            Some("1700000000")
        );
        assert_eq!(get(&spec, "LC_TIME"), None);
        assert_eq!(get(&spec, "CARGO_TARGET_DIR"), None);
        assert_eq!(get(&spec, "GOPATH").as_deref(), Some("/home/u/go"));
        assert_eq!(&spec.wrapper[..5], ["taskset", "-c", "0", "setarch", "-R"]);
        assert!(spec.wrapper.iter().any(|a| a.contains("umask 0022")));
    }

    #[test]
    fn a_single_variation_changes_only_its_own_setting() {
        let s = setup();
        let control = s.plan("control", &VariationSet::none(), 0);
        let tz = s.plan(
            "only-timezone",
            &VariationSet::single(Variation::Timezone),
            1,
        );
        let differing: Vec<_> = tz
            .env
            .iter()
            .filter(|kv| !control.env.contains(kv))
            .collect();
        assert_eq!(differing, vec![&("TZ".into(), "GMT-14".into())]);
        assert_eq!(tz.tree, control.tree);
        assert_eq!(tz.wrapper, control.wrapper);
    }

    #[test]
    fn wall_clock_unsets_source_date_epoch_even_with_the_epoch_variation() {
        let full = setup().plan("experiment-1", &VariationSet::all(), 1);
        assert_eq!(get(&full, "SOURCE_DATE_EPOCH"), None);
        assert_ne!(full.tree, setup().control_tree());
        assert_eq!(full.wrapper[0], "sh");
        assert!(
            get(&full, "PATH")
                .unwrap()
                .ends_with(":/lockproof_repro_capture_the_path_run1")
        );
        assert_eq!(get(&full, "LC_ALL").as_deref(), Some("et_EE.utf8"));
    }

    #[test]
    fn variations_the_host_cannot_apply_have_no_effect() {
        let mut s = setup();
        s.applied.remove(Variation::Locales);
        let spec = s.plan("x", &VariationSet::single(Variation::Locales), 1);
        assert!(spec.variations.is_empty());
        assert_eq!(get(&spec, "LANG").as_deref(), Some("C.UTF-8"));
    }
}
