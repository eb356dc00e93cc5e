//! When a scheduled automation is due: parses `hourly`, `daily`, `weekly` or
//! a five-field cron expression, and finds due times around a moment, all in
//! UTC. Pure code, so the Cron Trigger's decisions can be tested on the host.

use crate::time::{DAY_MS, HOUR_MS, MINUTE_MS};

/// The longest schedule text accepted; a real one is a few dozen characters.
const MAX_LEN: usize = 100;

/// How far a search looks, in days: a leap year, so every schedule that
/// fires at least once a year is found.
const SEARCH_DAYS: i64 = 366;

/// The named schedules and the cron expressions they stand for.
const NAMED: [(&str, &str); 3] = [
    ("hourly", "0 * * * *"),
    ("daily", "0 0 * * *"),
    ("weekly", "0 0 * * 1"),
];

const MONTH_NAMES: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One cron field: its name in error messages, its range, and the names its
/// values may be written as (the first name stands for `first_named`).
struct FieldSpec {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    first_named: u32,
}

const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    first_named: 0,
};
const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    first_named: 0,
};
const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    min: 1,
    max: 31,
    names: &[],
    first_named: 0,
};
const MONTH: FieldSpec = FieldSpec {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTH_NAMES,
    first_named: 1,
};
const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    min: 0,
    max: 7,
    names: &WEEKDAY_NAMES,
    first_named: 0,
};

/// How the day-of-month and day-of-week fields combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayRule {
    /// A day must match both fields.
    Both,
    /// A day matches when either field does: both fields are restricted.
    Either,
}

/// A parsed schedule: each field is a bitset of the values it allows (bit
/// `n` set when `n` matches), so matching is a shift and a mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    /// Sunday is bit 0; a written 7 is folded into it.
    days_of_week: u64,
    day_rule: DayRule,
}

