//! Zones defined only by a file's VTIMEZONE (RFC 5545 3.6.5): Outlook's 1601-epoch rules, libical's
//! `US-Eastern`, Google's copies of tz data under odd names, hand-written test zones.
//!
//! Owns turning one `VTimezone` into a sorted list of transitions (UTC instant, new offset) and answering
//! "which offset is in force" for an instant or a local wall-clock time. It does not own TZID lookup
//! (that is `ZoneResolver` in the parent module) nor recurrence expansion: onsets that repeat come from
//! `crate::ics::rrule`, called with the observance's DTSTART as local time.
//!
//! Semantics, per RFC 5545 3.6.5:
//! - every observance has an onset at its DTSTART, read as local time in that observance's
//!   TZOFFSETFROM, plus one per RRULE instance (UNTIL/COUNT respected) and per RDATE;
//! - the offset in force at an instant is the TZOFFSETTO of the latest onset at or before it;
//! - before the first onset the zone uses that onset's TZOFFSETFROM. (Choosing "the first STANDARD
//!   observance" instead would be a guess; TZOFFSETFROM is what the file says was in use before.)
//!
//! Cost: transitions are computed for a range of years (1900..2100 at first) and the range is widened
//! on demand under a write lock, so a 1601 DTSTART costs nothing per lookup; a lookup is a read lock plus
//! a binary search over a few hundred entries.

use std::sync::{PoisonError, RwLock};

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeDelta};

use super::{ObservanceKind, VTimezone};
use crate::ics::rrule::{Rule, Until};

const DAY: i64 = 86_400;

/// The year range computed on first use; most calendars never leave it.
const INITIAL_YEARS: (i32, i32) = (1900, 2100);

/// How far back before the start of the computed range RRULE instances are generated, so that the
/// offset in force at the range start is known. Yearly rules (all real VTIMEZONEs) fire well within it.
const LOOKBACK_YEARS: i32 = 10;

/// Hard-coded safety cap on RRULE instances per observance per computation: a hostile
/// `FREQ=SECONDLY` rule must not hang the parser. A sane yearly rule makes ~2 per year.
const MAX_INSTANCES_PER_RULE: usize = 100_000;

/// Why a VTIMEZONE could not be used. Shown to the user as a warning; the TZID then falls through to
/// the Windows-name lookup.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: VTIMEZONE {tzid:?} not used: {kind}")]
pub struct VTimezoneError {
    pub tzid: String,
    /// Line of `BEGIN:VTIMEZONE`.
    pub line: usize,
    pub kind: VTimezoneErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VTimezoneErrorKind {
    #[error("it has no STANDARD or DAYLIGHT observance")]
    NoObservances,
    #[error("invalid TZOFFSETFROM {value:?} on line {line}: {reason}")]
    OffsetFrom {
        line: usize,
        value: String,
        reason: OffsetError,
    },
    #[error("invalid TZOFFSETTO {value:?} on line {line}: {reason}")]
    OffsetTo {
        line: usize,
        value: String,
        reason: OffsetError,
    },
    #[error("invalid DTSTART {value:?} on line {line}")]
    Dtstart { line: usize, value: String },
    #[error("invalid RRULE {value:?} on line {line}: {reason}")]
    Rrule {
        line: usize,
        value: String,
        reason: String,
    },
}

/// Why a UTC offset value (`+0100`, `-053000`) was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OffsetError {
    #[error("expected [+-]HHMM or [+-]HHMMSS")]
    Syntax,
    #[error("hours must be below 24 and minutes and seconds below 60")]
    OutOfRange,
}

