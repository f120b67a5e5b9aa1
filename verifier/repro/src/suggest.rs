//! From variations and evidence to causes and concrete fixes.

use std::fmt;

use crate::compare::{DiffKind, Difference};
use crate::variation::{Variation, VariationSet};

/// Why an artifact differs, in words a maintainer acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Cause {
    /// The absolute build path is embedded.
    BuildPath,
    /// The build time is embedded (wall clock or `SOURCE_DATE_EPOCH`).
    Time,
    /// The home directory is embedded (or the build depends on it).
    HomePath,
    /// The time zone shows in the output.
    Timezone,
    /// The locale shows (collation, formatting).
    Locale,
    /// Environment variables are embedded.
    Environment,
    /// `PATH` is embedded.
    ExecPath,
    /// File modes follow the umask.
    Umask,
    /// Directory listing order leaks into the output.
    FileOrdering,
    /// Output depends on the number of CPUs.
    Parallelism,
    /// Output depends on memory addresses.
    AddressLayout,
    /// Output differs with no variation at all.
    Nondeterminism,
}

impl Cause {
    /// The cause a variation points at.
    #[must_use]
    pub fn of(v: Variation) -> Self {
        match v {
            Variation::BuildPath => Cause::BuildPath,
            Variation::WallClock | Variation::SourceDateEpoch => Cause::Time,
            Variation::Home => Cause::HomePath,
            Variation::Timezone => Cause::Timezone,
            Variation::Locales => Cause::Locale,
            Variation::Environment => Cause::Environment,
            Variation::ExecPath => Cause::ExecPath,
            Variation::Umask => Cause::Umask,
            Variation::FileOrdering => Cause::FileOrdering,
            Variation::NumCpus => Cause::Parallelism,
            Variation::Aslr => Cause::AddressLayout,
        }
    }

