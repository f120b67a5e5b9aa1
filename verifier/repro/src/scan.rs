//! The evidence scan: look for the values a build injected (its path, its `HOME`, its time
//! zone, …) and for timestamp-like strings in both versions of an artifact. A value found in
//! the experiment's artifact that the control could not have produced is usually the cause.

use std::collections::BTreeSet;

use crate::compare::parse_elf_sections;
use crate::timefmt::MONTHS;

/// At most this many differing timestamp-like strings are reported per artifact.
const MAX_TIMESTAMPS: usize = 6;
/// Epoch-like numbers are recognised between 2000-01-01 and 2100-01-01.
const EPOCH_RANGE: std::ops::Range<u64> = 946_684_800..4_102_444_800;

/// What kind of injected value a [`Needle`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// The build tree's absolute path.
    BuildPath,
    /// The `HOME` directory.
    Home,
    /// The `TZ` value.
    Timezone,
    /// The locale name.
    Locale,
    /// The noise environment variable's value.
    Environment,
    /// The extra `PATH` entry.
    ExecPath,
    /// A timestamp-like string (`Nov 14 2023`, `22:13:20`, `2023-11-14`, an epoch number).
    Timestamp,
}

/// A value the control and the experiment were given, to look for in their artifacts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Needle {
    /// What it is.
    pub kind: EvidenceKind,
    /// The control's value, if it had one.
    pub control: Option<String>,
    /// The experiment's value, if it had one.
    pub experiment: Option<String>,
}

/// One finding of the scan.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Evidence {
    /// What was found.
    pub kind: EvidenceKind,
    /// The value found in the control's artifact (if any).
    pub control: Option<String>,
    /// The value found in the experiment's artifact (if any).
    pub experiment: Option<String>,
    /// Occurrences in the control's artifact.
    pub control_count: usize,
    /// Occurrences in the experiment's artifact.
    pub experiment_count: usize,
    /// Where the first occurrence is: `section .rodata +0x1c` or `offset 0x1c`.
    pub location: Option<String>,
}

/// Scans `control` and `experiment` (the two versions of one artifact) for the needles and for
/// timestamp-like strings that appear in only one of them.
#[must_use]
pub fn scan(control: &[u8], experiment: &[u8], needles: &[Needle]) -> Vec<Evidence> {
    let mut out = Vec::new();
    for n in needles.iter().filter(|n| n.control != n.experiment) {
        let count = |hay: &[u8], v: &Option<String>| {
            v.as_deref()
                .map_or((0, None), |v| occurrences(hay, v.as_bytes()))
        };
        let (cc, cfirst) = count(control, &n.control);
        let (ec, efirst) = count(experiment, &n.experiment);
        if cc + ec == 0 {
            continue;
        }
        let location = efirst
            .map(|o| locate(experiment, o))
            .or_else(|| cfirst.map(|o| locate(control, o)));
        out.push(Evidence {
            kind: n.kind,
            control: n.control.clone().filter(|_| cc > 0),
            experiment: n.experiment.clone().filter(|_| ec > 0),
            control_count: cc,
            experiment_count: ec,
            location,
        });
    }
    let (ta, tb) = (timestamps(control), timestamps(experiment));
    let only_a: Vec<&(String, usize)> = ta
        .iter()
        .filter(|(s, _)| !tb.iter().any(|(t, _)| t == s))
        .collect();
    let only_b: Vec<&(String, usize)> = tb
        .iter()
        .filter(|(s, _)| !ta.iter().any(|(t, _)| t == s))
        .collect();
    for i in 0..only_a.len().max(only_b.len()).min(MAX_TIMESTAMPS) {
        let (a, b) = (only_a.get(i), only_b.get(i));
        out.push(Evidence {
            kind: EvidenceKind::Timestamp,
            control: a.map(|(s, _)| s.clone()),
            experiment: b.map(|(s, _)| s.clone()),
            control_count: usize::from(a.is_some()),
            experiment_count: usize::from(b.is_some()),
            location: b
                .map(|(_, o)| locate(experiment, *o))
                .or_else(|| a.map(|(_, o)| locate(control, *o))),
        });
    }
    out
}

/// The number of occurrences of `needle` and the offset of the first.
fn occurrences(hay: &[u8], needle: &[u8]) -> (usize, Option<usize>) {
    if needle.is_empty() || hay.len() < needle.len() {
        return (0, None);
    }
    let mut count = 0;
    let mut first = None;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..=hay.len() - needle.len()]
            .iter()
            .position(|&c| c == needle[0])
        {
            None => break,
            Some(p) => {
                i += p;
                if hay[i..].starts_with(needle) {
                    count += 1;
                    first.get_or_insert(i);
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
        }
    }
    (count, first)
}

/// `section .rodata +0x1c` for ELF files, `offset 0x1c` otherwise.
fn locate(bytes: &[u8], off: usize) -> String {
    let off64 = off as u64;
    parse_elf_sections(bytes)
        .and_then(|s| {
            s.into_iter()
                .find(|s| s.size > 0 && (s.offset..s.offset + s.size).contains(&off64))
        })
        .map_or_else(
            || format!("offset {off:#x}"),
            |s| format!("section {} +{:#x}", s.name, off64 - s.offset),
        )
}