/// Parses a UTC offset: `+HHMM`, `-HHMM`, `+HHMMSS`; also tolerates a missing sign and `:`
/// separators, which some producers write. Returns seconds east of UTC.
pub fn parse_utc_offset(value: &str) -> Result<i32, OffsetError> {
    let v = value.trim();
    let (sign, rest) = match v.as_bytes().first() {
        Some(b'+') => (1, &v[1..]),
        Some(b'-') => (-1, &v[1..]),
        _ => (1, v),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OffsetError::Syntax);
    }
    // Every byte is an ASCII digit, so these slices are on char boundaries and parse.
    let field = |i: usize| {
        digits
            .get(i..i + 2)
            .and_then(|s| s.parse::<i32>().ok())
            .unwrap_or(0)
    };
    let (h, m, s) = (
        field(0),
        field(2),
        if digits.len() == 6 { field(4) } else { 0 },
    );
    if h >= 24 || m >= 60 || s >= 60 {
        return Err(OffsetError::OutOfRange);
    }
    Ok(sign * (h * 3600 + m * 60 + s))
}

/// A DTSTART/RDATE value: local date-time, UTC date-time (`Z`), or a date (read as midnight).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stamp {
    Local(NaiveDateTime),
    Utc(NaiveDateTime),
    Date(NaiveDateTime),
}

/// Parses `YYYYMMDD`, `YYYYMMDDTHHMMSS`, `YYYYMMDDTHHMM` (seen in the wild), each optionally ending in
/// `Z`. `None` for anything else.
fn parse_stamp(value: &str) -> Option<Stamp> {
    let v = value.trim();
    let (v, utc) = match v.strip_suffix(['Z', 'z']) {
        Some(s) => (s, true),
        None => (v, false),
    };
    if !v.is_ascii() {
        return None;
    }
    let date = NaiveDate::parse_from_str(v.get(..8)?, "%Y%m%d").ok()?;
    let time = match v.get(8..)? {
        "" => return Some(Stamp::Date(date.and_hms_opt(0, 0, 0)?)),
        t => t.strip_prefix(['T', 't'])?,
    };
    let num = |r: std::ops::Range<usize>| time.get(r)?.parse::<u32>().ok();
    let (h, m, s) = match time.len() {
        6 => (num(0..2)?, num(2..4)?, num(4..6)?),
        4 => (num(0..2)?, num(2..4)?, 0),
        _ => return None,
    };
    // A leap second (:60) is folded into :59 rather than rejected.
    let dt = date.and_hms_opt(h, m, s.min(59))?;
    Some(if utc {
        Stamp::Utc(dt)
    } else {
        Stamp::Local(dt)
    })
}

