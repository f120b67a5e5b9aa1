//! Calendar arithmetic for showing and recognising timestamps (proleptic Gregorian, UTC), so
//! reports say `2023-11-14T22:13:20Z` rather than a bare number.

/// Month abbreviations as C's `__DATE__` spells them.
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A UTC calendar time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    /// Year.
    pub year: i64,
    /// Month, 1–12.
    pub month: u32,
    /// Day of month, 1–31.
    pub day: u32,
    /// Hour, 0–23.
    pub hour: u32,
    /// Minute, 0–59.
    pub minute: u32,
    /// Second, 0–59.
    pub second: u32,
}

/// Converts seconds since the Unix epoch to a UTC calendar time (Howard Hinnant's
/// `civil_from_days`).
#[must_use]
pub(crate) fn civil(unix: i64) -> Civil {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // All of these are in small ranges by construction (secs < 86400, month 1..=12, day 1..=31).
    let small = |v: i64| u32::try_from(v).unwrap_or(0);
    Civil {
        year,
        month: small(month),
        day: small(day),
        hour: small(secs / 3600),
        minute: small(secs / 60 % 60),
        second: small(secs % 60),
    }
}

/// `1700000000 (2023-11-14T22:13:20Z)`.
#[must_use]
pub fn show_time(unix: u64) -> String {
    let c = civil(i64::try_from(unix).unwrap_or(i64::MAX / 2));
    format!(
        "{unix} ({:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z)",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_epochs() {
        assert_eq!(show_time(0), "0 (1970-01-01T00:00:00Z)");
        assert_eq!(
            show_time(1_700_000_000),
            "1700000000 (2023-11-14T22:13:20Z)"
        );
        assert_eq!(show_time(951_782_400), "951782400 (2000-02-29T00:00:00Z)");
    }
}
