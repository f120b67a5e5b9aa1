//! ELF section headers (System V gABI, "Sections" chapter): just enough to say which section
//! holds a differing byte. 32/64-bit, little/big endian; every offset is bounds-checked.

use super::{DiffKind, Difference, Rank, excerpt, first_difference};

/// ELF allows up to 0xff00 ordinary sections; more use the extended numbering, which
/// artifacts we compare never need, so they are rejected (and compared as bytes).
const MAX_SECTIONS: usize = 0xff00;
/// Section type of sections that occupy no file bytes (`.bss`).
const SHT_NOBITS: u64 = 8;

/// One section: its name and where its bytes are in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfSection {
    /// The name from the section-header string table (`.text`, `.rodata`, …).
    pub name: String,
    /// File offset of its bytes.
    pub offset: u64,
    /// Size in the file (0 for `SHT_NOBITS`).
    pub size: u64,
}

struct Reader<'a> {
    bytes: &'a [u8],
    big: bool,
}

impl Reader<'_> {
    fn get<const N: usize>(&self, off: u64) -> Option<[u8; N]> {
        let start = usize::try_from(off).ok()?;
        self.bytes
            .get(start..start.checked_add(N)?)?
            .try_into()
            .ok()
    }
    fn u16(&self, off: u64) -> Option<u64> {
        let b = self.get::<2>(off)?;
        Some(u64::from(if self.big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        }))
    }
    fn u32(&self, off: u64) -> Option<u64> {
        let b = self.get::<4>(off)?;
        Some(u64::from(if self.big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        }))
    }
    fn u64(&self, off: u64) -> Option<u64> {
        let b = self.get::<8>(off)?;
        Some(if self.big {
            u64::from_be_bytes(b)
        } else {
            u64::from_le_bytes(b)
        })
    }
}

/// Parses the section table. Returns `None` for anything malformed or truncated.
#[must_use]
pub fn parse_elf_sections(bytes: &[u8]) -> Option<Vec<ElfSection>> {
    if !bytes.starts_with(b"\x7fELF") {
        return None;
    }
    let wide = match bytes.get(4)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let big = match bytes.get(5)? {
        1 => false,
        2 => true,
        _ => return None,
    };
    let r = Reader { bytes, big };
    let (shoff, shentsize, shnum, shstrndx) = if wide {
        (r.u64(0x28)?, r.u16(0x3a)?, r.u16(0x3c)?, r.u16(0x3e)?)
    } else {
        (r.u32(0x20)?, r.u16(0x2e)?, r.u16(0x30)?, r.u16(0x32)?)
    };
    let min_entsize = if wide { 0x40 } else { 0x28 };
    let shnum = usize::try_from(shnum).ok()?;
    if shnum == 0 || shnum > MAX_SECTIONS || shentsize < min_entsize {
        return None;
    }
    let table_end = shoff.checked_add((shnum as u64).checked_mul(shentsize)?)?;
    if table_end > bytes.len() as u64 {
        return None;
    }
    let mut raw = Vec::with_capacity(shnum);
    for i in 0..shnum as u64 {
        let h = shoff.checked_add(i.checked_mul(shentsize)?)?;
        let (name, kind) = (r.u32(h)?, r.u32(h + 4)?);
        let (offset, size) = if wide {
            (r.u64(h + 0x18)?, r.u64(h + 0x20)?)
        } else {
            (r.u32(h + 0x10)?, r.u32(h + 0x14)?)
        };
        let size = if kind == SHT_NOBITS { 0 } else { size };
        if offset.checked_add(size)? > bytes.len() as u64 {
            return None;
        }
        raw.push((name, offset, size));
    }
    let &(_, str_off, str_size) = raw.get(usize::try_from(shstrndx).ok()?)?;
    let strtab =
        bytes.get(usize::try_from(str_off).ok()?..usize::try_from(str_off + str_size).ok()?)?;
    raw.into_iter()
        .map(|(name, offset, size)| {
            let tail = strtab.get(usize::try_from(name).ok()?..)?;
            let end = tail.iter().position(|&c| c == 0)?;
            Some(ElfSection {
                name: String::from_utf8_lossy(&tail[..end]).into_owned(),
                offset,
                size,
            })
        })
        .collect()
}

