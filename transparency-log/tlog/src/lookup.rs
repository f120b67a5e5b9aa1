//! The Go checksum database's `/lookup/<key>` response body
//! (<https://go.dev/design/25530-sumdb#checksum-database>; Go `tlog.FormatRecord`,
//! `tlog.ParseRecord` and `sumdb.Server`):
//!
//! ```text
//! <record index, decimal>\n
//! <record text, newline-terminated>
//! \n
//! <signed tree note>
//! ```
//!
//! Nothing in a parsed response is trusted: the caller must open the note with the log's key,
//! check `index < size`, and check that the record's leaf hash is at `index` in that tree (an
//! inclusion proof or authenticated tiles).

use crate::Error;
use crate::checkpoint::parse_decimal;
use crate::note::MAX_NOTE_SIZE;
use crate::record::{MAX_RECORD_SIZE, Record};

/// Largest accepted lookup response: a 20-digit index line, a record, a separator and a note.
pub const MAX_LOOKUP_RESPONSE_SIZE: usize = 21 + MAX_RECORD_SIZE + 1 + MAX_NOTE_SIZE;

/// A parsed, **unauthenticated** lookup response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupResponse {
    /// The leaf index the log claims for the record.
    pub index: u64,
    /// The record (validated text; not yet proven to be in the log).
    pub record: Record,
    /// The signed tree note, as sent (not yet verified).
    pub signed_note: Vec<u8>,
}

impl LookupResponse {
    /// Splits a lookup response into index, record and signed note. Only the syntax is
    /// checked (canonical decimal index, a valid record, a non-empty note); see the module
    /// docs for the verification the caller still owes.
    ///
    /// # Errors
    /// [`Error::Malformed`] if the body is larger than [`MAX_LOOKUP_RESPONSE_SIZE`], the index
    /// line is not canonical decimal, no empty line ends the record, the record is invalid,
    /// or the note part is empty.
    pub fn parse_unauthenticated(body: &[u8]) -> Result<Self, Error> {
        let bad = |reason: &str| Error::Malformed {
            what: "lookup response",
            reason: reason.to_owned(),
        };
        if body.len() > MAX_LOOKUP_RESPONSE_SIZE {
            return Err(bad("too large"));
        }
        let nl = body
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("no index line"))?;
        let index = std::str::from_utf8(&body[..nl]).map_err(|_| bad("index is not UTF-8"))?;
        let index = parse_decimal(index).map_err(|_| bad("index is not canonical decimal"))?;
        let rest = &body[nl + 1..];
        let end = rest
            .windows(2)
            .position(|w| w == b"\n\n")
            .ok_or_else(|| bad("no empty line after the record"))?;
        let record = Record::parse(&rest[..=end])?;
        let signed_note = rest[end + 2..].to_vec();
        if signed_note.is_empty() {
            return Err(bad("no signed note"));
        }
        Ok(Self {
            index,
            record,
            signed_note,
        })
    }

    /// The response body; [`LookupResponse::parse_unauthenticated`] of it gives `self` back.
    pub fn to_bytes(&self) -> Vec<u8> {
        format_lookup_response(self.index, &self.record, &self.signed_note)
    }
}

/// Formats a lookup response body from the record's index, the record and the signed tree
/// note (as served at `/latest`), exactly as Go's `sumdb.Server` does.
pub fn format_lookup_response(index: u64, record: &Record, signed_note: &[u8]) -> Vec<u8> {
    let mut out = format!("{index}\n{}\n", record.text()).into_bytes();
    out.extend_from_slice(signed_note);
    out
}
