//! Dates and durations in words, for claim verdicts and screens, and the plausibility rule for
//! every number of seconds a server or a token supplies. No date crate and no time zone
//! database: times are shown in UTC, and the text says so.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

/// NumericDates (RFC 7519 §2) taken as plausible: years 1 to 9999, so no date arithmetic on
/// them can overflow, and every one of them can be written as a date.
pub const NUMERIC_DATE_RANGE: std::ops::RangeInclusive<i64> = -62_135_596_800..=253_402_300_799;

/// The longest lifetime or wait taken from a server (`expires_in`, `interval`): a hundred
/// years. A longer one is a bug or an attack, and adding it to a clock could overflow.
pub const MAX_LIFETIME: Duration = Duration::from_secs(100 * 365 * 86_400);

/// A number from a server or a token that no time arithmetic is done with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Implausible {
    #[error("{name} {value} is not a plausible lifetime (at most 100 years)")]
    Lifetime { name: &'static str, value: String },
    #[error("{name} {value} is not a plausible date (years 1 to 9999)")]
    Date { name: &'static str, value: String },
    #[error("{name} is not a number: {value}")]
    NotANumber { name: &'static str, value: String },
}

/// A lifetime or wait in seconds (`expires_in`, `interval`), refused beyond [`MAX_LIFETIME`].
pub fn lifetime(name: &'static str, secs: u64) -> Result<Duration, Implausible> {
    let lifetime = Duration::from_secs(secs);
    if lifetime > MAX_LIFETIME {
        return Err(Implausible::Lifetime {
            name,
            value: secs.to_string(),
        });
    }
    Ok(lifetime)
}

/// A NumericDate claim (`exp`, `iat`, `nbf`, `auth_time`): a JSON number, possibly fractional
/// or negative, in [`NUMERIC_DATE_RANGE`]; returned as whole seconds since the epoch.
pub fn numeric_date(name: &'static str, value: &Value) -> Result<i64, Implausible> {
    let Some(f) = value.as_f64() else {
        return Err(Implausible::NotANumber {
            name,
            value: value.to_string(),
        });
    };
    // Compared as floats first: a cast of an out-of-range float would saturate silently.
    let (low, high) = (
        *NUMERIC_DATE_RANGE.start() as f64,
        *NUMERIC_DATE_RANGE.end() as f64,
    );
    if !(low..=high).contains(&f) {
        return Err(Implausible::Date {
            name,
            value: value.to_string(),
        });
    }
    Ok(f as i64)
}

/// A plausible NumericDate as a point in time (always representable: see
/// [`NUMERIC_DATE_RANGE`]).
pub fn system_time(unix: i64) -> SystemTime {
    let unix = unix.clamp(*NUMERIC_DATE_RANGE.start(), *NUMERIC_DATE_RANGE.end());
    let offset = Duration::from_secs(unix.unsigned_abs());
    let at = if unix >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    at.unwrap_or(UNIX_EPOCH)
}

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
    fn lifetimes_up_to_a_hundred_years() {
        assert_eq!(lifetime("expires_in", 3600), Ok(Duration::from_secs(3600)));
        assert_eq!(lifetime("expires_in", 0), Ok(Duration::ZERO));
        assert!(lifetime("interval", MAX_LIFETIME.as_secs()).is_ok());
        let err = lifetime("expires_in", u64::MAX).unwrap_err();
        assert_eq!(
            err.to_string(),
            "expires_in 18446744073709551615 is not a plausible lifetime (at most 100 years)"
        );
        // The longest accepted lifetime still fits on the clocks it is added to.
        assert!(
            std::time::Instant::now()
                .checked_add(MAX_LIFETIME)
                .is_some()
        );
        assert!(SystemTime::now().checked_add(MAX_LIFETIME).is_some());
    }

    #[test]
    fn numeric_dates_in_years_1_to_9999() {
        use serde_json::json;
        assert_eq!(
            numeric_date("exp", &json!(1_700_000_000)),
            Ok(1_700_000_000)
        );
        assert_eq!(
            numeric_date("exp", &json!(1_700_000_000.9)),
            Ok(1_700_000_000)
        );
        assert_eq!(numeric_date("iat", &json!(-86_400)), Ok(-86_400));
        assert_eq!(
            numeric_date("exp", &json!(u64::MAX))
                .unwrap_err()
                .to_string(),
            "exp 18446744073709551615 is not a plausible date (years 1 to 9999)"
        );
        assert!(numeric_date("nbf", &json!(-1e300)).is_err());
        assert!(numeric_date("nbf", &json!(i64::MIN)).is_err());
        assert_eq!(
            numeric_date("exp", &json!("soon")).unwrap_err().to_string(),
            "exp is not a number: \"soon\""
        );
        for edge in [*NUMERIC_DATE_RANGE.start(), *NUMERIC_DATE_RANGE.end()] {
            assert_eq!(numeric_date("exp", &json!(edge)), Ok(edge));
            // Every plausible date is a point in time and can be written down.
            let at = system_time(edge);
            let back = match at.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_secs() as i64,
                Err(e) => -(e.duration().as_secs() as i64),
            };
            assert_eq!(back, edge);
        }
        assert_eq!(iso8601(*NUMERIC_DATE_RANGE.end()), "9999-12-31T23:59:59Z");
        assert_eq!(iso8601(*NUMERIC_DATE_RANGE.start()), "0001-01-01T00:00:00Z");
    }

    #[test]
    fn spans_in_two_units() {
        assert_eq!(span_words(38), "38s");
        assert_eq!(span_words(125), "2m 05s");
        assert_eq!(span_words(7500), "2h 05m");
        assert_eq!(span_words(90_000), "1d 1h");
    }
}
