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
//! Only containers (objects and arrays) and members whose value is a container are indexed,
//! which is every place an entry can be located, and keeps the index small.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::Error;
use crate::lines::to_u32;

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

    /// Like [`KeyLines::get`], with (0, 0) when the pointer is not indexed (cannot happen for
    /// a pointer built from the same document; 0 is the documented "unknown" line).
    pub(crate) fn at(&self, pointer: &str) -> (u32, u32) {
        self.get(pointer).unwrap_or((0, 0))
    }
}

/// Escape one reference token of a JSON Pointer (RFC 6901 §3: `~` → `~0`, `/` → `~1`).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

enum Frame {
    Object {
        pointer: String,
        keys: HashSet<String>,
        pending: Option<String>,
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
pub(crate) fn scan(path: &Path, text: &str) -> Result<KeyLines, Error> {
    let mut out = KeyLines::default();
    let mut stack: Vec<Frame> = Vec::new();
    let bytes = text.as_bytes();
    let (mut line, mut line_start) = (1usize, 0usize);
    let mut i = 0;
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
                let (s, end) = read_string(path, text, i, to_u32(line))?;
                i = end;
                let pos = (to_u32(line), column(start, line_start));
                if let Some(Frame::Object {
                    pointer,
                    keys,
                    pending,
                }) = stack.last_mut()
                    && pending.is_none()
                    && next_non_space(bytes, i) == Some(b':')
                {
                    if !keys.insert(s.clone()) {
                        return Err(Error::invalid(
                            path,
                            pos.0,
                            format!("{pointer}/{s}"),
                            "duplicate key",
                        ));
                    }
                    let member = format!("{pointer}/{}", escape(&s));
                    out.positions.insert(member.clone(), pos);
                    *pending = Some(member);
                }
                continue;
            }
            b'{' | b'[' => {
                let pos = (to_u32(line), column(i, line_start));
                let pointer = match stack.last_mut() {
                    None => String::new(),
                    Some(Frame::Object { pending, .. }) => pending.take().unwrap_or_default(),
                    Some(Frame::Array { pointer, index }) => {
                        let p = format!("{pointer}/{index}");
                        out.positions.insert(p.clone(), pos);
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

/// The decoded string starting at the `"` at `start`, and the offset just past its closing `"`.
fn read_string(path: &Path, text: &str, start: usize, line: u32) -> Result<(String, usize), Error> {
    let bytes = text.as_bytes();
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => {
                let raw = &text[start..=i];
                if !raw.contains('\\') {
                    return Ok((raw[1..raw.len() - 1].to_owned(), i + 1));
                }
                let s: String = serde_json::from_str(raw).map_err(|e| {
                    Error::invalid(path, line, "(json)", format!("bad string: {e}"))
                })?;
                return Ok((s, i + 1));
            }
            _ => i += 1,
        }
    }
    Err(Error::invalid(path, line, "(json)", "unterminated string"))
}
