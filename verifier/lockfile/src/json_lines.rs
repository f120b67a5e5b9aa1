//! The second pass over JSON lockfiles: where each key is, and that no object repeats a key.
//!
//! `serde_json` parses the values strictly but keeps no positions, and for maps it silently
//! keeps the last of two equal keys. This scanner walks the same text once more, tracking only
//! strings, `{ } [ ] : ,` and nesting, and records for every object member the JSON Pointer
//! (RFC 6901) of the member and the line and column of its key; for array elements it records
//! the position of the element's first character. It also rejects a key that appears twice in
//! one object. It runs after `serde_json` accepted the document, so it can assume well-formed
//! input; on anything else it errors rather than guessing.
//!
//! Indexed are: members whose value is an object or array, array elements that are objects or
//! arrays, and every member of the top two levels (e.g. `/lockfileVersion`,
//! `/_meta/pipfile-spec`). That is every place an entry or a version marker can be located, and
//! keeps the scan cheap: keys are borrowed from the text unless they contain escapes, and a
//! pointer string is built only for indexed places.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::Error;
use crate::lines::to_u32;

/// Scalar members are indexed down to this nesting depth (1 = top-level members).
const SCALAR_MEMBER_DEPTH: usize = 2;

/// Positions of JSON members by JSON Pointer.
#[derive(Debug, Default)]
pub(crate) struct KeyLines {
    positions: HashMap<String, (u32, u32)>,
}

impl KeyLines {
    /// The (line, column) of the member or element at `pointer`, e.g. `/packages/node_modules~1a`.
    pub(crate) fn get(&self, pointer: &str) -> Option<(u32, u32)> {
        self.positions.get(pointer).copied()
    }

    /// Like [`KeyLines::get`], with (0, 0) when the pointer is not indexed (0 is the documented
    /// "unknown" line; entry pointers built from the same document are always indexed).
    pub(crate) fn at(&self, pointer: &str) -> (u32, u32) {
        self.get(pointer).unwrap_or((0, 0))
    }
}

/// Escape one reference token of a JSON Pointer (RFC 6901 §3: `~` → `~0`, `/` → `~1`).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

enum Frame<'a> {
    Object {
        pointer: String,
        keys: HashSet<Cow<'a, str>>,
        pending: Option<(Cow<'a, str>, (u32, u32))>,
    },
    Array {
        pointer: String,
        index: usize,
    },
}

/// Index `text`, rejecting duplicate keys.
///
/// # Errors
/// [`Error::Invalid`] naming the line and key of a duplicate, or of malformed input.
pub(crate) fn scan<'a>(path: &Path, text: &'a str) -> Result<KeyLines, Error> {
    let mut out = KeyLines::default();
    let mut stack: Vec<Frame<'a>> = Vec::new();
    let bytes = text.as_bytes();
    let (mut line, mut line_start) = (1usize, 0usize);
    let mut i = 0;
    // Columns count characters; computing them only for indexed places keeps the scan linear.
    let column = |i: usize, line_start: usize| to_u32(text[line_start..i].chars().count() + 1);
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\n' => {
                line += 1;
                line_start = i + 1;
            }
            b'"' => {
                let start = i;
                let end = string_end(path, bytes, i, to_u32(line))?;
                i = end;
                let depth = stack.len();
                if let Some(Frame::Object {
                    pointer,
                    keys,
                    pending,
                }) = stack.last_mut()
                    && pending.is_none()
                    && next_non_space(bytes, i) == Some(b':')
                {
                    let key = decode(path, &text[start..end], to_u32(line))?;
                    let pos = (to_u32(line), column(start, line_start));
                    if keys.contains(&key) {
                        return Err(Error::invalid(
                            path,
                            pos.0,
                            format!("{pointer}/{key}"),
                            "duplicate key",
                        ));
                    }
                    if depth <= SCALAR_MEMBER_DEPTH {
                        out.positions
                            .insert(format!("{pointer}/{}", escape(&key)), pos);
                    }
                    keys.insert(key.clone());
                    *pending = Some((key, pos));
                }
                continue;
            }
            b'{' | b'[' => {
                let pointer = match stack.last_mut() {
                    None => String::new(),
                    Some(Frame::Object {
                        pointer, pending, ..
                    }) => match pending.take() {
                        Some((key, pos)) => {
                            let p = format!("{pointer}/{}", escape(&key));
                            out.positions.insert(p.clone(), pos);
                            p
                        }
                        None => {
                            return Err(Error::invalid(
                                path,
                                to_u32(line),
                                "(json)",
                                "value without a key",
                            ));
                        }
                    },
                    Some(Frame::Array { pointer, index }) => {
                        let p = format!("{pointer}/{index}");
                        out.positions
                            .insert(p.clone(), (to_u32(line), column(i, line_start)));
                        p
                    }
                };
                stack.push(if b == b'{' {
                    Frame::Object {
                        pointer,
                        keys: HashSet::new(),
                        pending: None,
                    }
                } else {
                    Frame::Array { pointer, index: 0 }
                });
            }
            b'}' | b']' if stack.pop().is_none() => {
                return Err(Error::invalid(
                    path,
                    to_u32(line),
                    "(json)",
                    "unbalanced brackets",
                ));
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { pending, .. }) => *pending = None,
                Some(Frame::Array { index, .. }) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    if !stack.is_empty() {
        return Err(Error::invalid(
            path,
            to_u32(line),
            "(json)",
            "truncated document",
        ));
    }
    Ok(out)
}

fn next_non_space(bytes: &[u8], mut i: usize) -> Option<u8> {
    while i < bytes.len() {
        if !bytes[i].is_ascii_whitespace() {
            return Some(bytes[i]);
        }
        i += 1;
    }
    None
}

/// The offset just past the closing `"` of the string whose opening `"` is at `start`.
fn string_end(path: &Path, bytes: &[u8], start: usize, line: u32) -> Result<usize, Error> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(Error::invalid(path, line, "(json)", "unterminated string"))
}

/// The value of a JSON string literal (with its quotes), borrowed when it has no escapes.
fn decode<'a>(path: &Path, raw: &'a str, line: u32) -> Result<Cow<'a, str>, Error> {
    let inner = raw.get(1..raw.len() - 1).unwrap_or("");
    if !inner.contains('\\') {
        return Ok(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(raw)
        .map(Cow::Owned)
        .map_err(|e| Error::invalid(path, line, "(json)", format!("bad string: {e}")))
}
