//! The Sigstore trusted root: Fulcio CAs, Rekor and CT log keys, TSAs.

use crate::Error;

/// The pinned Sigstore public-good `trusted_root.json` shipped inside lockproof
/// (media type `application/vnd.dev.sigstore.trustedroot+json;version=0.1`).
///
/// Used when no `--trusted-root` is given. It goes stale when the public-good instance rotates
/// keys; `docs/trusted-root.md` describes how to refresh it and check the refresh.
pub const PUBLIC_GOOD_TRUSTED_ROOT_JSON: &str = include_str!("../trusted_root/public-good.json");

/// Largest trusted root accepted, in bytes. The public-good root is under 10 KiB; GitHub's
/// `trusted_root.jsonl` lines are similar.
pub const MAX_TRUSTED_ROOT_BYTES: usize = 4 << 20;

/// A parsed, validated Sigstore trusted root.
#[derive(Debug, Clone)]
pub struct TrustRoot {
    #[cfg(feature = "sigstore")]
    pub(crate) inner: sigstore_verify::trust_root::TrustedRoot,
}

impl TrustRoot {
    /// The pinned public-good root ([`PUBLIC_GOOD_TRUSTED_ROOT_JSON`]).
    ///
    /// # Errors
    ///
    /// [`Error::SigstoreDisabled`] without the `sigstore` feature; otherwise never in practice
    /// (the embedded JSON is checked by this crate's tests).
    pub fn public_good() -> Result<Self, Error> {
        Self::from_json(PUBLIC_GOOD_TRUSTED_ROOT_JSON)
    }

    /// Parses a `trusted_root.json` document.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`] over [`MAX_TRUSTED_ROOT_BYTES`], [`Error::TrustRoot`] if it does not
    /// parse, [`Error::SigstoreDisabled`] without the `sigstore` feature.
    pub fn from_json(json: &str) -> Result<Self, Error> {
        if json.len() > MAX_TRUSTED_ROOT_BYTES {
            return Err(Error::TooLarge {
                what: "trusted root",
                size: json.len(),
                limit: MAX_TRUSTED_ROOT_BYTES,
            });
        }
        #[cfg(feature = "sigstore")]
        {
            sigstore_verify::trust_root::TrustedRoot::from_json(json)
                .map(|inner| Self { inner })
                .map_err(|e| Error::TrustRoot(e.to_string()))
        }
        #[cfg(not(feature = "sigstore"))]
        {
            Err(Error::SigstoreDisabled)
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

    #[cfg(feature = "sigstore")]
    #[test]
    fn embedded_public_good_root_parses_and_prepares() {
        let root = TrustRoot::public_good().unwrap();
        crate::Verifier::new(&root).unwrap();
    }

    #[cfg(not(feature = "sigstore"))]
    #[test]
    fn without_the_feature_every_entry_point_reports_sigstore_disabled() {
        assert!(matches!(
            TrustRoot::public_good(),
            Err(Error::SigstoreDisabled)
        ));
        assert!(matches!(
            TrustRoot::from_json("{}"),
            Err(Error::SigstoreDisabled)
        ));
    }

    #[test]
    fn rejects_oversized_trusted_root_before_parsing() {
        let big = " ".repeat(MAX_TRUSTED_ROOT_BYTES + 1);
        assert!(matches!(
            TrustRoot::from_json(&big),
            Err(Error::TooLarge { .. })
        ));
    }
}
