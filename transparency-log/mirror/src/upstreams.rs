//! Which upstream answers which keys: one fetcher per ecosystem, and one for Go modules.
//!
//! Built from the server's flags, `--mirror crates,npm,pypi,go[,gem]` and any number of
//! `--upstream NAME=URL` overrides:
//!
//! | name | default | override |
//! |---|---|---|
//! | `crates` (or `cargo`) | `https://index.crates.io/` (sparse index) | `crates=URL` (`sparse+` accepted) |
//! | `npm` | `https://registry.npmjs.org/` | `npm=URL` |
//! | `pypi` | `https://pypi.org/simple/` (PEP 691) | `pypi=URL` |
//! | `go` | GOPROXY `https://proxy.golang.org` (hashes computed with dirhash, as sum.golang.org does) | `go=URL` (a GOPROXY, `file://` allowed), or `go-sumdb=<vkey> <url>` to copy verified records from an upstream checksum database |
//! | `gem` (or `rubygems`) | `https://index.rubygems.org/` (compact index) | `gem=URL` |

use std::collections::HashMap;
use std::sync::Arc;

use lockproof_tlog::VerifierKey;
use lockproof_upstream::{
    CompactIndex, CratesIndex, Ecosystem, GoProxy, GoSumdb, Http, NpmRegistry, PypiSimple,
    RecordKey, SUM_GOLANG_ORG_KEY, Upstream,
};

use crate::Error;

/// The public crates.io sparse index.
pub const CRATES_IO: &str = "https://index.crates.io/";
/// The public npm registry.
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org/";
/// The public PyPI Simple API.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple/";
/// The public Go module proxy.
pub const GO_PROXY: &str = "https://proxy.golang.org";
/// The public Go checksum database.
pub const GO_SUMDB: &str = "https://sum.golang.org";
/// The public RubyGems compact index.
pub const RUBYGEMS: &str = "https://index.rubygems.org/";

/// The upstream for each ecosystem a mirror fills.
#[derive(Clone, Default)]
pub struct Upstreams {
    by_ecosystem: HashMap<Ecosystem, Arc<dyn Upstream>>,
    go: Option<Arc<dyn Upstream>>,
}

impl std::fmt::Debug for Upstreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.by_ecosystem.keys().map(|e| e.as_str()).collect();
        names.sort_unstable();
        if self.go.is_some() {
            names.push("go");
        }
        f.debug_struct("Upstreams")
            .field("ecosystems", &names)
            .finish()
    }
}

/// One `--mirror` name, normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Name {
    Eco(Ecosystem),
    Go,
}

fn parse_name(text: &str) -> Result<Name, Error> {
    Ok(match text.trim() {
        "crates" | "cargo" => Name::Eco(Ecosystem::Cargo),
        "npm" => Name::Eco(Ecosystem::Npm),
        "pypi" => Name::Eco(Ecosystem::Pypi),
        "gem" | "rubygems" => Name::Eco(Ecosystem::Gem),
        "go" => Name::Go,
        other => {
            return Err(Error::Config(format!(
                "unknown upstream {other:?}: expected crates, npm, pypi, go or gem"
            )));
        }
    })
}

impl Upstreams {
    /// No upstreams: nothing is ever filled.
    #[must_use]
    pub fn none() -> Self {
        Self::default()
    }

    /// Adds `upstream` for the keys it answers (its [`Upstream::ecosystem`], or Go modules),
    /// replacing any earlier one.
    pub fn insert(&mut self, upstream: Arc<dyn Upstream>) {
        match upstream.ecosystem() {
            Some(e) => {
                self.by_ecosystem.insert(e, upstream);
            }
            None => self.go = Some(upstream),
        }
    }

    /// The upstream that answers `key`, if this mirror fills its ecosystem.
    #[must_use]
    pub fn for_key(&self, key: &RecordKey) -> Option<&dyn Upstream> {
        match key.ecosystem_kind() {
            Some(e) => self.by_ecosystem.get(&e).map(AsRef::as_ref),
            None => self.go.as_deref(),
        }
    }

