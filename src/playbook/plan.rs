//! `calaudit plan`: what the playbook asks for and the calendar lacks, as recurring series to
//! import (issue 10, part 4). Pure: an analysis and settings in, [`Proposal`]s out; the ICS
//! file is written by [`super::plan_ics`], and the command never touches the user's calendar.
//!
//! The plan covers `weeks` whole ISO weeks from `start` (a Monday). The analysis it reads must
//! cover some history before `start` (the heat-map of where meetings land, and the last 1:1s)
//! and the plan weeks themselves (what is already booked); [`window`] gives that span.
//!
//! - **No-fly blocks**: `blocks_per_week` blocks of `block_minutes` a week, less the protected
//!   time the calendar already has in every plan week (counted deep-work blocks and `[[no_fly]]`
//!   windows at least that long). Each starts on a whole hour inside working hours on a
//!   workday; candidates are ranked by the weeks they would clash with something booked, then
//!   by the heat-map's meeting minutes over the history, then earliest in the week; two
//!   blocks never share a day.
//! - **1:1 series**: one per report without a cadence, i.e. with no held or scheduled 1:1
//!   starting within one cadence either side of `start`. It is `one_on_one_minutes` long,
//!   every `cadence / 7` weeks (at least weekly), starts on a whole or half hour inside
//!   working hours, ranked by clashes, then heat-map minutes, then earliest; it never overlaps
//!   another proposal.
//!
//! "Booked" is every timed occurrence that is not cancelled, declined or marked free,
//! personal appointments included: a lunch is not free time for a 1:1.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday,
};

use super::one_on_one::{one_on_ones, State};
use super::roster::Roster;
use crate::classify::Category;
use crate::config::DirectReport;
use crate::pipeline::{Analysis, Settings};
use crate::report::{Exclusion, Window};

/// What to propose; [`PlanOptions::new`] has the defaults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanOptions {
    /// The plan's first day, a Monday (local).
    pub start: NaiveDate,
    /// Whole weeks planned, at least 1.
    pub weeks: u32,
    /// No-fly blocks wanted per week (default 2).
    pub blocks_per_week: u32,
    /// Length of a no-fly block (default 120 minutes).
    pub block_minutes: u32,
    /// Length of a proposed 1:1 (default 30 minutes).
    pub one_on_one_minutes: u32,
}

impl PlanOptions {
    /// The defaults for a plan of `weeks` weeks starting the Monday of `start`'s week.
    pub fn new(start: NaiveDate, weeks: u32) -> PlanOptions {
        PlanOptions {
            start: super::weeks::monday_of(start),
            weeks: weeks.max(1),
            blocks_per_week: 2,
            block_minutes: 120,
            one_on_one_minutes: 30,
        }
    }
}

/// How many weeks before the plan the heat-map and the cadence look at, at least.
pub const HISTORY_WEEKS: u32 = 12;

/// The span the analysis for a plan must cover: `history_weeks` (at least
/// [`HISTORY_WEEKS`], and enough for the longest cadence) before the plan, and the plan.
pub fn window(
    tz: chrono_tz::Tz,
    o: &PlanOptions,
    history_weeks: u32,
    reports: &[DirectReport],
) -> Window {
    let cadence_weeks = reports
        .iter()
        .map(|r| r.cadence_days.div_ceil(7))
        .max()
        .unwrap_or(0);
    let back = history_weeks.max(HISTORY_WEEKS).max(cadence_weeks + 1);
    Window {
        tz,
        from: o.start - Duration::weeks(i64::from(back)),
        to: o.start + Duration::weeks(i64::from(o.weeks)),
    }
}

/// What a proposal is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The `n`-th no-fly block of the plan (0-based).
    NoFly(usize),
    /// A 1:1 series with the report at this index of the roster.
    OneOnOne(usize),
}

/// One recurring series to import: weekly (or every `interval_weeks` weeks) on `weekday`
/// from `start` to `end` local time, `count` times from `first`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    pub kind: Kind,
    /// Stable across runs (the same block number, the same report's address), so that
    /// importing a new plan updates the series of the last one instead of adding another.
    pub uid: String,
    pub summary: String,
    pub description: String,
    /// The first occurrence's local date.
    pub first: NaiveDate,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub interval_weeks: u32,
    pub count: u32,
    /// For a 1:1: the report's first address.
    pub attendee: Option<String>,
}

impl Proposal {
    /// Every occurrence as UTC `[start, end)`, in order (local times in `tz`, so a series
    /// keeps its wall-clock time across DST, as the ICS file's TZID says).
    pub fn occurrences(&self, tz: chrono_tz::Tz) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        (0..self.count)
            .map(|k| {
                let d = self.first + Duration::weeks(i64::from(k * self.interval_weeks));
                (
                    to_utc(tz, d.and_time(self.start)),
                    to_utc(tz, d.and_time(self.end)),
                )
            })
            .collect()
    }
}

