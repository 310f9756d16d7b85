//! The one wire form of a week and of a report: what `report --format json` prints, what
//! `/api/weeks` serves, what the daemon keeps in its store and what `status` and `history`
//! read back.
//!
//! Serialisation writes keys in alphabetical order (the order the JSON contract has always
//! had), minutes as integers when exact and rounded to 4 places otherwise, shares rounded to 4
//! places. serde_json writes it straight into the output buffer: no `Value` tree, which was 7 %
//! of a five-year report's CPU when the report was built that way.
//!
//! Reading accepts what older versions stored too: a week summary without `busy_seconds`,
//! `excluded` or the fragmentation keys (they default to zero).

use chrono::{DateTime, Datelike as _, NaiveDate, Utc};
use serde::de::Error as _;
use serde::ser::{SerializeMap as _, SerializeStruct as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::week::{ExcludedCounts, Report, WeekSummary};
use crate::classify::{Category, PerCategory};

/// Category values as a JSON object keyed by category name, keys in alphabetical order.
impl<T: Serialize> Serialize for PerCategory<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(BY_NAME.len()))?;
        for c in BY_NAME {
            m.serialize_entry(c.as_str(), &self[c])?;
        }
        m.end()
    }
}

/// [`Category::ALL`] sorted by name (checked by a test).
const BY_NAME: [Category; 4] = [
    Category::DeepWork,
    Category::Other,
    Category::People,
    Category::Technical,
];

/// Seconds written as minutes: an integer when exact, else rounded to 4 places (as the
/// reference corpus writes them).
struct Minutes(i64);

impl Serialize for Minutes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 60 == 0 {
            s.serialize_i64(self.0 / 60)
        } else {
            s.serialize_f64(minutes_f64(self.0))
        }
    }
}

/// Inexact minutes rounded to 4 places.
pub(super) fn minutes_f64(seconds: i64) -> f64 {
    ((seconds as f64 / 60.0) * 10_000.0).round() / 10_000.0
}

/// A share rounded to 4 places (0.3125 = 31.25 %).
fn share4(s: Option<f64>) -> Option<f64> {
    s.map(|s| (s * 10_000.0).round() / 10_000.0)
}

/// A local date as `"YYYY-MM-DD"`.
struct Date(NaiveDate);

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        if (0..=9999).contains(&d.year()) {
            // chrono's `%Y-%m-%d` for four-digit years, without its format parser (the report
            // writes two dates per week).
            let digit = |n: u32| b'0' + (n % 10) as u8;
            let (y, m, day) = (d.year() as u32, d.month(), d.day());
            let text = [
                digit(y / 1000),
                digit(y / 100),
                digit(y / 10),
                digit(y),
                b'-',
                digit(m / 10),
                digit(m),
                b'-',
                digit(day / 10),
                digit(day),
            ];
            // Digits and dashes: always UTF-8.
            s.serialize_str(std::str::from_utf8(&text).unwrap_or_default())
        } else {
            s.collect_str(&d.format("%Y-%m-%d"))
        }
    }
}

impl Serialize for ExcludedCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("ExcludedCounts", 5)?;
        m.serialize_field("allday", &self.allday)?;
        m.serialize_field("cancelled", &self.cancelled)?;
        m.serialize_field("declined", &self.declined)?;
        m.serialize_field("personal", &self.personal)?;
        m.serialize_field("transparent", &self.transparent)?;
        m.end()
    }
}

impl Serialize for WeekSummary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("WeekSummary", 17)?;
        m.serialize_field("busy_minutes", &Minutes(self.busy_seconds))?;
        m.serialize_field("busy_seconds", &self.busy_seconds)?;
        m.serialize_field("excluded", &self.excluded)?;
        m.serialize_field("focus_blocks", &self.focus_blocks)?;
        m.serialize_field("longest_free_minutes", &self.longest_free_minutes)?;
        m.serialize_field("minutes", &self.seconds.map(Minutes))?;
        m.serialize_field("no_fly_violations", &self.no_fly_violations)?;
        m.serialize_field("no_working_time", &!self.has_working_time())?;
        m.serialize_field("ooo_days", &self.ooo_days)?;
        m.serialize_field("partial", &self.partial)?;
        m.serialize_field("people_share", &share4(self.people_share))?;
        m.serialize_field("people_target_met", &self.people_target_met)?;
        m.serialize_field("reactive_share", &share4(self.reactive_share))?;
        m.serialize_field("switches", &self.switches)?;
        m.serialize_field("week", &self.week)?;
        m.serialize_field("week_start", &Date(self.week_start))?;
        m.serialize_field("working_hours", &self.working_hours)?;
        m.end()
    }
}

