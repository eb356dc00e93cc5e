//! Time as orgscope stores it: epoch milliseconds in its own tables, and
//! ISO-8601 text (`2026-06-01T12:00:00.000Z`, what JavaScript's
//! `Date.toISOString()` writes) in the tables it shares with Better Auth.
//!
//! The conversions are pure so they can be tested on the host; only [`now_ms`]
//! asks the runtime.

/// Milliseconds since the Unix epoch, from the Workers runtime's clock.
#[cfg(target_arch = "wasm32")]
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Milliseconds since the Unix epoch (host builds, for tests and tools).
#[cfg(not(target_arch = "wasm32"))]
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub const SECOND_MS: i64 = 1_000;
pub const MINUTE_MS: i64 = 60 * SECOND_MS;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SS.sssZ`.
pub fn to_iso(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let in_day = ms.rem_euclid(DAY_MS);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / HOUR_MS,
        in_day % HOUR_MS / MINUTE_MS,
        in_day % MINUTE_MS / SECOND_MS,
        in_day % SECOND_MS
    )
}

/// Parses the ISO-8601 forms that Better Auth and SQLite write:
/// `YYYY-MM-DDTHH:MM:SS[.fff]Z`, with `T` or a space between date and time,
/// and `Z`, `+HH:MM` or nothing (UTC) after it. Returns epoch milliseconds.
pub fn parse_iso(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() < 19 || !matches!(bytes.get(10), Some(b'T' | b' ')) {
        return None;
    }
    let year = digits(bytes, 0, 4)?;
    let month = digits(bytes, 5, 2)?;
    let day = digits(bytes, 8, 2)?;
    let hour = digits(bytes, 11, 2)?;
    let minute = digits(bytes, 14, 2)?;
    let second = digits(bytes, 17, 2)?;
    let separators = [(4, b'-'), (7, b'-'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| bytes.get(i) != Some(&c)) {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }

    let mut rest = &bytes[19..];
    let mut millis = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let len = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        // Keep millisecond precision; further digits are truncated.
        let scale = [100, 10, 1];
        for (i, b) in fraction.iter().take(len.min(3)).enumerate() {
            millis += i64::from(b - b'0') * scale.get(i).copied().unwrap_or(0);
        }
        rest = &fraction[len..];
    }
    let offset_ms = match rest {
        b"" | b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2], 0, 2)?;
            let m = digits(&[*m1, *m2], 0, 2)?;
            let offset = h * HOUR_MS + m * MINUTE_MS;
            if *sign == b'+' {
                offset
            } else {
                -offset
            }
        }
        _ => return None,
    };

    let days = days_from_civil(year, month, day);
    Some(
        days * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS + millis
            - offset_ms,
    )
}

fn digits(bytes: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = bytes.get(start..start + len)?;
    slice.iter().try_fold(0i64, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + i64::from(b - b'0'))
    })
}

// Howard Hinnant's days-from-civil algorithm: exact for the proleptic
// Gregorian calendar, with no table and no floating point.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day counted from 1970-01-01.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_javascript_to_iso_string() {
        assert_eq!(to_iso(0), "1970-01-01T00:00:00.000Z");
        // new Date(1780315200123).toISOString()
        assert_eq!(to_iso(1_780_315_200_123), "2026-06-01T12:00:00.123Z");
        assert_eq!(to_iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn parses_what_it_formats() {
        for ms in [0, 1, 951_782_400_000, 1_780_315_200_123, 4_102_444_799_999] {
            assert_eq!(parse_iso(&to_iso(ms)), Some(ms));
        }
    }

    #[test]
    fn parses_sqlite_and_offset_forms() {
        assert_eq!(parse_iso("2026-06-01 12:00:00"), Some(1_780_315_200_000));
        assert_eq!(
            parse_iso("2026-06-01T14:00:00.5+02:00"),
            Some(1_780_315_200_500)
        );
        assert_eq!(
            parse_iso("2026-06-01T12:00:00.123456Z"),
            Some(1_780_315_200_123)
        );
    }

    #[test]
    fn refuses_what_is_not_a_date() {
        for text in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-06-01T24:00:00Z",
            "2026-06-01T12:00:00.Z",
            "2026-06-01T12:00:00Zjunk",
            "1780315200000",
        ] {
            assert_eq!(parse_iso(text), None, "{text}");
        }
    }
}
