//! Pure transparency-log core: RFC 6962 Merkle trees, proofs, tiles, C2SP signed notes, checkpoints and records.

#![forbid(unsafe_code)]
