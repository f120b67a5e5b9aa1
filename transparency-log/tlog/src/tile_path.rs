//! Tile paths for both faces of a log, parsed and formatted strictly.
//!
//! - Go sumdb ([Go `tlog.Tile.Path`]): `tile/<H>/<L>/<N>[.p/<W>]` for hash tiles and
//!   `tile/<H>/data/<N>[.p/<W>]` for record tiles, with the height in the path.
//! - [C2SP tlog-tiles]: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, height fixed
//!   at 8.
//!
//! In both, `<N>` is written in 3-digit groups, every group but the last prefixed with `x`
//! (`1234067` → `x001/x234/067`), and `.p/<W>` appears exactly when the tile is partial
//! (`1 ≤ W < 2^H`). Parsing accepts only the canonical form: a path parses if and only if
//! formatting the result gives the same string back. So `tile/8/0/0001`, `tile/8/0/x000/001`,
//! `tile/8/00/001`, `tile/8/0/001.p/256`, `tile/8/0/001.p/0`, `tile/8/0/001.p/05`,
//! `tile/8/0/../001` and `/tile/8/0/001` are all rejected. Paths carry no leading `/`.
//!
//! [Go `tlog.Tile.Path`]: https://pkg.go.dev/golang.org/x/mod/sumdb/tlog#Tile.Path
//! [C2SP tlog-tiles]: https://c2sp.org/tlog-tiles

use std::fmt::Write as _;

use crate::Error;
use crate::tile::{LOCKPROOF_TILE_HEIGHT, Tile, TileLevel};

/// The longest tile path either parser looks at. The longest valid path
/// (`tile/15/data/x018/x446/x744/x073/x709/x551/615.p/32767`) is well under this; anything
/// longer is rejected before it is split.
pub const MAX_TILE_PATH_LEN: usize = 96;

/// The most `N` groups a path may have: `u64::MAX` has 20 digits, so 7 groups.
const MAX_N_GROUPS: usize = 7;

impl Tile {
    /// The Go sumdb path of this tile, `tile/<H>/<L>/<N>[.p/<W>]` or
    /// `tile/<H>/data/<N>[.p/<W>]` (Go's `Tile.Path`).
    ///
    /// Formatting does not validate; an invalid tile gives a path that [`Tile::parse_path`]
    /// rejects.
    #[must_use]
    pub fn path(&self) -> String {
        let level = match self.level {
            TileLevel::Hash(l) => l.to_string(),
            TileLevel::Data => "data".to_owned(),
        };
        format!("tile/{}/{level}/{}", self.height, self.n_and_width())
    }

    /// Parses a canonical Go sumdb tile path (see the [module docs](crate::tile_path)).
    ///
    /// # Errors
    /// [`Error::Malformed`] (`what = "tile path"`) for anything that is not the canonical path
    /// of a valid tile.
    pub fn parse_path(path: &str) -> Result<Tile, Error> {
        let fields = split_fields(path)?;
        let (height, level, rest) = match fields.as_slice() {
            ["tile", height, level, rest @ ..] => (height, level, rest),
            _ => return Err(bad(path, "expected tile/<H>/<L>/<N>")),
        };
        let height = parse_decimal(height)
            .and_then(|h| u8::try_from(h).ok())
            .ok_or_else(|| bad(path, "bad tile height"))?;
        let level = parse_level(level, "data").ok_or_else(|| bad(path, "bad tile level"))?;
        finish(path, height, level, rest, Tile::path)
    }

    /// The [C2SP tlog-tiles] path of this tile, `tile/<L>/<N>[.p/<W>]` or
    /// `tile/entries/<N>[.p/<W>]`.
    ///
    /// # Errors
    /// [`Error::OutOfRange`] if the tile's height is not 8, the only height tlog-tiles has.
    ///
    /// [C2SP tlog-tiles]: https://c2sp.org/tlog-tiles
    pub fn c2sp_path(&self) -> Result<String, Error> {
        if self.height != LOCKPROOF_TILE_HEIGHT {
            return Err(Error::OutOfRange(format!(
                "C2SP tlog-tiles paths are for height 8, not {}",
                self.height
            )));
        }
        Ok(self.c2sp_path_unchecked())
    }

    fn c2sp_path_unchecked(&self) -> String {
        let level = match self.level {
            TileLevel::Hash(l) => l.to_string(),
            TileLevel::Data => "entries".to_owned(),
        };
        format!("tile/{level}/{}", self.n_and_width())
    }