impl Schedule {
    /// Parses `hourly` (= `0 * * * *`), `daily` (= `0 0 * * *`), `weekly`
    /// (= `0 0 * * 1`, Mondays) or a cron expression
    /// `minute hour day-of-month month day-of-week`. Names are
    /// case-insensitive and surrounding whitespace is ignored, though it
    /// counts towards the limit of 100 characters.
    ///
    /// The error says what is wrong and in which field, for example
    /// `minute field: 61 is out of range 0-59`, so it can be shown as is.
    pub fn parse(text: &str) -> Result<Schedule, String> {
        if text.chars().count() > MAX_LEN {
            return Err(format!("a schedule is at most {MAX_LEN} characters"));
        }
        let text = text.trim();
        let cron = NAMED
            .iter()
            .find(|(name, _)| text.eq_ignore_ascii_case(name))
            .map_or(text, |&(_, cron)| cron);

        let fields: Vec<&str> = cron.split_whitespace().collect();
        let [minute, hour, day_of_month, month, day_of_week] = fields.as_slice() else {
            return Err(format!(
                "expected hourly, daily, weekly or five cron fields \
                 (minute hour day-of-month month day-of-week), found {} field(s)",
                fields.len()
            ));
        };

        // Parsed in order, so that the first wrong field is the one named.
        let minutes = parse_field(&MINUTE, minute)?;
        let hours = parse_field(&HOUR, hour)?;
        let days_of_month = parse_field(&DAY_OF_MONTH, day_of_month)?;
        let months = parse_field(&MONTH, month)?;
        let mut days_of_week = parse_field(&DAY_OF_WEEK, day_of_week)?;
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week & !(1 << 7)) | 1;
        }

        // Vixie cron decides by the first character: a day field written
        // `*` or `*/S` leaves the days to the other field.
        let restricted = |field: &str| !field.starts_with('*');
        let day_rule = if restricted(day_of_month) && restricted(day_of_week) {
            DayRule::Either
        } else {
            DayRule::Both
        };

        Ok(Schedule {
            minutes,
            hours,
            days_of_month,
            months,
            days_of_week,
            day_rule,
        })
    }

    /// The latest due time (epoch ms, a whole minute) at or before `now_ms`,
    /// or `None` when there is none in the last 366 days.
    ///
    /// The Cron Trigger runs an automation when this is newer than its last
    /// scheduled run, so a missed tick is caught up once, not once per miss.
    pub fn latest_due_at_or_before(&self, now_ms: i64) -> Option<i64> {
        let earliest = now_ms.saturating_sub(SEARCH_DAYS * DAY_MS);
        let (mut day, mut hour, mut minute) = split(now_ms)?;

        for _ in 0..=SEARCH_DAYS {
            if self.day_matches(day) {
                if let Some((h, m)) = self.latest_time_in_day(hour, minute) {
                    let due = at(day, h, m)?;
                    return (due >= earliest).then_some(due);
                }
            }
            day = day.checked_sub(1)?;
            (hour, minute) = (23, 59);
        }
        None
    }

    /// The first due time strictly after `after_ms`, or `None` when there is
    /// none within 366 days; it tells a user when an automation runs next.
    pub fn next_due_after(&self, after_ms: i64) -> Option<i64> {
        let latest = after_ms.saturating_add(SEARCH_DAYS * DAY_MS);
        // The next whole minute, by adding so that no moment underflows.
        let start = after_ms.checked_add(MINUTE_MS - after_ms.rem_euclid(MINUTE_MS))?;
        let (mut day, mut hour, mut minute) = split(start)?;

        for _ in 0..=SEARCH_DAYS {
            if self.day_matches(day) {
                if let Some((h, m)) = self.earliest_time_in_day(hour, minute) {
                    let due = at(day, h, m)?;
                    return (due <= latest).then_some(due);
                }
            }
            day = day.checked_add(1)?;
            (hour, minute) = (0, 0);
        }
        None
    }

    /// Whether the schedule fires on `day` (days since 1970-01-01) at all.
    fn day_matches(&self, day: i64) -> bool {
        let (_, month, day_of_month) = crate::time::civil_from_days(day);
        if !has(self.months, month) {
            return false;
        }
        // 1970-01-01 was a Thursday (4); Sunday is 0.
        let weekday = (day + 4).rem_euclid(7);
        let by_month = has(self.days_of_month, day_of_month);
        let by_week = has(self.days_of_week, weekday);
        match self.day_rule {
            DayRule::Both => by_month && by_week,
            DayRule::Either => by_month || by_week,
        }
    }

    /// The latest matching hour and minute at or before `hour:minute` of a
    /// matching day.
    fn latest_time_in_day(&self, hour: u32, minute: u32) -> Option<(u32, u32)> {
        if has(self.hours, i64::from(hour)) {
            if let Some(m) = highest_at_most(self.minutes, minute) {
                return Some((hour, m));
            }
        }
        let h = highest_at_most(self.hours, hour.checked_sub(1)?)?;
        Some((h, highest_at_most(self.minutes, MINUTE.max)?))
    }

    /// The earliest matching hour and minute at or after `hour:minute` of a
    /// matching day.
    fn earliest_time_in_day(&self, hour: u32, minute: u32) -> Option<(u32, u32)> {
        if has(self.hours, i64::from(hour)) {
            if let Some(m) = lowest_at_least(self.minutes, minute) {
                return Some((hour, m));
            }
        }
        let h = lowest_at_least(self.hours, hour + 1)?;
        Some((h, lowest_at_least(self.minutes, 0)?))
    }
}

/// Parses one field, a comma list of items, into a bitset.
fn parse_field(spec: &FieldSpec, text: &str) -> Result<u64, String> {
    text.split(',').try_fold(0, |bits, item| {
        parse_item(spec, item)
            .map(|item_bits| bits | item_bits)
            .map_err(|detail| format!("{} field: {detail}", spec.name))
    })
}

/// Parses one item: `*`, `N`, `A-B`, `*/S`, `A-B/S` or `N/S` (N to the
/// field's maximum, every S).
fn parse_item(spec: &FieldSpec, item: &str) -> Result<u64, String> {
    if item.is_empty() {
        return Err("an item of the list is empty".to_string());
    }
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(parse_step(step)?)),
        None => (item, None),
    };
    let (first, last) = if range == "*" {
        (spec.min, spec.max)
    } else if let Some((a, b)) = range.split_once('-') {
        let (first, last) = (parse_value(spec, a)?, parse_value(spec, b)?);
        if first > last {
            return Err(format!("range {range} is reversed"));
        }
        (first, last)
    } else {
        let first = parse_value(spec, range)?;
        (first, if step.is_some() { spec.max } else { first })
    };

    let step = step.unwrap_or(1);
    let mut bits = 0u64;
    let mut value = Some(first);
    while let Some(v) = value.filter(|&v| v <= last) {
        bits |= 1u64.checked_shl(v).unwrap_or(0);
        value = v.checked_add(step);
    }
    Ok(bits)
}

