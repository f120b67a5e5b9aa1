//! Expectations: published digests the rebuilt artifacts must match (`--expect`). This is how
//! a user checks that the release binary they downloaded is what the source builds to.

use std::str::FromStr;

use crate::Error;
use crate::digest::Sha256Digest;
use crate::report::Report;

/// A published digest, optionally naming the artifact it is for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Expectation {
    /// The artifact (its path in the tree, or just its file name); `None` means "the only
    /// artifact".
    pub artifact: Option<String>,
    /// The published digest.
    pub digest: Sha256Digest,
    /// Where the expectation came from (`--expect` text, a file path, a log).
    pub origin: String,
}

impl FromStr for Expectation {
    type Err = Error;

    /// Parses `[ARTIFACT=]sha256:<hex>` (or 64 bare hex digits).
    fn from_str(text: &str) -> Result<Self, Error> {
        let (artifact, digest) = match text.rsplit_once('=') {
            Some((name, digest)) if !name.is_empty() => (Some(name.to_owned()), digest),
            _ => (None, text),
        };
        Ok(Self {
            artifact,
            digest: digest.parse()?,
            origin: text.to_owned(),
        })
    }
}

/// The outcome of one expectation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExpectationResult {
    /// The expectation.
    pub expected: Expectation,
    /// The artifact it was matched to (`None` if no artifact matched its name).
    pub artifact: Option<String>,
    /// The rebuilt (control) digest of that artifact.
    pub rebuilt: Option<Sha256Digest>,
    /// Whether the digests are equal.
    pub matches: bool,
}

/// Matches each expectation to a rebuilt artifact (exact path, then file name, then the only
/// artifact) and compares digests with the control build's.
#[must_use]
pub fn check_expectations(report: &Report, expectations: &[Expectation]) -> Vec<ExpectationResult> {
    expectations
        .iter()
        .map(|e| {
            let found = report
                .artifacts
                .iter()
                .filter(|a| a.control.is_some())
                .find(|a| match &e.artifact {
                    Some(name) => {
                        a.name == *name || a.name.rsplit('/').next() == Some(name.as_str())
                    }
                    None => report.artifacts.len() == 1,
                });
            let rebuilt = found.and_then(|a| a.control.as_ref()).map(|c| c.sha256);
            ExpectationResult {
                expected: e.clone(),
                artifact: found.map(|a| a.name.clone()),
                rebuilt,
                matches: rebuilt == Some(e.digest),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn expectation_parse_never_panics_and_keeps_the_digest(name in "[a-z/._=-]{0,20}", hex in "[0-9a-f]{64}", junk in ".{0,80}") {
            let _ = junk.parse::<Expectation>();
            let text = if name.is_empty() { format!("sha256:{hex}") } else { format!("{name}=sha256:{hex}") };
            if let Ok(e) = text.parse::<Expectation>() {
                prop_assert_eq!(e.digest.hex(), hex);
            }
        }
    }

    #[test]
    fn parses_named_and_bare_digests() {
        let hex = "ab".repeat(32);
        let e: Expectation = format!("dist/app=sha256:{hex}").parse().unwrap();
        assert_eq!(e.artifact.as_deref(), Some("dist/app"));
        let e: Expectation = hex.parse().unwrap();
        assert_eq!(e.artifact, None);
        assert!("app=sha256:zz".parse::<Expectation>().is_err());
    }
}