    /// Parses a canonical [C2SP tlog-tiles] path (see the [module docs](crate::tile_path)); the
    /// result has height 8.
    ///
    /// # Errors
    /// [`Error::Malformed`] (`what = "tile path"`) for anything that is not the canonical path
    /// of a valid tile.
    ///
    /// [C2SP tlog-tiles]: https://c2sp.org/tlog-tiles
    pub fn parse_c2sp_path(path: &str) -> Result<Tile, Error> {
        let fields = split_fields(path)?;
        let (level, rest) = match fields.as_slice() {
            ["tile", level, rest @ ..] => (level, rest),
            _ => return Err(bad(path, "expected tile/<L>/<N>")),
        };
        let level = parse_level(level, "entries").ok_or_else(|| bad(path, "bad tile level"))?;
        finish(
            path,
            LOCKPROOF_TILE_HEIGHT,
            level,
            rest,
            Tile::c2sp_path_unchecked,
        )
    }

    /// `<N>[.p/<W>]`, shared by both path forms.
    fn n_and_width(&self) -> String {
        let mut out = String::new();
        let mut groups = vec![self.n % 1000];
        let mut rest = self.n / 1000;
        while rest > 0 {
            groups.push(rest % 1000);
            rest /= 1000;
        }
        for (i, group) in groups.iter().rev().enumerate() {
            let prefix = if i + 1 < groups.len() { "x" } else { "" };
            let sep = if i + 1 < groups.len() { "/" } else { "" };
            // Writing to a String cannot fail.
            let _ = write!(out, "{prefix}{group:03}{sep}");
        }
        if !self.is_full() {
            let _ = write!(out, ".p/{}", self.width);
        }
        out
    }
}

fn bad(path: &str, reason: &str) -> Error {
    // Quote a bounded prefix only: the path may be attacker-supplied and long.
    let shown: String = path.chars().take(MAX_TILE_PATH_LEN).collect();
    Error::Malformed {
        what: "tile path",
        reason: format!("{reason}: {shown:?}"),
    }
}

fn split_fields(path: &str) -> Result<Vec<&str>, Error> {
    if path.len() > MAX_TILE_PATH_LEN {
        return Err(bad(path, "too long"));
    }
    Ok(path.split('/').collect())
}

/// A canonical non-negative decimal: digits only, no sign, no leading zero except "0" itself.
fn parse_decimal(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 20 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if bytes.len() > 1 && bytes[0] == b'0' {
        return None;
    }
    text.parse().ok()
}

fn parse_level(text: &str, data_name: &str) -> Option<TileLevel> {
    if text == data_name {
        return Some(TileLevel::Data);
    }
    parse_decimal(text)
        .and_then(|l| u8::try_from(l).ok())
        .map(TileLevel::Hash)
}

/// Parses the `<N>[.p/<W>]` fields, validates the tile, and requires the canonical spelling.
fn finish(
    path: &str,
    height: u8,
    level: TileLevel,
    fields: &[&str],
    format: fn(&Tile) -> String,
) -> Result<Tile, Error> {
    let (groups, width) = match fields {
        [groups @ .., last_group, width] if last_group.ends_with(".p") => {
            let width = parse_decimal(width)
                .and_then(|w| u16::try_from(w).ok())
                .filter(|&w| w > 0)
                .ok_or_else(|| bad(path, "bad partial tile width"))?;
            let last = last_group.strip_suffix(".p").unwrap_or(last_group);
            (
                groups.iter().copied().chain([last]).collect::<Vec<_>>(),
                Some(width),
            )
        }
        _ => (fields.to_vec(), None),
    };
    if groups.is_empty() || groups.len() > MAX_N_GROUPS {
        return Err(bad(path, "bad tile number"));
    }
    let mut n: u64 = 0;
    for (i, group) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            group
                .strip_prefix('x')
                .ok_or_else(|| bad(path, "tile number group lacks x"))?
        } else {
            group
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad(path, "tile number groups are 3 digits"));
        }
        let value: u64 = digits.parse().map_err(|_| bad(path, "bad tile number"))?;
        n = n
            .checked_mul(1000)
            .and_then(|n| n.checked_add(value))
            .ok_or_else(|| bad(path, "tile number too large"))?;
    }
    let full = 1u32.checked_shl(u32::from(height)).unwrap_or(0);
    let width = match width {
        Some(w) if u32::from(w) < full => w,
        Some(_) => return Err(bad(path, "partial width must be below the full width")),
        None => u16::try_from(full).map_err(|_| bad(path, "bad tile height"))?,
    };
    let tile = Tile {
        height,
        level,
        n,
        width,
    };
    tile.validate().map_err(|e| bad(path, &e.to_string()))?;
    if format(&tile) != path {
        return Err(bad(path, "not in canonical form"));
    }
    Ok(tile)
}