fn to_utc(tz: chrono_tz::Tz, t: NaiveDateTime) -> DateTime<Utc> {
    crate::ics::zone::Zone::Iana(tz).instant(t)
}

/// A stable 64-bit FNV-1a hash, for UIDs that must not change between Rust versions.
fn fnv(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

/// Busy intervals (UTC) of the analysis: timed, not cancelled, declined or free.
fn busy(a: &Analysis) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let mut v: Vec<_> = a
        .rows
        .iter()
        .filter(|r| !r.occ.is_allday())
        .filter(|r| matches!(r.excluded, None | Some(Exclusion::Personal)))
        .map(|r| (r.occ.start, r.occ.end))
        .collect();
    v.sort();
    v
}

/// Meeting minutes per local weekday and hour before `until` (counted, not deep work), as
/// the heat-map chart counts them.
fn heat(
    a: &Analysis,
    tz: chrono_tz::Tz,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> [[f64; 24]; 7] {
    let mut minutes = [[0f64; 24]; 7];
    for r in &a.rows {
        if r.excluded.is_some() || r.category == Category::DeepWork || r.occ.is_allday() {
            continue;
        }
        let mut t = r.occ.start.max(from);
        let end = r.occ.end.min(until);
        while t < end {
            let local = t.with_timezone(&tz);
            let next_hour =
                t + Duration::seconds(i64::from(3600 - (local.minute() * 60 + local.second())));
            let stop = next_hour.min(end);
            let day = local.weekday().num_days_from_monday() as usize;
            minutes[day][local.hour() as usize] += (stop - t).num_seconds() as f64 / 60.0;
            t = stop;
        }
    }
    minutes
}

/// A candidate slot: weekday, local start and end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    day: Weekday,
    start: NaiveTime,
    end: NaiveTime,
}

/// Every slot of `minutes` on a workday inside working hours, starting every `step` minutes
/// from the start of the working day, in week order.
fn slots(s: &Settings<'_>, minutes: u32, step: u32) -> Vec<Slot> {
    let mut days = s.week.workdays.clone();
    days.sort_by_key(|d| d.num_days_from_monday());
    days.dedup();
    let (first, last) = (
        s.week.day_start.num_seconds_from_midnight() / 60,
        s.week.day_end.num_seconds_from_midnight() / 60,
    );
    let mut out = Vec::new();
    for day in days {
        let mut m = first.div_ceil(step) * step;
        while m + minutes <= last {
            let at = |m: u32| NaiveTime::from_num_seconds_from_midnight_opt(m * 60, 0);
            if let (Some(start), Some(end)) = (at(m), at(m + minutes)) {
                out.push(Slot { day, start, end });
            }
            m += step;
        }
    }
    out
}

/// The local dates of a slot's weekday in the plan, every `interval` weeks from the first.
fn dates(o: &PlanOptions, day: Weekday, interval: u32) -> Vec<NaiveDate> {
    (0..o.weeks)
        .step_by(interval.max(1) as usize)
        .map(|w| o.start + Duration::days(i64::from(w * 7 + day.num_days_from_monday())))
        .collect()
}

/// How many of the slot's dates clash with `busy` (sorted) or with `taken` (UTC intervals).
fn clashes(
    slot: Slot,
    when: &[NaiveDate],
    tz: chrono_tz::Tz,
    busy: &[(DateTime<Utc>, DateTime<Utc>)],
    taken: &[(DateTime<Utc>, DateTime<Utc>)],
) -> usize {
    when.iter()
        .filter(|d| {
            let (a, b) = (
                to_utc(tz, d.and_time(slot.start)),
                to_utc(tz, d.and_time(slot.end)),
            );
            let overlaps = |&(s, e): &(DateTime<Utc>, DateTime<Utc>)| s < b && e > a;
            // Busy intervals are sorted by start: only those starting before `b` can overlap.
            let upto = busy.partition_point(|&(s, _)| s < b);
            busy[..upto].iter().any(overlaps) || taken.iter().any(overlaps)
        })
        .count()
}

/// Meeting minutes of the heat-map under a slot (whole hours it touches, weighted by the
/// minutes of the slot in each).
fn heat_under(h: &[[f64; 24]; 7], slot: Slot) -> f64 {
    let row = &h[slot.day.num_days_from_monday() as usize];
    let (a, b) = (
        slot.start.num_seconds_from_midnight() / 60,
        slot.end.num_seconds_from_midnight() / 60,
    );
    (a..b).map(|m| row[(m / 60) as usize] / 60.0).sum()
}

