//! The clock the control API moves (`POST /_mock/clock`): the injected clock plus an offset,
//! so "advance 1 h", "set 2030-01-01" and "back to real time" work over a wall clock and over a
//! test's [`super::ManualClock`] alike, and every expiry the mock checks follows it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use super::clock::Clock;

/// The latest moment the clock may be moved to: 9999-12-31T23:59:59Z, the end of RFC 3339.
pub const LATEST_MS: u64 = 253_402_300_799_000;

/// The mock's clock: the base clock shifted by what the control API asked for.
#[derive(Debug)]
pub struct ControlClock {
    base: Arc<dyn Clock>,
    offset_ms: AtomicI64,
}

/// Why the clock cannot be moved as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error(
        "`{0}` is not a duration: write a whole number and a unit, e.g. 3600s, 90m, 2h, 1d, 500ms"
    )]
    BadDuration(String),
    #[error("`{0}` is not an RFC 3339 time such as 2030-01-01T00:00:00Z")]
    BadTime(String),
    #[error("moving the clock by {0} would take it past 9999-12-31T23:59:59Z")]
    TooFar(String),
}

impl ControlClock {
    pub fn over(base: Arc<dyn Clock>) -> Self {
        ControlClock {
            base,
            offset_ms: AtomicI64::new(0),
        }
    }

    /// Moves the clock forward by `by_ms`; refused when the result would not be a time.
    pub fn advance(&self, by_ms: u64, asked: &str) -> Result<(), ClockError> {
        let too_far = || ClockError::TooFar(asked.to_owned());
        let base = self.base.now_ms();
        self.offset_ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |offset| {
                let by = i64::try_from(by_ms).ok()?;
                let next = offset.checked_add(by)?;
                let now = base.checked_add_signed(next)?;
                (now <= LATEST_MS).then_some(next)
            })
            .map(|_| ())
            .map_err(|_| too_far())
    }

    /// Puts the clock at `at_ms` (it keeps running from there at the base clock's pace).
    pub fn set(&self, at_ms: u64) {
        let offset = i128::from(at_ms) - i128::from(self.base.now_ms());
        let offset = i64::try_from(offset).unwrap_or(if offset < 0 { i64::MIN } else { i64::MAX });
        self.offset_ms.store(offset, Ordering::SeqCst);
    }

    /// Back to the base clock.
    pub fn real(&self) {
        self.offset_ms.store(0, Ordering::SeqCst);
    }

    /// How far the clock is from the base clock, in milliseconds.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }
}

impl Clock for ControlClock {
    fn now_ms(&self) -> u64 {
        self.base
            .now_ms()
            .checked_add_signed(self.offset_ms())
            .unwrap_or(0)
    }
}

/// `3600s`, `90m`, `2h`, `1d`, `500ms` as milliseconds; checked, so no unit overflows.
pub fn parse_duration(text: &str) -> Result<u64, ClockError> {
    let bad = || ClockError::BadDuration(text.to_owned());
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(bad)?;
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let unit_ms: u64 = match unit {
        "ms" => 1,
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(bad()),
    };
    number
        .checked_mul(unit_ms)
        .filter(|ms| *ms <= LATEST_MS)
        .ok_or_else(|| ClockError::TooFar(text.to_owned()))
}