/// Parses a step, a whole number of at least 1.
fn parse_step(text: &str) -> Result<u32, String> {
    match number(text) {
        Some(Some(0)) => Err("a step of 0 never advances; use 1 or more".to_string()),
        Some(Some(step)) => Ok(step),
        Some(None) => Err(format!("step {text} is too large")),
        None => Err(format!("step \"{text}\" is not a number")),
    }
}

/// Parses a number or a name of the field and checks it is in range.
fn parse_value(spec: &FieldSpec, text: &str) -> Result<u32, String> {
    let named = spec
        .names
        .iter()
        .zip(spec.first_named..)
        .find(|(name, _)| text.eq_ignore_ascii_case(name))
        .map(|(_, value)| value);
    if let Some(value) = named {
        return Ok(value);
    }
    let out_of_range = || format!("{text} is out of range {}-{}", spec.min, spec.max);
    match number(text) {
        Some(Some(value)) if (spec.min..=spec.max).contains(&value) => Ok(value),
        Some(_) => Err(out_of_range()),
        None if spec.names.is_empty() => Err(format!("\"{text}\" is not a number")),
        None => Err(format!(
            "\"{text}\" is not a number or a name ({}-{})",
            spec.names.first().unwrap_or(&""),
            spec.names.last().unwrap_or(&"")
        )),
    }
}

/// `None` when `text` is not all ASCII digits; `Some(None)` when it is but
/// does not fit a `u32`. `u32::from_str` alone would accept a leading `+`.
fn number(text: &str) -> Option<Option<u32>> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(text.parse().ok())
}

/// Whether bit `value` of `bits` is set; values outside 0-63 never are.
fn has(bits: u64, value: i64) -> bool {
    u32::try_from(value)
        .ok()
        .and_then(|v| 1u64.checked_shl(v))
        .is_some_and(|bit| bits & bit != 0)
}

/// The largest value in `bits` that is at most `limit`.
fn highest_at_most(bits: u64, limit: u32) -> Option<u32> {
    let mask = limit
        .checked_add(1)
        .and_then(|n| 1u64.checked_shl(n))
        .map_or(u64::MAX, |bit| bit - 1);
    let kept = bits & mask;
    (kept != 0).then(|| 63 - kept.leading_zeros())
}

/// The smallest value in `bits` that is at least `start`.
fn lowest_at_least(bits: u64, start: u32) -> Option<u32> {
    let kept = bits & u64::MAX.checked_shl(start).unwrap_or(0);
    (kept != 0).then(|| kept.trailing_zeros())
}

/// Splits epoch ms into the day (since 1970-01-01) and the hour and minute
/// within it.
fn split(ms: i64) -> Option<(i64, u32, u32)> {
    let in_day = ms.rem_euclid(DAY_MS);
    let hour = u32::try_from(in_day / HOUR_MS).ok()?;
    let minute = u32::try_from(in_day % HOUR_MS / MINUTE_MS).ok()?;
    Some((ms.div_euclid(DAY_MS), hour, minute))
}

