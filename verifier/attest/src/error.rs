//! The crate's one error type, and the [`Reason`] a bundle was rejected for.

/// Why a Sigstore bundle was rejected.
///
/// Each variant names one step of the Sigstore client verification procedure
/// (<https://github.com/sigstore/architecture-docs/blob/main/client-spec.md>, "Verification"),
/// so a caller and a test can tell *which* check failed, not only that one did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The bundle is not a well-formed Sigstore bundle (JSON, media type, required fields).
    MalformedBundle,
    /// The signature over the artifact (or the DSSE PAE) does not verify.
    Signature,
    /// The artifact is not what the bundle signs: message digest or in-toto subject mismatch.
    ArtifactMismatch,
    /// The signing certificate is malformed, does not chain to a trusted Fulcio CA, or is not
    /// valid at a verified signing time.
    Certificate,
    /// The certificate's SAN does not match the identity policy.
    Identity,
    /// The certificate's OIDC issuer extension does not match the issuer policy.
    Issuer,
    /// The Rekor log named by the entry is not in the trusted root.
    UnknownLog,
    /// The RFC 6962 Merkle inclusion proof does not lead to the checkpoint's root.
    InclusionProof,
    /// The signed checkpoint (C2SP signed note) is malformed, unsigned by a trusted log key, or
    /// disagrees with the inclusion proof.
    Checkpoint,
    /// The inclusion promise (Signed Entry Timestamp) does not verify.
    InclusionPromise,
    /// The log entry body describes a different artifact, signature or key (CVE-2022-36056).
    LogEntryMismatch,
    /// The log's integrated time is in the future or outside the certificate's validity.
    IntegratedTime,
    /// An RFC 3161 timestamp is invalid, or no verified signing time exists.
    Timestamp,
    /// The public key given with `--key` does not parse or does not fit the bundle.
    PublicKey,
}

impl Reason {
    /// A stable snake_case name for JSON output and tests.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::MalformedBundle => "malformed_bundle",
            Self::Signature => "signature",
            Self::ArtifactMismatch => "artifact_mismatch",
            Self::Certificate => "certificate",
            Self::Identity => "identity",
            Self::Issuer => "issuer",
            Self::UnknownLog => "unknown_log",
            Self::InclusionProof => "inclusion_proof",
            Self::Checkpoint => "checkpoint",
            Self::InclusionPromise => "inclusion_promise",
            Self::LogEntryMismatch => "log_entry_mismatch",
            Self::IntegratedTime => "integrated_time",
            Self::Timestamp => "timestamp",
            Self::PublicKey => "public_key",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can go wrong in this crate.
///
/// [`Error::Rejected`] is a *verification failure* (the CLI exits 1); every other variant is a
/// usage or configuration problem (the CLI exits 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bundle failed verification.
    #[error("bundle rejected ({reason}): {detail}")]
    Rejected {
        /// Which check failed.
        reason: Reason,
        /// Human-readable detail from the failing check.
        detail: String,
    },
    /// The trusted root JSON is malformed or contains unusable key material.
    #[error("invalid trusted root: {0}")]
    TrustRoot(String),
    /// A `sha256:<hex>` artifact digest is not 64 lowercase hex digits.
    #[error("invalid artifact digest {input:?}: expected sha256:<64 lowercase hex digits>")]
    Digest {
        /// The rejected input, truncated.
        input: String,
    },
    /// An identity or issuer regular expression is invalid or too long.
    #[error("invalid {what} regular expression: {detail}")]
    Regex {
        /// `identity` or `issuer`.
        what: &'static str,
        /// Why it was rejected.
        detail: String,
    },
    /// An input exceeds its size cap.
    #[error("{what} is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// Its size.
        size: usize,
        /// The cap ([`crate::MAX_BUNDLE_BYTES`] and friends).
        limit: usize,
    },
    /// This build has no Sigstore verifier (the `sigstore` cargo feature is off).
    #[error(
        "this lockproof was built without the `sigstore` feature; Sigstore bundles cannot be verified"
    )]
    SigstoreDisabled,
}

impl Error {
    /// The rejection reason, if this is a verification failure.
    #[must_use]
    pub const fn reason(&self) -> Option<Reason> {
        match self {
            Self::Rejected { reason, .. } => Some(*reason),
            _ => None,
        }
    }

    #[cfg_attr(not(feature = "sigstore"), allow(dead_code))]
    pub(crate) fn rejected(reason: Reason, detail: impl Into<String>) -> Self {
        Self::Rejected {
            reason,
            detail: detail.into(),
        }
    }
}
