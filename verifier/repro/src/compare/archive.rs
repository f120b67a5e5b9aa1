//! Archives and compressed streams: members are compared by name, order and header fields,
//! then member contents recursively. gzip headers (mtime, name, OS) are compared, then the
//! payload.

use std::borrow::Cow;
use std::io::Read;

use super::{DiffKind, Difference, Format, MAX_COMPARE_BYTES, Rank, compare_nested, nest};

/// One archive member as the parsers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Member<'a> {
    /// The member's path.
    pub name: String,
    /// Header fields in a fixed order: (`mtime`, "1700000000 (2023-11-14T22:13:20Z)"), ….
    pub fields: Vec<(&'static str, String)>,
    /// The member's (uncompressed) contents; `None` if it could not be decoded.
    pub data: Option<Cow<'a, [u8]>>,
}

/// Compares two archives or gzip streams of the same format. `None` when either fails to
/// parse (the caller falls back to bytes).
pub(super) fn compare(format: Format, a: &[u8], b: &[u8], depth: usize) -> Option<Vec<Difference>> {
    match format {
        Format::Gzip => gzip(a, b, depth),
        Format::Ar => Some(members(
            &super::tar::parse_ar(a)?,
            &super::tar::parse_ar(b)?,
            depth,
        )),
        Format::Tar => Some(members(
            &super::tar::parse_tar(a)?,
            &super::tar::parse_tar(b)?,
            depth,
        )),
        Format::Zip => Some(members(
            &super::zip::parse_zip(a)?,
            &super::zip::parse_zip(b)?,
            depth,
        )),
        _ => None,
    }
}

fn members(a: &[Member<'_>], b: &[Member<'_>], depth: usize) -> Vec<Difference> {
    let mut diffs = Vec::new();
    let names_a: Vec<&str> = a.iter().map(|m| m.name.as_str()).collect();
    let names_b: Vec<&str> = b.iter().map(|m| m.name.as_str()).collect();
    let (mut sorted_a, mut sorted_b) = (names_a.clone(), names_b.clone());
    sorted_a.sort_unstable();
    sorted_b.sort_unstable();
    if names_a != names_b && sorted_a == sorted_b {
        let first = names_a
            .iter()
            .zip(&names_b)
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let window = |names: &[&str]| {
            names[first..]
                .iter()
                .take(4)
                .copied()
                .collect::<Vec<_>>()
                .join(", ")
        };
        diffs.push(Difference {
            location: vec![format!("member #{} onwards", first + 1)],
            kind: DiffKind::Order,
            offset: None,
            control: window(&names_a),
            experiment: window(&names_b),
            rank: Rank::Cause,
        });
    }
    for m in a {
        let location = format!("member {}", m.name);
        let Some(n) = b.iter().find(|n| n.name == m.name) else {
            diffs.push(presence(location, true));
            continue;
        };
        diffs.extend(field_differences(&location, &m.fields, &n.fields));
        if let (Some(x), Some(y)) = (&m.data, &n.data) {
            diffs.extend(nest(location, compare_nested(x, y, depth + 1)));
        }
    }
    for n in b.iter().filter(|n| !a.iter().any(|m| m.name == n.name)) {
        diffs.push(presence(format!("member {}", n.name), false));
    }
    diffs
}

fn presence(location: String, in_control: bool) -> Difference {
    let name = location.trim_start_matches("member ").to_owned();
    Difference {
        location: vec![location],
        kind: DiffKind::Presence,
        offset: None,
        control: if in_control {
            name.clone()
        } else {
            String::new()
        },
        experiment: if in_control { String::new() } else { name },
        rank: Rank::Cause,
    }
}

