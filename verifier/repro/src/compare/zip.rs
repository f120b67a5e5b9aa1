//! zip central directory (PKWARE APPNOTE.TXT §4.3.12, §4.3.16) with the DOS and extended
//! (`UT`, 0x5455) timestamps, file modes and contents (stored or deflated).

use std::borrow::Cow;
use std::io::Read;

use super::MAX_COMPARE_BYTES;
use super::archive::Member;
use crate::timefmt::show_time;

const EOCD_SIG: u32 = 0x0605_4b50;
const CDH_SIG: u32 = 0x0201_4b50;
const LFH_SIG: u32 = 0x0403_4b50;
/// The end-of-central-directory record is 22 bytes plus a comment of at most 65535 bytes.
const MAX_EOCD_SEARCH: usize = 22 + 0xffff;
const MAX_MEMBERS: usize = 100_000;

fn u16_at(b: &[u8], off: usize) -> Option<usize> {
    Some(usize::from(u16::from_le_bytes(
        b.get(off..off + 2)?.try_into().ok()?,
    )))
}

fn u32_at(b: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(off..off + 4)?.try_into().ok()?))
}

/// The DOS date/time fields as `1980-01-01 00:00:00`.
fn dos_time(date: usize, time: usize) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} (DOS, local time)",
        1980 + (date >> 9),
        (date >> 5) & 0xf,
        date & 0x1f,
        time >> 11,
        (time >> 5) & 0x3f,
        (time & 0x1f) * 2
    )
}

/// The modification time from an extended-timestamp extra field, if any.
fn ut_mtime(extra: &[u8]) -> Option<u32> {
    let mut pos = 0;
    while pos + 4 <= extra.len() {
        let id = u16_at(extra, pos)?;
        let len = u16_at(extra, pos + 2)?;
        let body = extra.get(pos + 4..pos + 4 + len)?;
        if id == 0x5455 && body.first().is_some_and(|f| f & 1 != 0) {
            return u32_at(body, 1);
        }
        pos += 4 + len;
    }
    None
}

/// Parses the central directory; member data is decoded for stored and deflated entries.
pub(super) fn parse_zip(bytes: &[u8]) -> Option<Vec<Member<'_>>> {
    let search_from = bytes.len().saturating_sub(MAX_EOCD_SEARCH);
    let eocd = (search_from..bytes.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(bytes, i) == Some(EOCD_SIG))?;
    let count = u16_at(bytes, eocd + 10)?;
    let mut pos = usize::try_from(u32_at(bytes, eocd + 16)?).ok()?;
    let mut out = Vec::new();
    for _ in 0..count.min(MAX_MEMBERS) {
        if u32_at(bytes, pos)? != CDH_SIG {
            return None;
        }
        let method = u16_at(bytes, pos + 10)?;
        let (time, date) = (u16_at(bytes, pos + 12)?, u16_at(bytes, pos + 14)?);
        let crc = u32_at(bytes, pos + 16)?;
        let csize = usize::try_from(u32_at(bytes, pos + 20)?).ok()?;
        let (name_len, extra_len, comment_len) = (
            u16_at(bytes, pos + 28)?,
            u16_at(bytes, pos + 30)?,
            u16_at(bytes, pos + 32)?,
        );
        let external = u32_at(bytes, pos + 38)?;
        let local = usize::try_from(u32_at(bytes, pos + 42)?).ok()?;
        let name = String::from_utf8_lossy(bytes.get(pos + 46..pos + 46 + name_len)?).into_owned();
        let extra = bytes.get(pos + 46 + name_len..pos + 46 + name_len + extra_len)?;
        let mut fields = vec![("mtime", dos_time(date, time))];
        fields.push((
            "extended mtime",
            ut_mtime(extra)
                .map(|t| show_time(u64::from(t)))
                .unwrap_or_default(),
        ));
        fields.push(("mode", format!("{:o}", external >> 16)));
        fields.push(("method", method.to_string()));
        fields.push(("crc32", format!("{crc:08x}")));
        let data = member_data(bytes, local, method, csize);
        out.push(Member { name, fields, data });
        pos += 46 + name_len + extra_len + comment_len;
    }
    Some(out)
}