/// The rank of a section's difference: strings and data hold injected values; code,
/// relocations, symbol tables and the build-id change because something else did.
fn rank(name: &str) -> Rank {
    const CAUSE: [&str; 11] = [
        ".rodata",
        ".data",
        ".comment",
        ".debug_str",
        ".debug_line_str",
        ".debug_line",
        ".strtab",
        ".dynstr",
        ".go.buildinfo",
        ".gopclntab",
        ".gosymtab",
    ];
    const SYMPTOM: [&str; 16] = [
        ".text",
        ".rela",
        ".rel.",
        ".note.gnu.build-id",
        ".gnu_debuglink",
        ".eh_frame",
        ".gnu.hash",
        ".hash",
        ".dynsym",
        ".symtab",
        ".got",
        ".plt",
        ".init_array",
        ".fini_array",
        ".debug_aranges",
        ".debug_rnglists",
    ];
    if name == ".note.go.buildid" {
        return Rank::Symptom;
    }
    if CAUSE.iter().any(|p| name.starts_with(p)) {
        Rank::Cause
    } else if SYMPTOM.iter().any(|p| name.starts_with(p)) {
        Rank::Symptom
    } else {
        Rank::Unclassified
    }
}

/// Shortest printable run that counts as a string.
const MIN_STRING: usize = 8;
/// How far past the first difference a differing string is looked for.
const STRING_SEARCH_BYTES: usize = 1 << 20;

/// Whether `off` lies inside a printable run of at least [`MIN_STRING`] bytes.
fn in_string(bytes: &[u8], off: usize) -> bool {
    let printable = |c: &u8| (0x20..0x7f).contains(c);
    if !bytes.get(off).is_some_and(printable) {
        return false;
    }
    let before = bytes[..off]
        .iter()
        .rev()
        .take_while(|c| printable(c))
        .count();
    let after = bytes[off..].iter().take_while(|c| printable(c)).count();
    before + after >= MIN_STRING
}

/// The first offset at or after `from` (within [`STRING_SEARCH_BYTES`]) where the bytes differ
/// inside a string on either side.
fn first_string_difference(a: &[u8], b: &[u8], from: usize) -> Option<usize> {
    let end = a
        .len()
        .min(b.len())
        .min(from.saturating_add(STRING_SEARCH_BYTES));
    (from..end).find(|&i| a[i] != b[i] && (in_string(a, i) || in_string(b, i)))
}

