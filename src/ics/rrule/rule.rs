//! The parsed form of an RRULE/EXRULE value ([`Rule`]) and its parser.
//!
//! The parser keeps the rule as written: defaults that come from DTSTART are filled in only
//! when a [`RuleIter`](super::RuleIter) is built, because the same rule text can belong to
//! events with different start times.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Weekday};

/// How often the rule's periods repeat (RFC 5545 3.3.10, FREQ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freq {
    Secondly,
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Freq {
    fn parse(value: &str) -> Option<Freq> {
        Some(match value {
            "SECONDLY" => Freq::Secondly,
            "MINUTELY" => Freq::Minutely,
            "HOURLY" => Freq::Hourly,
            "DAILY" => Freq::Daily,
            "WEEKLY" => Freq::Weekly,
            "MONTHLY" => Freq::Monthly,
            "YEARLY" => Freq::Yearly,
            _ => return None,
        })
    }

    /// Length in seconds of one period of a sub-daily frequency; `None` for DAILY and longer,
    /// whose periods are calendar units.
    pub(super) fn sub_daily_seconds(self) -> Option<i64> {
        match self {
            Freq::Secondly => Some(1),
            Freq::Minutely => Some(60),
            Freq::Hourly => Some(3600),
            _ => None,
        }
    }
}

/// UNTIL as written: a DATE, a floating/local DATE-TIME, or a UTC DATE-TIME (ends in Z).
///
/// The rule does not know the event's zone, so converting UNTIL into the event's wall-clock
/// time is the caller's job; [`Rule::iter`] takes the converted bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Until {
    Date(NaiveDate),
    Local(NaiveDateTime),
    Utc(NaiveDateTime),
}

/// One BYDAY entry: a weekday with an optional ordinal (`-1FR` is the last Friday).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeekdayNum {
    /// `None` for every such weekday of the period; otherwise -53..=53, never 0.
    pub ordinal: Option<i8>,
    pub weekday: Weekday,
}

/// Why a rule value was rejected. `Display` is a lowercase fragment naming the rule part,
/// e.g. "invalid BYMONTHDAY value '32'".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct RuleError {
    kind: RuleErrorKind,
}

impl RuleError {
    pub fn kind(&self) -> &RuleErrorKind {
        &self.kind
    }

    fn invalid(part: &'static str, value: &str) -> RuleError {
        RuleError {
            kind: RuleErrorKind::InvalidValue {
                part,
                value: value.to_owned(),
            },
        }
    }
}

/// The kinds of [`RuleError`], for callers that want to branch on them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuleErrorKind {
    #[error("missing FREQ")]
    MissingFreq,
    #[error("invalid {part} value '{value}'")]
    InvalidValue { part: &'static str, value: String },
    #[error("duplicate {0} part")]
    Duplicate(&'static str),
    #[error("unknown rule part '{0}'")]
    UnknownPart(String),
    #[error("rule part '{0}' has no '='")]
    Malformed(String),
    #[error("unsupported RSCALE '{0}' (only GREGORIAN)")]
    UnsupportedRscale(String),
}

/// A parsed RRULE or EXRULE value (RFC 5545 3.3.10), kept as written.
///
/// # Example
/// ```
/// use calaudit::ics::rrule::{Freq, Rule};
/// let rule = Rule::parse("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4")?;
/// assert_eq!(rule.freq(), Freq::Weekly);
/// let start = chrono::NaiveDate::from_ymd_opt(2025, 1, 6).unwrap().and_hms_opt(9, 0, 0).unwrap();
/// let days: Vec<_> = rule.iter(start, false, None, None).map(|t| t.date().to_string()).collect();
/// assert_eq!(days, ["2025-01-06", "2025-01-08", "2025-01-13", "2025-01-15"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub(super) freq: Freq,
    /// At least 1; a huge written value saturates at `u32::MAX`.
    pub(super) interval: u32,
    /// At least 1; a huge written value saturates at `u32::MAX`.
    pub(super) count: Option<u32>,
    pub(super) until: Option<Until>,
    /// 0..=60 as RFC 5545 allows; 60 (a leap second) never produces an instance.
    pub(super) by_second: Vec<u8>,
    pub(super) by_minute: Vec<u8>,
    pub(super) by_hour: Vec<u8>,
    pub(super) by_day: Vec<WeekdayNum>,
    pub(super) by_month_day: Vec<i8>,
    pub(super) by_year_day: Vec<i16>,
    pub(super) by_week_no: Vec<i8>,
    pub(super) by_month: Vec<u8>,
    pub(super) by_set_pos: Vec<i16>,
    pub(super) wkst: Weekday,
}

