//! Case escaping for lookup paths, as Go's `module.EscapePath` / `module.EscapeVersion`
//! (<https://pkg.go.dev/golang.org/x/mod/module#hdr-Escaped_Paths>): every ASCII uppercase
//! letter becomes `!` followed by the lowercase letter, so paths stay distinct on
//! case-insensitive file systems. `example.org/Greet` → `example.org/!greet`.
//!
//! These are the plain string transforms; the Go-module wrappers that also validate the path or
//! version are [`crate::gomodule::escape_path`] and friends. Unescaping is strict: `!` must be
//! followed by `a`–`z`, uppercase letters may not appear in escaped text, and only ASCII is
//! accepted, so `escape(unescape(x)) == x` for every accepted `x`.

use crate::Error;

/// Escapes `s`: each ASCII uppercase letter `X` becomes `!x`.
///
/// # Errors
/// [`Error::Malformed`] if `s` contains `!` or a non-ASCII character (neither can be escaped
/// reversibly).
pub fn escape_case(s: &str) -> Result<String, Error> {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '!' || !c.is_ascii() {
            return Err(Error::Malformed {
                what: "escaped path",
                reason: format!("cannot escape {c:?}"),
            });
        }
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

/// Reverses [`escape_case`]: `!x` becomes `X`.
///
/// # Errors
/// [`Error::Malformed`] if the text contains a non-ASCII character, an uppercase letter, or a
/// `!` that is not followed by a lowercase ASCII letter.
pub fn unescape_case(escaped: &str) -> Result<String, Error> {
    let bad = |reason: &str| Error::Malformed {
        what: "escaped path",
        reason: reason.to_owned(),
    };
    let mut out = String::with_capacity(escaped.len());
    let mut chars = escaped.chars();
    while let Some(c) = chars.next() {
        if !c.is_ascii() {
            return Err(bad("non-ASCII character"));
        }
        if c.is_ascii_uppercase() {
            return Err(bad("uppercase letter in escaped text"));
        }
        if c == '!' {
            match chars.next() {
                Some(l) if l.is_ascii_lowercase() => out.push(l.to_ascii_uppercase()),
                _ => return Err(bad("'!' must be followed by a lowercase letter")),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}