/// Seconds since the epoch of a wall-clock value read as if it were UTC.
fn secs(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

fn jan1(year: i32) -> i64 {
    NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(
            if year < 1970 {
                i64::MIN / 2
            } else {
                i64::MAX / 2
            },
            secs,
        )
}

fn year_of(t: i64) -> i32 {
    DateTime::from_timestamp(t, 0).map_or(if t < 0 { -9999 } else { 9999 }, |d| d.year())
}

/// One STANDARD/DAYLIGHT block, validated.
#[derive(Debug)]
struct Spec {
    /// On equal instants DAYLIGHT sorts first and STANDARD wins; see `Onset`.
    order: u8,
    offset_from: i32,
    offset_to: i32,
    /// Local wall-clock time in `offset_from`.
    dtstart: NaiveDateTime,
    date_only: bool,
    /// The raw RRULE, re-parsed when a year range is computed. Keeping the text instead of a parsed
    /// `Rule` keeps `CustomZone: Send + Sync` whatever the RRULE engine's types are.
    rrule: Option<String>,
    /// UNTIL converted to local wall-clock time in `offset_from` (inclusive).
    until_local: Option<NaiveDateTime>,
    /// True when the RRULE has neither UNTIL nor COUNT, so onsets never end.
    unbounded: bool,
}

/// An onset: at UTC instant `at` the offset changes from `from` to `to`.
#[derive(Clone, Copy, Debug)]
struct Onset {
    at: i64,
    order: u8,
    from: i32,
    to: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Transition {
    at: i64,
    offset: i32,
}

/// Transitions computed for a range of years.
#[derive(Debug)]
struct Table {
    lo_year: i32,
    hi_year: i32,
    /// Instants in `[lo_cover, hi_cover)` are answered exactly by this table.
    lo_cover: i64,
    hi_cover: i64,
    /// Offset before the first transition.
    initial: i32,
    /// Ascending by `at`; consecutive entries always differ in offset.
    transitions: Vec<Transition>,
}

impl Table {
    /// True when everything within three days of `t` is answered by this table (the local-time
    /// search looks two days either way).
    fn covers(&self, t: i64) -> bool {
        self.lo_cover <= t.saturating_sub(3 * DAY) && t.saturating_add(3 * DAY) < self.hi_cover
    }

    fn offset_at(&self, t: i64) -> i32 {
        match self.transitions.partition_point(|tr| tr.at <= t) {
            0 => self.initial,
            i => self.transitions[i - 1].offset,
        }
    }

    /// The offset to subtract from local time `l` (seconds, wall clock read as UTC) per RFC 5545 3.3.5:
    /// in a fold the earlier instant, in a gap the offset in force before the gap.
    fn local_offset(&self, l: i64) -> i32 {
        // Offsets are below 24 h, so only transitions within a day either side can matter; two days
        // leaves margin for the odd zone that jumps a whole day (Pacific/Apia, 2011).
        let start = self.transitions.partition_point(|tr| tr.at < l - 2 * DAY);
        let end = self.transitions.partition_point(|tr| tr.at <= l + 2 * DAY);
        let before = self.offset_at(l - 2 * DAY);
        let candidates =
            std::iter::once(before).chain(self.transitions[start..end].iter().map(|tr| tr.offset));
        // Valid: reading `l` with offset `o` lands on an instant where `o` is in force. The largest
        // valid offset gives the earliest instant, i.e. the first of a repeated hour.
        if let Some(best) = candidates
            .filter(|&o| self.offset_at(l - o as i64) == o)
            .max()
        {
            return best;
        }
        // A gap: find the jump that skipped `l` and use the offset from before it.
        let mut prev = before;
        for tr in &self.transitions[start..end] {
            if tr.at + prev as i64 <= l && l < tr.at + tr.offset as i64 {
                return prev;
            }
            prev = tr.offset;
        }
        before
    }
}

/// A zone built from a VTIMEZONE. Build with [`CustomZone::from_vtimezone`]; use through
/// [`super::Zone::Custom`].
#[derive(Debug)]
pub struct CustomZone {
    /// The TZID as written (trimmed, quotes removed).
    name: String,
    specs: Vec<Spec>,
    /// Onsets that do not come from an RRULE (each DTSTART, each RDATE), all of them.
    fixed: Vec<Onset>,
    /// False when every observance ends (no RRULE, or RRULE with UNTIL/COUNT): one table answers all.
    has_unbounded: bool,
    table: RwLock<Table>,
}

impl CustomZone {
    /// Builds the zone. On success also returns notes about values that were skipped without making
    /// the zone unusable (an unparsable RDATE item). Fails, naming the VTIMEZONE's line and the
    /// observance's line, when there are no observances, an offset is junk or out of range, a DTSTART
    /// is unreadable, or an RRULE does not parse.
    pub fn from_vtimezone(vtz: &VTimezone) -> Result<(CustomZone, Vec<String>), VTimezoneError> {
        let name = super::normalize_tzid(&vtz.tzid);
        let fail = |kind| VTimezoneError {
            tzid: name.clone(),
            line: vtz.line,
            kind,
        };
        if vtz.observances.is_empty() {
            return Err(fail(VTimezoneErrorKind::NoObservances));
        }
        let mut specs = Vec::with_capacity(vtz.observances.len());
        let mut fixed = Vec::new();
        let mut notes = Vec::new();
        for obs in &vtz.observances {
            let line = obs.line;
            let offset_from = parse_utc_offset(&obs.offset_from).map_err(|reason| {
                fail(VTimezoneErrorKind::OffsetFrom {
                    line,
                    value: obs.offset_from.clone(),
                    reason,
                })
            })?;
            let offset_to = parse_utc_offset(&obs.offset_to).map_err(|reason| {
                fail(VTimezoneErrorKind::OffsetTo {
                    line,
                    value: obs.offset_to.clone(),
                    reason,
                })
            })?;
            let bad_dtstart = || {
                fail(VTimezoneErrorKind::Dtstart {
                    line,
                    value: obs.dtstart.clone(),
                })
            };
            let (dtstart, date_only) = match parse_stamp(&obs.dtstart).ok_or_else(bad_dtstart)? {
                Stamp::Local(t) => (t, false),
                Stamp::Date(t) => (t, true),
                // RFC 5545 wants local time here; a UTC value is still unambiguous, so convert it.
                Stamp::Utc(t) => (shift(t, offset_from).ok_or_else(bad_dtstart)?, false),
            };
            let order = match obs.kind {
                ObservanceKind::Daylight => 0,
                ObservanceKind::Standard => 1,
            };
            let onset = |at: i64| Onset {
                at,
                order,
                from: offset_from,
                to: offset_to,
            };
            fixed.push(onset(secs(dtstart) - offset_from as i64));
            for item in obs.rdates.iter().flat_map(|v| v.split(',')) {
                // VALUE=PERIOD: the onset is the period's start.
                let start = item.split('/').next().unwrap_or(item);
                match parse_stamp(start) {
                    Some(Stamp::Utc(t)) => fixed.push(onset(secs(t))),
                    Some(Stamp::Local(t) | Stamp::Date(t)) => {
                        fixed.push(onset(secs(t) - offset_from as i64))
                    }
                    None => notes.push(format!(
                        "line {}: VTIMEZONE {name:?}: skipped unreadable RDATE {:?} on line {line}",
                        vtz.line,
                        item.trim()
                    )),
                }
            }
            let (mut until_local, mut unbounded) = (None, false);
            if let Some(raw) = &obs.rrule {
                let rule = Rule::parse(raw).map_err(|e| {
                    fail(VTimezoneErrorKind::Rrule {
                        line,
                        value: raw.clone(),
                        reason: e.to_string(),
                    })
                })?;
                until_local = match rule.until() {
                    // The onset instant is local - offset_from, so UTC until + offset_from bounds the local time.
                    Some(Until::Utc(u)) => shift(u, offset_from),
                    Some(Until::Local(u)) => Some(u),
                    Some(Until::Date(d)) => d.and_hms_opt(23, 59, 59),
                    None => None,
                };
                unbounded = rule.until().is_none() && rule.count().is_none();
            }
            specs.push(Spec {
                order,
                offset_from,
                offset_to,
                dtstart,
                date_only,
                rrule: obs.rrule.clone(),
                until_local,
                unbounded,
            });
        }
        let has_unbounded = specs.iter().any(|s| s.unbounded);
        let mut zone = CustomZone {
            name,
            specs,
            fixed,
            has_unbounded,
            table: RwLock::new(Table {
                lo_year: 0,
                hi_year: 0,
                lo_cover: 0,
                hi_cover: 0,
                initial: 0,
                transitions: vec![],
            }),
        };
        let table = zone.compute(INITIAL_YEARS.0, INITIAL_YEARS.1);
        zone.table = RwLock::new(table);
        Ok((zone, notes))
    }

    /// The TZID (trimmed, quotes removed).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// UTC offset in seconds in force at a UTC instant.
    pub fn offset_at_utc(&self, utc: NaiveDateTime) -> i32 {
        let t = secs(utc);
        self.with_table(t, |table| table.offset_at(t))
    }

    /// Local wall-clock time → UTC per RFC 5545 3.3.5 (gap: offset before it; fold: first occurrence).
    pub fn to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        let l = secs(local);
        let offset = self.with_table(l, |table| table.local_offset(l));
        shift(local, -offset).unwrap_or(local)
    }

    /// UTC → local wall-clock time.
    pub fn to_local(&self, utc: NaiveDateTime) -> NaiveDateTime {
        shift(utc, self.offset_at_utc(utc)).unwrap_or(utc)
    }

    /// Runs `f` on a table that covers `t`, widening the computed year range first if needed.
    fn with_table<R>(&self, t: i64, f: impl FnOnce(&Table) -> R) -> R {
        {
            let table = self.table.read().unwrap_or_else(PoisonError::into_inner);
            if table.covers(t) {
                return f(&table);
            }
        }
        let mut table = self.table.write().unwrap_or_else(PoisonError::into_inner);
        if !table.covers(t) {
            // Widen generously so a series walking through the years does not recompute each year.
            let year = year_of(t);
            let lo = table.lo_year.min(year.saturating_sub(50));
            let hi = table.hi_year.max(year.saturating_add(50));
            *table = self.compute(lo, hi);
        }
        f(&table)
    }

    /// All transitions needed to answer instants in years `[lo_year, hi_year)` exactly.
    fn compute(&self, lo_year: i32, hi_year: i32) -> Table {
        let first_year = self
            .fixed
            .iter()
            .map(|o| year_of(o.at))
            .min()
            .unwrap_or(lo_year);
        // Beyond 9999 there is nothing to compute (nor any ICS value to ask about); the last state holds.
        let hi_year = hi_year.clamp(lo_year.saturating_add(1), 10_000);
        let mut onsets = self.fixed.clone();
        for spec in &self.specs {
            let Some(rule) = spec.rrule.as_deref().and_then(|raw| Rule::parse(raw).ok()) else {
                continue;
            };
            let from = if spec.unbounded {
                NaiveDate::from_ymd_opt(lo_year.saturating_sub(LOOKBACK_YEARS), 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            } else {
                None
            };
            let instances = rule
                .iter(spec.dtstart, spec.date_only, spec.until_local, from)
                .take_while(|t| !spec.unbounded || t.year() < hi_year)
                .take(MAX_INSTANCES_PER_RULE);
            onsets.extend(instances.map(|t| Onset {
                at: secs(t) - spec.offset_from as i64,
                order: spec.order,
                from: spec.offset_from,
                to: spec.offset_to,
            }));
        }
        onsets.sort_by_key(|o| (o.at, o.order));
        let initial = onsets.first().map_or(0, |o| o.from);
        // Several onsets at one instant (Outlook writes both observances at 16010101): the last one
        // sorted, STANDARD, wins.
        let mut collapsed: Vec<Onset> = Vec::with_capacity(onsets.len());
        for o in onsets {
            match collapsed.last_mut() {
                Some(last) if last.at == o.at => *last = o,
                _ => collapsed.push(o),
            }
        }
        let mut transitions: Vec<Transition> = Vec::with_capacity(collapsed.len());
        let mut current = initial;
        for o in collapsed {
            if o.to != current {
                transitions.push(Transition {
                    at: o.at,
                    offset: o.to,
                });
                current = o.to;
            }
        }
        Table {
            lo_year,
            hi_year,
            lo_cover: if !self.has_unbounded || lo_year <= first_year {
                i64::MIN
            } else {
                jan1(lo_year)
            },
            hi_cover: if !self.has_unbounded || hi_year >= 10_000 {
                i64::MAX
            } else {
                jan1(hi_year)
            },
            initial,
            transitions,
        }
    }
}

/// `t + seconds`, or `None` on overflow (only near chrono's year limits).
fn shift(t: NaiveDateTime, seconds: i32) -> Option<NaiveDateTime> {
    t.checked_add_signed(TimeDelta::seconds(seconds as i64))
}
