//! tar (POSIX ustar, GNU long names, pax extended headers) and `ar` member parsing.

use std::borrow::Cow;

use super::archive::Member;

pub(super) use crate::timefmt::show_time;

/// The most members read from one archive.
const MAX_MEMBERS: usize = 100_000;
const BLOCK: usize = 512;

fn field(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&c| c == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).trim_end().to_owned()
}

/// A tar numeric field: octal text, or GNU base-256 when the high bit is set.
fn number(bytes: &[u8]) -> Option<u64> {
    if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        return bytes[1..]
            .iter()
            .try_fold(u64::from(bytes[0] & 0x7f), |acc, &b| {
                acc.checked_mul(256).map(|v| v | u64::from(b))
            });
    }
    let text = field(bytes);
    let text = text.trim();
    if text.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(text, 8).ok()
}

/// Parses a tar archive into members (regular files, directories, links; pax and GNU
/// long-name records are folded into the member they describe).
pub(super) fn parse_tar(bytes: &[u8]) -> Option<Vec<Member<'_>>> {
    let mut out = Vec::new();
    let mut pos = 0usize;
    let mut long_name: Option<String> = None;
    let mut pax: Vec<(String, String)> = Vec::new();
    while pos + BLOCK <= bytes.len() && out.len() < MAX_MEMBERS {
        let h = &bytes[pos..pos + BLOCK];
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let size = usize::try_from(number(&h[124..136])?).ok()?;
        let data_start = pos + BLOCK;
        let data = bytes.get(data_start..data_start.checked_add(size)?)?;
        let next = data_start + size.div_ceil(BLOCK) * BLOCK;
        let kind = h[156];
        match kind {
            b'L' => long_name = Some(field(data)),
            b'x' => pax = parse_pax(data)?,
            b'g' => {}
            _ => {
                let mut name = field(&h[0..100]);
                if &h[257..262] == b"ustar" {
                    let prefix = field(&h[345..500]);
                    if !prefix.is_empty() {
                        name = format!("{prefix}/{name}");
                    }
                }
                if let Some(n) = long_name.take() {
                    name = n;
                }
                let pax_get =
                    |k: &str| pax.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
                if let Some(p) = pax_get("path") {
                    name = p;
                }
                let mtime = pax_get("mtime")
                    .or_else(|| number(&h[136..148]).map(show_time))
                    .unwrap_or_default();
                let fields = vec![
                    ("mtime", mtime),
                    ("mode", format!("{:o}", number(&h[100..108]).unwrap_or(0))),
                    (
                        "uid",
                        pax_get("uid")
                            .unwrap_or_else(|| number(&h[108..116]).unwrap_or(0).to_string()),
                    ),
                    (
                        "gid",
                        pax_get("gid")
                            .unwrap_or_else(|| number(&h[116..124]).unwrap_or(0).to_string()),
                    ),
                    (
                        "uname",
                        pax_get("uname").unwrap_or_else(|| field(&h[265..297])),
                    ),
                    (
                        "gname",
                        pax_get("gname").unwrap_or_else(|| field(&h[297..329])),
                    ),
                    ("type", char::from(kind).escape_default().to_string()),
                    ("linkname", field(&h[157..257])),
                    ("size", size.to_string()),
                ];
                out.push(Member {
                    name,
                    fields,
                    data: Some(Cow::Borrowed(data)),
                });
                pax.clear();
            }
        }
        pos = next;
    }
    Some(out)
}

/// pax records: `"<len> <key>=<value>\n"`, where `<len>` counts the whole record.
fn parse_pax(data: &[u8]) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() && rest[0] != 0 {
        let space = rest.iter().position(|&c| c == b' ')?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        let record = rest.get(space + 1..len)?;
        let text = String::from_utf8_lossy(record.strip_suffix(b"\n")?);
        let (k, v) = text.split_once('=')?;
        out.push((k.to_owned(), v.to_owned()));
        rest = &rest[len..];
    }
    Some(out)
}

