//! The sumdb `/lookup` response: `<id>\n<record text>\n<signed note>` (Go's
//! `sumdb.Client` format, golang.org/x/mod/sumdb/server.go). Parsed strictly; nothing in it is
//! trusted until the note verifies and the record's leaf hash is found in authenticated tiles.

/// A parsed sumdb lookup response: record id, record text, signed note bytes.
pub(crate) type LookupAnswer = (u64, String, Vec<u8>);

/// Split a sumdb lookup response `<id>\n<record text>\n<signed note>`.
pub(crate) fn parse_lookup(body: &[u8]) -> Result<LookupAnswer, String> {
    let text = std::str::from_utf8(body).map_err(|_| "response is not UTF-8".to_owned())?;
    let (id, rest) = text.split_once('\n').ok_or("response has no id line")?;
    let id =
        lockproof_tlog::checkpoint::parse_decimal(id).map_err(|e| format!("bad record id: {e}"))?;
    let end = rest
        .find("\n\n")
        .ok_or("response has no blank line before the note")?;
    // `end` is the index of a two-byte match inside `rest`, so both slices are in bounds and
    // on character boundaries ('\n' is ASCII).
    let record = &rest[..=end];
    let note = &rest[end + 2..];
    if record.trim().is_empty() {
        return Err("empty record".to_owned());
    }
    Ok((id, record.to_owned(), note.as_bytes().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::parse_lookup;
    use proptest::prelude::*;

    #[test]
    fn splits_id_record_and_note() {
        let body = b"7\ncargo/a 1 sha256:00\n\ngo.sum database tree\n8\nAA==\n\n- x y\n";
        let (id, record, note) = parse_lookup(body).unwrap();
        assert_eq!(id, 7);
        assert_eq!(record, "cargo/a 1 sha256:00\n");
        assert!(note.starts_with(b"go.sum database tree\n8\n"));
    }

    #[test]
    fn rejects_non_canonical_ids_and_missing_parts() {
        assert!(parse_lookup(b"07\nr\n\nn").is_err());
        assert!(parse_lookup(b"-1\nr\n\nn").is_err());
        assert!(parse_lookup(b"7\nno blank line\n").is_err());
        assert!(parse_lookup(b"7").is_err());
        assert!(parse_lookup(b"7\n\n\nnote").is_err());
        assert!(parse_lookup(&[0xff, b'\n']).is_err());
    }

    proptest! {
        #[test]
        fn lookup_parser_never_panics(body in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_lookup(&body);
        }

        #[test]
        fn lookup_parser_round_trips(id in 0u64..u64::MAX, rec in "[a-z/]{1,20} [0-9.]{1,8} sha256:[0-9a-f]{4}") {
            let body = format!("{id}\n{rec}\n\nnote text\n");
            let (i, r, n) = parse_lookup(body.as_bytes()).unwrap();
            prop_assert_eq!(format!("{i}\n{r}\n{}", String::from_utf8(n).unwrap()), body);
        }
    }
}
