//! Shared helpers for lockproof's end-to-end tests (see the `tests/` directory of this crate).

#![forbid(unsafe_code)]
