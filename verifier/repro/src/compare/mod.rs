//! Locating the first difference between two versions of an artifact, in a form people can act
//! on: the ELF section, the archive member and header field, the text line, or the byte offset.
//!
//! Differences are ranked so that root causes (strings, data, archive metadata) come before
//! symptoms (code that shifted, relocations, the build-id that hashes everything else).

mod archive;
mod elf;
mod tar;
mod zip;

pub(crate) use archive::gunzip as gunzip_payload;
pub use elf::{ElfSection, parse_elf_sections};

/// The most bytes of one artifact (or decompressed member) that is compared in memory; larger
/// inputs are only compared for their first differing offset.
pub const MAX_COMPARE_BYTES: usize = 512 << 20;
/// How deep archives inside archives are opened.
pub const MAX_NESTING: usize = 4;
/// How many differences are reported per artifact, after ranking.
pub const MAX_DIFFERENCES: usize = 12;
/// Bytes of context shown on each side of a differing offset.
pub const EXCERPT_CONTEXT: usize = 12;

/// How likely a difference is to be the cause rather than a consequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rank {
    /// Data that holds the injected value: strings, `.rodata`, archive metadata, text lines.
    Cause,
    /// Could be either (unknown sections, raw bytes).
    Unclassified,
    /// Derived from other differences: code layout, relocations, symbol tables, build-id.
    Symptom,
}

/// The kind of a difference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
#[non_exhaustive]
pub enum DiffKind {
    /// Bytes differ; `offset` is relative to the location (section, member, file).
    Content,
    /// A header field of an archive member or of a compressed stream differs.
    Field {
        /// The field name: `mtime`, `mode`, `uid`, `gid`, `uname`, `gname`, `os`, `name`, …
        field: String,
    },
    /// The same members appear in a different order.
    Order,
    /// A member or section exists in only one of the two.
    Presence,
    /// The sizes differ.
    Size,
    /// A differing text line.
    Line {
        /// 1-based line number.
        line: usize,
    },
}

/// One located difference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Difference {
    /// Where, from the outside in: `["member usr/bin/app", "section .rodata"]`. Empty means the
    /// artifact itself.
    pub location: Vec<String>,
    /// What differs.
    #[serde(flatten)]
    pub kind: DiffKind,
    /// The offset of the first differing byte within the location, when meaningful.
    pub offset: Option<u64>,
    /// The control's value or bytes around the offset (printable excerpt).
    pub control: String,
    /// The experiment's value or bytes around the offset.
    pub experiment: String,
    /// Cause-before-symptom ranking.
    pub rank: Rank,
}

impl Difference {
    /// A one-line, human description: `member a.txt: mtime 1700000000 → 1734393607`.
    #[must_use]
    pub fn describe(&self) -> String {
        let place = if self.location.is_empty() {
            "file".to_owned()
        } else {
            self.location.join(" › ")
        };
        let at = self
            .offset
            .map(|o| format!(" at +{o:#x}"))
            .unwrap_or_default();
        match &self.kind {
            DiffKind::Content => format!(
                "{place}: content differs{at}: {:?} vs {:?}",
                self.control, self.experiment
            ),
            DiffKind::Field { field } => format!(
                "{place}: {field} differs: {} vs {}",
                self.control, self.experiment
            ),
            DiffKind::Order => format!(
                "{place}: member order differs: {} vs {}",
                self.control, self.experiment
            ),
            DiffKind::Presence => format!(
                "{place}: present only in {}",
                if self.control.is_empty() {
                    "experiment"
                } else {
                    "control"
                }
            ),
            DiffKind::Size => format!(
                "{place}: size differs: {} vs {}",
                self.control, self.experiment
            ),
            DiffKind::Line { line } => format!(
                "{place}: line {line} differs: {:?} vs {:?}",
                self.control, self.experiment
            ),
        }
    }
}

/// The detected format of an artifact's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// ELF object, executable or shared library.
    Elf,
    /// `ar` static library.
    Ar,
    /// POSIX/GNU tar.
    Tar,
    /// zip (jar, wheel, …).
    Zip,
    /// gzip stream.
    Gzip,
    /// UTF-8 text without NUL bytes.
    Text,
    /// Anything else.
    Binary,
}

/// Detects the format from magic bytes.
#[must_use]
pub fn detect(bytes: &[u8]) -> Format {
    if bytes.starts_with(b"\x7fELF") {
        Format::Elf
    } else if bytes.starts_with(b"!<arch>\n") {
        Format::Ar
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        Format::Zip
    } else if bytes.starts_with(&[0x1f, 0x8b]) {
        Format::Gzip
    } else if bytes.len() >= 512 && &bytes[257..262] == b"ustar" {
        Format::Tar
    } else if !bytes.contains(&0) && std::str::from_utf8(bytes).is_ok() {
        Format::Text
    } else {
        Format::Binary
    }
}