impl Serialize for Report {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("Report", 6)?;
        m.serialize_field("from", &Date(self.window.from))?;
        m.serialize_field("people_target", &self.people_target)?;
        m.serialize_field("to", &Date(self.window.to))?;
        m.serialize_field("tz", self.window.tz.name())?;
        m.serialize_field("week_hours", &self.week_hours)?;
        m.serialize_field("weeks", &self.weeks)?;
        m.end()
    }
}

/// A week as the daemon records it: the summary, the people target it was measured against
/// and, for the week still running, when the forecast was made. `status` and `history` read
/// these back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedWeek {
    #[serde(flatten)]
    pub summary: WeekSummary,
    pub people_target: f64,
    /// The forecast's time, for the current week (UTC Unix seconds, as older versions wrote).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "unix_seconds"
    )]
    pub as_of: Option<DateTime<Utc>>,
}

/// An optional instant as UTC Unix seconds.
mod unix_seconds {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match t {
            Some(t) => s.serialize_i64(t.timestamp()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        match Option::<i64>::deserialize(d)? {
            None => Ok(None),
            Some(n) => DateTime::from_timestamp(n, 0)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom(format!("timestamp out of range: {n}"))),
        }
    }
}

/// What a stored or served week summary looks like on the wire (any version).
#[derive(Deserialize)]
struct WireWeek {
    week: String,
    week_start: String,
    #[serde(default)]
    busy_minutes: f64,
    #[serde(default)]
    busy_seconds: Option<i64>,
    #[serde(default)]
    minutes: WireMinutes,
    #[serde(default)]
    working_hours: f64,
    #[serde(default)]
    ooo_days: u32,
    #[serde(default)]
    people_share: Option<f64>,
    #[serde(default)]
    people_target_met: Option<bool>,
    #[serde(default)]
    excluded: WireExcluded,
    #[serde(default)]
    no_fly_violations: u32,
    #[serde(default)]
    focus_blocks: u32,
    #[serde(default)]
    longest_free_minutes: i64,
    #[serde(default)]
    switches: u32,
    #[serde(default)]
    reactive_share: Option<f64>,
    /// Older rows have none: they were whole weeks (the daemon records whole weeks).
    #[serde(default)]
    partial: bool,
}

#[derive(Default, Deserialize)]
struct WireMinutes {
    #[serde(default)]
    people: f64,
    #[serde(default)]
    technical: f64,
    #[serde(default)]
    deep_work: f64,
    #[serde(default)]
    other: f64,
}

#[derive(Default, Deserialize)]
struct WireExcluded {
    #[serde(default)]
    declined: u32,
    #[serde(default)]
    cancelled: u32,
    #[serde(default)]
    transparent: u32,
    #[serde(default)]
    allday: u32,
    #[serde(default)]
    personal: u32,
}

/// Minutes (exact or rounded to 4 places) back to whole seconds.
fn seconds_of(minutes: f64) -> Result<i64, String> {
    let s = (minutes * 60.0).round();
    if s.is_finite() && s.abs() < 1e15 {
        Ok(s as i64)
    } else {
        Err(format!("minutes out of range: {minutes}"))
    }
}

