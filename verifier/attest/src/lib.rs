//! Offline Sigstore bundle verification for lockproof.

#![forbid(unsafe_code)]