impl Rule {
    /// Parses an RRULE/EXRULE value such as `FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20250101T000000Z`.
    ///
    /// Names and values are case-insensitive; empty parts (a trailing `;`) are skipped; `X-`
    /// parts are ignored; `RSCALE=GREGORIAN` and `SKIP` (RFC 7529) are accepted and ignored
    /// (every invalid date is omitted, as with `SKIP=OMIT`). On error nothing is returned and the
    /// error names the first offending part: a missing FREQ, a value out of range, a part given
    /// twice, an unknown part, or another RSCALE. COUNT and UNTIL together are accepted (RFC 5545
    /// forbids it, but feeds do it) and both apply.
    pub fn parse(value: &str) -> Result<Rule, RuleError> {
        let mut freq = None;
        let mut interval = None;
        let mut count = None;
        let mut until = None;
        let mut by_second = None;
        let mut by_minute = None;
        let mut by_hour = None;
        let mut by_day = None;
        let mut by_month_day = None;
        let mut by_year_day = None;
        let mut by_week_no = None;
        let mut by_month = None;
        let mut by_set_pos = None;
        let mut wkst = None;
        let mut rscale = None;
        let mut skip = None;

        for part in value.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let Some((name, raw)) = part.split_once('=') else {
                return Err(RuleError {
                    kind: RuleErrorKind::Malformed(part.to_owned()),
                });
            };
            let name = name.trim().to_ascii_uppercase();
            // Matching uses `val`; error messages quote the value as written.
            let raw = raw.trim();
            let val = raw.to_ascii_uppercase();
            if name.starts_with("X-") {
                continue;
            }
            match name.as_str() {
                "FREQ" => {
                    let f = Freq::parse(&val).ok_or_else(|| RuleError::invalid("FREQ", raw))?;
                    set_once(&mut freq, "FREQ", f)?;
                }
                "INTERVAL" => set_once(&mut interval, "INTERVAL", positive("INTERVAL", raw)?)?,
                "COUNT" => set_once(&mut count, "COUNT", positive("COUNT", raw)?)?,
                "UNTIL" => set_once(&mut until, "UNTIL", parse_until(raw)?)?,
                "BYSECOND" => set_once(&mut by_second, "BYSECOND", list("BYSECOND", raw, 0, 60)?)?,
                "BYMINUTE" => set_once(&mut by_minute, "BYMINUTE", list("BYMINUTE", raw, 0, 59)?)?,
                "BYHOUR" => set_once(&mut by_hour, "BYHOUR", list("BYHOUR", raw, 0, 23)?)?,
                "BYDAY" => set_once(&mut by_day, "BYDAY", parse_by_day(raw)?)?,
                "BYMONTHDAY" => set_once(
                    &mut by_month_day,
                    "BYMONTHDAY",
                    signed_list("BYMONTHDAY", raw, 31)?,
                )?,
                "BYYEARDAY" => set_once(
                    &mut by_year_day,
                    "BYYEARDAY",
                    signed_list("BYYEARDAY", raw, 366)?,
                )?,
                "BYWEEKNO" => set_once(
                    &mut by_week_no,
                    "BYWEEKNO",
                    signed_list("BYWEEKNO", raw, 53)?,
                )?,
                "BYMONTH" => set_once(&mut by_month, "BYMONTH", list("BYMONTH", raw, 1, 12)?)?,
                "BYSETPOS" => set_once(
                    &mut by_set_pos,
                    "BYSETPOS",
                    signed_list("BYSETPOS", raw, 366)?,
                )?,
                "WKST" => {
                    let w = parse_weekday(&val).ok_or_else(|| RuleError::invalid("WKST", raw))?;
                    set_once(&mut wkst, "WKST", w)?;
                }
                "RSCALE" => {
                    if val != "GREGORIAN" {
                        return Err(RuleError {
                            kind: RuleErrorKind::UnsupportedRscale(raw.to_owned()),
                        });
                    }
                    set_once(&mut rscale, "RSCALE", ())?;
                }
                "SKIP" => {
                    if !matches!(val.as_str(), "OMIT" | "BACKWARD" | "FORWARD") {
                        return Err(RuleError::invalid("SKIP", raw));
                    }
                    set_once(&mut skip, "SKIP", ())?;
                }
                _ => {
                    return Err(RuleError {
                        kind: RuleErrorKind::UnknownPart(name),
                    })
                }
            }
        }