    /// The names of the filled ecosystems (`cargo`, `npm`, `pypi`, `gem`, `go`), sorted.
    #[must_use]
    pub fn names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self.by_ecosystem.keys().map(|e| e.as_str()).collect();
        if self.go.is_some() {
            names.push("go");
        }
        names.sort_unstable();
        names
    }

    /// Whether no ecosystem is filled.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_ecosystem.is_empty() && self.go.is_none()
    }

    /// The upstreams for a `--mirror` list (`crates,npm,pypi,go,gem`) with `NAME=URL` overrides
    /// (see the [module docs](self)). An override for an ecosystem not in the list is an error,
    /// so a typo cannot silently leave the default in place.
    ///
    /// # Errors
    /// [`Error::Config`] for an unknown name, a malformed override or `go-sumdb` key.
    pub fn from_flags(mirror: &str, overrides: &[String], http: &Http) -> Result<Self, Error> {
        let mut wanted = Vec::new();
        for name in mirror.split(',').filter(|n| !n.trim().is_empty()) {
            let n = parse_name(name)?;
            if !wanted.contains(&n) {
                wanted.push(n);
            }
        }
        if wanted.is_empty() {
            return Err(Error::Config("--mirror names no ecosystem".into()));
        }
        let mut urls: HashMap<Name, String> = HashMap::new();
        let mut go_sumdb: Option<(VerifierKey, String)> = None;
        for o in overrides {
            let (name, value) = o
                .split_once('=')
                .ok_or_else(|| Error::Config(format!("--upstream {o:?}: expected NAME=URL")))?;
            if name.trim() == "go-sumdb" {
                go_sumdb = Some(parse_sumdb(value)?);
                if !wanted.contains(&Name::Go) {
                    return Err(Error::Config(
                        "--upstream go-sumdb=…: go is not in the --mirror list".into(),
                    ));
                }
                continue;
            }
            let n = parse_name(name)?;
            if !wanted.contains(&n) {
                return Err(Error::Config(format!(
                    "--upstream {o:?}: {} is not in the --mirror list",
                    name.trim()
                )));
            }
            urls.insert(n, value.trim().to_owned());
        }
        let mut out = Self::none();
        for n in wanted {
            let url = urls.get(&n).map(String::as_str);
            let upstream: Arc<dyn Upstream> = match n {
                Name::Eco(Ecosystem::Cargo) => {
                    Arc::new(CratesIndex::new(url.unwrap_or(CRATES_IO), http.clone()))
                }
                Name::Eco(Ecosystem::Npm) => {
                    Arc::new(NpmRegistry::new(url.unwrap_or(NPM_REGISTRY), http.clone()))
                }
                Name::Eco(Ecosystem::Pypi) => {
                    Arc::new(PypiSimple::new(url.unwrap_or(PYPI_SIMPLE), http.clone()))
                }
                Name::Eco(Ecosystem::Gem) => {
                    Arc::new(CompactIndex::new(url.unwrap_or(RUBYGEMS), http.clone()))
                }
                Name::Eco(other) => {
                    return Err(Error::Config(format!("{other} has no upstream")));
                }
                Name::Go => match (&go_sumdb, url) {
                    (Some((key, base)), _) => {
                        Arc::new(GoSumdb::new(base, key.clone(), http.clone()))
                    }
                    (None, url) => Arc::new(GoProxy::new(url.unwrap_or(GO_PROXY), http.clone())),
                },
            };
            out.insert(upstream);
        }
        Ok(out)
    }

    /// The public registries for every ecosystem, as the embedded default log uses them: Go
    /// records are copied (verified) from sum.golang.org rather than recomputed from module
    /// zips. `overrides` work as in [`Upstreams::from_flags`].
    ///
    /// # Errors
    /// As [`Upstreams::from_flags`].
    pub fn public(overrides: &[String], http: &Http) -> Result<Self, Error> {
        let mut overrides = overrides.to_vec();
        if !overrides
            .iter()
            .any(|o| o.starts_with("go=") || o.starts_with("go-sumdb="))
        {
            overrides.push(format!("go-sumdb={SUM_GOLANG_ORG_KEY} {GO_SUMDB}"));
        }
        Self::from_flags("crates,npm,pypi,go,gem", &overrides, http)
    }
}

/// `<vkey> <url>`, as in GOSUMDB.
fn parse_sumdb(value: &str) -> Result<(VerifierKey, String), Error> {
    let mut parts = value.split_whitespace();
    let (Some(key), Some(url), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(Error::Config(format!(
            "go-sumdb={value:?}: expected \"<vkey> <url>\""
        )));
    };
    let key =
        VerifierKey::parse(key).map_err(|e| Error::Config(format!("go-sumdb key {key:?}: {e}")))?;
    Ok((key, url.to_owned()))
}