/// Protected blocks of at least `o.block_minutes` the calendar already has in the plan week
/// that has the fewest: counted deep-work occurrences and `[[no_fly]]` windows.
fn existing_blocks(a: &Analysis, s: &Settings<'_>, o: &PlanOptions) -> u32 {
    let long = |secs: i64| secs >= i64::from(o.block_minutes) * 60;
    let windows: u32 = s
        .no_fly
        .iter()
        .filter(|w| long((w.end - w.start).num_seconds()))
        .map(|w| w.days.len() as u32)
        .sum();
    (0..o.weeks)
        .map(|w| {
            let monday = o.start + Duration::weeks(i64::from(w));
            let week = Window {
                tz: s.window.tz,
                from: monday,
                to: monday + Duration::days(7),
            };
            let (ws, we) = (week.start(), week.end());
            let blocks = a
                .rows
                .iter()
                .filter(|r| r.excluded.is_none() && r.category == Category::DeepWork)
                .filter(|r| !r.occ.is_allday() && r.occ.start >= ws && r.occ.start < we)
                .filter(|r| long((r.occ.end - r.occ.start).num_seconds()))
                .count() as u32;
            blocks + windows
        })
        .min()
        .unwrap_or(0)
}

/// What every slot is judged against: the plan, the zone, the heat-map of the weeks before
/// and the booked intervals (sorted).
struct Scene<'o> {
    o: &'o PlanOptions,
    tz: chrono_tz::Tz,
    heat: [[f64; 24]; 7],
    busy: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl Scene<'_> {
    /// The best slot of `cands` by (clashes with the booked and the `taken` intervals,
    /// heat-map minutes, week order), skipping days in `avoid_days`; with its dates.
    fn best(
        &self,
        cands: &[Slot],
        interval: u32,
        taken: &[(DateTime<Utc>, DateTime<Utc>)],
        avoid_days: &[Weekday],
    ) -> Option<(Slot, Vec<NaiveDate>)> {
        let mut ranked: Vec<(usize, f64, usize, Slot)> = cands
            .iter()
            .enumerate()
            .filter(|(_, c)| !avoid_days.contains(&c.day))
            .map(|(i, &c)| {
                let when = dates(self.o, c.day, interval);
                (
                    clashes(c, &when, self.tz, &self.busy, taken),
                    heat_under(&self.heat, c),
                    i,
                    c,
                )
            })
            .collect();
        ranked.sort_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(x.2.cmp(&y.2)));
        ranked
            .first()
            .map(|&(_, _, _, c)| (c, dates(self.o, c.day, interval)))
    }
}

/// The plan: no-fly blocks first, then one 1:1 series per report without a cadence, in
/// roster order. `s.window` must cover history before `o.start` and the plan weeks (see
/// [`window`]).
pub fn plan(a: &Analysis, s: &Settings<'_>, o: &PlanOptions) -> Vec<Proposal> {
    let tz = s.window.tz;
    let plan_start = Window {
        tz,
        from: o.start,
        to: o.start,
    }
    .start();
    let scene = Scene {
        o,
        tz,
        heat: heat(a, tz, s.window.start(), plan_start),
        busy: busy(a),
    };
    let mut taken: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
    let mut out = Vec::new();

    let wanted = o.blocks_per_week.saturating_sub(existing_blocks(a, s, o));
    let block_slots = slots(s, o.block_minutes, 60);
    let mut days_used = Vec::new();
    for n in 0..wanted as usize {
        let Some((slot, when)) = scene.best(&block_slots, 1, &taken, &days_used) else {
            break;
        };
        days_used.push(slot.day);
        taken.extend(when.iter().map(|d| {
            (
                to_utc(tz, d.and_time(slot.start)),
                to_utc(tz, d.and_time(slot.end)),
            )
        }));
        out.push(Proposal {
            kind: Kind::NoFly(n),
            uid: format!("calaudit-plan-no-fly-{}@calaudit.invalid", n + 1),
            summary: "No-fly zone: deep work".into(),
            description: format!(
                "Protected time proposed by calaudit plan: {} of {} blocks of {} minutes a week the calendar lacks, at one of the least-booked times of the last weeks.",
                n + 1,
                wanted,
                o.block_minutes
            ),
            first: when[0],
            start: slot.start,
            end: slot.end,
            interval_weeks: 1,
            count: when.len() as u32,
            attendee: None,
        });
    }

    let roster = Roster::new(s.reports);
    let all = one_on_ones(a, &roster, s.me);
    let one_slots = slots(s, o.one_on_one_minutes, 30);
    for (i, r) in s.reports.iter().enumerate() {
        let cadence = Duration::days(i64::from(r.cadence_days));
        let has_cadence = all.iter().any(|x| {
            x.report == i
                && x.state == State::Held
                && x.start >= plan_start - cadence
                && x.start < plan_start + cadence
        });
        if has_cadence {
            continue;
        }
        let interval = (r.cadence_days / 7).max(1);
        let Some((slot, when)) = scene.best(&one_slots, interval, &taken, &[]) else {
            continue;
        };
        taken.extend(when.iter().map(|d| {
            (
                to_utc(tz, d.and_time(slot.start)),
                to_utc(tz, d.and_time(slot.end)),
            )
        }));
        let addr = r.emails.first().cloned().unwrap_or_default();
        out.push(Proposal {
            kind: Kind::OneOnOne(i),
            uid: format!("calaudit-plan-1on1-{:016x}@calaudit.invalid", fnv(&addr)),
            summary: format!("1:1 {}", r.name),
            description: format!(
                "1:1 series proposed by calaudit plan: no 1:1 with {} within {} days of {}.",
                r.name, r.cadence_days, o.start
            ),
            first: when[0],
            start: slot.start,
            end: slot.end,
            interval_weeks: interval,
            count: when.len() as u32,
            attendee: Some(addr),
        });
    }
    out
}