/// Timestamp-like strings with the offset of their first occurrence, deduplicated.
#[must_use]
pub fn timestamps(bytes: &[u8]) -> Vec<(String, usize)> {
    let digit = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_digit);
    let digits = |from: usize, n: usize| (from..from + n).all(digit);
    let num = |from: usize, n: usize| -> u64 {
        bytes[from..from + n]
            .iter()
            .fold(0, |acc, c| acc * 10 + u64::from(c - b'0'))
    };
    let year_ok = |y: u64| (1970..=2100).contains(&y);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut push = |s: &[u8], at: usize| {
        let s = String::from_utf8_lossy(s).into_owned();
        if seen.insert(s.clone()) {
            out.push((s, at));
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let boundary_before = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        // `Nov 14 2023` / `Nov  4 2023` (C's __DATE__).
        if boundary_before
            && i + 11 <= bytes.len()
            && MONTHS.iter().any(|m| bytes[i..i + 3] == *m.as_bytes())
            && bytes[i + 3] == b' '
            && (digit(i + 4) || bytes[i + 4] == b' ')
            && digit(i + 5)
            && bytes[i + 6] == b' '
            && digits(i + 7, 4)
            && year_ok(num(i + 7, 4))
            && !digit(i + 11)
        {
            push(&bytes[i..i + 11], i);
            i += 11;
            continue;
        }
        if !digit(i) || (i > 0 && digit(i - 1)) {
            i += 1;
            continue;
        }
        // `2023-11-14`, optionally followed by `T22:13:20` or ` 22:13:20`.
        if digits(i, 4)
            && bytes.get(i + 4) == Some(&b'-')
            && digits(i + 5, 2)
            && bytes.get(i + 7) == Some(&b'-')
            && digits(i + 8, 2)
            && year_ok(num(i, 4))
        {
            let time = matches!(bytes.get(i + 10), Some(b'T' | b' ')) && is_clock(bytes, i + 11);
            let end = if time { i + 19 } else { i + 10 };
            push(&bytes[i..end], i);
            i = end;
            continue;
        }
        // `22:13:20` (C's __TIME__).
        if is_clock(bytes, i) && !digit(i + 8) && bytes.get(i + 8) != Some(&b':') {
            push(&bytes[i..i + 8], i);
            i += 8;
            continue;
        }
        // A ten-digit epoch number.
        if digits(i, 10) && !digit(i + 10) && EPOCH_RANGE.contains(&num(i, 10)) {
            push(&bytes[i..i + 10], i);
            i += 10;
            continue;
        }
        i += 1;
    }
    out
}

fn is_clock(bytes: &[u8], i: usize) -> bool {
    let d = |k: usize| bytes.get(i + k).is_some_and(u8::is_ascii_digit);
    let two = |k: usize, max: u8| {
        d(k) && d(k + 1) && (bytes[i + k] - b'0') * 10 + (bytes[i + k + 1] - b'0') <= max
    };
    two(0, 23)
        && bytes.get(i + 2) == Some(&b':')
        && two(3, 59)
        && bytes.get(i + 5) == Some(&b':')
        && two(6, 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn finds_the_experiment_build_path_and_counts_it() {
        let needles = [Needle {
            kind: EvidenceKind::BuildPath,
            control: Some("/w/build/src".into()),
            experiment: Some("/w/exp/src".into()),
        }];
        let e = scan(
            b"x /w/build/src/a.c y",
            b"x /w/exp/src/a.c y /w/exp/src/b.c",
            &needles,
        );
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].control_count, e[0].experiment_count), (1, 2));
        assert_eq!(e[0].location.as_deref(), Some("offset 0x2"));
    }

    #[test]
    fn recognises_c_date_time_iso_and_epoch_strings() {
        let t: Vec<String> = timestamps(
            b"Nov 14 2023\x0022:13:20\x002023-11-14T22:13:20 1700000000 12345678901 Nov 99",
        )
        .into_iter()
        .map(|(s, _)| s)
        .collect();
        assert_eq!(
            t,
            [
                "Nov 14 2023",
                "22:13:20",
                "2023-11-14T22:13:20",
                "1700000000"
            ]
        );
    }

    #[test]
    fn reports_only_timestamps_that_differ() {
        let e = scan(b"v1 Nov 14 2023 22:13:20", b"v1 Nov 14 2023 09:01:02", &[]);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].control.as_deref(), Some("22:13:20"));
        assert_eq!(e[0].experiment.as_deref(), Some("09:01:02"));
    }

    proptest! {
        #[test]
        fn scanning_never_panics(a in proptest::collection::vec(any::<u8>(), 0..300), b in "[0-9: NovT-]{0,40}") {
            let _ = timestamps(&a);
            let _ = timestamps(b.as_bytes());
            let _ = scan(&a, b.as_bytes(), &[Needle { kind: EvidenceKind::Home, control: Some("0".into()), experiment: Some(b.clone()) }]);
        }
    }
}