/// Compares two ELF files section by section (matched by name, in the control's order).
/// Returns `None` when either does not parse, so the caller falls back to bytes.
pub(super) fn compare(a: &[u8], b: &[u8]) -> Option<Vec<Difference>> {
    let (sa, sb) = (parse_elf_sections(a)?, parse_elf_sections(b)?);
    let slice = |bytes: &[u8], s: &ElfSection| -> Option<Vec<u8>> {
        Some(
            bytes
                .get(usize::try_from(s.offset).ok()?..usize::try_from(s.offset + s.size).ok()?)?
                .to_vec(),
        )
    };
    let mut diffs = Vec::new();
    let mut used = vec![false; sb.len()];
    for s in &sa {
        let location = vec![format!(
            "section {}",
            if s.name.is_empty() { "(null)" } else { &s.name }
        )];
        let Some(j) = sb
            .iter()
            .enumerate()
            .position(|(j, t)| !used[j] && t.name == s.name)
        else {
            diffs.push(Difference {
                location,
                kind: DiffKind::Presence,
                offset: None,
                control: s.name.clone(),
                experiment: String::new(),
                rank: rank(&s.name),
            });
            continue;
        };
        used[j] = true;
        let (x, y) = (slice(a, s)?, slice(b, &sb[j])?);
        if let Some(off) = first_difference(&x, &y) {
            let section_rank = rank(&s.name);
            // When the first differing bytes are binary (an offset table, a length), the
            // string that caused them is usually further on: report it too, as the cause.
            let string = (!in_string(&x, off) && !in_string(&y, off))
                .then(|| first_string_difference(&x, &y, off))
                .flatten();
            if let Some(at) = string {
                diffs.push(Difference {
                    location: location.clone(),
                    kind: DiffKind::Content,
                    offset: Some(at as u64),
                    control: excerpt(&x, at),
                    experiment: excerpt(&y, at),
                    rank: section_rank.min(Rank::Unclassified),
                });
            }
            diffs.push(Difference {
                location,
                kind: DiffKind::Content,
                offset: Some(off as u64),
                control: excerpt(&x, off),
                experiment: excerpt(&y, off),
                rank: if string.is_some() {
                    Rank::Symptom.max(section_rank)
                } else {
                    section_rank
                },
            });
        }
    }
    for (_, t) in sb.iter().enumerate().filter(|(j, _)| !used[*j]) {
        diffs.push(Difference {
            location: vec![format!("section {}", t.name)],
            kind: DiffKind::Presence,
            offset: None,
            control: String::new(),
            experiment: t.name.clone(),
            rank: rank(&t.name),
        });
    }
    if diffs.is_empty() {
        // Sections agree: the headers or the bytes between sections differ.
        let mut d = super::bytes(a, b, Rank::Symptom);
        d.location = vec!["ELF headers or padding".to_owned()];
        diffs.push(d);
    }
    Some(diffs)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Builds a little-endian ELF64 file with the given sections (plus the null section and
    /// `.shstrtab`).
    pub(crate) fn tiny_elf(sections: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = vec![0u8; 0x40];
        out[..6].copy_from_slice(b"\x7fELF\x02\x01");
        let mut shstr = vec![0u8];
        let mut headers = vec![(0u32, 0u32, 0u64, 0u64)];
        for (name, data) in sections {
            let n = shstr.len() as u32;
            shstr.extend_from_slice(name.as_bytes());
            shstr.push(0);
            headers.push((n, 1, out.len() as u64, data.len() as u64));
            out.extend_from_slice(data);
        }
        let n = shstr.len() as u32;
        shstr.extend_from_slice(b".shstrtab\0");
        headers.push((n, 3, out.len() as u64, shstr.len() as u64));
        out.extend_from_slice(&shstr);
        let shoff = out.len() as u64;
        for (name, kind, off, size) in &headers {
            let mut h = [0u8; 0x40];
            h[0..4].copy_from_slice(&name.to_le_bytes());
            h[4..8].copy_from_slice(&kind.to_le_bytes());
            h[0x18..0x20].copy_from_slice(&off.to_le_bytes());
            h[0x20..0x28].copy_from_slice(&size.to_le_bytes());
            out.extend_from_slice(&h);
        }
        out[0x28..0x30].copy_from_slice(&shoff.to_le_bytes());
        out[0x3a..0x3c].copy_from_slice(&0x40u16.to_le_bytes());
        out[0x3c..0x3e].copy_from_slice(&(headers.len() as u16).to_le_bytes());
        out[0x3e..0x40].copy_from_slice(&((headers.len() - 1) as u16).to_le_bytes());
        out
    }

    #[test]
    fn parses_section_names_and_offsets() {
        let elf = tiny_elf(&[(".text", b"\x90\x90"), (".rodata", b"hello\0")]);
        let s = parse_elf_sections(&elf).unwrap();
        let names: Vec<&str> = s.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["", ".text", ".rodata", ".shstrtab"]);
        assert_eq!(s[2].size, 6);
    }

    #[test]
    fn ranks_the_rodata_string_above_the_text_and_build_id() {
        let a = tiny_elf(&[
            (".text", b"\x90\x91"),
            (".rodata", b"built 12:00:00\0"),
            (".note.gnu.build-id", b"aaaa"),
        ]);
        let b = tiny_elf(&[
            (".text", b"\x90\x92"),
            (".rodata", b"built 13:14:15\0"),
            (".note.gnu.build-id", b"bbbb"),
        ]);
        let d = crate::compare::compare(&a, &b);
        assert_eq!(d[0].location, ["section .rodata"]);
        assert_eq!(d[0].offset, Some(7));
        assert_eq!(d[0].experiment, "built 13:14:15");
        assert_eq!(d.last().unwrap().rank, Rank::Symptom);
    }

    #[test]
    fn points_past_a_binary_offset_table_to_the_differing_string() {
        let a = tiny_elf(&[(".gopclntab", b"\x10\x00\x00\x00/tmp/build/src/main.go\0")]);
        let b = tiny_elf(&[(
            ".gopclntab",
            b"\x18\x00\x00\x00/tmp/build-experiment/src/main.go\0",
        )]);
        let d = crate::compare::compare(&a, &b);
        assert_eq!(d[0].offset, Some(14));
        assert!(
            d[0].experiment
                .contains("/tmp/build-experiment/src/main.go"),
            "{d:?}"
        );
        assert_eq!(d[1].offset, Some(0));
        assert_eq!(d[1].rank, Rank::Symptom);
    }

    #[test]
    fn rejects_truncated_section_tables() {
        let elf = tiny_elf(&[(".text", b"\x90")]);
        assert!(parse_elf_sections(&elf[..elf.len() - 1]).is_none());
    }

    proptest! {
        #[test]
        fn section_parser_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if bytes.len() >= 6 { bytes[..4].copy_from_slice(b"\x7fELF"); }
            let _ = parse_elf_sections(&bytes);
        }
    }
}