/// A gzip member header (RFC 1952 §2.3) and its decompressed payload.
struct Gzip {
    fields: Vec<(&'static str, String)>,
    payload: Option<Vec<u8>>,
}

fn parse_gzip(bytes: &[u8]) -> Option<Gzip> {
    const FEXTRA: u8 = 4;
    const FNAME: u8 = 8;
    if bytes.len() < 10 || bytes[..3] != [0x1f, 0x8b, 8] {
        return None;
    }
    let flags = bytes[3];
    let mtime = u32::from_le_bytes(bytes[4..8].try_into().ok()?);
    let mut fields = vec![
        ("mtime", super::tar::show_time(u64::from(mtime))),
        ("xfl", bytes[8].to_string()),
        ("os", bytes[9].to_string()),
    ];
    let mut pos = 10usize;
    if flags & FEXTRA != 0 {
        let len = u16::from_le_bytes(bytes.get(pos..pos + 2)?.try_into().ok()?);
        pos += 2 + usize::from(len);
    }
    let name = if flags & FNAME != 0 {
        let rest = bytes.get(pos..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        String::from_utf8_lossy(&rest[..end]).into_owned()
    } else {
        String::new()
    };
    fields.push(("name", name));
    let mut payload = Vec::new();
    let decoded = flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_COMPARE_BYTES as u64)
        .read_to_end(&mut payload)
        .is_ok();
    Some(Gzip {
        fields,
        payload: decoded.then_some(payload),
    })
}

/// A `Field` difference at `location` for each header field whose values differ, pairing
/// `control` and `experiment` by position (both list the same fields in the same order).
fn field_differences(
    location: &str,
    control: &[(&'static str, String)],
    experiment: &[(&'static str, String)],
) -> impl Iterator<Item = Difference> {
    control
        .iter()
        .zip(experiment)
        .filter(|((_, x), (_, y))| x != y)
        .map(move |((field, x), (_, y))| Difference {
            location: vec![location.to_owned()],
            kind: DiffKind::Field {
                field: (*field).to_owned(),
            },
            offset: None,
            control: x.clone(),
            experiment: y.clone(),
            rank: Rank::Cause,
        })
}

fn gzip(a: &[u8], b: &[u8], depth: usize) -> Option<Vec<Difference>> {
    let (ga, gb) = (parse_gzip(a)?, parse_gzip(b)?);
    let mut diffs: Vec<Difference> =
        field_differences("gzip header", &ga.fields, &gb.fields).collect();
    if let (Some(x), Some(y)) = (&ga.payload, &gb.payload) {
        diffs.extend(nest(
            "gzip payload".to_owned(),
            compare_nested(x, y, depth + 1),
        ));
    }
    Some(diffs)
}

/// The decompressed payload of a gzip stream, for the evidence scan.
pub(crate) fn gunzip(bytes: &[u8]) -> Option<Vec<u8>> {
    parse_gzip(bytes)?.payload
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use crate::compare::{DiffKind, compare};

    fn gzip(name: &str, mtime: u32, data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::GzBuilder::new()
            .filename(name)
            .mtime(mtime)
            .write(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn names_the_gzip_header_mtime_and_suggests_gzip_n() {
        let d = compare(
            &gzip("out.tar", 1_700_000_000, b"same"),
            &gzip("out.tar", 1_734_393_607, b"same"),
        );
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].location, ["gzip header"]);
        assert_eq!(
            d[0].kind,
            DiffKind::Field {
                field: "mtime".into()
            }
        );
        assert!(crate::hints(&d)[0].contains("gzip -n"));
    }

    #[test]
    fn descends_through_gzip_into_a_tar_member() {
        let tar_a = crate::compare::tar::tests::tar_of(&[("a.txt", 1, b"x"), ("b.txt", 5, b"y")]);
        let tar_b = crate::compare::tar::tests::tar_of(&[("a.txt", 1, b"x"), ("b.txt", 6, b"y")]);
        let d = compare(&gzip("", 0, &tar_a), &gzip("", 0, &tar_b));
        assert_eq!(d[0].location, ["gzip payload", "member b.txt"]);
        assert_eq!(
            d[0].kind,
            DiffKind::Field {
                field: "mtime".into()
            }
        );
    }
}