/// An RFC 3339 time (`2030-01-01T00:00:00Z`, `2030-01-01T01:00:00.5+01:00`) as milliseconds
/// since the Unix epoch; times before 1970 are refused, since the mock's clock cannot hold them.
pub fn parse_rfc3339(text: &str) -> Result<u64, ClockError> {
    let bad = || ClockError::BadTime(text.to_owned());
    let bytes = text.trim().as_bytes();
    if bytes.len() < 20 || !matches!(bytes[10], b'T' | b't' | b' ') {
        return Err(bad());
    }
    let digits = |range: std::ops::Range<usize>| -> Result<i64, ClockError> {
        let part = std::str::from_utf8(&bytes[range]).map_err(|_| bad())?;
        if !part.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|(at, sep)| bytes[*at] != *sep) {
        return Err(bad());
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => return Err(bad()),
    };
    // A leap second (`:60`) is read as the second after `:59`, as RFC 3339 §5.6 allows.
    if day < 1 || day > days_in_month || hour > 23 || minute > 59 || second > 60 {
        return Err(bad());
    }
    let mut rest = &bytes[19..];
    let mut millis = 0;
    if let Some(fraction) = rest.strip_prefix(b".") {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return Err(bad());
        }
        for (i, digit) in fraction[..len.min(3)].iter().enumerate() {
            millis += i64::from(digit - b'0') * [100, 10, 1][i];
        }
        rest = &fraction[len..];
    }
    let offset_secs = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let two = |a: u8, b: u8| -> Result<i64, ClockError> {
                if a.is_ascii_digit() && b.is_ascii_digit() {
                    Ok(i64::from(a - b'0') * 10 + i64::from(b - b'0'))
                } else {
                    Err(bad())
                }
            };
            let (hours, minutes) = (two(*h1, *h2)?, two(*m1, *m2)?);
            if hours > 23 || minutes > 59 {
                return Err(bad());
            }
            let secs = hours * 3600 + minutes * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(year, month, day);
    let unix = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    let ms = unix
        .checked_mul(1000)
        .and_then(|ms| ms.checked_add(millis))
        .ok_or_else(bad)?;
    u64::try_from(ms).map_err(|_| bad())
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::ManualClock;

    #[test]
    fn durations_take_a_unit_and_refuse_overflow() {
        assert_eq!(parse_duration("3600s"), Ok(3_600_000));
        assert_eq!(parse_duration("90m"), Ok(5_400_000));
        assert_eq!(parse_duration("2h"), Ok(7_200_000));
        assert_eq!(parse_duration("1d"), Ok(86_400_000));
        assert_eq!(parse_duration("250ms"), Ok(250));
        for bad in ["", "s", "10", "10 parsecs", "-5s", "1.5h", "5sec"] {
            assert!(
                matches!(parse_duration(bad), Err(ClockError::BadDuration(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_duration("99999999999999999999d"),
            Err(ClockError::BadDuration(_))
        ));
        assert!(matches!(
            parse_duration("18446744073709551615d"),
            Err(ClockError::BadDuration(_) | ClockError::TooFar(_))
        ));
        assert!(matches!(
            parse_duration("9999999999d"),
            Err(ClockError::TooFar(_))
        ));
    }

    #[test]
    fn rfc3339_times_with_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(parse_rfc3339("2030-01-01T00:00:00Z"), Ok(1_893_456_000_000));
        assert_eq!(
            parse_rfc3339("2030-01-01T01:00:00.250+01:00"),
            Ok(1_893_456_000_250)
        );
        assert_eq!(parse_rfc3339("2024-02-29T12:00:00Z"), Ok(1_709_208_000_000));
        for bad in [
            "2030-01-01",
            "2030-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2030-01-01T24:00:00Z",
            "2030-01-01T00:00:00",
            "2030-01-01T00:00:00+1:00",
            "1969-12-31T23:59:59Z",
            "2030-01-01T00:00:00.Z",
            "２０３０-01-01T00:00:00Z",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_clock_moves_over_its_base_and_returns_to_it() {
        let base = Arc::new(ManualClock::starting_at_ms(1_000_000));
        let clock = ControlClock::over(base.clone());
        clock.advance(3_600_000, "1h").unwrap();
        assert_eq!(clock.now_ms(), 4_600_000);
        base.advance(std::time::Duration::from_secs(1));
        assert_eq!(clock.now_ms(), 4_601_000);
        clock.set(10_000);
        assert_eq!(clock.now_ms(), 10_000);
        clock.real();
        assert_eq!(clock.now_ms(), 1_001_000);
        assert!(matches!(
            clock.advance(LATEST_MS, "forever"),
            Err(ClockError::TooFar(_))
        ));
        assert_eq!(clock.now_ms(), 1_001_000);
    }
}
