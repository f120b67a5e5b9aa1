//! Verification policy: which logs to ask, which witnesses must cosign, and what each verdict
//! does to the run.
//!
//! Two sources feed one [`Policy`]:
//!
//! * a policy text file (`--policy FILE`), in the line format of C2SP tlog-policy / Sigsum
//!   policies extended with lockproof's verdict actions:
//!
//!   ```text
//!   # comments start with '#'
//!   log <vkey> <url-or-dir> [ecosystem ...]   # no ecosystems = serves all
//!   witness <name> <vkey> [url]
//!   quorum <k|all|none>                        # k witness cosignatures required
//!   mismatch fail|warn|ignore
//!   missing  fail|warn|ignore
//!   unpinned fail|warn|ignore
//!   ```
//!
//! * `lockproof.toml`'s `[verify]` table with the same fields (`logs`, `witnesses`, `quorum`,
//!   `mismatch`, `missing`, `unpinned`, and optionally `policy = "FILE"` pointing at a text
//!   policy relative to the TOML file).
//!
//! Defaults: mismatch = fail, missing = fail, unpinned = warn, quorum none.

use std::path::{Path, PathBuf};

use crate::Error;
use crate::report::{Action, Verdict};

/// Largest policy file accepted.
pub const MAX_POLICY_BYTES: usize = 1 << 20;
/// Most logs or witnesses in one policy (the signed-note format caps signatures near this).
pub const MAX_POLICY_ENTRIES: usize = 100;

/// One log the verifier may ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSpec {
    /// Verifier key text `<name>+<keyid>+<base64>`.
    pub vkey: String,
    /// `http(s)://…` base URL or a local log directory.
    pub location: String,
    /// Ecosystems served; empty means all.
    pub ecosystems: Vec<String>,
}

impl LogSpec {
    /// Parse `--log "<vkey> <url>"`.
    ///
    /// # Errors
    /// [`Error::Usage`] unless the text is exactly two space-separated fields.
    pub fn parse_flag(text: &str) -> Result<Self, Error> {
        let fields: Vec<&str> = text.split_whitespace().collect();
        match fields.as_slice() {
            [vkey, location] => Ok(LogSpec {
                vkey: (*vkey).to_owned(),
                location: (*location).to_owned(),
                ecosystems: Vec::new(),
            }),
            _ => Err(Error::Usage(format!(
                "--log {text:?}: expected \"<vkey> <url-or-dir>\""
            ))),
        }
    }

    /// The log's key name (the part of the vkey before the first `+`).
    #[must_use]
    pub fn name(&self) -> &str {
        self.vkey.split('+').next().unwrap_or("")
    }

    /// Whether this log serves `ecosystem`.
    #[must_use]
    pub fn serves(&self, ecosystem: &str) -> bool {
        self.ecosystems.is_empty() || self.ecosystems.iter().any(|e| e == ecosystem)
    }
}

/// A witness whose cosignatures count towards the quorum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessSpec {
    /// The witness's name (informational).
    pub name: String,
    /// Its cosignature verifier key text.
    pub vkey: String,
}

/// What each verdict does to the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actions {
    /// Action for `mismatch` (default fail).
    pub mismatch: Action,
    /// Action for `missing` (default fail).
    pub missing: Action,
    /// Action for `unpinned` (default warn).
    pub unpinned: Action,
}

impl Default for Actions {
    fn default() -> Self {
        Actions {
            mismatch: Action::Fail,
            missing: Action::Fail,
            unpinned: Action::Warn,
        }
    }
}

impl Actions {
    /// The action for `verdict`.
    #[must_use]
    pub fn for_verdict(&self, verdict: Verdict) -> Action {
        match verdict {
            Verdict::Match => Action::Pass,
            Verdict::Mismatch => self.mismatch,
            Verdict::Missing => self.missing,
            Verdict::Unpinned => self.unpinned,
        }
    }

    /// Set the action for `verdict` by its name (`mismatch`, `missing`, `unpinned`).
    ///
    /// # Errors
    /// A message when the verdict or action name is unknown.
    pub fn set(&mut self, verdict: &str, action: &str) -> Result<(), String> {
        let a = parse_action(action)?;
        match verdict {
            "mismatch" => self.mismatch = a,
            "missing" => self.missing = a,
            "unpinned" => self.unpinned = a,
            other => return Err(format!("unknown verdict {other:?}")),
        }
        Ok(())
    }
}