/// Epoch ms of `hour:minute` on `day`, or `None` past the range of `i64`.
fn at(day: i64, hour: u32, minute: u32) -> Option<i64> {
    let time = i64::from(hour) * HOUR_MS + i64::from(minute) * MINUTE_MS;
    day.checked_mul(DAY_MS)?.checked_add(time)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{parse_iso, to_iso};

    fn ms(iso: &str) -> i64 {
        parse_iso(iso).unwrap()
    }

    fn schedule(text: &str) -> Schedule {
        Schedule::parse(text).unwrap()
    }

    fn latest(text: &str, now: &str) -> Option<String> {
        schedule(text).latest_due_at_or_before(ms(now)).map(to_iso)
    }

    fn next(text: &str, after: &str) -> Option<String> {
        schedule(text).next_due_after(ms(after)).map(to_iso)
    }

    fn iso(text: &str) -> Option<String> {
        Some(text.to_string())
    }

    /// The values a bitset allows, in order.
    fn values(bits: u64) -> Vec<u32> {
        (0..64).filter(|&v| bits & (1 << v) != 0).collect()
    }

    fn refusal(text: &str) -> String {
        Schedule::parse(text).unwrap_err()
    }

    /// A brute-force oracle: whether the whole minute `ms` is due.
    fn is_due(schedule: &Schedule, ms: i64) -> bool {
        let (day, hour, minute) = split(ms).unwrap();
        ms % MINUTE_MS == 0
            && schedule.day_matches(day)
            && has(schedule.hours, i64::from(hour))
            && has(schedule.minutes, i64::from(minute))
    }

    #[test]
    fn names_stand_for_their_cron_expressions() {
        assert_eq!(schedule("hourly"), schedule("0 * * * *"));
        assert_eq!(schedule("daily"), schedule("0 0 * * *"));
        assert_eq!(schedule("weekly"), schedule("0 0 * * 1"));
        assert_eq!(schedule("  Weekly\n"), schedule("weekly"));
        assert_eq!(schedule("DAILY"), schedule("daily"));
        assert_eq!(schedule(" 0  0\t* * * "), schedule("daily"));
    }

    #[test]
    fn parses_every_item_form() {
        let field = |text: &str| values(parse_field(&MINUTE, text).unwrap());
        assert_eq!(field("*").len(), 60);
        assert_eq!(field("7"), [7]);
        assert_eq!(field("1-3"), [1, 2, 3]);
        assert_eq!(field("*/20"), [0, 20, 40]);
        assert_eq!(field("10-30/10"), [10, 20, 30]);
        assert_eq!(field("50/5"), [50, 55]);
        assert_eq!(field("*/100"), [0]);
        assert_eq!(field("1,5-6,*/30,1"), [0, 1, 5, 6, 30]);
        assert_eq!(values(parse_field(&DAY_OF_MONTH, "*").unwrap()).len(), 31);
    }

    #[test]
    fn months_and_weekdays_accept_names() {
        let months = |text: &str| values(parse_field(&MONTH, text).unwrap());
        assert_eq!(months("JAN-MAR"), [1, 2, 3]);
        assert_eq!(months("jun,Dec"), [6, 12]);
        assert_eq!(months("*/4"), [1, 5, 9]);
        let weekdays = |text: &str| values(schedule(&format!("0 0 * * {text}")).days_of_week);
        assert_eq!(weekdays("MON-FRI"), [1, 2, 3, 4, 5]);
        assert_eq!(weekdays("sun,sat"), [0, 6]);
    }

    #[test]
    fn day_of_week_seven_is_sunday() {
        let weekdays = |text: &str| values(schedule(&format!("0 0 * * {text}")).days_of_week);
        assert_eq!(weekdays("7"), [0]);
        assert_eq!(weekdays("0"), [0]);
        assert_eq!(weekdays("5-7"), [0, 5, 6]);
        assert_eq!(weekdays("*").len(), 7);
    }

    #[test]
    fn refuses_the_wrong_number_of_fields() {
        for text in ["", "   ", "* * * *", "* * * * * *", "biweekly"] {
            assert!(
                refusal(text).starts_with("expected hourly, daily"),
                "{text}"
            );
        }
        assert!(refusal("* * * *").ends_with("found 4 field(s)"));
    }

    #[test]
    fn refuses_text_longer_than_100_characters() {
        let long = format!("{} * * * *", vec!["1"; 50].join(","));
        assert!(long.len() > 100);
        assert_eq!(refusal(&long), "a schedule is at most 100 characters");
        let padded = format!("{:>101}", "daily");
        assert_eq!(refusal(&padded), "a schedule is at most 100 characters");
    }

    #[test]
    fn refuses_out_of_range_values_naming_the_field() {
        assert_eq!(
            refusal("61 * * * *"),
            "minute field: 61 is out of range 0-59"
        );
        assert_eq!(refusal("0 24 * * *"), "hour field: 24 is out of range 0-23");
        assert_eq!(
            refusal("0 0 0 * *"),
            "day-of-month field: 0 is out of range 1-31"
        );
        assert_eq!(
            refusal("0 0 * 13 *"),
            "month field: 13 is out of range 1-12"
        );
        assert_eq!(
            refusal("0 0 * * 8"),
            "day-of-week field: 8 is out of range 0-7"
        );
        assert_eq!(
            refusal("99999999999 * * * *"),
            "minute field: 99999999999 is out of range 0-59"
        );
    }

    #[test]
    fn refuses_empty_items_naming_the_field() {
        for (text, field) in [("1,,2 * * * *", "minute"), ("0 0 1, * *", "day-of-month")] {
            assert_eq!(
                refusal(text),
                format!("{field} field: an item of the list is empty")
            );
        }
    }

    #[test]
    fn refuses_a_step_of_zero() {
        assert_eq!(
            refusal("*/0 * * * *"),
            "minute field: a step of 0 never advances; use 1 or more"
        );
        assert!(refusal("0 1-5/0 * * *").starts_with("hour field: a step of 0"));
    }

    #[test]
    fn refuses_reversed_ranges() {
        assert_eq!(refusal("0 5-3 * * *"), "hour field: range 5-3 is reversed");
        assert_eq!(
            refusal("0 0 * * FRI-MON"),
            "day-of-week field: range FRI-MON is reversed"
        );
    }

    #[test]
    fn refuses_junk_naming_the_field() {
        for (text, field) in [
            ("? * * * *", "minute"),
            ("+5 * * * *", "minute"),
            ("1.5 * * * *", "minute"),
            ("MON * * * *", "minute"),
            ("0 -1 * * *", "hour"),
            ("0 0 L * *", "day-of-month"),
            ("0 0 * JANUARY *", "month"),
            ("0 0 * * MON#2", "day-of-week"),
            ("0 0 * * 1-2-3", "day-of-week"),
            ("*/2/3 * * * *", "minute"),
            ("*/x * * * *", "minute"),
            ("5/ * * * *", "minute"),
            ("*-5 * * * *", "minute"),
            ("0 0 * * 1é", "day-of-week"),
        ] {
            let message = refusal(text);
            assert!(
                message.starts_with(&format!("{field} field: ")),
                "{text}: {message}"
            );
        }
        assert_eq!(
            refusal("0 0 * JANUARY *"),
            "month field: \"JANUARY\" is not a number or a name (JAN-DEC)"
        );
        assert_eq!(refusal("x * * * *"), "minute field: \"x\" is not a number");
        assert!(refusal("61 * * * 8").starts_with("minute field: "));
    }

    #[test]
    fn hourly_is_due_on_the_hour() {
        assert_eq!(
            latest("hourly", "2026-06-01T12:34:56Z"),
            iso("2026-06-01T12:00:00.000Z")
        );
        assert_eq!(
            next("hourly", "2026-06-01T12:34:56Z"),
            iso("2026-06-01T13:00:00.000Z")
        );
        assert_eq!(
            next("hourly", "2026-06-01T23:30:00Z"),
            iso("2026-06-02T00:00:00.000Z")
        );
    }

    #[test]
    fn daily_is_due_at_midnight_utc() {
        assert_eq!(
            latest("daily", "2026-06-01T12:00:00Z"),
            iso("2026-06-01T00:00:00.000Z")
        );
        assert_eq!(
            next("daily", "2026-06-01T12:00:00Z"),
            iso("2026-06-02T00:00:00.000Z")
        );
        assert_eq!(
            next("daily", "2026-12-31T12:00:00Z"),
            iso("2027-01-01T00:00:00.000Z")
        );
    }

    #[test]
    fn weekly_is_due_on_mondays() {
        // 2026-06-01 is a Monday.
        assert_eq!(
            latest("weekly", "2026-06-03T12:00:00Z"),
            iso("2026-06-01T00:00:00.000Z")
        );
        assert_eq!(
            latest("weekly", "2026-05-31T23:59:59Z"),
            iso("2026-05-25T00:00:00.000Z")
        );
        assert_eq!(
            next("weekly", "2026-06-03T12:00:00Z"),
            iso("2026-06-08T00:00:00.000Z")
        );
    }

    #[test]
    fn every_fifteen_minutes() {
        let every = "*/15 * * * *";
        assert_eq!(
            latest(every, "2026-06-01T12:44:59.999Z"),
            iso("2026-06-01T12:30:00.000Z")
        );
        assert_eq!(
            next(every, "2026-06-01T12:44:59.999Z"),
            iso("2026-06-01T12:45:00.000Z")
        );
        assert_eq!(
            latest(every, "2026-06-01T00:05:00Z"),
            iso("2026-06-01T00:00:00.000Z")
        );
        assert_eq!(
            latest(every, "2026-05-31T23:59:00Z"),
            iso("2026-05-31T23:45:00.000Z")
        );
    }

    #[test]
    fn weekdays_skip_the_weekend() {
        let workdays = "30 9 * * 1-5";
        // 2026-06-06 is a Saturday.
        assert_eq!(
            latest(workdays, "2026-06-06T12:00:00Z"),
            iso("2026-06-05T09:30:00.000Z")
        );
        assert_eq!(
            latest(workdays, "2026-06-08T09:29:00Z"),
            iso("2026-06-05T09:30:00.000Z")
        );
        assert_eq!(
            next(workdays, "2026-06-05T09:30:00Z"),
            iso("2026-06-08T09:30:00.000Z")
        );
    }

    #[test]
    fn days_of_month_list() {
        let twice = "0 0 1,15 * *";
        assert_eq!(
            latest(twice, "2026-06-10T00:00:00Z"),
            iso("2026-06-01T00:00:00.000Z")
        );
        assert_eq!(
            next(twice, "2026-06-10T00:00:00Z"),
            iso("2026-06-15T00:00:00.000Z")
        );
        assert_eq!(
            next(twice, "2026-06-20T00:00:00Z"),
            iso("2026-07-01T00:00:00.000Z")
        );
        assert_eq!(
            latest(twice, "2026-01-14T23:59:00Z"),
            iso("2026-01-01T00:00:00.000Z")
        );
        assert_eq!(
            latest(twice, "2025-12-31T23:59:00Z"),
            iso("2025-12-15T00:00:00.000Z")
        );
    }

    #[test]
    fn restricted_day_of_month_and_day_of_week_match_either() {
        // Fridays and the 13th: 2026-06-13 is a Saturday.
        let friday_or_13th = schedule("0 0 13 * 5");
        let mut due = Vec::new();
        let mut after = ms("2026-06-01T00:00:00Z");
        for _ in 0..5 {
            after = friday_or_13th.next_due_after(after).unwrap();
            due.push(to_iso(after));
        }
        assert_eq!(
            due,
            [
                "2026-06-05T00:00:00.000Z",
                "2026-06-12T00:00:00.000Z",
                "2026-06-13T00:00:00.000Z",
                "2026-06-19T00:00:00.000Z",
                "2026-06-26T00:00:00.000Z",
            ]
        );
        assert_eq!(
            latest("0 0 13 * 5", "2026-06-14T00:00:00Z"),
            iso("2026-06-13T00:00:00.000Z")
        );
    }

    #[test]
    fn a_star_day_field_makes_both_day_fields_match() {
        assert_eq!(
            next("0 0 13 * *", "2026-06-01T00:00:00Z"),
            iso("2026-06-13T00:00:00.000Z")
        );
        assert_eq!(
            next("0 0 * * 5", "2026-06-01T00:00:00Z"),
            iso("2026-06-05T00:00:00.000Z")
        );
        // As in Vixie cron, `*/2` counts as a star: odd-dated Fridays only.
        assert_eq!(
            next("0 0 */2 * 5", "2026-06-06T00:00:00Z"),
            iso("2026-06-19T00:00:00.000Z")
        );
    }

    #[test]
    fn february_29_is_found_in_leap_years_only() {
        let leap_day = "0 0 29 2 *";
        assert_eq!(
            latest(leap_day, "2028-03-15T00:00:00Z"),
            iso("2028-02-29T00:00:00.000Z")
        );
        // 2024-02-29 is more than 366 days before 2027-03-01.
        assert_eq!(latest(leap_day, "2027-03-01T00:00:00Z"), None);
        assert_eq!(
            next(leap_day, "2027-03-01T00:00:00Z"),
            iso("2028-02-29T00:00:00.000Z")
        );
        assert_eq!(next(leap_day, "2025-01-01T00:00:00Z"), None);
    }

    #[test]
    fn an_impossible_date_is_never_due() {
        let never = schedule("0 0 30 2 *");
        let now = ms("2026-06-01T00:00:00Z");
        assert_eq!(never.latest_due_at_or_before(now), None);
        assert_eq!(never.next_due_after(now), None);
    }

    #[test]
    fn a_due_time_exactly_at_now_is_included() {
        assert_eq!(
            latest("daily", "2026-06-01T00:00:00Z"),
            iso("2026-06-01T00:00:00.000Z")
        );
        assert_eq!(
            latest("daily", "2026-06-01T00:00:59.999Z"),
            iso("2026-06-01T00:00:00.000Z")
        );
        assert_eq!(
            next("daily", "2026-06-01T00:00:00Z"),
            iso("2026-06-02T00:00:00.000Z")
        );
        assert_eq!(
            next("daily", "2026-05-31T23:59:59.999Z"),
            iso("2026-06-01T00:00:00.000Z")
        );
    }

    #[test]
    fn the_search_window_is_366_days() {
        let new_year = "0 0 1 1 *";
        assert_eq!(
            latest(new_year, "2026-12-31T23:59:00Z"),
            iso("2026-01-01T00:00:00.000Z")
        );
        // A leap year: 2028-01-01 to 2028-12-31 is 365 days, 2029-01-01 is 366.
        assert_eq!(
            next(new_year, "2028-01-01T00:00:00Z"),
            iso("2029-01-01T00:00:00.000Z")
        );
    }

    #[test]
    fn extreme_times_answer_without_overflowing() {
        let every = schedule("* * * * *");
        assert_eq!(every.next_due_after(i64::MAX), None);
        assert!(every.latest_due_at_or_before(i64::MAX).is_some());
        assert_eq!(every.latest_due_at_or_before(i64::MIN), None);
        assert!(every.next_due_after(i64::MIN).is_none_or(|t| t > i64::MIN));
    }

    #[test]
    fn latest_and_next_agree_with_each_other() {
        let schedules = [
            "hourly",
            "daily",
            "weekly",
            "*/15 * * * *",
            "30 9 * * 1-5",
            "0 0 1,15 * *",
            "0 0 13 * 5",
            "5-10/2 3,20 */3 JAN,jun-AUG *",
        ];
        for text in schedules {
            let schedule = schedule(text);
            // Deterministic sample times spread over three years.
            let mut t = ms("2025-01-01T00:00:00Z");
            for _ in 0..200 {
                t += 5 * DAY_MS + 7 * HOUR_MS + 13 * MINUTE_MS + 17_017;
                let latest = schedule.latest_due_at_or_before(t).unwrap();
                assert!(latest <= t && latest % MINUTE_MS == 0, "{text}");
                assert!(is_due(&schedule, latest), "{text} {}", to_iso(latest));
                assert_eq!(schedule.next_due_after(latest - 1), Some(latest));
                let next = schedule.next_due_after(t).unwrap();
                assert!(next > t && is_due(&schedule, next), "{text}");
                // Nothing is due strictly between the two.
                assert_eq!(schedule.next_due_after(latest), Some(next), "{text}");
                assert_eq!(schedule.latest_due_at_or_before(next - 1), Some(latest));
            }
        }
    }

    #[test]
    fn searches_agree_with_a_minute_by_minute_scan() {
        for text in ["*/15 * * * *", "30 9 * * 1-5", "0 0 13 * 5", "59 23 * * *"] {
            let schedule = schedule(text);
            let start = ms("2026-06-04T22:00:00Z");
            let mut expected_latest = schedule.latest_due_at_or_before(start - 1);
            for minute in 0..4 * 24 * 60 {
                let t = start + minute * MINUTE_MS;
                if is_due(&schedule, t) {
                    expected_latest = Some(t);
                }
                assert_eq!(
                    schedule.latest_due_at_or_before(t + 30_000),
                    expected_latest,
                    "{text} at {}",
                    to_iso(t)
                );
            }
        }
    }
}
