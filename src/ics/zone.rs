//! Time zones: resolving a TZID to a [`Zone`] and converting local wall-clock times to UTC and back.
//!
//! Owns:
//! - [`ZoneResolver`]: per calendar file, TZID string → zone, in this order (it mirrors the reference
//!   oracle, `shared/oracle/oracle.py`, so results on real files agree):
//!   1. an IANA name or alias known to `chrono-tz`, exactly as written (`Europe/Berlin`, `US/Pacific`,
//!      `Etc/UTC`), or behind a tz-database path prefix (`/mozilla.org/20050126_1/America/New_York`,
//!      `/softwarestudio.org/Olson_20011030_5/...`, `/freeassociation.sourceforge.net/Tzfile/...`,
//!      `posix/Europe/Vaduz`). The file's VTIMEZONE for such a TZID is ignored: the tz database is
//!      more current than a copy embedded years ago.
//!   2. the file's own VTIMEZONE with that TZID ([`CustomZone`]): Outlook's `Customized Time Zone`,
//!      libical's `US-Eastern`, Windows names with 1601-epoch rules, `Europe/lisbon`.
//!      `X-LIC-LOCATION` is *not* preferred over a usable VTIMEZONE: the observances are what the
//!      producer showed its user, and the oracle agrees (`icalendar__pacific_fiji.ics`). It is used only
//!      when the VTIMEZONE itself is unusable and X-LIC-LOCATION names an IANA zone.
//!   3. case-insensitive IANA names (`europe/berlin`), Windows zone ids (`W. Europe Standard Time`),
//!      Windows display names (`(UTC-05:00) Eastern Time (US & Canada)`), else `None`.
//!
//!   IMPORTANT: the case-insensitive IANA match sits in step 3, after the VTIMEZONE, not in step 1. In
//!   `rie__issue42.ics` (a real Google export with place names anonymised) `TZID=Europe/lisbon` carries a
//!   CET VTIMEZONE; the oracle, whose tz lookup is case-sensitive, uses that VTIMEZONE, and so do we.
//!   Without a VTIMEZONE `Europe/lisbon` still resolves to the tz database's Lisbon.
//! - [`Zone::to_utc`] / [`Zone::to_local`], with RFC 5545 3.3.5 resolution of gaps and folds chosen in
//!   one place for every kind of zone.
//!
//! Does not own: parsing ICS text into [`VTimezone`] (the parser does), recurrence expansion
//! (`crate::ics::rrule`; this module only asks it for VTIMEZONE onsets), or deciding what to do with an
//! unresolved TZID (the caller warns and treats the time as floating).
//!
//! Known difference from the oracle: for a zone built from a VTIMEZONE, the oracle reads a time in the
//! spring-forward gap with the offset *after* the gap; we follow RFC 5545 3.3.5 (the offset before the
//! gap) for every zone, as the oracle itself does for IANA zones.

#[cfg(test)]
mod corpus_tests;
mod custom;
mod windows;

use std::collections::HashMap;
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use chrono::offset::LocalResult;
use chrono::{DateTime, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

pub use custom::{parse_utc_offset, CustomZone, OffsetError, VTimezoneError, VTimezoneErrorKind};
pub use windows::{display_name_to_iana, windows_to_iana};

/// One VTIMEZONE as written in the file; values are raw property values (unescaped, unfolded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VTimezone {
    pub tzid: String,
    /// Line of `BEGIN:VTIMEZONE`, for warnings.
    pub line: usize,
    pub x_lic_location: Option<String>,
    pub observances: Vec<Observance>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObservanceKind {
    Standard,
    Daylight,
}

/// One STANDARD or DAYLIGHT sub-component, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observance {
    pub kind: ObservanceKind,
    /// Line of `BEGIN:STANDARD` / `BEGIN:DAYLIGHT`, for warnings.
    pub line: usize,
    /// e.g. "16010101T020000" or "19701025T030000" (local time, no Z usually).
    pub dtstart: String,
    /// "+0100", "-0500", "+053000", sometimes junk.
    pub offset_from: String,
    pub offset_to: String,
    /// Raw RRULE value, e.g. "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU".
    pub rrule: Option<String>,
    /// Raw RDATE values (each may be a comma list, may carry VALUE=PERIOD junk).
    pub rdates: Vec<String>,
}

/// A resolved time zone. Cheap to clone (a `Tz` is a small enum, a custom zone an `Arc`).
///
/// # Example
/// ```
/// use calaudit::ics::zone::Zone;
/// use chrono::NaiveDate;
///
/// let ny = Zone::Iana(chrono_tz::America::New_York);
/// // 02:30 does not exist on 2026-03-08 in New York; RFC 5545 reads it with EST (-05:00).
/// let local = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap().and_hms_opt(2, 30, 0).unwrap();
/// assert_eq!(ny.to_utc(local).to_string(), "2026-03-08 07:30:00");
/// ```
#[derive(Clone, Debug)]
pub enum Zone {
    Utc,
    Iana(Tz),
    Custom(Arc<CustomZone>),
}

