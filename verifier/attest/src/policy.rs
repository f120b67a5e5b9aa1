//! Who must have signed: a keyless identity policy or a managed public key.

use crate::Error;

/// Longest accepted identity or issuer regular expression, in bytes. Real policies are one
/// workflow URL or e-mail pattern; the cap keeps a hostile argument from building a huge
/// automaton.
pub const MAX_REGEX_LEN: usize = 4096;

/// Compiled-size cap handed to the regex engine (bytes).
const MAX_REGEX_COMPILED: usize = 1 << 20;

/// How a certificate field (SAN or OIDC issuer) must match.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Matcher {
    /// The field equals this string exactly (cosign `--certificate-identity`).
    Exact(String),
    /// The field matches this regular expression (cosign `--certificate-identity-regexp`).
    ///
    /// As in cosign (Go `regexp.MatchString`), the match is **unanchored**: `github\.com/org/`
    /// matches anywhere in the field. Anchor with `^…$` to pin the whole value.
    Regex(regex::Regex),
}

impl Matcher {
    /// An exact matcher.
    #[must_use]
    pub fn exact(value: impl Into<String>) -> Self {
        Self::Exact(value.into())
    }

    /// A regular-expression matcher; `what` names the field in errors (`identity`, `issuer`).
    ///
    /// # Errors
    ///
    /// [`Error::Regex`] if the pattern is longer than [`MAX_REGEX_LEN`], does not compile, or
    /// compiles to more than the engine's size cap.
    pub fn regex(what: &'static str, pattern: &str) -> Result<Self, Error> {
        if pattern.len() > MAX_REGEX_LEN {
            return Err(Error::Regex {
                what,
                detail: format!("pattern is {} bytes, over {MAX_REGEX_LEN}", pattern.len()),
            });
        }
        regex::RegexBuilder::new(pattern)
            .size_limit(MAX_REGEX_COMPILED)
            .build()
            .map(Self::Regex)
            .map_err(|e| Error::Regex {
                what,
                detail: e.to_string(),
            })
    }

    /// Whether `value` satisfies this matcher.
    #[must_use]
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Self::Exact(expected) => expected == value,
            Self::Regex(re) => re.is_match(value),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Exact(value) => write!(f, "{value:?}"),
            Self::Regex(re) => write!(f, "/{}/", re.as_str()),
        }
    }
}

/// Who must have produced the signature.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Policy {
    /// A keyless (Fulcio certificate) signature whose SAN and OIDC issuer match.
    Keyless {
        /// Certificate subject alternative name (e-mail, URI, …).
        identity: Matcher,
        /// OIDC issuer (Fulcio extension 1.3.6.1.4.1.57264.1.1 / .8).
        issuer: Matcher,
    },
    /// A managed-key signature made with this PEM (SPKI) public key; the bundle carries no
    /// certificate, so there is no identity to match.
    PublicKey {
        /// `-----BEGIN PUBLIC KEY-----` PEM text.
        pem: String,
    },
}

impl Policy {
    /// A keyless policy with exact SAN and issuer.
    #[must_use]
    pub fn keyless(identity: impl Into<String>, issuer: impl Into<String>) -> Self {
        Self::Keyless {
            identity: Matcher::exact(identity),
            issuer: Matcher::exact(issuer),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        reason = "tests: a failed unwrap is a failed test"
    )]

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn exact_matcher_requires_equality() {
        let m = Matcher::exact("a@example.com");
        assert!(m.matches("a@example.com"));
        assert!(!m.matches("a@example.com.evil"));
    }

    #[test]
    fn regex_matcher_is_unanchored_like_cosign() {
        let m = Matcher::regex("identity", r"github\.com/org/").unwrap();
        assert!(m.matches("https://github.com/org/repo/.github/workflows/x.yml@refs/heads/main"));
        let anchored = Matcher::regex("identity", r"^https://github\.com/org/.*$").unwrap();
        assert!(!anchored.matches("https://evil.example/https://github.com/org/x"));
    }

    #[test]
    fn rejects_overlong_and_invalid_patterns() {
        assert!(Matcher::regex("identity", &"a".repeat(MAX_REGEX_LEN + 1)).is_err());
        assert!(Matcher::regex("issuer", "(").is_err());
    }

    proptest! {
        #[test]
        fn regex_constructor_never_panics(pattern in ".{0,64}") {
            let _ = Matcher::regex("identity", &pattern);
        }
    }
}
