//! Lockfile parsers for every major ecosystem, normalised into one entry model.

#![forbid(unsafe_code)]
