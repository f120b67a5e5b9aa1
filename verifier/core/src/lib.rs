//! lockproof's verifying client: log lookups, proofs, trust state, policy and reports.

#![forbid(unsafe_code)]
