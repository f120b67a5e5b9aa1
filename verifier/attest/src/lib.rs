//! Offline Sigstore bundle verification for lockproof.
//!
//! A Sigstore bundle (<https://github.com/sigstore/protobuf-specs>, media types
//! `application/vnd.dev.sigstore.bundle+json;version=0.1|0.2|0.3` and
//! `application/vnd.dev.sigstore.bundle.v0.3+json`) proves that an identity signed an artifact,
//! that the signature was logged in Rekor, and when. [`Verifier::verify`] checks all of it
//! offline against a trusted root ([`TrustRoot::public_good`] is the pinned public-good root).
//!
//! # What does the work
//!
//! The Sigstore checks are done by the [`sigstore-verify`](https://docs.rs/sigstore-verify)
//! crate (pinned `=0.15.1`, aws-lc-rs crypto, no OpenSSL, no network stack), behind the
//! default `sigstore` cargo feature. Measured on the sigstore-conformance fixtures it covers
//! every step the brief asked about:
//!
//! | Check | Who |
//! | --- | --- |
//! | signature / DSSE PAE signature and in-toto subject match | sigstore-verify |
//! | certificate chain at every verified time, SCT, identity + issuer | sigstore-verify (regex identity/issuer: this crate, on the verified claims) |
//! | Rekor inclusion proof (RFC 6962) + checkpoint signature (C2SP signed note) | sigstore-verify, **and** independently this crate (see "Independent log check") |
//! | inclusion promise (SET) | sigstore-verify |
//! | RFC 3161 timestamps, Rekor v2 (no integrated time) | sigstore-verify |
//! | log entry body describes this bundle (CVE-2022-36056) | sigstore-verify |
//!
//! # Where sigstore-verify falls short (and what we do)
//!
//! Checked against its source at `=0.15.1` and the fixtures; nothing on the brief's list
//! (inclusion proof + checkpoint, inclusion promise, RFC 3161, Rekor v2, DSSE subject
//! matching) is missing. What remains:
//!
//! - It reads the wall clock itself (`jiff::Timestamp::now()`, to reject integrated times in
//!   the future and to skip trust-root keys whose validity has not started), so time cannot
//!   be injected; tests rely on fixture dates being in the past.
//! - It does not bind a checkpoint to the log the entry's `logID` names: a checkpoint signed
//!   by *any* Rekor key in the trusted root is accepted (checkpoint key hints are matched
//!   against every trusted Rekor key), and the checkpoint's origin line is not compared with
//!   the log. We do not add that binding either (custom trust roots name their logs
//!   arbitrarily); the origin is reported in [`Verified::log_inclusions`].
//! - Only one implementation checks the Merkle proof. We add a second, independent one
//!   (below), so a bug in either alone cannot accept a forged proof.
//! - Regex identities are not supported (only exact, e-mail or URI matchers); we match
//!   regexes ourselves on the verified certificate's claims.
//!
//! # Independent log check
//!
//! After `sigstore-verify` accepts, every inclusion proof is re-checked from the raw JSON with
//! the shared `lockproof-tlog` core (`record_hash`, RFC 9162 §2.1.3.2 `check_record`) against
//! the strictly parsed C2SP checkpoint (see the `log_proof` module). This shares no code with
//! sigstore-verify's `sigstore-merkle`, so one implementation's bug cannot alone accept a
//! forged proof. Checkpoint *signatures* are checked only by sigstore-verify (Rekor v1 signs
//! with ECDSA P-256, which lockproof-tlog does not implement).
//!
//! # Example
//!
//! ```
//! # #[cfg(feature = "sigstore")] {
//! use lockproof_attest::{Artifact, Policy, Sha256Digest, TrustRoot, Verifier};
//! let verifier = Verifier::new(&TrustRoot::public_good()?)?;
//! let bundle = r#"{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json"}"#;
//! let digest = Sha256Digest::parse(
//!     "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
//! )?;
//! let policy = Policy::keyless("someone@example.com", "https://accounts.google.com");
//! let err = verifier.verify(bundle, Artifact::Sha256(digest), &policy).unwrap_err();
//! assert_eq!(err.reason(), Some(lockproof_attest::Reason::MalformedBundle));
//! # }
//! # Ok::<(), lockproof_attest::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used)]

mod artifact;
mod error;
// Without the `sigstore` feature nothing reaches the log check.
#[cfg_attr(not(feature = "sigstore"), allow(dead_code))]
mod log_proof;
mod policy;
mod trust_root;
mod verify;

pub use artifact::{Artifact, SHA256_PREFIX, Sha256Digest};
pub use error::{Error, Reason};
pub use log_proof::LogInclusion;
pub use policy::{MAX_REGEX_LEN, Matcher, Policy};
pub use trust_root::{MAX_TRUSTED_ROOT_BYTES, PUBLIC_GOOD_TRUSTED_ROOT_JSON, TrustRoot};
pub use verify::{MAX_BUNDLE_BYTES, Verified, Verifier};

/// Whether this build can verify bundles (the `sigstore` cargo feature).
pub const SIGSTORE_ENABLED: bool = cfg!(feature = "sigstore");