fn member_data(bytes: &[u8], local: usize, method: usize, csize: usize) -> Option<Cow<'_, [u8]>> {
    if u32_at(bytes, local)? != LFH_SIG {
        return None;
    }
    let start = local + 30 + u16_at(bytes, local + 26)? + u16_at(bytes, local + 28)?;
    let raw = bytes.get(start..start.checked_add(csize)?)?;
    match method {
        0 => Some(Cow::Borrowed(raw)),
        8 => {
            let mut out = Vec::new();
            flate2::read::DeflateDecoder::new(raw)
                .take(MAX_COMPARE_BYTES as u64)
                .read_to_end(&mut out)
                .ok()?;
            Some(Cow::Owned(out))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{DiffKind, compare};
    use proptest::prelude::*;

    /// A stored (uncompressed) zip of `(name, dos_time, contents)` members.
    fn zip_of(members: &[(&str, u16, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, time, data) in members {
            let offset = out.len() as u32;
            let mut lfh = vec![0u8; 30];
            lfh[..4].copy_from_slice(&LFH_SIG.to_le_bytes());
            lfh[10..12].copy_from_slice(&time.to_le_bytes());
            lfh[18..22].copy_from_slice(&(data.len() as u32).to_le_bytes());
            lfh[26..28].copy_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&lfh);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            let mut cdh = vec![0u8; 46];
            cdh[..4].copy_from_slice(&CDH_SIG.to_le_bytes());
            cdh[12..14].copy_from_slice(&time.to_le_bytes());
            cdh[14..16].copy_from_slice(&0x5b6eu16.to_le_bytes());
            cdh[20..24].copy_from_slice(&(data.len() as u32).to_le_bytes());
            cdh[28..30].copy_from_slice(&(name.len() as u16).to_le_bytes());
            cdh[38..42].copy_from_slice(&(0o100644u32 << 16).to_le_bytes());
            cdh[42..46].copy_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(&cdh);
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = out.len() as u32;
        out.extend_from_slice(&central);
        let mut eocd = vec![0u8; 22];
        eocd[..4].copy_from_slice(&EOCD_SIG.to_le_bytes());
        eocd[10..12].copy_from_slice(&(members.len() as u16).to_le_bytes());
        eocd[16..20].copy_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&eocd);
        out
    }

    #[test]
    fn pins_a_zip_difference_to_the_member_and_its_dos_mtime() {
        let a = zip_of(&[("a.txt", 0x6000, b"x"), ("b.txt", 0x6000, b"y")]);
        let b = zip_of(&[("a.txt", 0x6000, b"x"), ("b.txt", 0x6001, b"y")]);
        let d = compare(&a, &b);
        assert_eq!(d[0].location, ["member b.txt"]);
        assert_eq!(
            d[0].kind,
            DiffKind::Field {
                field: "mtime".into()
            }
        );
    }

    #[test]
    fn pins_a_zip_difference_to_member_order() {
        let a = zip_of(&[("a.txt", 1, b"x"), ("b.txt", 1, b"y")]);
        let b = zip_of(&[("b.txt", 1, b"y"), ("a.txt", 1, b"x")]);
        assert_eq!(compare(&a, &b)[0].kind, DiffKind::Order);
    }

    proptest! {
        #[test]
        fn zip_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
            let mut z = b"PK\x03\x04".to_vec();
            z.extend_from_slice(&bytes);
            z.extend_from_slice(&EOCD_SIG.to_le_bytes());
            z.extend_from_slice(&[1u8; 18]);
            let _ = parse_zip(&z);
        }
    }
}
