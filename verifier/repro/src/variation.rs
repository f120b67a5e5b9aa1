//! The variations a rebuild applies, all without privileges, and which of them this host can
//! apply.
//!
//! The set follows reprotest's unprivileged variations (see
//! `shared/reference/repro-and-sigstore.md` §A1), with time varied only through
//! `SOURCE_DATE_EPOCH` and the real clock, never libfaketime (it hangs rustc).

use std::collections::BTreeSet;
use std::fmt;

use crate::Error;

/// One controlled difference between the control build and an experiment build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Variation {
    /// The source tree sits at a different absolute path.
    BuildPath,
    /// `SOURCE_DATE_EPOCH` is unset, so the wall clock shows through.
    WallClock,
    /// `SOURCE_DATE_EPOCH` has a different value.
    SourceDateEpoch,
    /// `HOME` points at a different directory.
    Home,
    /// `TZ` differs (`GMT+12` vs `GMT-14`).
    Timezone,
    /// `LANG`/`LC_ALL` name a different, installed locale.
    Locales,
    /// An extra environment variable with a run-specific value.
    Environment,
    /// `PATH` gains an extra, non-existent directory.
    ExecPath,
    /// The umask differs (`0022` vs `0002`).
    Umask,
    /// Directory entries come back shuffled (`disorderfs --shuffle-dirents=yes`).
    FileOrdering,
    /// The control runs on one CPU (`taskset`), the experiment on all.
    NumCpus,
    /// The control runs with address-space randomisation off (`setarch -R`), the experiment on.
    Aslr,
}

impl Variation {
    /// Every variation, in the order they are tried and reported.
    pub const ALL: [Variation; 12] = [
        Variation::BuildPath,
        Variation::WallClock,
        Variation::SourceDateEpoch,
        Variation::Home,
        Variation::Timezone,
        Variation::Locales,
        Variation::Environment,
        Variation::ExecPath,
        Variation::Umask,
        Variation::FileOrdering,
        Variation::NumCpus,
        Variation::Aslr,
    ];

    /// The name used on the command line and in JSON.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Variation::Environment => "environment",
            Variation::BuildPath => "build-path",
            Variation::Home => "home",
            Variation::Locales => "locales",
            Variation::ExecPath => "exec-path",
            Variation::Timezone => "timezone",
            Variation::Umask => "umask",
            Variation::SourceDateEpoch => "source-date-epoch",
            Variation::WallClock => "wall-clock",
            Variation::NumCpus => "num-cpus",
            Variation::Aslr => "aslr",
            Variation::FileOrdering => "file-ordering",
        }
    }

    /// Parses a name as produced by [`Variation::name`] (underscores are accepted for dashes, as
    /// reprotest spells them).
    ///
    /// # Errors
    /// [`Error::UnknownVariation`] listing the known names.
    pub fn parse(name: &str) -> Result<Self, Error> {
        let norm = name.trim().replace('_', "-");
        Self::ALL
            .into_iter()
            .find(|v| v.name() == norm)
            .ok_or_else(|| Error::UnknownVariation {
                name: name.to_owned(),
                known: Self::ALL.map(Variation::name).join(","),
            })
    }

    /// Whether this variation is about time (both `SOURCE_DATE_EPOCH` and the wall clock).
    #[must_use]
    pub fn is_time(self) -> bool {
        matches!(self, Variation::SourceDateEpoch | Variation::WallClock)
    }
}

impl fmt::Display for Variation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An ordered set of variations.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct VariationSet(BTreeSet<Variation>);

impl VariationSet {
    /// The empty set: a build identical in setup to the control.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Every variation.
    #[must_use]
    pub fn all() -> Self {
        Self(Variation::ALL.into_iter().collect())
    }

    /// Parses a `--vary` list: comma-separated names; `all` adds every variation, `none` clears,
    /// and a leading `-` removes one (`all,-aslr`). A list that starts with a removal starts from
    /// `all`, as reprotest's `--vary=-build_path` does.
    ///
    /// # Errors
    /// [`Error::UnknownVariation`] for an unknown name.
    pub fn parse_list(list: &str) -> Result<Self, Error> {
        let items: Vec<&str> = list
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect();
        let mut set = match items.first() {
            Some(first) if first.starts_with('-') => Self::all(),
            _ => Self::none(),
        };
        for item in items {
            match item {
                "all" => set = Self::all(),
                "none" => set = Self::none(),
                _ => match item.strip_prefix('-') {
                    Some(name) => {
                        set.0.remove(&Variation::parse(name)?);
                    }
                    None => {
                        set.0
                            .insert(Variation::parse(item.strip_prefix('+').unwrap_or(item))?);
                    }
                },
            }
        }
        Ok(set)
    }

    /// A set holding exactly one variation.
    #[must_use]
    pub fn single(v: Variation) -> Self {
        Self(BTreeSet::from([v]))
    }

    /// Whether `v` is in the set.
    #[must_use]
    pub fn contains(&self, v: Variation) -> bool {
        self.0.contains(&v)
    }

    /// Adds `v`.
    pub fn insert(&mut self, v: Variation) {
        self.0.insert(v);
    }

    /// Removes `v`.
    pub fn remove(&mut self, v: Variation) {
        self.0.remove(&v);
    }

    /// The members, in [`Variation`] order.
    pub fn iter(&self) -> impl Iterator<Item = Variation> + '_ {
        self.0.iter().copied()
    }

    /// The number of members.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for VariationSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(none)");
        }
        let names: Vec<&str> = self.iter().map(Variation::name).collect();
        f.write_str(&names.join(","))
    }
}

impl FromIterator<Variation> for VariationSet {
    fn from_iter<I: IntoIterator<Item = Variation>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

/// A variation that was requested but cannot be applied on this host, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    /// The variation.
    pub variation: Variation,
    /// Why it was skipped ("no locale other than C/POSIX is installed (locale -a)", …).
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_name_parses_back_to_its_variation() {
        for v in Variation::ALL {
            assert_eq!(Variation::parse(v.name()).unwrap(), v);
        }
        assert_eq!(
            Variation::parse("build_path").unwrap(),
            Variation::BuildPath
        );
    }

    #[test]
    fn a_list_starting_with_a_removal_starts_from_all() {
        let set = VariationSet::parse_list("-aslr,-num-cpus").unwrap();
        assert_eq!(set.len(), Variation::ALL.len() - 2);
        assert!(!set.contains(Variation::Aslr));
    }

    #[test]
    fn rejects_unknown_variation_names() {
        let err = VariationSet::parse_list("build-path,kernel").unwrap_err();
        assert!(err.to_string().contains("kernel"), "{err}");
    }

    proptest! {
        #[test]
        fn parse_list_never_panics(s in "[a-z_,+-]{0,60}") {
            let _ = VariationSet::parse_list(&s);
        }
    }
}