impl Zone {
    /// Local wall-clock → UTC (as `NaiveDateTime`: inside `ics` instants stay naive for the
    /// arithmetic of expansion; [`Zone::instant`] is the typed form for everyone else), RFC 5545 3.3.5 resolution: a time in a gap (spring
    /// forward) is read with the offset in force before the gap (so 02:30 becomes 03:30 local daylight
    /// time); a time in a fold (repeated hour) takes the first (earlier) occurrence. Never fails: at
    /// chrono's outer year limits, where the arithmetic would overflow, the input comes back unchanged.
    pub fn to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        match self {
            Zone::Utc => local,
            Zone::Iana(tz) => iana_to_utc(*tz, local),
            Zone::Custom(zone) => zone.to_utc(local),
        }
    }

    /// Local wall-clock → instant ([`Zone::to_utc`]'s resolution of gaps and folds).
    pub fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        self.to_utc(local).and_utc()
    }

    /// UTC → local wall-clock time. Never fails (see [`Zone::to_utc`] for the limits).
    pub fn to_local(&self, utc: NaiveDateTime) -> NaiveDateTime {
        match self {
            Zone::Utc => utc,
            // Not `from_utc_datetime(..).naive_local()`: that panics near chrono's year limits.
            Zone::Iana(_) => utc
                .checked_add_signed(TimeDelta::seconds(self.offset_at_utc(utc) as i64))
                .unwrap_or(utc),
            Zone::Custom(zone) => zone.to_local(utc),
        }
    }

    /// UTC offset in seconds in force at a UTC instant.
    pub fn offset_at_utc(&self, utc: NaiveDateTime) -> i32 {
        match self {
            Zone::Utc => 0,
            Zone::Iana(tz) => tz.offset_from_utc_datetime(&utc).fix().local_minus_utc(),
            Zone::Custom(zone) => zone.offset_at_utc(utc),
        }
    }

    /// `UTC`, the IANA name (`Europe/Berlin`), or the VTIMEZONE's TZID.
    pub fn name(&self) -> &str {
        match self {
            Zone::Utc => "UTC",
            Zone::Iana(tz) => tz.name(),
            Zone::Custom(zone) => zone.name(),
        }
    }
}

/// The one place where chrono's `LocalResult` is turned into an instant for IANA zones.
fn iana_to_utc(tz: Tz, local: NaiveDateTime) -> NaiveDateTime {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(a, b) => a.naive_utc().min(b.naive_utc()),
        LocalResult::None => {
            // In a gap: use the offset in force before it. A day earlier is before the jump (a jump is
            // shorter than a day) and after the previous one (no zone changes twice in a day).
            let before = local.checked_sub_signed(TimeDelta::days(1)).map_or(0, |t| {
                tz.offset_from_utc_datetime(&t).fix().local_minus_utc()
            });
            local
                .checked_sub_signed(TimeDelta::seconds(before as i64))
                .unwrap_or(local)
        }
    }
}

/// Resolves TZIDs for one calendar file. Built once per file from its VTIMEZONEs; [`resolve`] is
/// called per property and caches its answer by TZID string.
///
/// [`resolve`]: ZoneResolver::resolve
#[derive(Debug, Default)]
pub struct ZoneResolver {
    /// Usable VTIMEZONEs by normalised TZID (the first usable one wins).
    custom: HashMap<String, Arc<CustomZone>>,
    /// Unusable VTIMEZONEs whose X-LIC-LOCATION names an IANA zone.
    lic_fallback: HashMap<String, Tz>,
    /// Every TZID string asked for so far, as written.
    cache: RwLock<HashMap<String, Option<Zone>>>,
}

impl ZoneResolver {
    /// Returns the resolver plus warnings: one per VTIMEZONE that could not be used (naming its line
    /// and why), one per ignored VTIMEZONE that repeats an earlier TZID with a different definition,
    /// and one per unreadable RDATE skipped inside an otherwise usable VTIMEZONE. VTIMEZONEs whose TZID
    /// is an IANA name are not even built (step 1 wins), so they never warn.
    pub fn new(vtimezones: Vec<VTimezone>) -> (ZoneResolver, Vec<String>) {
        let mut resolver = ZoneResolver::default();
        let mut warnings = Vec::new();
        // First VTIMEZONE seen per TZID, to tell a harmless repeat from a conflicting one.
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        for (index, vtz) in vtimezones.iter().enumerate() {
            let key = normalize_tzid(&vtz.tzid);
            if key.is_empty() {
                warnings.push(format!("line {}: VTIMEZONE without TZID ignored", vtz.line));
                continue;
            }
            if iana_exact(&key).is_some() {
                continue;
            }
            if let Some(&first) = first_seen.get(&key) {
                if resolver.custom.contains_key(&key) {
                    if !same_definition(&vtimezones[first], vtz) {
                        warnings.push(format!(
                            "line {}: VTIMEZONE {key:?} ignored: an earlier VTIMEZONE on line {} has the same TZID",
                            vtz.line, vtimezones[first].line
                        ));
                    }
                    continue;
                }
            } else {
                first_seen.insert(key.clone(), index);
            }
            match CustomZone::from_vtimezone(vtz) {
                Ok((zone, notes)) => {
                    warnings.extend(notes);
                    resolver.lic_fallback.remove(&key);
                    resolver.custom.insert(key, Arc::new(zone));
                }
                Err(err) => {
                    let lic = vtz
                        .x_lic_location
                        .as_deref()
                        .and_then(|loc| iana_exact(&normalize_tzid(loc)));
                    match lic {
                        Some(tz) => {
                            warnings.push(format!(
                                "{err}; using its X-LIC-LOCATION {} instead",
                                tz.name()
                            ));
                            resolver.lic_fallback.entry(key).or_insert(tz);
                        }
                        None => warnings.push(err.to_string()),
                    }
                }
            }
        }
        (resolver, warnings)
    }