/// Compares two versions of one artifact and returns the differences, causes first, at most
/// [`MAX_DIFFERENCES`]. Identical inputs give an empty list; malformed archives fall back to a
/// byte comparison (never an error: the inputs are whatever the build produced).
#[must_use]
pub fn compare(control: &[u8], experiment: &[u8]) -> Vec<Difference> {
    let mut diffs = compare_nested(control, experiment, 0);
    diffs.sort_by_key(|d| d.rank);
    diffs.truncate(MAX_DIFFERENCES);
    diffs
}

/// Compares at nesting depth `depth`; locations are relative to this input.
pub(crate) fn compare_nested(a: &[u8], b: &[u8], depth: usize) -> Vec<Difference> {
    if a == b {
        return Vec::new();
    }
    let (fa, fb) = (detect(a), detect(b));
    let structured = if fa == fb && depth < MAX_NESTING {
        match fa {
            Format::Elf => elf::compare(a, b),
            Format::Ar | Format::Tar | Format::Zip | Format::Gzip => {
                archive::compare(fa, a, b, depth)
            }
            Format::Text => Some(text(a, b)),
            Format::Binary => None,
        }
    } else {
        None
    };
    structured
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| vec![bytes(a, b, Rank::Unclassified)])
}

/// The first differing byte of two byte strings (or the shorter length).
#[must_use]
pub fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    let common = a.len().min(b.len());
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .or((a.len() != b.len()).then_some(common))
}

/// A byte-level difference with excerpts around the first differing offset.
pub(crate) fn bytes(a: &[u8], b: &[u8], rank: Rank) -> Difference {
    let off = first_difference(a, b).unwrap_or(0);
    Difference {
        location: Vec::new(),
        kind: DiffKind::Content,
        offset: Some(off as u64),
        control: excerpt(a, off),
        experiment: excerpt(b, off),
        rank,
    }
}

/// Printable excerpt around `off`: the NUL-delimited string containing it when that is text,
/// otherwise [`EXCERPT_CONTEXT`] bytes either side, escaped.
#[must_use]
pub fn excerpt(bytes: &[u8], off: usize) -> String {
    let off = off.min(bytes.len());
    let printable = |c: &u8| (0x20..0x7f).contains(c) || *c == b'\t';
    let mut start = off;
    while start > 0 && off - start < 120 && printable(&bytes[start - 1]) {
        start -= 1;
    }
    let mut end = off;
    while end < bytes.len() && end - off < 120 && printable(&bytes[end]) {
        end += 1;
    }
    if end - start < 4 {
        start = off.saturating_sub(EXCERPT_CONTEXT);
        end = (off + EXCERPT_CONTEXT).min(bytes.len());
    }
    bytes[start..end].escape_ascii().to_string()
}

/// Text: the first differing line.
fn text(a: &[u8], b: &[u8]) -> Vec<Difference> {
    let (ta, tb) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
    let (mut la, mut lb) = (ta.split_inclusive('\n'), tb.split_inclusive('\n'));
    let mut line = 1;
    loop {
        match (la.next(), lb.next()) {
            (None, None) => return Vec::new(),
            (x, y) if x == y => line += 1,
            (x, y) => {
                let clip = |s: Option<&str>| {
                    s.map(|s| s.trim_end_matches('\n').chars().take(200).collect())
                        .unwrap_or_default()
                };
                return vec![Difference {
                    location: Vec::new(),
                    kind: DiffKind::Line { line },
                    offset: None,
                    control: clip(x),
                    experiment: clip(y),
                    rank: Rank::Cause,
                }];
            }
        }
    }
}

/// Prefixes every difference's location with `segment`.
pub(crate) fn nest(segment: String, diffs: Vec<Difference>) -> Vec<Difference> {
    diffs
        .into_iter()
        .map(|mut d| {
            d.location.insert(0, segment.clone());
            d
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn text_difference_names_the_first_differing_line() {
        let d = compare(b"a\nbuilt Nov 14 2023\nz\n", b"a\nbuilt Dec 17 2024\nz\n");
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].kind, DiffKind::Line { line: 2 });
        assert_eq!(d[0].control, "built Nov 14 2023");
    }

    #[test]
    fn binary_difference_names_the_offset_and_the_string_around_it() {
        let a = b"\x00\x01\x02/tmp/control/src/main.c\x00\xff";
        let b = b"\x00\x01\x02/tmp/experi/src/main.c\x00\xff";
        let d = compare(a, b);
        assert_eq!(d[0].offset, Some(8));
        assert_eq!(d[0].control, "/tmp/control/src/main.c");
    }

    #[test]
    fn identical_inputs_have_no_difference() {
        assert!(compare(b"same", b"same").is_empty());
    }

    proptest! {
        #[test]
        fn compare_never_panics_on_arbitrary_bytes(a in proptest::collection::vec(any::<u8>(), 0..600),
                                                    b in proptest::collection::vec(any::<u8>(), 0..600),
                                                    magic in 0usize..5) {
            let prefix: &[u8] = [&b"\x7fELF\x02\x01"[..], b"!<arch>\n", b"PK\x03\x04", b"\x1f\x8b\x08", b""][magic];
            let a2 = [prefix, &a].concat();
            let b2 = [prefix, &b].concat();
            let d = compare(&a2, &b2);
            prop_assert_eq!(d.is_empty(), a2 == b2);
        }
    }
}