/// Parses a Unix `ar` archive (System V / GNU variant, with the `//` long-name table).
pub(super) fn parse_ar(bytes: &[u8]) -> Option<Vec<Member<'_>>> {
    const HEADER: usize = 60;
    let mut pos = 8usize;
    let mut names: &[u8] = &[];
    let mut out = Vec::new();
    while pos + HEADER <= bytes.len() && out.len() < MAX_MEMBERS {
        let h = &bytes[pos..pos + HEADER];
        if &h[58..60] != b"`\n" {
            return None;
        }
        let text = |r: std::ops::Range<usize>| String::from_utf8_lossy(&h[r]).trim().to_owned();
        let size: usize = text(48..58).parse().ok()?;
        let data = bytes.get(pos + HEADER..(pos + HEADER).checked_add(size)?)?;
        let raw = text(0..16);
        pos += HEADER + size + size % 2;
        if raw == "//" {
            names = data;
            continue;
        }
        let name = match raw.strip_prefix('/') {
            Some(idx) if !idx.is_empty() && idx.bytes().all(|c| c.is_ascii_digit()) => {
                let start: usize = idx.parse().ok()?;
                let tail = names.get(start..)?;
                let end = tail.iter().position(|&c| c == b'\n').unwrap_or(tail.len());
                String::from_utf8_lossy(&tail[..end])
                    .trim_end_matches('/')
                    .to_owned()
            }
            Some("") => "/ (symbol table)".to_owned(),
            _ => raw.trim_end_matches('/').to_owned(),
        };
        let mtime = text(16..28)
            .parse::<u64>()
            .map(show_time)
            .unwrap_or_else(|_| text(16..28));
        let fields = vec![
            ("mtime", mtime),
            ("uid", text(28..34)),
            ("gid", text(34..40)),
            ("mode", text(40..48)),
            ("size", size.to_string()),
        ];
        out.push(Member {
            name,
            fields,
            data: Some(Cow::Borrowed(data)),
        });
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::compare::{DiffKind, compare};
    use proptest::prelude::*;

    /// Writes a ustar archive of `(name, mtime, contents)` members.
    pub(crate) fn tar_of(members: &[(&str, u64, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, mtime, data) in members {
            let mut h = [0u8; 512];
            h[..name.len()].copy_from_slice(name.as_bytes());
            h[100..107].copy_from_slice(b"0000644");
            h[108..115].copy_from_slice(b"0001750");
            h[116..123].copy_from_slice(b"0001750");
            h[124..135].copy_from_slice(format!("{:011o}", data.len()).as_bytes());
            h[136..147].copy_from_slice(format!("{mtime:011o}").as_bytes());
            h[156] = b'0';
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
            out.extend_from_slice(&h);
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    #[test]
    fn pins_a_tar_difference_to_the_member_and_its_mtime() {
        let a = tar_of(&[
            ("a.txt", 1_700_000_000, b"x"),
            ("b.txt", 1_700_000_000, b"y"),
        ]);
        let b = tar_of(&[
            ("a.txt", 1_700_000_000, b"x"),
            ("b.txt", 1_734_393_607, b"y"),
        ]);
        let d = compare(&a, &b);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].location, ["member b.txt"]);
        assert_eq!(
            d[0].kind,
            DiffKind::Field {
                field: "mtime".into()
            }
        );
        assert!(d[0].control.contains("2023-11-14T22:13:20Z"));
    }

    #[test]
    fn pins_a_tar_difference_to_member_order() {
        let a = tar_of(&[("a.txt", 1, b"x"), ("b.txt", 1, b"y")]);
        let b = tar_of(&[("b.txt", 1, b"y"), ("a.txt", 1, b"x")]);
        let d = compare(&a, &b);
        assert_eq!(d[0].kind, DiffKind::Order);
        assert_eq!(d[0].control, "a.txt, b.txt");
        assert_eq!(d[0].experiment, "b.txt, a.txt");
    }

    #[test]
    fn descends_into_a_changed_member_and_names_its_line() {
        let a = tar_of(&[("v.txt", 1, b"version 1\nbuilt /tmp/a\n")]);
        let b = tar_of(&[("v.txt", 1, b"version 1\nbuilt /tmp/b\n")]);
        let d = compare(&a, &b);
        assert_eq!(d[0].location, ["member v.txt"]);
        assert_eq!(d[0].kind, DiffKind::Line { line: 2 });
    }

    #[test]
    fn parses_ar_members_and_their_mtimes() {
        let mut ar = b"!<arch>\n".to_vec();
        for (name, mtime) in [("a.o/", "1700000000"), ("b.o/", "0")] {
            ar.extend_from_slice(
                format!(
                    "{name:<16}{mtime:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                    0, 0, 644, 2
                )
                .as_bytes(),
            );
            ar.extend_from_slice(b"hi");
        }
        let m = parse_ar(&ar).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].name, "a.o");
        assert!(m[0].fields[0].1.starts_with("1700000000 (2023"));
    }

    proptest! {
        #[test]
        fn tar_and_ar_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1600)) {
            let _ = parse_tar(&bytes);
            let mut ar = b"!<arch>\n".to_vec();
            ar.extend_from_slice(&bytes);
            let _ = parse_ar(&ar);
        }
    }
}