fn parse_action(s: &str) -> Result<Action, String> {
    match s {
        "fail" => Ok(Action::Fail),
        "warn" => Ok(Action::Warn),
        "ignore" | "pass" => Ok(Action::Pass),
        other => Err(format!(
            "unknown action {other:?} (expected fail, warn or ignore)"
        )),
    }
}

/// The witness quorum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Quorum {
    /// No cosignatures required.
    #[default]
    None,
    /// At least this many distinct listed witnesses must cosign.
    AtLeast(usize),
    /// Every listed witness must cosign.
    All,
}

/// The merged policy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// Logs, in the order given.
    pub logs: Vec<LogSpec>,
    /// Witnesses.
    pub witnesses: Vec<WitnessSpec>,
    /// Required cosignatures.
    pub quorum: Quorum,
    /// Verdict actions.
    pub actions: Actions,
}

impl Policy {
    /// How many witness cosignatures the quorum needs.
    #[must_use]
    pub fn required_cosignatures(&self) -> usize {
        match self.quorum {
            Quorum::None => 0,
            Quorum::AtLeast(k) => k,
            Quorum::All => self.witnesses.len(),
        }
    }

    /// The first log serving `ecosystem`.
    #[must_use]
    pub fn log_for(&self, ecosystem: &str) -> Option<usize> {
        self.logs.iter().position(|l| l.serves(ecosystem))
    }

    /// Parse a policy text file. Relative log directories are resolved against the file's
    /// directory.
    ///
    /// # Errors
    /// [`Error::Io`] when unreadable; [`Error::Policy`] with the line for any malformed line.
    pub fn load_text(path: &Path) -> Result<Self, Error> {
        let text = read_capped(path)?;
        let mut p = Policy::default();
        p.merge_text(path, &text)?;
        Ok(p)
    }

    /// Merge the lines of a policy text into `self`.
    ///
    /// # Errors
    /// [`Error::Policy`] naming `file` and the line.
    pub fn merge_text(&mut self, file: &Path, text: &str) -> Result<(), Error> {
        let err = |line: usize, reason: String| Error::Policy {
            file: file.to_path_buf(),
            line,
            reason,
        };
        let base = file.parent().unwrap_or(Path::new("."));
        for (i, raw) in text.lines().enumerate() {
            let n = i + 1;
            let line = raw.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            if line.chars().any(char::is_control) {
                return Err(err(n, "control character".to_owned()));
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                ["log", vkey, location, ecos @ ..] => {
                    check_vkey(vkey).map_err(|r| err(n, r))?;
                    self.logs.push(LogSpec {
                        vkey: (*vkey).to_owned(),
                        location: resolve_location(base, location),
                        ecosystems: ecos.iter().map(|e| (*e).to_owned()).collect(),
                    });
                }
                ["witness", name, vkey, ..] if f.len() <= 4 => {
                    check_vkey(vkey).map_err(|r| err(n, r))?;
                    self.witnesses.push(WitnessSpec {
                        name: (*name).to_owned(),
                        vkey: (*vkey).to_owned(),
                    });
                }
                ["quorum", q] => self.quorum = parse_quorum(q).map_err(|r| err(n, r))?,
                [verdict @ ("mismatch" | "missing" | "unpinned"), action] => {
                    self.actions.set(verdict, action).map_err(|r| err(n, r))?;
                }
                _ => return Err(err(n, format!("unrecognised policy line {line:?}"))),
            }
            if self.logs.len() > MAX_POLICY_ENTRIES || self.witnesses.len() > MAX_POLICY_ENTRIES {
                return Err(err(
                    n,
                    format!("more than {MAX_POLICY_ENTRIES} logs or witnesses"),
                ));
            }
        }
        self.validate(file)
    }