impl<'de> Deserialize<'de> for WeekSummary {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = WireWeek::deserialize(d)?;
        let secs = |m: f64| seconds_of(m).map_err(D::Error::custom);
        let m = &w.minutes;
        Ok(WeekSummary {
            week_start: NaiveDate::parse_from_str(&w.week_start, "%Y-%m-%d")
                .map_err(|e| D::Error::custom(format!("week_start {:?}: {e}", w.week_start)))?,
            week: w.week,
            busy_seconds: match w.busy_seconds {
                Some(s) => s,
                None => secs(w.busy_minutes)?,
            },
            seconds: PerCategory::new(
                secs(m.people)?,
                secs(m.technical)?,
                secs(m.deep_work)?,
                secs(m.other)?,
            ),
            working_hours: w.working_hours,
            ooo_days: w.ooo_days,
            people_share: w.people_share,
            people_target_met: w.people_target_met,
            excluded: ExcludedCounts {
                declined: w.excluded.declined,
                cancelled: w.excluded.cancelled,
                transparent: w.excluded.transparent,
                allday: w.excluded.allday,
                personal: w.excluded.personal,
            },
            no_fly_violations: w.no_fly_violations,
            focus_blocks: w.focus_blocks,
            longest_free_minutes: w.longest_free_minutes,
            switches: w.switches,
            reactive_share: w.reactive_share,
            partial: w.partial,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week() -> WeekSummary {
        WeekSummary {
            week: "2026-W03".into(),
            week_start: NaiveDate::from_ymd_opt(2026, 1, 12).expect("valid date"),
            busy_seconds: 3 * 3600 + 61,
            seconds: PerCategory::new(3600, 3600 + 61, 1800, 1800),
            working_hours: 32.0,
            ooo_days: 1,
            people_share: Some(1.0 / 32.0),
            people_target_met: Some(false),
            excluded: ExcludedCounts {
                declined: 1,
                cancelled: 2,
                transparent: 3,
                allday: 4,
                personal: 5,
            },
            no_fly_violations: 2,
            focus_blocks: 3,
            longest_free_minutes: 240,
            switches: 7,
            reactive_share: Some(2.0 / 3.0),
            partial: false,
        }
    }

    #[test]
    fn a_week_reads_back_what_it_wrote() {
        let w = week();
        let text = serde_json::to_string(&w).expect("serialises");
        let back: WeekSummary = serde_json::from_str(&text).expect("reads back");
        // Shares are rounded to 4 places on the way out; everything else survives exactly
        // (61 inexact seconds are 1.0167 minutes, which is 61 seconds again).
        assert_eq!(back.people_share, Some(0.0313));
        assert_eq!(back.reactive_share, Some(0.6667));
        assert_eq!(
            WeekSummary {
                people_share: w.people_share,
                reactive_share: w.reactive_share,
                ..back
            },
            w
        );
    }

    #[test]
    fn by_name_is_every_category_in_name_order() {
        let mut sorted = Category::ALL;
        sorted.sort_unstable_by_key(|c| c.as_str());
        assert_eq!(BY_NAME, sorted);
    }

    #[test]
    fn dates_are_written_as_iso_dates() {
        for (y, m, d) in [
            (2026, 1, 5),
            (1, 12, 31),
            (9999, 10, 9),
            (10000, 1, 1),
            (-5, 3, 4),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
            let want = format!("\"{}\"", date.format("%Y-%m-%d"));
            assert_eq!(
                serde_json::to_string(&Date(date)).expect("serialises"),
                want
            );
        }
    }

    #[test]
    fn minutes_are_keyed_by_name_in_alphabetical_order() {
        let text = serde_json::to_string(&week().seconds.map(Minutes)).expect("serialises");
        assert_eq!(
            text,
            r#"{"deep_work":30,"other":30,"people":60,"technical":61.0167}"#
        );
    }

    #[test]
    fn an_older_stored_summary_still_reads() {
        // What the daemon stored before the summary had a type: whole minutes, no seconds,
        // no exclusions or fragmentation figures.
        let old = r#"{"week":"2026-W03","week_start":"2026-01-12","busy_minutes":181,
            "minutes":{"people":60,"technical":61,"deep_work":30,"other":30},
            "working_hours":32.0,"people_share":0.03125,"people_target_met":false,
            "no_fly_violations":2,"people_target":0.3,"as_of":1768000000}"#;
        let w: WeekSummary = serde_json::from_str(old).expect("reads");
        assert_eq!(w.busy_seconds, 181 * 60);
        assert_eq!(w.seconds[Category::Technical], 61 * 60);
        assert_eq!(w.people_share, Some(0.03125));
        assert_eq!(w.excluded, ExcludedCounts::default());
        assert_eq!(w.no_fly_violations, 2);
    }

    #[test]
    fn a_recorded_week_keeps_its_target_and_forecast_time() {
        let rec = RecordedWeek {
            summary: week(),
            people_target: 0.3,
            as_of: DateTime::from_timestamp(1_768_000_000, 0),
        };
        let text = serde_json::to_string(&rec).expect("serialises");
        assert!(text.contains(r#""as_of":1768000000"#), "{text}");
        assert!(text.contains(r#""people_target":0.3"#), "{text}");
        let back: RecordedWeek = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back.as_of, rec.as_of);
        assert_eq!(back.summary.seconds, rec.summary.seconds);
        let completed = RecordedWeek { as_of: None, ..rec };
        let text = serde_json::to_string(&completed).expect("serialises");
        assert!(!text.contains("as_of"), "{text}");
    }

    #[test]
    fn nonsense_minutes_are_an_error_not_a_wrapped_number() {
        let bad = r#"{"week":"2026-W03","week_start":"2026-01-12","minutes":{"people":1e300}}"#;
        assert!(serde_json::from_str::<WeekSummary>(bad).is_err());
    }
}
