//! Checkpoints: the note text that commits a log to a tree (size and root hash).
//!
//! Two forms of the same thing:
//! - the Go checksum database's tree note, `go.sum database tree\n<N>\n<base64 root>\n`
//!   ([`format_tree_note`], [`parse_tree_note`]; Go `tlog.FormatTree` / `tlog.ParseTree`),
//!   which the `go` command verifies;
//! - the C2SP tlog-checkpoint, `<origin>\n<N>\n<base64 root>\n[<extension line>\n…]`
//!   ([`Checkpoint`]; <https://c2sp.org/tlog-checkpoint>, "Note text"), which witnesses and
//!   C2SP clients verify. A sumdb tree note is a checkpoint whose origin is
//!   [`SUMDB_TREE_ORIGIN`].
//!
//! These are note *texts*; sign them with [`crate::note::sign`] and verify with
//! [`crate::note::open`] before parsing. Parsing is strict: the size is canonical decimal (no
//! sign, no leading zeros), the root is canonical base64 of 32 bytes, lines are non-empty and
//! the text ends in `\n`, so `format(parse(x)) == x`.
//!
//! # Example
//! ```
//! use lockproof_tlog::{Checkpoint, Hash, KeyName, SignerKey, Tree, Verifiers};
//! use lockproof_tlog::{format_tree_note, open, parse_tree_note, sign};
//!
//! let key = SignerKey::from_seed(KeyName::new("sum.example.com/log").unwrap(), [1; 32]);
//! let tree = Tree { size: 3, hash: Hash([7; 32]) };
//!
//! // The sumdb face: the note the `go` command verifies.
//! let note = sign(&format_tree_note(&tree), &[&key]).unwrap();
//! let opened = open(&note, &Verifiers::new([key.verifier_key()])).unwrap();
//! assert_eq!(parse_tree_note(opened.text()).unwrap(), tree);
//!
//! // The C2SP face: same tree, the log's own origin line.
//! let cp = Checkpoint::new("sum.example.com/log", tree, vec![]).unwrap();
//! assert!(cp.to_text().starts_with("sum.example.com/log\n3\n"));
//! ```

use std::fmt;

use crate::Error;
use crate::hash::Hash;
use crate::note::MAX_NOTE_SIZE;
use crate::tree::Tree;

/// The first line (origin) of every Go checksum database tree note.
pub const SUMDB_TREE_ORIGIN: &str = "go.sum database tree";

/// Most extension lines accepted in a checkpoint. The spec sets no number; extension lines
/// are NOT RECOMMENDED, and this bounds the work on untrusted input.
pub const MAX_EXTENSION_LINES: usize = 64;

/// Formats the Go sumdb tree note text for `tree` (Go `tlog.FormatTree`).
pub fn format_tree_note(tree: &Tree) -> String {
    format!(
        "{SUMDB_TREE_ORIGIN}\n{}\n{}\n",
        tree.size,
        tree.hash.to_base64()
    )
}

/// Parses a Go sumdb tree note text (Go `tlog.ParseTree`), strictly: exactly the three lines
/// [`format_tree_note`] produces. Unlike Go, extra lines are rejected rather than ignored
/// (lockproof's logs never write them; a C2SP checkpoint with extensions is a
/// [`Checkpoint`]).
///
/// # Errors
/// [`Error::Malformed`] for any other text.
pub fn parse_tree_note(text: &str) -> Result<Tree, Error> {
    let cp = Checkpoint::parse(text)?;
    if cp.origin != SUMDB_TREE_ORIGIN {
        return Err(malformed(
            "tree note must start with \"go.sum database tree\"",
        ));
    }
    if !cp.extensions.is_empty() {
        return Err(malformed("tree note has extra lines"));
    }
    Ok(cp.tree())
}

/// A C2SP tlog-checkpoint note text (<https://c2sp.org/tlog-checkpoint>, "Note text").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint for `tree` by the log `origin`, with optional extension lines.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the origin or an extension line is empty or contains a newline
    /// or other control character, there are more than [`MAX_EXTENSION_LINES`] extension
    /// lines, or the text would exceed [`MAX_NOTE_SIZE`].
    pub fn new(origin: &str, tree: Tree, extensions: Vec<String>) -> Result<Self, Error> {
        check_line(origin, "origin")?;
        if extensions.len() > MAX_EXTENSION_LINES {
            return Err(malformed("too many extension lines"));
        }
        for ext in &extensions {
            check_line(ext, "extension line")?;
        }
        let cp = Self {
            origin: origin.to_owned(),
            size: tree.size,
            root: tree.hash,
            extensions,
        };
        if cp.to_text().len() > MAX_NOTE_SIZE {
            return Err(malformed("checkpoint too large"));
        }
        Ok(cp)
    }

    /// Parses checkpoint note text (the verified text of a note, not the signed message).
    ///
    /// # Errors
    /// [`Error::Malformed`] unless the text is at most [`MAX_NOTE_SIZE`] bytes, ends in `\n`,
    /// has at least three lines, all non-empty and free of control characters, a canonical
    /// decimal size (`0` or no leading zeros, fits `u64`), a canonical base64 32-byte root,
    /// and at most [`MAX_EXTENSION_LINES`] extension lines.
    pub fn parse(text: &str) -> Result<Self, Error> {
        if text.len() > MAX_NOTE_SIZE {
            return Err(malformed("checkpoint too large"));
        }
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| malformed("checkpoint must end in a newline"))?;
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(malformed("checkpoint needs origin, size and root lines"));
        };
        check_line(origin, "origin")?;
        let size = parse_decimal(size)?;
        let root = Hash::from_base64(root)
            .map_err(|_| malformed("root hash is not canonical base64 of 32 bytes"))?;
        let mut extensions = Vec::new();
        for ext in lines {
            if extensions.len() == MAX_EXTENSION_LINES {
                return Err(malformed("too many extension lines"));
            }
            check_line(ext, "extension line")?;
            extensions.push(ext.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// The note text: origin, size, root and extension lines, each ending in `\n`.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for ext in &self.extensions {
            out.push_str(ext);
            out.push('\n');
        }
        out
    }

    /// The log's origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree (size and root hash) this checkpoint commits to.
    pub fn tree(&self) -> Tree {
        Tree {
            size: self.size,
            hash: self.root,
        }
    }

    /// The extension lines (without newlines).
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }
}

impl fmt::Display for Checkpoint {
    /// The note text, as [`Checkpoint::to_text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// Parses a canonical non-negative decimal `u64`: ASCII digits only, no sign, no leading zero
/// unless the number is `0`.
///
/// # Errors
/// [`Error::Malformed`] otherwise (including overflow).
pub fn parse_decimal(s: &str) -> Result<u64, Error> {
    let canonical =
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    if !canonical {
        return Err(malformed("not a canonical decimal number"));
    }
    s.parse::<u64>()
        .map_err(|_| malformed("size does not fit in 64 bits"))
}

fn check_line(line: &str, what: &str) -> Result<(), Error> {
    if line.is_empty() {
        return Err(malformed(&format!("empty {what}")));
    }
    if line.chars().any(char::is_control) {
        return Err(malformed(&format!("{what} contains a control character")));
    }
    Ok(())
}

fn malformed(reason: &str) -> Error {
    Error::Malformed {
        what: "checkpoint",
        reason: reason.to_owned(),
    }
}
