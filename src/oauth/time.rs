//! Dates and durations in words, for claim verdicts and screens. No date crate and no time
//! zone database: times are shown in UTC, and the text says so.

/// Days since 1970-01-01 to a (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// The date and the time of day of a Unix time, as `(YYYY-MM-DD, HH:MM:SS)`.
fn date_and_time(unix: i64) -> (String, String) {
    let (year, month, day) = civil_from_days(unix.div_euclid(86_400));
    let secs = unix.rem_euclid(86_400);
    (
        format!("{year:04}-{month:02}-{day:02}"),
        format!(
            "{:02}:{:02}:{:02}",
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ),
    )
}

/// `2026-11-25T16:05:00Z` (RFC 3339), as claim verdicts quote it.
pub fn iso8601(unix: i64) -> String {
    let (date, time) = date_and_time(unix);
    format!("{date}T{time}Z")
}

/// `2026-11-25 16:05:00 UTC`, for people reading a screen.
pub fn date_time_utc(unix: i64) -> String {
    let (date, time) = date_and_time(unix);
    format!("{date} {time} UTC")
}

/// `38s`, `4m 12s`, `2h 05m`, `4d 1h`: a duration in its two largest units.
pub fn span_words(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m {:02}s", secs / 60, secs % 60),
        3600..86_400 => format!("{}h {:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d {}h", secs / 86_400, secs % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_utc() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(-1), "1969-12-31T23:59:59Z");
        assert_eq!(date_time_utc(1_709_210_096), "2024-02-29 12:34:56 UTC");
    }

    #[test]
    fn spans_in_two_units() {
        assert_eq!(span_words(38), "38s");
        assert_eq!(span_words(125), "2m 05s");
        assert_eq!(span_words(7500), "2h 05m");
        assert_eq!(span_words(90_000), "1d 1h");
    }
}