    /// The name used in reports.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Cause::BuildPath => "build path",
            Cause::Time => "time",
            Cause::HomePath => "home directory",
            Cause::Timezone => "time zone",
            Cause::Locale => "locale",
            Cause::Environment => "environment variables",
            Cause::ExecPath => "PATH",
            Cause::Umask => "umask",
            Cause::FileOrdering => "file ordering",
            Cause::Parallelism => "number of CPUs",
            Cause::AddressLayout => "address-space layout (ASLR)",
            Cause::Nondeterminism => "nondeterminism",
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The toolchain that produced an artifact, as far as its bytes tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Toolchain {
    /// Go (`\xff Go buildinf:` marker).
    Go,
    /// Rust (paths into `/rustc/<hash>/library`, `rust_panic`).
    Rust,
    /// A C/C++ compiler (GCC or Clang in `.comment`).
    C,
    /// Unknown.
    Unknown,
}

impl Toolchain {
    /// Guesses the toolchain from an artifact's bytes.
    #[must_use]
    pub fn detect(bytes: &[u8]) -> Self {
        let has = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
        if !bytes.starts_with(b"\x7fELF") {
            return Toolchain::Unknown;
        }
        if has(b"\xff Go buildinf:") {
            Toolchain::Go
        } else if has(b"/rustc/") || has(b"rust_panic") {
            Toolchain::Rust
        } else if has(b"GCC: (") || has(b"clang version") {
            Toolchain::C
        } else {
            Toolchain::Unknown
        }
    }
}

/// A concrete fix for `cause`, given which variations showed it and the toolchain.
#[must_use]
pub fn suggestion(cause: Cause, variations: &VariationSet, toolchain: Toolchain) -> String {
    let path_fix = |var: &str| match toolchain {
        Toolchain::Rust => format!(
            "map the path away: RUSTFLAGS=\"--remap-path-prefix={var}=/build\" (dependencies: \
             --remap-path-prefix=$CARGO_HOME=/cargo; C code built by build scripts also needs \
             CFLAGS=-ffile-prefix-map={var}=.)"
        ),
        Toolchain::Go => "build with `go build -trimpath` (with cgo also \
                          CGO_CFLAGS=-ffile-prefix-map=$PWD=.)"
            .to_owned(),
        Toolchain::C => format!(
            "compile with -ffile-prefix-map={var}=. (GCC ≥ 8, Clang ≥ 10; covers __FILE__ and \
             debug info), or pass source files by relative path"
        ),
        Toolchain::Unknown => format!(
            "strip the path: Rust RUSTFLAGS=\"--remap-path-prefix={var}=/build\", Go -trimpath, \
             C/C++ -ffile-prefix-map={var}=.; do not record absolute paths in generated files"
        ),
    };
    match cause {
        Cause::BuildPath => path_fix("$PWD"),
        Cause::HomePath => path_fix("$HOME"),
        Cause::Time => {
            let sde = variations.contains(Variation::SourceDateEpoch);
            let wall = variations.contains(Variation::WallClock);
            let how = match toolchain {
                Toolchain::C => "remove __DATE__/__TIME__/__TIMESTAMP__, or rely on SOURCE_DATE_EPOCH, which GCC ≥ 7 and Clang honour for them",
                Toolchain::Rust => "read SOURCE_DATE_EPOCH in build scripts and crates that stamp the time (built, vergen)",
                Toolchain::Go => "derive -ldflags -X stamps from SOURCE_DATE_EPOCH, not `date`",
                Toolchain::Unknown => "archive with `tar --mtime=@$SOURCE_DATE_EPOCH --clamp-mtime`, `gzip -n`, and `touch -d @$SOURCE_DATE_EPOCH` before `zip -X`",
            };
            if sde && !wall {
                format!("the artifact embeds SOURCE_DATE_EPOCH: pin it for every build and publish it with the release (e.g. export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)); {how}")
            } else if wall && !sde {
                format!("the artifact embeds the wall-clock time and ignores SOURCE_DATE_EPOCH: {how}")
            } else {
                format!("the artifact embeds the build time: export SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) for every build, and {how}")
            }
        }
        Cause::Timezone => "pin TZ=UTC in the build, or format times with gmtime/UTC instead of local time".to_owned(),
        Cause::Locale => "pin LC_ALL=C.UTF-8 in the build (collation and number/date formats follow the locale)".to_owned(),
        Cause::Environment => "the build embeds environment variables (env!, os.Environ, a dump of `env`): embed only an explicit allow-list".to_owned(),
        Cause::ExecPath => "the build embeds PATH or tool locations: do not record `which`/PATH output".to_owned(),
        Cause::Umask => "file modes follow the umask: set `umask 022` in the build, or normalise modes when archiving (`tar --mode=go-w,u+rw`, chmod before zip)".to_owned(),
        Cause::FileOrdering => "sort directory listings: `tar --sort=name`, `find … | LC_ALL=C sort`, sorted read_dir/os.ReadDir/glob results".to_owned(),
        Cause::Parallelism => "output depends on the number of CPUs: pin parallelism-dependent settings (Rust codegen-units, order of output appended by parallel jobs)".to_owned(),
        Cause::AddressLayout => "output depends on memory addresses: pointer-keyed hash tables, printed pointers or uninitialised memory".to_owned(),
        Cause::Nondeterminism => "differs with no variation at all: look for randomness, hash-map iteration order (PYTHONHASHSEED, Rust HashMap), thread scheduling, PIDs or sub-second timestamps".to_owned(),
    }
}

/// Fixes that follow from the located differences themselves (archive header fields, order).
#[must_use]
pub fn hints(diffs: &[Difference]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |s: &str| {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    };
    for d in diffs {
        let in_gzip = d.location.iter().any(|l| l == "gzip header");
        match &d.kind {
            DiffKind::Field { field } if in_gzip && (field == "mtime" || field == "name") => {
                add("gzip stores the input's name and mtime: compress with `gzip -n`");
            }
            DiffKind::Field { field } if field.contains("mtime") => add(
                "archive member mtimes differ: clamp them to SOURCE_DATE_EPOCH (`tar --mtime=@$SOURCE_DATE_EPOCH --clamp-mtime`, `touch -d @$SOURCE_DATE_EPOCH` before `zip -X`)",
            ),
            DiffKind::Field { field }
                if matches!(field.as_str(), "uid" | "gid" | "uname" | "gname") =>
            {
                add("archive ownership differs: `tar --owner=0 --group=0 --numeric-owner`");
            }
            DiffKind::Field { field } if field == "mode" => {
                add(
                    "archive member modes differ: normalise them (`tar --mode=go-w,u+rw`) or set umask 022",
                );
            }
            DiffKind::Order => add(
                "archive member order differs: sort members (`tar --sort=name`, `zip` a sorted file list)",
            ),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_trimpath_for_go_and_remap_for_rust() {
        let set = VariationSet::single(Variation::BuildPath);
        assert!(suggestion(Cause::BuildPath, &set, Toolchain::Go).contains("-trimpath"));
        assert!(
            suggestion(Cause::BuildPath, &set, Toolchain::Rust).contains("--remap-path-prefix")
        );
        assert!(suggestion(Cause::BuildPath, &set, Toolchain::C).contains("-ffile-prefix-map"));
    }

    #[test]
    fn time_suggestion_says_whether_source_date_epoch_is_honoured() {
        let wall = VariationSet::single(Variation::WallClock);
        assert!(suggestion(Cause::Time, &wall, Toolchain::C).contains("ignores SOURCE_DATE_EPOCH"));
        let both: VariationSet = [Variation::WallClock, Variation::SourceDateEpoch]
            .into_iter()
            .collect();
        assert!(suggestion(Cause::Time, &both, Toolchain::C).contains("__DATE__"));
    }

    #[test]
    fn detects_toolchains_from_markers() {
        assert_eq!(
            Toolchain::detect(b"\x7fELF....\xff Go buildinf:...."),
            Toolchain::Go
        );
        assert_eq!(
            Toolchain::detect(b"\x7fELF.../rustc/abc/library"),
            Toolchain::Rust
        );
        assert_eq!(
            Toolchain::detect(b"\x7fELF...GCC: (Debian 12.2.0-14) 12.2.0"),
            Toolchain::C
        );
        assert_eq!(Toolchain::detect(b"plain"), Toolchain::Unknown);
    }
}