/// The options of `calaudit plan`: `weeks` weeks from the Monday of `from`'s week, else from
/// the Monday after today (local, at `now` UTC).
pub fn options(
    from: Option<NaiveDate>,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
    weeks: u32,
) -> PlanOptions {
    let start = from.unwrap_or_else(|| {
        let today = now.with_timezone(&tz).date_naive();
        super::weeks::monday_of(today) + Duration::days(7)
    });
    PlanOptions::new(start, weeks)
}

/// The plan's proposals for people, one per line, and a closing line on what to do with the
/// file written to `path`.
pub fn summary_text(plan: &[Proposal], o: &PlanOptions, path: &str) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let last = o.start + Duration::weeks(i64::from(o.weeks)) - Duration::days(1);
    let _ = writeln!(s, "plan {} – {} ({} weeks)", o.start, last, o.weeks);
    if plan.is_empty() {
        s.push_str("nothing to propose: the calendar has its no-fly blocks and every report a 1:1 cadence\n");
    }
    for p in plan {
        let every = match p.interval_weeks {
            1 => "weekly".to_owned(),
            n => format!("every {n} weeks"),
        };
        let _ = writeln!(
            s,
            "{:<28} {} {}–{}  {every} × {} from {}",
            p.summary,
            p.first.weekday(),
            p.start.format("%H:%M"),
            p.end.format("%H:%M"),
            p.count,
            p.first
        );
    }
    let _ = writeln!(
        s,
        "wrote {path}: import it into Google Calendar, Outlook or Apple Calendar (importing a later plan updates these series); your calendar itself was not changed"
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WeekSettings;

    const FNV_BEN: u64 = 0xc0b0_b485_6fea_c522;

    /// UIDs must not change between runs or Rust versions: the hash is pinned.
    #[test]
    fn uid_hash_is_pinned() {
        assert_eq!(fnv("ben@corp.example"), FNV_BEN);
        assert_eq!(fnv(""), 0xcbf2_9ce4_8422_2325);
    }

    #[test]
    fn slots_fit_inside_working_hours_on_workdays() {
        let week = WeekSettings {
            workdays: vec![Weekday::Wed, Weekday::Mon],
            day_start: NaiveTime::from_hms_opt(9, 15, 0).expect("time"),
            day_end: NaiveTime::from_hms_opt(12, 0, 0).expect("time"),
            ..WeekSettings::default()
        };
        let classifier = crate::classify::Classifier::builtin();
        let w = Window {
            tz: chrono_tz::UTC,
            from: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            to: NaiveDate::from_ymd_opt(2026, 3, 9).expect("date"),
        };
        let s = Settings::new(w, &[], &classifier, &week);
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("time");
        // Two hours on whole hours: 10:00–12:00 only (09:15 is not a whole hour).
        let got: Vec<(Weekday, NaiveTime)> = slots(&s, 120, 60)
            .iter()
            .map(|x| (x.day, x.start))
            .collect();
        assert_eq!(got, [(Weekday::Mon, hm(10, 0)), (Weekday::Wed, hm(10, 0))]);
        // Half an hour on half hours: 09:30 … 11:30 each day.
        assert_eq!(slots(&s, 30, 30).len(), 10);
    }
}
