//! Reproducible-build checker: rebuild under varied environments, compare, name the cause.

#![forbid(unsafe_code)]