    /// The zone for a TZID as written in a property parameter (surrounding blanks and quotes are
    /// ignored). `None` when the TZID cannot be resolved at all; the caller then warns and treats the
    /// time as floating.
    pub fn resolve(&self, tzid: &str) -> Option<Zone> {
        if let Some(hit) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(tzid)
        {
            return hit.clone();
        }
        let zone = self.lookup(&normalize_tzid(tzid));
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(tzid.to_owned(), zone.clone());
        zone
    }

    fn lookup(&self, key: &str) -> Option<Zone> {
        if key.is_empty() {
            return None;
        }
        if is_utc_name(key) {
            return Some(Zone::Utc);
        }
        if let Some(tz) = iana_exact(key) {
            return Some(iana_zone(tz));
        }
        if let Some(zone) = self.custom.get(key) {
            return Some(Zone::Custom(Arc::clone(zone)));
        }
        if let Some(tz) = self.lic_fallback.get(key) {
            return Some(iana_zone(*tz));
        }
        iana_case_insensitive(key)
            .or_else(|| windows_to_iana(key))
            .or_else(|| display_name_to_iana(key))
            .map(iana_zone)
    }
}

/// `Zone::Utc` for the tz database's UTC aliases, so the common case skips chrono-tz entirely.
fn iana_zone(tz: Tz) -> Zone {
    if is_utc_name(tz.name()) {
        Zone::Utc
    } else {
        Zone::Iana(tz)
    }
}