        let freq = freq.ok_or(RuleError {
            kind: RuleErrorKind::MissingFreq,
        })?;
        Ok(Rule {
            freq,
            interval: interval.unwrap_or(1),
            count,
            until,
            by_second: by_second.unwrap_or_default(),
            by_minute: by_minute.unwrap_or_default(),
            by_hour: by_hour.unwrap_or_default(),
            by_day: by_day.unwrap_or_default(),
            by_month_day: by_month_day.unwrap_or_default(),
            by_year_day: by_year_day.unwrap_or_default(),
            by_week_no: by_week_no.unwrap_or_default(),
            by_month: by_month.unwrap_or_default(),
            by_set_pos: by_set_pos.unwrap_or_default(),
            wkst: wkst.unwrap_or(Weekday::Mon),
        })
    }

    pub fn freq(&self) -> Freq {
        self.freq
    }

    pub fn interval(&self) -> u32 {
        self.interval
    }

    pub fn count(&self) -> Option<u32> {
        self.count
    }

    /// The same rule with COUNT set to `count`: for the event layer, when DTSTART does not
    /// match the rule and so is one of the COUNT instances (RFC 5545 3.8.5.3).
    pub fn with_count(&self, count: u32) -> Rule {
        Rule {
            count: Some(count),
            ..self.clone()
        }
    }

    pub fn until(&self) -> Option<Until> {
        self.until
    }

    pub fn by_second(&self) -> &[u8] {
        &self.by_second
    }

    pub fn by_minute(&self) -> &[u8] {
        &self.by_minute
    }

    pub fn by_hour(&self) -> &[u8] {
        &self.by_hour
    }

    pub fn by_day(&self) -> &[WeekdayNum] {
        &self.by_day
    }

    pub fn by_month_day(&self) -> &[i8] {
        &self.by_month_day
    }

    pub fn by_year_day(&self) -> &[i16] {
        &self.by_year_day
    }

    pub fn by_week_no(&self) -> &[i8] {
        &self.by_week_no
    }

    pub fn by_month(&self) -> &[u8] {
        &self.by_month
    }

    pub fn by_set_pos(&self) -> &[i16] {
        &self.by_set_pos
    }

    pub fn wkst(&self) -> Weekday {
        self.wkst
    }
}

fn set_once<T>(slot: &mut Option<T>, part: &'static str, value: T) -> Result<(), RuleError> {
    if slot.is_some() {
        return Err(RuleError {
            kind: RuleErrorKind::Duplicate(part),
        });
    }
    *slot = Some(value);
    Ok(())
}

/// A positive integer that saturates instead of overflowing: `INTERVAL=99999999999` means
/// "never again" just as well as `u32::MAX` does.
fn positive(part: &'static str, val: &str) -> Result<u32, RuleError> {
    let digits = val.strip_prefix('+').unwrap_or(val);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(RuleError::invalid(part, val));
    }
    let n = digits.bytes().fold(0u32, |acc, b| {
        acc.saturating_mul(10).saturating_add(u32::from(b - b'0'))
    });
    if n == 0 {
        return Err(RuleError::invalid(part, val));
    }
    Ok(n)
}

/// An integer of at most a few digits with an optional sign, or `None`.
fn small_int(item: &str) -> Option<i32> {
    let (neg, digits) = match item.as_bytes().first()? {
        b'-' => (true, &item[1..]),
        b'+' => (false, &item[1..]),
        _ => (false, item),
    };
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i32 = digits.parse().ok()?;
    Some(if neg { -n } else { n })
}