    /// Parse `lockproof.toml` and merge its `[verify]` table into `self`.
    ///
    /// # Errors
    /// [`Error::Io`] when unreadable; [`Error::Policy`] when malformed (TOML errors carry the
    /// line in their message).
    pub fn merge_toml(&mut self, path: &Path) -> Result<(), Error> {
        let text = read_capped(path)?;
        let err = |line: usize, reason: String| Error::Policy {
            file: path.to_path_buf(),
            line,
            reason,
        };
        let line_of = |key: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(key))
                .map_or(0, |i| i + 1)
        };
        let doc: toml::Table =
            toml::from_str(&text).map_err(|e| err(0, e.to_string().trim().to_owned()))?;
        let Some(v) = doc.get("verify") else {
            return Ok(());
        };
        let Some(v) = v.as_table() else {
            return Err(err(
                line_of("verify"),
                "`verify` must be a table".to_owned(),
            ));
        };
        let base = path.parent().unwrap_or(Path::new("."));
        for (k, val) in v {
            let n = line_of(k);
            let s = |val: &toml::Value| {
                val.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| err(n, format!("`{k}` must be a string")))
            };
            match k.as_str() {
                "mismatch" | "missing" | "unpinned" => {
                    self.actions.set(k, &s(val)?).map_err(|r| err(n, r))?;
                }
                "quorum" => {
                    let q = match val {
                        toml::Value::Integer(i) => i.to_string(),
                        other => s(other)?,
                    };
                    self.quorum = parse_quorum(&q).map_err(|r| err(n, r))?;
                }
                "policy" => {
                    let p = base.join(s(val)?);
                    let t = read_capped(&p)?;
                    self.merge_text(&p, &t)?;
                }
                "logs" => {
                    for t in val.as_array().into_iter().flatten() {
                        let get =
                            |f: &str| t.get(f).and_then(toml::Value::as_str).map(str::to_owned);
                        let (Some(vkey), Some(url)) = (get("key"), get("url")) else {
                            return Err(err(n, "each of `logs` needs `key` and `url`".to_owned()));
                        };
                        check_vkey(&vkey).map_err(|r| err(n, r))?;
                        let ecosystems = t
                            .get("ecosystems")
                            .and_then(toml::Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|e| e.as_str().map(str::to_owned))
                                    .collect()
                            })
                            .unwrap_or_default();
                        self.logs.push(LogSpec {
                            vkey,
                            location: resolve_location(base, &url),
                            ecosystems,
                        });
                    }
                }
                "witnesses" => {
                    for t in val.as_array().into_iter().flatten() {
                        let get =
                            |f: &str| t.get(f).and_then(toml::Value::as_str).map(str::to_owned);
                        let (Some(name), Some(vkey)) = (get("name"), get("key")) else {
                            return Err(err(
                                n,
                                "each of `witnesses` needs `name` and `key`".to_owned(),
                            ));
                        };
                        check_vkey(&vkey).map_err(|r| err(n, r))?;
                        self.witnesses.push(WitnessSpec { name, vkey });
                    }
                }
                other => return Err(err(n, format!("unknown key `verify.{other}`"))),
            }
        }
        self.validate(path)
    }

    fn validate(&self, file: &Path) -> Result<(), Error> {
        if let Quorum::AtLeast(k) = self.quorum
            && k > self.witnesses.len()
        {
            return Err(Error::Policy {
                file: file.to_path_buf(),
                line: 0,
                reason: format!(
                    "quorum {k} exceeds the {} witnesses listed",
                    self.witnesses.len()
                ),
            });
        }
        Ok(())
    }
}

fn parse_quorum(q: &str) -> Result<Quorum, String> {
    match q {
        "none" | "0" => Ok(Quorum::None),
        "all" => Ok(Quorum::All),
        k if !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()) && !k.starts_with('0') => k
            .parse::<usize>()
            .map(Quorum::AtLeast)
            .map_err(|e| format!("quorum {k:?}: {e}")),
        other => Err(format!(
            "quorum {other:?}: expected a number, `all` or `none`"
        )),
    }
}

fn check_vkey(vkey: &str) -> Result<(), String> {
    lockproof_tlog::VerifierKey::parse(vkey)
        .map(|_| ())
        .map_err(|e| format!("bad verifier key {vkey:?}: {e}"))
}

fn resolve_location(base: &Path, loc: &str) -> String {
    if loc.contains("://") || Path::new(loc).is_absolute() {
        loc.to_owned()
    } else {
        base.join(loc).to_string_lossy().into_owned()
    }
}

fn read_capped(path: &Path) -> Result<String, Error> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.len() > MAX_POLICY_BYTES {
        return Err(Error::Policy {
            file: path.to_path_buf(),
            line: 0,
            reason: format!("larger than {MAX_POLICY_BYTES} bytes"),
        });
    }
    String::from_utf8(bytes).map_err(|_| Error::Policy {
        file: PathBuf::from(path),
        line: 0,
        reason: "not UTF-8".to_owned(),
    })
}