fn is_utc_name(name: &str) -> bool {
    const UTC_NAMES: &[&str] = &[
        "UTC",
        "Z",
        "Etc/UTC",
        "Etc/UCT",
        "UCT",
        "Etc/Universal",
        "Universal",
        "Etc/Zulu",
        "Zulu",
    ];
    UTC_NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Trimmed, surrounding double quotes removed, `\,` unescaped (for a producer that escaped a TZID
/// parameter as if it were TEXT).
pub(crate) fn normalize_tzid(tzid: &str) -> String {
    let t = tzid.trim();
    let t = t.strip_prefix('"').unwrap_or(t);
    let t = t.strip_suffix('"').unwrap_or(t);
    t.trim().replace("\\,", ",")
}

/// Step 1: an IANA name as written, or behind a tz-database path prefix.
fn iana_exact(key: &str) -> Option<Tz> {
    if let Ok(tz) = key.parse::<Tz>() {
        return Some(tz);
    }
    // `/mozilla.org/20050126_1/America/New_York`, `/freeassociation.sourceforge.net/Tzfile/Europe/Berlin`,
    // `posix/Europe/Vaduz`: a path whose tail is an IANA name. Only paths that look like one (a leading
    // `/`, a domain, or a zoneinfo directory) qualify, so `custom_America/New_York_Forward_reference`
    // or `Germany/Berlin` are not chopped into something they never meant.
    let trimmed = key.trim_start_matches('/');
    let first = trimmed.split('/').next().unwrap_or("");
    let looks_like_path = key.starts_with('/')
        || first.contains('.')
        || ["posix", "right", "zoneinfo"]
            .iter()
            .any(|d| d.eq_ignore_ascii_case(first));
    if !looks_like_path {
        return None;
    }
    // Longest tail first: `America/Argentina/Buenos_Aires` before `Argentina/Buenos_Aires`.
    trimmed
        .match_indices('/')
        .map(|(i, _)| &trimmed[i + 1..])
        .chain(std::iter::once(trimmed))
        .filter(|tail| tail.contains('/'))
        .find_map(|tail| tail.parse::<Tz>().ok())
}

/// Step 3: an IANA name written in the wrong case (`Europe/lisbon`, `america/new_york`).
fn iana_case_insensitive(key: &str) -> Option<Tz> {
    static LOWER: OnceLock<HashMap<String, Tz>> = OnceLock::new();
    let map = LOWER.get_or_init(|| {
        chrono_tz::TZ_VARIANTS
            .iter()
            .map(|tz| (tz.name().to_ascii_lowercase(), *tz))
            .collect()
    });
    map.get(&key.to_ascii_lowercase()).copied()
}

/// Same TZID and observances, ignoring line numbers: a calendar that repeats a VTIMEZONE verbatim
/// (libical's test files do, 225 times) needs no warning.
fn same_definition(a: &VTimezone, b: &VTimezone) -> bool {
    let strip = |v: &VTimezone| -> Vec<Observance> {
        v.observances
            .iter()
            .map(|o| Observance {
                line: 0,
                ..o.clone()
            })
            .collect()
    };
    strip(a) == strip(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Timelike};

    /// `2026-03-08T02:30` or `2026-03-08T02:30:01`.
    pub(super) fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
            .unwrap_or_else(|e| panic!("bad test time {s:?}: {e}"))
    }

    /// A test-only reader for the VTIMEZONE snippets below (the real parser lives elsewhere). Line
    /// numbers are 1-based positions in the snippet.
    pub(super) fn vtz(text: &str) -> VTimezone {
        let mut out = VTimezone {
            tzid: String::new(),
            line: 0,
            x_lic_location: None,
            observances: vec![],
        };
        let mut current: Option<Observance> = None;
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            let Some((head, value)) = line.split_once(':') else {
                continue;
            };
            let name = head.split(';').next().unwrap_or(head).to_ascii_uppercase();
            let value = value.to_owned();
            match (name.as_str(), value.as_str()) {
                ("BEGIN", "VTIMEZONE") => out.line = i + 1,
                ("BEGIN", "STANDARD" | "DAYLIGHT") => {
                    let kind = if value == "STANDARD" {
                        ObservanceKind::Standard
                    } else {
                        ObservanceKind::Daylight
                    };
                    current = Some(Observance {
                        kind,
                        line: i + 1,
                        dtstart: String::new(),
                        offset_from: String::new(),
                        offset_to: String::new(),
                        rrule: None,
                        rdates: vec![],
                    });
                }
                ("END", "STANDARD" | "DAYLIGHT") => out.observances.extend(current.take()),
                ("TZID", _) => out.tzid = value.replace("\\,", ","),
                ("X-LIC-LOCATION", _) => out.x_lic_location = Some(value),
                (prop, _) => {
                    if let Some(o) = current.as_mut() {
                        match prop {
                            "DTSTART" => o.dtstart = value,
                            "TZOFFSETFROM" => o.offset_from = value,
                            "TZOFFSETTO" => o.offset_to = value,
                            "RRULE" => o.rrule = Some(value),
                            "RDATE" => o.rdates.push(value),
                            _ => {}
                        }
                    }
                }
            }
        }
        out
    }

    pub(super) fn resolver(texts: &[&str]) -> (ZoneResolver, Vec<String>) {
        ZoneResolver::new(texts.iter().map(|s| vtz(s)).collect())
    }

    fn custom(text: &str) -> Zone {
        let v = vtz(text);
        let (zone, notes) = CustomZone::from_vtimezone(&v).unwrap_or_else(|e| panic!("{e}"));
        assert!(notes.is_empty(), "{notes:?}");
        Zone::Custom(Arc::new(zone))
    }

    // --- VTIMEZONE snippets, written for these tests (modelled on what the producers emit) ---

    /// US Eastern as tzurl.org / Google write it: only the current rules.
    const US_EASTERN_2007: &str = "
        BEGIN:VTIMEZONE
        TZID:US-Eastern
        BEGIN:DAYLIGHT
        DTSTART:20070311T020000
        RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
        TZOFFSETFROM:-0500
        TZOFFSETTO:-0400
        END:DAYLIGHT
        BEGIN:STANDARD
        DTSTART:20071104T020000
        RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
        TZOFFSETFROM:-0400
        TZOFFSETTO:-0500
        END:STANDARD
        END:VTIMEZONE";

    /// Outlook: 1601 epoch, STANDARD before DAYLIGHT.
    pub(super) const OUTLOOK_PACIFIC: &str = "
        BEGIN:VTIMEZONE
        TZID:Pacific Standard Time
        BEGIN:STANDARD
        DTSTART:16010101T020000
        TZOFFSETFROM:-0700
        TZOFFSETTO:-0800
        RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
        END:STANDARD
        BEGIN:DAYLIGHT
        DTSTART:16010101T020000
        TZOFFSETFROM:-0800
        TZOFFSETTO:-0700
        RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
        END:DAYLIGHT
        END:VTIMEZONE";

    // --- IANA ---

    #[test]
    fn iana_gap_and_fold_new_york_and_berlin() {
        let ny = Zone::Iana(chrono_tz::America::New_York);
        let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
        let cases = [
            (&ny, "2026-03-08T02:30", "2026-03-08T07:30"), // gap: read as EST
            (&ny, "2026-03-08T01:59", "2026-03-08T06:59"),
            (&ny, "2026-03-08T03:00", "2026-03-08T07:00"),
            (&ny, "2026-11-01T01:30", "2026-11-01T05:30"), // fold: EDT, the first 01:30
            (&ny, "2026-11-01T02:00", "2026-11-01T07:00"),
            (&ny, "2026-07-01T09:00", "2026-07-01T13:00"),
            (&berlin, "2026-03-29T02:30", "2026-03-29T01:30"), // gap: read as CET
            (&berlin, "2026-10-25T02:30", "2026-10-25T00:30"), // fold: CEST first
            (&berlin, "2026-01-15T12:00", "2026-01-15T11:00"),
        ];
        for (zone, local, utc) in cases {
            assert_eq!(zone.to_utc(t(local)), t(utc), "{} {local}", zone.name());
        }
    }

    #[test]
    fn iana_gap_of_a_whole_day_and_of_half_an_hour() {
        // Samoa skipped 2011-12-30 (-10 → +14); Lord Howe springs forward by 30 minutes.
        let apia = Zone::Iana(chrono_tz::Pacific::Apia);
        assert_eq!(apia.to_utc(t("2011-12-30T12:00")), t("2011-12-30T22:00"));
        let lord_howe = Zone::Iana(chrono_tz::Australia::Lord_Howe);
        // 2026-10-04 02:00 → 02:30 (+10:30 → +11:00); 02:15 is read with +10:30.
        assert_eq!(
            lord_howe.to_utc(t("2026-10-04T02:15")),
            t("2026-10-03T15:45")
        );
    }

    // --- Custom zones against the tz database, hour by hour ---

    /// For every local hour and half hour of `years`, the custom zone and the IANA zone agree on
    /// `to_utc`, and on `to_local` for every UTC hour.
    fn assert_same_as_iana(zone: &Zone, tz: Tz, years: std::ops::Range<i32>) {
        let iana = Zone::Iana(tz);
        let mut local = t(&format!("{}-01-01T00:00", years.start));
        let end = t(&format!("{}-01-01T00:00", years.end));
        while local < end {
            assert_eq!(zone.to_utc(local), iana.to_utc(local), "to_utc {local}");
            assert_eq!(
                zone.to_local(local),
                iana.to_local(local),
                "to_local of UTC {local}"
            );
            local += TimeDelta::minutes(30);
        }
    }

    #[test]
    fn custom_us_eastern_matches_new_york_since_2007() {
        let zone = custom(US_EASTERN_2007);
        assert_eq!(zone.to_utc(t("2026-03-08T02:30")), t("2026-03-08T07:30"));
        assert_eq!(zone.to_utc(t("2026-11-01T01:30")), t("2026-11-01T05:30"));
        assert_same_as_iana(&zone, chrono_tz::America::New_York, 2007..2031);
    }

    #[test]
    fn custom_outlook_1601_pacific_matches_los_angeles() {
        let zone = custom(OUTLOOK_PACIFIC);
        assert_eq!(zone.to_utc(t("2026-03-08T02:30")), t("2026-03-08T10:30")); // gap: PST
        assert_eq!(zone.to_utc(t("2026-11-01T01:30")), t("2026-11-01T08:30")); // fold: PDT first
        assert_same_as_iana(&zone, chrono_tz::America::Los_Angeles, 2007..2031);
        // Far from the first computed range: the table widens on demand and stays right.
        assert_eq!(zone.to_utc(t("2450-07-01T12:00")), t("2450-07-01T19:00"));
        assert_eq!(zone.to_utc(t("1650-01-01T12:00")), t("1650-01-01T20:00"));
        assert_eq!(zone.to_utc(t("2026-07-01T12:00")), t("2026-07-01T19:00"));
    }

    #[test]
    fn round_trips() {
        let zones = [
            custom(US_EASTERN_2007),
            custom(OUTLOOK_PACIFIC),
            Zone::Iana(chrono_tz::Europe::Berlin),
            Zone::Iana(chrono_tz::Asia::Kolkata),
            Zone::Utc,
        ];
        for zone in &zones {
            let mut utc = t("2026-01-01T00:00");
            while utc < t("2027-01-01T00:00") {
                let local = zone.to_local(utc);
                let back = zone.to_utc(local);
                // The second pass through a repeated hour maps back to the first one: one hour earlier.
                assert!(
                    back == utc || back == utc - TimeDelta::hours(1),
                    "{} {utc} -> {local} -> {back}",
                    zone.name()
                );
                // Any local time that exists survives local -> UTC -> local.
                assert_eq!(
                    zone.to_local(zone.to_utc(local)),
                    local,
                    "{} {local}",
                    zone.name()
                );
                utc += TimeDelta::minutes(15);
            }
        }
    }

    // --- Custom zone details ---

    #[test]
    fn rdate_only_observances() {
        // libical's US-Eastern variant: one RDATE each, no RRULE.
        let zone = custom(
            "BEGIN:VTIMEZONE
             TZID:US-Eastern
             BEGIN:STANDARD
             DTSTART:19981025T020000
             RDATE:19981025T020000
             TZOFFSETFROM:-0400
             TZOFFSETTO:-0500
             END:STANDARD
             BEGIN:DAYLIGHT
             DTSTART:19990404T020000
             RDATE:19990404T020000
             TZOFFSETFROM:-0500
             TZOFFSETTO:-0400
             END:DAYLIGHT
             END:VTIMEZONE",
        );
        assert_eq!(zone.to_utc(t("1998-07-01T12:00")), t("1998-07-01T16:00")); // before: -0400
        assert_eq!(zone.to_utc(t("1998-12-01T12:00")), t("1998-12-01T17:00"));
        assert_eq!(zone.to_utc(t("1999-07-01T12:00")), t("1999-07-01T16:00"));
        assert_eq!(zone.to_utc(t("2030-12-01T12:00")), t("2030-12-01T16:00")); // last onset holds

        // RDATE lists, PERIOD values and a UTC RDATE in one observance.
        let zone = custom(
            "BEGIN:VTIMEZONE
             TZID:Lists
             BEGIN:STANDARD
             DTSTART:20000101T000000
             TZOFFSETFROM:+0000
             TZOFFSETTO:+0000
             END:STANDARD
             BEGIN:DAYLIGHT
             DTSTART:20000401T010000
             RDATE:20010401T010000,20020401T010000/PT1H
             RDATE;VALUE=DATE-TIME:20030401T010000Z
             TZOFFSETFROM:+0000
             TZOFFSETTO:+0100
             END:DAYLIGHT
             BEGIN:STANDARD
             DTSTART:20001001T020000
             RDATE:20011001T020000,20021001T020000,20031001T020000
             TZOFFSETFROM:+0100
             TZOFFSETTO:+0000
             END:STANDARD
             END:VTIMEZONE",
        );
        for year in 2000..2004 {
            assert_eq!(
                zone.to_utc(t(&format!("{year}-06-01T12:00"))),
                t(&format!("{year}-06-01T11:00"))
            );
            assert_eq!(
                zone.to_utc(t(&format!("{year}-12-01T12:00"))),
                t(&format!("{year}-12-01T12:00"))
            );
        }
    }

    #[test]
    fn until_and_count_end_a_rule() {
        // DST until 2005 (UNTIL in UTC), then no DST at all.
        let zone = custom(
            "BEGIN:VTIMEZONE
             TZID:Ended
             BEGIN:DAYLIGHT
             DTSTART:20000402T020000
             RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20050403T070000Z
             TZOFFSETFROM:-0500
             TZOFFSETTO:-0400
             END:DAYLIGHT
             BEGIN:STANDARD
             DTSTART:20001029T020000
             RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;COUNT=6
             TZOFFSETFROM:-0400
             TZOFFSETTO:-0500
             END:STANDARD
             END:VTIMEZONE",
        );
        assert_eq!(zone.to_utc(t("2005-07-01T12:00")), t("2005-07-01T16:00")); // 2005-04-03 is the last DST onset
        assert_eq!(zone.to_utc(t("2006-07-01T12:00")), t("2006-07-01T17:00"));
        assert_eq!(zone.to_utc(t("2040-07-01T12:00")), t("2040-07-01T17:00"));
    }

    #[test]
    fn fixed_offsets_and_offsets_with_seconds() {
        let zone = custom(
            "BEGIN:VTIMEZONE
             TZID:Kuala Lumpur\\, Singapore
             BEGIN:STANDARD
             DTSTART:16010101T000000
             TZOFFSETFROM:+0900
             TZOFFSETTO:+0800
             END:STANDARD
             END:VTIMEZONE",
        );
        assert_eq!(zone.name(), "Kuala Lumpur, Singapore");
        assert_eq!(zone.to_utc(t("2008-10-31T09:30")), t("2008-10-31T01:30"));
        // Before the only onset: its TZOFFSETFROM.
        assert_eq!(zone.to_utc(t("1500-01-01T09:00")), t("1500-01-01T00:00"));

        let zone = custom(
            "BEGIN:VTIMEZONE
             TZID:Seconds
             BEGIN:STANDARD
             DTSTART:19011213T211538
             TZOFFSETFROM:+002946
             TZOFFSETTO:-053000
             END:STANDARD
             END:VTIMEZONE",
        );
        assert_eq!(zone.to_utc(t("1900-01-01T00:29:46")), t("1900-01-01T00:00"));
        assert_eq!(zone.to_utc(t("2000-01-01T00:00")), t("2000-01-01T05:30"));
        assert_eq!(zone.to_local(t("2000-01-01T05:30")), t("2000-01-01T00:00"));

        let table = [
            ("+0100", Ok(3600)),
            ("-0500", Ok(-18000)),
            ("+053000", Ok(19800)),
            ("+002946", Ok(1786)),
            ("-0000", Ok(0)),
            (" +01:00 ", Ok(3600)),
            ("0100", Ok(3600)),
            ("+2400", Err(OffsetError::OutOfRange)),
            ("+0160", Err(OffsetError::OutOfRange)),
            ("+010060", Err(OffsetError::OutOfRange)),
            ("+01", Err(OffsetError::Syntax)),
            ("++0100", Err(OffsetError::Syntax)),
            ("", Err(OffsetError::Syntax)),
            ("junk", Err(OffsetError::Syntax)),
            ("+０１００", Err(OffsetError::Syntax)),
            ("-", Err(OffsetError::Syntax)),
        ];
        for (input, want) in table {
            assert_eq!(parse_utc_offset(input), want, "{input:?}");
        }
    }

    #[test]
    fn vtimezone_fold_and_gap_resolve_per_rfc() {
        // icalendar issue 722: +10 until 2024-01-01, then +12, back to +10 at 2024-05-05 08:00.
        let zone = custom(
            "BEGIN:VTIMEZONE
             TZID:MyTimezone
             BEGIN:STANDARD
             TZOFFSETFROM:+1000
             TZOFFSETTO:+1200
             DTSTART:20240101T000000
             END:STANDARD
             BEGIN:DAYLIGHT
             TZOFFSETFROM:+1200
             TZOFFSETTO:+1000
             DTSTART:20240505T080000
             END:DAYLIGHT
             END:VTIMEZONE",
        );
        // 2024-01-01 00:00 → 02:00 is a gap: read with +10 (the offset before it).
        assert_eq!(zone.to_utc(t("2024-01-01T01:00")), t("2023-12-31T15:00"));
        assert_eq!(zone.to_utc(t("2023-12-31T23:59")), t("2023-12-31T13:59"));
        assert_eq!(zone.to_utc(t("2024-01-01T02:00")), t("2023-12-31T14:00"));
        // 06:00..08:00 on 2024-05-05 happens twice: first occurrence (+12).
        assert_eq!(
            zone.to_utc(t("2024-05-05T07:00:01")),
            t("2024-05-04T19:00:01")
        );
        assert_eq!(
            zone.to_utc(t("2024-05-05T08:00:01")),
            t("2024-05-04T22:00:01")
        );
        assert_eq!(zone.to_local(t("2024-05-04T21:00")), t("2024-05-05T07:00"));
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let zones = [
            custom(OUTLOOK_PACIFIC),
            custom(US_EASTERN_2007),
            Zone::Iana(chrono_tz::Pacific::Apia),
            Zone::Utc,
        ];
        let extremes = [
            NaiveDateTime::MIN,
            NaiveDateTime::MAX,
            t("0001-01-01T00:00"),
            t("9999-12-31T23:59:59"),
        ];
        for zone in &zones {
            for x in extremes {
                let _ = zone.to_utc(x);
                let _ = zone.to_local(x);
                let _ = zone.offset_at_utc(x);
            }
        }
    }

    #[test]
    fn lookups_are_cheap_enough() {
        // Not a benchmark: a guard against a per-lookup recomputation sneaking back in.
        let zone = custom(OUTLOOK_PACIFIC);
        let start = std::time::Instant::now();
        let mut local = t("2020-01-01T09:00");
        for _ in 0..200_000 {
            let _ = zone.to_utc(local);
            local += TimeDelta::hours(1);
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert!(local.year() > 2040 && local.minute() == 0);
    }

    // --- Resolver ---

    fn resolved(r: &ZoneResolver, tzid: &str) -> Option<String> {
        r.resolve(tzid).map(|z| z.name().to_owned())
    }

    #[test]
    fn resolve_iana_aliases_case_and_prefixes() {
        let (r, warnings) = resolver(&[]);
        assert!(warnings.is_empty());
        let cases = [
            ("Europe/Berlin", Some("Europe/Berlin")),
            ("  \"America/New_York\" ", Some("America/New_York")),
            ("US/Pacific", Some("US/Pacific")),
            ("Europe/lisbon", Some("Europe/Lisbon")),
            ("america/new_york", Some("America/New_York")),
            ("Etc/UTC", Some("UTC")),
            ("UTC", Some("UTC")),
            ("GMT", Some("GMT")),
            (
                "/mozilla.org/20050126_1/America/New_York",
                Some("America/New_York"),
            ),
            (
                "/softwarestudio.org/Olson_20011030_5/America/New_York",
                Some("America/New_York"),
            ),
            (
                "/freeassociation.sourceforge.net/Tzfile/Europe/Berlin",
                Some("Europe/Berlin"),
            ),
            (
                "/freeassociation.sourceforge.net/Tzfile/America/Argentina/Buenos_Aires",
                Some("America/Argentina/Buenos_Aires"),
            ),
            ("posix/Europe/Vaduz", Some("Europe/Vaduz")),
            ("Germany/Berlin", None),
            ("custom_America/New_York_Forward_reference", None),
            ("foo", None),
            ("", None),
            ("\"\"", None),
            ("Customized Time Zone", None),
            ("US-Eastern", None),
            ("Eastern", None),
            ("/mozilla.org/x/Not/AZone", None),
        ];
        for (tzid, want) in cases {
            assert_eq!(resolved(&r, tzid).as_deref(), want, "{tzid:?}");
            // Cached answers are the same answers.
            assert_eq!(resolved(&r, tzid).as_deref(), want, "{tzid:?} (cached)");
        }
        assert!(matches!(r.resolve("Etc/UTC"), Some(Zone::Utc)));
    }

    #[test]
    fn resolve_windows_ids_and_display_names_without_vtimezone() {
        let (r, _) = resolver(&[]);
        let cases = [
            ("Pacific Standard Time", "America/Los_Angeles"),
            ("GMT Standard Time", "Europe/London"),
            ("\"GMT Standard Time\"", "Europe/London"),
            ("India Standard Time", "Asia/Kolkata"),
            ("W. Europe Standard Time", "Europe/Berlin"),
            ("Eastern Standard Time", "America/New_York"),
            ("Arabian Standard Time", "Asia/Dubai"),
            ("New Zealand Standard Time", "Pacific/Auckland"),
            ("(UTC-05:00) Eastern Time (US & Canada)", "America/New_York"),
            (
                "\"(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna\"",
                "Europe/Berlin",
            ),
            ("Kuala Lumpur, Singapore", "Asia/Singapore"),
            ("Pacific Time (US & Canada), Tijuana", "America/Los_Angeles"),
            ("(UTC-03:00) Brasília", "America/Sao_Paulo"),
            (
                "Greenwich Mean Time:Dublin; Edinburgh; Lisbon; London",
                "Europe/London",
            ),
        ];
        for (tzid, want) in cases {
            assert_eq!(resolved(&r, tzid).as_deref(), Some(want), "{tzid:?}");
        }
        let la = r
            .resolve("Pacific Standard Time")
            .map(|z| z.to_utc(t("2026-07-01T09:00")));
        assert_eq!(la, Some(t("2026-07-01T16:00")));
    }

    #[test]
    fn a_vtimezone_wins_over_windows_names_and_loses_to_iana() {
        // khal's tz_windows_format.ics: a Windows name whose VTIMEZONE says something else entirely.
        // The oracle uses the VTIMEZONE (2019-11-20 13:00 → 12:00Z), and so do we.
        let bogus_nz = "
            BEGIN:VTIMEZONE
            TZID:New Zealand Standard Time
            BEGIN:STANDARD
            DTSTART;VALUE=DATE-TIME:20191027T020000
            TZOFFSETFROM:+0200
            TZOFFSETTO:+0100
            END:STANDARD
            BEGIN:DAYLIGHT
            DTSTART;VALUE=DATE-TIME:20200329T030000
            TZOFFSETFROM:+1200
            TZOFFSETTO:+1300
            END:DAYLIGHT
            END:VTIMEZONE";
        // An IANA TZID with a wrong VTIMEZONE: the VTIMEZONE is ignored.
        let wrong_berlin = "
            BEGIN:VTIMEZONE
            TZID:Europe/Berlin
            BEGIN:STANDARD
            DTSTART:19700101T000000
            TZOFFSETFROM:+0500
            TZOFFSETTO:+0500
            END:STANDARD
            END:VTIMEZONE";
        let (r, warnings) = resolver(&[bogus_nz, wrong_berlin]);
        assert!(warnings.is_empty(), "{warnings:?}");
        let nz = r.resolve("New Zealand Standard Time");
        assert!(matches!(nz, Some(Zone::Custom(_))));
        assert_eq!(
            nz.map(|z| z.to_utc(t("2019-11-20T13:00"))),
            Some(t("2019-11-20T12:00"))
        );
        let berlin = r.resolve("Europe/Berlin");
        assert!(matches!(berlin, Some(Zone::Iana(_))));
        assert_eq!(
            berlin.map(|z| z.to_utc(t("2026-07-01T12:00"))),
            Some(t("2026-07-01T10:00"))
        );
    }

    #[test]
    fn unusable_vtimezones_warn_and_fall_through() {
        let junk_offsets = "
            BEGIN:VTIMEZONE
            TZID:Pacific Standard Time
            BEGIN:STANDARD
            DTSTART:16010101T020000
            TZOFFSETFROM:-0700
            TZOFFSETTO:+2500
            END:STANDARD
            END:VTIMEZONE";
        let no_observances = "
            BEGIN:VTIMEZONE
            TZID:Customized Time Zone
            END:VTIMEZONE";
        let junk_with_lic = "
            BEGIN:VTIMEZONE
            TZID:My Berlin
            X-LIC-LOCATION:Europe/Berlin
            BEGIN:STANDARD
            DTSTART:not a date
            TZOFFSETFROM:+0100
            TZOFFSETTO:+0100
            END:STANDARD
            END:VTIMEZONE";
        let bad_rrule = "
            BEGIN:VTIMEZONE
            TZID:Bad Rule
            BEGIN:STANDARD
            DTSTART:20000101T000000
            RRULE:FREQ=SOMETIMES
            TZOFFSETFROM:+0100
            TZOFFSETTO:+0100
            END:STANDARD
            END:VTIMEZONE";
        let (r, warnings) = resolver(&[junk_offsets, no_observances, junk_with_lic, bad_rrule]);
        assert_eq!(warnings.len(), 4, "{warnings:#?}");
        assert!(
            warnings[0].starts_with("line 2: VTIMEZONE \"Pacific Standard Time\" not used"),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[0].contains("TZOFFSETTO \"+2500\" on line 4"),
            "{}",
            warnings[0]
        );
        assert!(
            warnings[1].contains("no STANDARD or DAYLIGHT"),
            "{}",
            warnings[1]
        );
        assert!(
            warnings[2].contains("DTSTART") && warnings[2].contains("X-LIC-LOCATION Europe/Berlin"),
            "{}",
            warnings[2]
        );
        assert!(warnings[3].contains("RRULE"), "{}", warnings[3]);
        // Step 3 takes over: a Windows name still resolves, X-LIC-LOCATION rescues its zone, junk stays None.
        assert_eq!(
            resolved(&r, "Pacific Standard Time").as_deref(),
            Some("America/Los_Angeles")
        );
        assert_eq!(resolved(&r, "My Berlin").as_deref(), Some("Europe/Berlin"));
        assert_eq!(resolved(&r, "Customized Time Zone"), None);
        assert_eq!(resolved(&r, "Bad Rule"), None);
    }

    #[test]
    fn unreadable_rdate_is_skipped_with_a_note() {
        let text = "
            BEGIN:VTIMEZONE
            TZID:Partly Junk
            BEGIN:STANDARD
            DTSTART:20000101T000000
            RDATE:20010101T000000,garbage
            TZOFFSETFROM:+0100
            TZOFFSETTO:+0100
            END:STANDARD
            END:VTIMEZONE";
        let (r, warnings) = resolver(&[text]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("\"garbage\""), "{}", warnings[0]);
        assert_eq!(
            r.resolve("Partly Junk")
                .map(|z| z.to_utc(t("2020-01-01T01:00"))),
            Some(t("2020-01-01T00:00"))
        );
    }

    #[test]
    fn duplicate_tzids_first_usable_wins() {
        let a = "BEGIN:VTIMEZONE\nTZID:Dup\nBEGIN:STANDARD\nDTSTART:20000101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE";
        let b = "BEGIN:VTIMEZONE\nTZID:Dup\nBEGIN:STANDARD\nDTSTART:20000101T000000\nTZOFFSETFROM:+0300\nTZOFFSETTO:+0300\nEND:STANDARD\nEND:VTIMEZONE";
        let (r, warnings) = resolver(&[a, a, b]);
        assert_eq!(
            warnings.len(),
            1,
            "identical repeats are silent: {warnings:?}"
        );
        assert_eq!(
            r.resolve("Dup").map(|z| z.to_utc(t("2020-01-01T01:00"))),
            Some(t("2020-01-01T00:00"))
        );
        let junk = "BEGIN:VTIMEZONE\nTZID:Dup\nEND:VTIMEZONE";
        let (r, warnings) = resolver(&[junk, b]);
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            r.resolve("Dup").map(|z| z.to_utc(t("2020-01-01T03:00"))),
            Some(t("2020-01-01T00:00"))
        );
    }

    #[test]
    fn today_is_not_needed() {
        // Guard: nothing here depends on the clock (no `Utc::now()` deep inside).
        let (r, _) = resolver(&[OUTLOOK_PACIFIC]);
        let z = r.resolve("Pacific Standard Time");
        let d = NaiveDate::from_ymd_opt(2030, 6, 1).and_then(|d| d.and_hms_opt(12, 0, 0));
        assert_eq!(
            z.zip(d).map(|(z, d)| z.to_utc(d)),
            Some(t("2030-06-01T19:00"))
        );
    }
}