/// A comma list of unsigned values in `min..=max`, sorted and without duplicates.
fn list(part: &'static str, val: &str, min: i32, max: i32) -> Result<Vec<u8>, RuleError> {
    let mut out = Vec::new();
    for item in val.split(',') {
        let item = item.trim();
        let n = small_int(item)
            .filter(|n| (min..=max).contains(n) && !item.starts_with('-'))
            .and_then(|n| u8::try_from(n).ok())
            .ok_or_else(|| RuleError::invalid(part, item))?;
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// A comma list of non-zero values in `-max..=max`, sorted and without duplicates.
fn signed_list<T: TryFrom<i32> + Ord>(
    part: &'static str,
    val: &str,
    max: i32,
) -> Result<Vec<T>, RuleError> {
    let mut out = Vec::new();
    for item in val.split(',') {
        let item = item.trim();
        let n = small_int(item)
            .filter(|n| *n != 0 && n.abs() <= max)
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| RuleError::invalid(part, item))?;
        out.push(n);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn parse_weekday(val: &str) -> Option<Weekday> {
    Some(match val {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

fn parse_by_day(val: &str) -> Result<Vec<WeekdayNum>, RuleError> {
    let mut out: Vec<WeekdayNum> = Vec::new();
    for item in val.split(',') {
        let item = item.trim();
        let bad = || RuleError::invalid("BYDAY", item);
        let split = item.len().checked_sub(2).ok_or_else(bad)?;
        if !item.is_char_boundary(split) {
            return Err(bad());
        }
        let (num, day) = item.split_at(split);
        let weekday = parse_weekday(&day.to_ascii_uppercase()).ok_or_else(bad)?;
        let ordinal = if num.is_empty() {
            None
        } else {
            let n = small_int(num)
                .filter(|n| *n != 0 && n.abs() <= 53)
                .and_then(|n| i8::try_from(n).ok())
                .ok_or_else(bad)?;
            Some(n)
        };
        let entry = WeekdayNum { ordinal, weekday };
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    Ok(out)
}

fn parse_until(raw: &str) -> Result<Until, RuleError> {
    let bad = || RuleError::invalid("UNTIL", raw);
    let val = raw.to_ascii_uppercase();
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (date_part, rest) = val.as_str().split_at_checked(8).ok_or_else(bad)?;
    if !digits(date_part) {
        return Err(bad());
    }
    let num = |s: &str| s.parse::<u32>().map_err(|_| bad());
    let date = NaiveDate::from_ymd_opt(
        i32::try_from(num(&date_part[..4])?).map_err(|_| bad())?,
        num(&date_part[4..6])?,
        num(&date_part[6..8])?,
    )
    .ok_or_else(bad)?;
    if rest.is_empty() {
        return Ok(Until::Date(date));
    }
    let (time, utc) = match rest.strip_suffix('Z') {
        Some(t) => (t, true),
        None => (rest, false),
    };
    let time = time.strip_prefix('T').ok_or_else(bad)?;
    if time.len() != 6 || !digits(time) {
        return Err(bad());
    }
    let time = NaiveTime::from_hms_opt(num(&time[..2])?, num(&time[2..4])?, num(&time[4..6])?)
        .ok_or_else(bad)?;
    let dt = date.and_time(time);
    Ok(if utc {
        Until::Utc(dt)
    } else {
        Until::Local(dt)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_name_the_part() {
        let cases = [
            ("BYDAY=MO", "missing FREQ"),
            ("", "missing FREQ"),
            ("FREQ=FORTNIGHTLY", "invalid FREQ value 'FORTNIGHTLY'"),
            (
                "FREQ=MONTHLY;BYMONTHDAY=32",
                "invalid BYMONTHDAY value '32'",
            ),
            ("FREQ=MONTHLY;BYMONTHDAY=0", "invalid BYMONTHDAY value '0'"),
            (
                "FREQ=YEARLY;BYYEARDAY=-367",
                "invalid BYYEARDAY value '-367'",
            ),
            ("FREQ=YEARLY;BYWEEKNO=54", "invalid BYWEEKNO value '54'"),
            ("FREQ=YEARLY;BYMONTH=13", "invalid BYMONTH value '13'"),
            ("FREQ=DAILY;BYHOUR=24", "invalid BYHOUR value '24'"),
            ("FREQ=DAILY;BYMINUTE=-1", "invalid BYMINUTE value '-1'"),
            ("FREQ=DAILY;BYSECOND=61", "invalid BYSECOND value '61'"),
            ("FREQ=MONTHLY;BYSETPOS=0", "invalid BYSETPOS value '0'"),
            ("FREQ=WEEKLY;BYDAY=mo,xx", "invalid BYDAY value 'xx'"),
            ("FREQ=MONTHLY;BYDAY=54MO", "invalid BYDAY value '54MO'"),
            ("FREQ=MONTHLY;BYDAY=0MO", "invalid BYDAY value '0MO'"),
            ("FREQ=WEEKLY;WKST=XY", "invalid WKST value 'XY'"),
            ("FREQ=DAILY;INTERVAL=0", "invalid INTERVAL value '0'"),
            ("FREQ=DAILY;INTERVAL=-2", "invalid INTERVAL value '-2'"),
            ("FREQ=DAILY;COUNT=ten", "invalid COUNT value 'ten'"),
            (
                "FREQ=DAILY;UNTIL=20250230",
                "invalid UNTIL value '20250230'",
            ),
            ("FREQ=DAILY;UNTIL=2025", "invalid UNTIL value '2025'"),
            (
                "FREQ=DAILY;UNTIL=20250101T250000Z",
                "invalid UNTIL value '20250101T250000Z'",
            ),
            ("FREQ=DAILY;FREQ=WEEKLY", "duplicate FREQ part"),
            ("FREQ=DAILY;BYFOO=1", "unknown rule part 'BYFOO'"),
            ("FREQ=DAILY;COUNT", "rule part 'COUNT' has no '='"),
            (
                "FREQ=YEARLY;RSCALE=HEBREW",
                "unsupported RSCALE 'HEBREW' (only GREGORIAN)",
            ),
            ("FREQ=YEARLY;SKIP=SIDEWAYS", "invalid SKIP value 'SIDEWAYS'"),
            ("FREQ=DAILY;BYHOUR=", "invalid BYHOUR value ''"),
        ];
        for (input, message) in cases {
            match Rule::parse(input) {
                Ok(rule) => panic!("{input:?} parsed as {rule:?}"),
                Err(e) => assert_eq!(e.to_string(), message, "{input:?}"),
            }
        }
    }

    #[test]
    fn parse_is_lenient_where_it_is_safe() {
        let rule = Rule::parse(
            "freq=weekly;byday=mo,-1fr; ;x-name=whatever;Rscale=Gregorian;skip=omit;Wkst=su;",
        )
        .expect("lenient rule");
        assert_eq!(rule.freq(), Freq::Weekly);
        assert_eq!(rule.wkst(), Weekday::Sun);
        assert_eq!(
            rule.by_day(),
            [
                WeekdayNum {
                    ordinal: None,
                    weekday: Weekday::Mon
                },
                WeekdayNum {
                    ordinal: Some(-1),
                    weekday: Weekday::Fri
                },
            ]
        );
    }

    #[test]
    fn parse_values() {
        let rule = Rule::parse(
            "FREQ=MONTHLY;INTERVAL=4000000000;COUNT=99999999999999;UNTIL=20250101T000000Z;\
             BYMONTHDAY=15,-1,15;BYSETPOS=-1",
        )
        .expect("valid rule");
        assert_eq!(rule.interval(), 4_000_000_000);
        assert_eq!(rule.count(), Some(u32::MAX));
        let midnight = NaiveDate::from_ymd_opt(2025, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
        assert_eq!(rule.until(), midnight.map(Until::Utc));
        assert_eq!(rule.by_month_day(), [-1, 15]);
        assert_eq!(rule.by_set_pos(), [-1]);
        assert_eq!(
            Rule::parse("FREQ=DAILY;UNTIL=20250101").map(|r| r.until()),
            Ok(NaiveDate::from_ymd_opt(2025, 1, 1).map(Until::Date))
        );
        assert_eq!(
            Rule::parse("FREQ=DAILY;UNTIL=20250101T000000").map(|r| r.until()),
            Ok(midnight.map(Until::Local))
        );
    }
}
