//! [`Calendar`] → the occurrences that overlap a window.
//!
//! This is where calendar semantics live: RRULE/RDATE/EXDATE/EXRULE sets, RECURRENCE-ID
//! overrides (also `RANGE=THISANDFUTURE`, also when they come before their master), cancelled
//! instances, DTEND vs DURATION, all-day and multi-day events, and time zones. Recurrences are
//! expanded in the event's own local time, so "weekly at 09:00" stays at 09:00 across DST, and
//! only then converted to UTC. Durations follow RFC 5545: a DTEND-based duration is the same
//! exact length for every instance (3.8.5.3), a DURATION's days are nominal and its hours exact
//! (3.3.6). The work is bounded by the window: rule iteration starts near the window (the RRULE
//! engine skips whole periods when there is no COUNT) and stops after it.
//!
//! Output is pure data (UTC instants, local dates); what an occurrence *means* for the user
//! (declined, counted, category) is decided by later stages.

//!
//! The module reads top-down as the algorithm: [`expand_with`] groups the events by UID and
//! expands each group (`overrides`: master and overrides; `master`: one series; `single`: one
//! non-recurring event; `length`: how long an instance lasts), then sorts (`sort`). How a
//! large feed is shared by two threads, with the same result, is `parallel`'s alone.

mod length;
mod master;
mod overrides;
mod parallel;
mod single;
mod sort;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use rustc_hash::FxHashMap;

use super::event::{Calendar, Warning};
use super::value::DateValue;
use super::zone::{Zone, ZoneResolver};
use overrides::expand_group;
use parallel::expand_parallel;
pub use parallel::PARALLEL_EXPAND_MIN;
use sort::sort_occurrences;

/// The longest an event (or one instance of a series) may last: longer ones are skipped with
/// a warning. Nothing real lasts this long, and with it no end of an instance overflows
/// chrono's range (years up to 9999 are read, chrono goes to 262,143).
pub const MAX_EVENT_SPAN_DAYS: i64 = 400 * 365;

/// [`MAX_EVENT_SPAN_DAYS`] in seconds.
const MAX_SPAN_SECONDS: i64 = MAX_EVENT_SPAN_DAYS * 86_400;

/// Default of [`ExpandLimits::instances_per_series`].
pub const MAX_INSTANCES_PER_SERIES: usize = 200_000;

/// Default of [`ExpandLimits::occurrences_per_feed`].
pub const MAX_OCCURRENCES_PER_FEED: usize = 1_000_000;

/// Default of [`ExpandLimits::rule_steps_per_feed`].
pub const MAX_RULE_STEPS_PER_FEED: u64 = 20_000_000;

/// What one expansion (one feed over one window) may cost. A feed is input from strangers:
/// without these a few kilobytes of RRULEs ask for gigabytes of instances or minutes of CPU.
/// Each limit keeps what was produced before it was reached (in file order, so the result
/// does not depend on the thread count) and is reported once, as a warning naming the event
/// where it cut. The defaults are far above what real calendars need: the benchmark kit's
/// ten-year, four-person stress feed has 83,154 occurrences over its whole span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExpandLimits {
    /// Instances of one series searched in the window (after EXDATE and EXRULE): protects
    /// against absurd rules (FREQ=SECONDLY over a year). Reported per series.
    pub instances_per_series: usize,
    /// Occurrences of the whole feed in the window: bounds memory however many series there
    /// are (2,000 SECONDLY series, one event with 1,000 RRULEs).
    pub occurrences_per_feed: usize,
    /// Steps of the recurrence rule engine for the whole feed (one per period looked at or
    /// candidate considered, see [`super::rrule::RuleIter::with_budget`]): bounds the CPU
    /// time of rules that are costly whether or not they produce anything.
    pub rule_steps_per_feed: u64,
}

impl Default for ExpandLimits {
    fn default() -> ExpandLimits {
        ExpandLimits {
            instances_per_series: MAX_INSTANCES_PER_SERIES,
            occurrences_per_feed: MAX_OCCURRENCES_PER_FEED,
            rule_steps_per_feed: MAX_RULE_STEPS_PER_FEED,
        }
    }
}

/// What is left of a feed's [`ExpandLimits`] as it is expanded, and where each ran out.
#[derive(Clone, Copy, Debug)]
struct Budget {
    occurrences: usize,
    steps: u64,
    /// The first event (index into [`Calendar::events`]) that lost occurrences to
    /// [`ExpandLimits::occurrences_per_feed`] or to [`ExpandLimits::rule_steps_per_feed`].
    occurrences_cut: Option<u32>,
    steps_cut: Option<u32>,
}

impl Budget {
    fn new(limits: &ExpandLimits) -> Budget {
        Budget {
            occurrences: limits.occurrences_per_feed,
            steps: limits.rule_steps_per_feed,
            occurrences_cut: None,
            steps_cut: None,
        }
    }

    fn touched(&self) -> bool {
        self.occurrences_cut.is_some() || self.steps_cut.is_some()
    }

    fn spend_steps(&mut self, steps: u64) {
        self.steps = self.steps.saturating_sub(steps);
    }

    fn cut_occurrences(&mut self, event: u32) {
        self.occurrences_cut.get_or_insert(event);
    }

    fn cut_steps(&mut self, event: u32) {
        self.steps_cut.get_or_insert(event);
    }

    /// One warning per limit that cut the feed.
    fn warnings(&self, cal: &Calendar, limits: &ExpandLimits, out: &mut Vec<Warning>) {
        let at = |e: u32| {
            let ev = &cal.events[e as usize];
            (ev.line, &ev.uid)
        };
        if let Some((line, uid)) = self.occurrences_cut.map(at) {
            out.push(Warning {
                line,
                message: format!(
                    "more than {} occurrences in the window (the limit per feed): from UID {uid:?} on, events were not all expanded",
                    limits.occurrences_per_feed
                ),
            });
        }
        if let Some((line, uid)) = self.steps_cut.map(at) {
            out.push(Warning {
                line,
                message: format!(
                    "RRULE/EXRULE expansion took more than {} steps (the limit per feed): from UID {uid:?} on, series were not all expanded",
                    limits.rule_steps_per_feed
                ),
            });
        }
    }
}

#[derive(Clone, Debug)]
pub struct ExpandOptions {
    /// Window start (inclusive).
    pub window_start: DateTime<Utc>,
    /// Window end (exclusive).
    pub window_end: DateTime<Utc>,
    /// The user's zone: floating times and all-day boundaries are read in it.
    pub user_zone: Zone,
    /// Disable Google's `X-WR-TIMEZONE` semantics.
    pub ignore_x_wr_timezone: bool,
    pub limits: ExpandLimits,
}

/// When an occurrence happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OccurrenceTime {
    /// A timed occurrence, instants, `end >= start`.
    Timed {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    /// An all-day occurrence: local dates, end exclusive.
    AllDay { start: NaiveDate, end: NaiveDate },
}

/// The original start of a recurrence instance (its RECURRENCE-ID).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecurrenceId {
    Date(NaiveDate),
    Utc(NaiveDateTime),
}

/// One occurrence of an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    /// Index into [`Calendar::events`] of the VEVENT whose properties apply (the override for a
    /// moved instance, else the master).
    pub event: u32,
    pub time: OccurrenceTime,
    /// The span as instants (all-day: local midnights in the user's zone).
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// `None` for a non-recurring event.
    pub recurrence_id: Option<RecurrenceId>,
    /// Read in the user's zone because it had no zone of its own.
    pub floating: bool,
}

impl Occurrence {
    pub fn is_allday(&self) -> bool {
        matches!(self.time, OccurrenceTime::AllDay { .. })
    }
}

/// Per-section context: how to read times.
struct Ctx<'a> {
    cal: &'a Calendar,
    resolver: &'a ZoneResolver,
    /// Zone for floating times (X-WR-TIMEZONE or the user's).
    floating_zone: Zone,
    /// Set when X-WR-TIMEZONE applies: UTC times are moved into this zone before expansion.
    xwr: Option<Zone>,
    opts: &'a ExpandOptions,
    warnings: Vec<Warning>,
    unknown_tzids: Vec<u32>,
    /// The unknown TZIDs warned about (and where in `warnings`) since this was last taken:
    /// when two threads expand a feed, a thread's repeat of another's warning is dropped.
    unknown_tzid_warnings: Vec<(u32, usize)>,
    /// The zone of each TZID index once resolved (`Some(None)`: unknown). Every timed value
    /// of a feed is placed through here, and the resolver's own cache costs a lock and a
    /// string hash per look-up: a third of placing a single event's times.
    zones: Vec<Option<Option<Zone>>>,
    /// What is left of the feed's limits (moved between sections' contexts, see
    /// [`expand_groups`]; each thread of [`expand_parallel`] has its own).
    budget: Budget,
}

/// A DATE-TIME read into a zone: the zone, its local wall-clock value, whether floating.
struct Placed {
    zone: Zone,
    local: NaiveDateTime,
    floating: bool,
}

impl<'a> Ctx<'a> {
    /// The same reading of times for another thread, with nothing found yet.
    fn fork(&self) -> Ctx<'a> {
        Ctx {
            cal: self.cal,
            resolver: self.resolver,
            floating_zone: self.floating_zone.clone(),
            xwr: self.xwr.clone(),
            opts: self.opts,
            warnings: Vec::new(),
            unknown_tzids: Vec::new(),
            unknown_tzid_warnings: Vec::new(),
            zones: vec![None; self.zones.len()],
            budget: Budget::new(&self.opts.limits),
        }
    }

    fn place(&mut self, v: DateValue, line: u32) -> Placed {
        match v {
            DateValue::Date(d) => Placed {
                zone: self.floating_zone.clone(),
                local: d.and_time(NaiveTime::MIN),
                floating: self.xwr.is_none(),
            },
            DateValue::Floating(t) => Placed {
                zone: self.floating_zone.clone(),
                local: t,
                floating: self.xwr.is_none(),
            },
            DateValue::Utc(t) => match &self.xwr {
                Some(z) => Placed {
                    zone: z.clone(),
                    local: z.to_local(t),
                    floating: false,
                },
                None => Placed {
                    zone: Zone::Utc,
                    local: t,
                    floating: false,
                },
            },
            DateValue::Zoned(t, idx) => {
                let name = self
                    .cal
                    .tzids
                    .get(idx as usize)
                    .map(String::as_str)
                    .unwrap_or("");
                let resolved = match self.zones.get(idx as usize) {
                    Some(Some(z)) => z.clone(),
                    _ => {
                        let z = self.resolver.resolve(name);
                        if let Some(slot) = self.zones.get_mut(idx as usize) {
                            *slot = Some(z.clone());
                        }
                        z
                    }
                };
                match resolved {
                    Some(zone) => Placed {
                        zone,
                        local: t,
                        floating: false,
                    },
                    None => {
                        if !self.unknown_tzids.contains(&idx) {
                            self.unknown_tzids.push(idx);
                            self.unknown_tzid_warnings.push((idx, self.warnings.len()));
                            self.warnings.push(Warning {
                                line,
                                message: format!(
                                    "unknown TZID {name:?} (not IANA, not a Windows zone, no VTIMEZONE): its times are read in {}",
                                    self.floating_zone.name()
                                ),
                            });
                        }
                        Placed {
                            zone: self.floating_zone.clone(),
                            local: t,
                            floating: self.xwr.is_none(),
                        }
                    }
                }
            }
        }
    }

    /// Absolute instant of a DATE-TIME value, as an instance of a series in its local time
    /// would be placed: a UTC value under X-WR-TIMEZONE goes through the zone's wall clock
    /// (so in a repeated hour it becomes the first of the two instants, as a series instance
    /// at that wall-clock time does; RECURRENCE-IDs and EXDATEs must match those).
    fn instant(&mut self, v: DateValue, line: u32) -> NaiveDateTime {
        let p = self.place(v, line);
        p.zone.to_utc(p.local)
    }

    /// Absolute instant of a DATE-TIME value when it is a start or end in its own right: a
    /// UTC value is that instant (no round trip through a zone's wall clock, which costs two
    /// zone look-ups and would move a time in a repeated hour).
    fn exact_instant(&mut self, v: DateValue, line: u32) -> NaiveDateTime {
        match v {
            DateValue::Utc(t) => t,
            v => self.instant(v, line),
        }
    }
}

/// Expands every event of `cal` into the occurrences overlapping the window.
///
/// `resolvers` has one [`ZoneResolver`] per section (see [`resolvers`]). Returns the
/// occurrences sorted by start, and warnings for series that could not be fully expanded.
pub fn expand(
    cal: &Calendar,
    resolvers: &[ZoneResolver],
    opts: &ExpandOptions,
) -> (Vec<Occurrence>, Vec<Warning>) {
    expand_with(cal, resolvers, opts, PARALLEL_EXPAND_MIN)
}

/// [`expand`], on two threads when `cal` (a single VCALENDAR) has at least `parallel_min`
/// events; [`expand`] uses [`PARALLEL_EXPAND_MIN`]. For tests that compare one thread with two
/// on small feeds: the result must not depend on it.
pub fn expand_with(
    cal: &Calendar,
    resolvers: &[ZoneResolver],
    opts: &ExpandOptions,
    parallel_min: usize,
) -> (Vec<Occurrence>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let (members, starts) = group_by_uid(cal);
    let groups: Vec<&[u32]> = starts
        .windows(2)
        .map(|w| &members[w[0] as usize..w[1] as usize])
        .collect();
    let mut ctxs = section_contexts(cal, resolvers, opts, &mut warnings);
    // A large single-calendar feed is expanded on two threads (see `expand_parallel`), and
    // its occurrences sorted on two: together a third of a large feed's wall time on one.
    let parallel = cal.events.len() >= parallel_min.max(2);
    let mut done = None;
    if let [Some(ctx)] = ctxs.as_mut_slice() {
        if parallel {
            done = expand_parallel(cal, ctx, &groups);
            if done.is_none() {
                // A limit was reached: where it cuts depends on how the threads shared the
                // work, so the feed is expanded again on one thread, from scratch.
                *ctx = ctx.fork();
            }
        }
    }
    let (mut out, budget) = match done {
        Some(out) => (out, Budget::new(&opts.limits)),
        None => expand_groups(cal, &mut ctxs, &groups, &opts.limits),
    };
    for ctx in ctxs.into_iter().flatten() {
        warnings.extend(ctx.warnings);
    }
    budget.warnings(cal, &opts.limits, &mut warnings);
    sort_occurrences(cal, &mut out, parallel);
    (out, warnings)
}

/// The events grouped by (section, UID), keeping file order; events without a UID stand
/// alone. Groups are numbered in order of first appearance, then laid out flat (a counting
/// sort) rather than as a Vec per group: most groups are a single event. Returns the event
/// indices group after group, and where each group starts in them (plus the end).
fn group_by_uid(cal: &Calendar) -> (Vec<u32>, Vec<u32>) {
    let mut group_of: Vec<u32> = Vec::with_capacity(cal.events.len());
    let mut n_groups: u32 = 0;
    let mut index: FxHashMap<(u32, &str), u32> =
        FxHashMap::with_capacity_and_hasher(cal.events.len(), Default::default());
    for ev in &cal.events {
        let mut new_group = || {
            n_groups += 1;
            n_groups - 1
        };
        // One hash and probe per event: most UIDs are new.
        let g = if ev.uid.is_empty() {
            new_group()
        } else {
            *index
                .entry((ev.section, ev.uid.as_str()))
                .or_insert_with(new_group)
        };
        group_of.push(g);
    }
    drop(index);
    let mut starts = vec![0u32; n_groups as usize + 1];
    for &g in &group_of {
        starts[g as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut members = vec![0u32; group_of.len()];
    let mut next = starts.clone();
    for (i, &g) in group_of.iter().enumerate() {
        members[next[g as usize] as usize] = i as u32;
        next[g as usize] += 1;
    }
    (members, starts)
}

/// One context per section (`None` for a section that is skipped: no resolver, or a
/// CALSCALE other than GREGORIAN), with X-WR-TIMEZONE applied; warnings go to `warnings`.
fn section_contexts<'a>(
    cal: &'a Calendar,
    resolvers: &'a [ZoneResolver],
    opts: &'a ExpandOptions,
    warnings: &mut Vec<Warning>,
) -> Vec<Option<Ctx<'a>>> {
    let mut ctxs: Vec<Option<Ctx<'a>>> = Vec::with_capacity(cal.sections.len());
    for (i, sec) in cal.sections.iter().enumerate() {
        let Some(resolver) = resolvers.get(i) else {
            ctxs.push(None);
            continue;
        };
        if let Some(scale) = sec.calscale.as_deref().filter(|s| *s != "GREGORIAN") {
            warnings.push(Warning {
                line: sec.line,
                message: format!("CALSCALE {scale} is not supported: calendar skipped"),
            });
            ctxs.push(None);
            continue;
        }
        let xwr = match (&sec.x_wr_timezone, opts.ignore_x_wr_timezone) {
            (Some(name), false) => match resolver.resolve(name) {
                Some(z) => Some(z),
                None => {
                    warnings.push(Warning {
                        line: sec.line,
                        message: format!("X-WR-TIMEZONE {name:?} is not a known zone: ignored"),
                    });
                    None
                }
            },
            _ => None,
        };
        ctxs.push(Some(Ctx {
            cal,
            resolver,
            floating_zone: xwr.clone().unwrap_or_else(|| opts.user_zone.clone()),
            xwr,
            opts,
            warnings: Vec::new(),
            unknown_tzids: Vec::new(),
            unknown_tzid_warnings: Vec::new(),
            zones: vec![None; cal.tzids.len()],
            budget: Budget::new(&opts.limits),
        }));
    }
    ctxs
}

/// Expands `groups` (each the events of one UID), in order. The feed's limits are shared by
/// its sections: the budget is handed to each section's context in turn. Returns what is left
/// of it.
fn expand_groups(
    cal: &Calendar,
    ctxs: &mut [Option<Ctx<'_>>],
    groups: &[&[u32]],
    limits: &ExpandLimits,
) -> (Vec<Occurrence>, Budget) {
    let mut out = Vec::new();
    let mut budget = Budget::new(limits);
    for group in groups {
        let section = cal.events[group[0] as usize].section as usize;
        if let Some(Some(ctx)) = ctxs.get_mut(section) {
            ctx.budget = budget;
            expand_group(ctx, group, &mut out);
            budget = ctx.budget;
        }
    }
    (out, budget)
}

/// Builds one zone resolver per section, taking the VTIMEZONEs out of the calendar. Returns
/// the warnings about unusable VTIMEZONEs.
pub fn resolvers(cal: &mut Calendar) -> (Vec<ZoneResolver>, Vec<Warning>) {
    let mut warnings = Vec::new();
    let mut out = Vec::with_capacity(cal.sections.len());
    for sec in &mut cal.sections {
        let (r, w) = ZoneResolver::new(std::mem::take(&mut sec.vtimezones));
        warnings.extend(w.into_iter().map(|message| Warning { line: 0, message }));
        out.push(r);
    }
    (out, warnings)
}

/// Overlap as the corpus defines it: `start < END && end > START`, and a zero-length
/// occurrence counts when `START <= start < END`.
pub fn overlaps(s: NaiveDateTime, e: NaiveDateTime, ws: NaiveDateTime, we: NaiveDateTime) -> bool {
    if s == e {
        ws <= s && s < we
    } else {
        s < we && e > ws
    }
}

#[cfg(test)]
mod tests {
    use super::parallel::{merge_chunks, Chunk};
    use super::*;
    use chrono::Duration as ChronoDuration;
    use chrono::NaiveDate;

    /// A feed with series, moved and cancelled instances, overrides far from their master,
    /// a UID with two masters and an unknown TZID in both halves.
    fn mixed_feed(events: usize) -> Vec<u8> {
        let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
        for i in 0..events {
            let day = 1 + i % 27;
            let uid = format!("ev{}", i % (events / 3));
            s.push_str("BEGIN:VEVENT\r\n");
            s.push_str(&format!("UID:{uid}\r\nSUMMARY:Event {i}\r\n"));
            match i % 7 {
                0 => s.push_str(&format!(
                    "DTSTART;TZID=Mars/Olympus:202503{day:02}T090000\r\nDURATION:PT30M\r\n"
                )),
                1 => s.push_str(&format!(
                    "RECURRENCE-ID;TZID=Europe/Berlin:202503{day:02}T100000\r\n\
                     DTSTART;TZID=Europe/Berlin:202503{day:02}T150000\r\nDURATION:PT1H\r\n"
                )),
                2 => s.push_str(&format!(
                    "DTSTART;TZID=Europe/Berlin:202503{day:02}T100000\r\nDURATION:PT1H\r\n\
                     RRULE:FREQ=WEEKLY;COUNT=6\r\nEXDATE;TZID=Europe/Berlin:202504{day:02}T100000\r\n"
                )),
                3 => s.push_str(&format!(
                    "DTSTART:202503{day:02}T120000Z\r\nDTEND:202503{day:02}T123000Z\r\nSTATUS:CANCELLED\r\n"
                )),
                4 => s.push_str(&format!("DTSTART;VALUE=DATE:202503{day:02}\r\n")),
                _ => s.push_str(&format!(
                    "DTSTART:202503{day:02}T{:02}0000Z\r\nDURATION:PT45M\r\n",
                    8 + i % 9
                )),
            }
            s.push_str("END:VEVENT\r\n");
        }
        s.push_str("END:VCALENDAR\r\n");
        s.into_bytes()
    }

    /// A UTC event under X-WR-TIMEZONE keeps its instant, also in the hour that repeats when
    /// the clocks go back (01:30 PST, the second 01:30 of 2025-11-02 in Los Angeles).
    #[test]
    fn utc_single_event_in_a_repeated_hour_keeps_its_instant() {
        let ics = "BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:America/Los_Angeles\r\n\
                   BEGIN:VEVENT\r\nUID:fold\r\nDTSTART:20251102T093000Z\r\n\
                   DTEND:20251102T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let mut cal = crate::ics::parse::parse(ics.as_bytes());
        let (resolvers, _) = resolvers(&mut cal);
        let day = |d: u32| {
            NaiveDate::from_ymd_opt(2025, 11, d)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc()
        };
        let opts = ExpandOptions {
            window_start: day(1),
            window_end: day(3),
            user_zone: Zone::Utc,
            ignore_x_wr_timezone: false,
            limits: ExpandLimits::default(),
        };
        let (occs, _) = expand(&cal, &resolvers, &opts);
        let got: Vec<_> = occs
            .iter()
            .map(|o| {
                (
                    o.start.naive_utc().to_string(),
                    o.end.naive_utc().to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [(
                "2025-11-02 09:30:00".to_string(),
                "2025-11-02 10:00:00".to_string()
            )]
        );
    }

    /// Occurrences come sorted by start, then UID (byte order, also where UIDs share their
    /// first eight bytes or are shorter), recurrence id and end, on one thread or two.
    #[test]
    fn occurrences_sort_by_start_then_uid() {
        let uids = [
            "abcdefgh-2",
            "abcdefgh-10",
            "abcdefgh",
            "abc",
            "",
            "ABCDEFGH",
            "abcdefgh\u{e9}",
            "b",
            "abcdefgh-1",
        ];
        let mut ics = String::from("BEGIN:VCALENDAR\r\n");
        for (i, uid) in uids.iter().enumerate() {
            for (suffix, start, end) in [
                ("", "090000", "093000"),
                ("x", "090000", "100000"),
                ("y", "080000", "083000"),
            ] {
                ics.push_str(&format!(
                    "BEGIN:VEVENT\r\nUID:{uid}{suffix}\r\nDTSTART:2025030{}T{start}Z\r\n\
                     DTEND:2025030{}T{end}Z\r\nEND:VEVENT\r\n",
                    3 + i % 2,
                    3 + i % 2
                ));
            }
        }
        ics.push_str("END:VCALENDAR\r\n");
        let mut cal = crate::ics::parse::parse(ics.as_bytes());
        let (resolvers, _) = resolvers(&mut cal);
        let opts = ExpandOptions {
            window_start: NaiveDate::from_ymd_opt(2025, 3, 1)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc(),
            window_end: NaiveDate::from_ymd_opt(2025, 3, 8)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc(),
            user_zone: Zone::Utc,
            ignore_x_wr_timezone: false,
            limits: ExpandLimits::default(),
        };
        for parallel_min in [usize::MAX, 0] {
            let (occs, _) = expand_with(&cal, &resolvers, &opts, parallel_min);
            let got: Vec<_> = occs
                .iter()
                .map(|o| (o.start, cal.events[o.event as usize].uid.clone(), o.end))
                .collect();
            let mut want = got.clone();
            want.sort();
            assert_eq!(got.len(), uids.len() * 3);
            assert_eq!(got, want, "parallel_min {parallel_min}");
        }
    }

    /// A narrow window gets exactly the occurrences of a wide one that overlap it (the check
    /// that skips events far from the window never skips one that is in it), also for zones
    /// at the ends of the offset range and a DTEND in another zone; and an unknown TZID far
    /// from the window is still reported.
    #[test]
    fn a_narrow_window_is_the_wide_one_filtered() {
        let mut ics = String::from_utf8(mixed_feed(600)).unwrap();
        ics.truncate(ics.len() - "END:VCALENDAR\r\n".len());
        for (i, (start, end)) in [
            (
                "DTSTART;TZID=Pacific/Kiritimati:20250305T090000",
                "DTEND:20250304T200000Z",
            ),
            (
                "DTSTART;TZID=Pacific/Pago_Pago:20250303T200000",
                "DURATION:PT10H",
            ),
            (
                "DTSTART:20250302T230000",
                "DTEND;TZID=Pacific/Kiritimati:20250304T010000",
            ),
            ("DTSTART;TZID=Mars/Deimos:20200101T090000", "DURATION:PT1H"),
            ("DTSTART:20250301T000000Z", "DURATION:P3D"),
        ]
        .iter()
        .enumerate()
        {
            ics.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:edge{i}\r\n{start}\r\n{end}\r\nEND:VEVENT\r\n"
            ));
        }
        ics.push_str("END:VCALENDAR\r\n");
        let mut cal = crate::ics::parse::parse(ics.as_bytes());
        let (resolvers, _) = resolvers(&mut cal);
        let day = |d: i64| {
            NaiveDate::from_ymd_opt(2025, 2, 20)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc()
                + ChronoDuration::days(d)
        };
        let opts = |from: DateTime<Utc>, to: DateTime<Utc>| ExpandOptions {
            window_start: from,
            window_end: to,
            user_zone: Zone::Utc,
            ignore_x_wr_timezone: false,
            limits: ExpandLimits::default(),
        };
        let (wide, _) = expand(&cal, &resolvers, &opts(day(-400), day(400)));
        for d in 0..60 {
            for hours in [1, 24] {
                let (from, to) = (
                    day(d) + ChronoDuration::hours(5),
                    day(d) + ChronoDuration::hours(5 + hours),
                );
                let (narrow, warnings) = expand(&cal, &resolvers, &opts(from, to));
                let expected: Vec<_> = wide
                    .iter()
                    .filter(|o| {
                        overlaps(
                            o.start.naive_utc(),
                            o.end.naive_utc(),
                            from.naive_utc(),
                            to.naive_utc(),
                        )
                    })
                    .cloned()
                    .collect();
                assert_eq!(narrow, expected, "window {from}..{to}");
                assert!(
                    warnings.iter().any(|w| w.message.contains("Mars/Deimos")),
                    "{warnings:?}"
                );
            }
        }
    }

    /// Chunks are put back in order, and only the first warning about an unknown TZID stays,
    /// whichever thread gave it.
    #[test]
    fn chunks_merge_in_order_with_one_warning_per_unknown_tzid() {
        let w = |line: u32, message: &str| Warning {
            line,
            message: message.into(),
        };
        let occ = |event: u32| Occurrence {
            event,
            time: OccurrenceTime::AllDay {
                start: NaiveDate::MIN,
                end: NaiveDate::MIN,
            },
            start: DateTime::<Utc>::MIN_UTC,
            end: DateTime::<Utc>::MIN_UTC,
            recurrence_id: None,
            floating: false,
        };
        let chunk =
            |index, events: &[u32], warnings: Vec<Warning>, tzids: Vec<(u32, usize)>| Chunk {
                index,
                occurrences: events.iter().map(|&e| occ(e)).collect(),
                warnings,
                unknown_tzids: tzids,
            };
        let chunks = vec![
            // Handed to the second thread: its own first warning about TZID 7.
            chunk(
                2,
                &[5],
                vec![w(50, "other"), w(51, "tz 7 again")],
                vec![(7, 1)],
            ),
            chunk(
                0,
                &[1, 2],
                vec![w(10, "tz 7"), w(11, "tz 3")],
                vec![(7, 0), (3, 1)],
            ),
            chunk(1, &[3, 4], vec![w(30, "masters")], vec![]),
            chunk(
                3,
                &[6],
                vec![w(60, "tz 3 again"), w(61, "tz 9")],
                vec![(3, 0), (9, 1)],
            ),
        ];
        let mut warnings = vec![w(1, "before")];
        let out = merge_chunks(chunks, &mut warnings);
        let events: Vec<u32> = out.iter().map(|o| o.event).collect();
        assert_eq!(events, [1, 2, 3, 4, 5, 6]);
        let lines: Vec<u32> = warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [1, 10, 11, 30, 50, 61]);
    }

    /// When a limit cuts a large feed, two threads give what one gives: the feed is expanded
    /// again on one thread, so the cut falls at the same event whatever the thread count.
    #[test]
    fn limits_cut_the_same_on_one_thread_or_two() {
        let mut cal = crate::ics::parse::parse(&mixed_feed(3000));
        let (resolvers, _) = resolvers(&mut cal);
        let opts = |limits| ExpandOptions {
            window_start: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc(),
            window_end: NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc(),
            user_zone: Zone::Utc,
            ignore_x_wr_timezone: false,
            limits,
        };
        let all = expand_with(&cal, &resolvers, &opts(ExpandLimits::default()), usize::MAX).0;
        for limits in [
            ExpandLimits {
                occurrences_per_feed: all.len() / 3,
                ..ExpandLimits::default()
            },
            ExpandLimits {
                rule_steps_per_feed: 500,
                ..ExpandLimits::default()
            },
        ] {
            let one = expand_with(&cal, &resolvers, &opts(limits), usize::MAX);
            let two = expand_with(&cal, &resolvers, &opts(limits), 0);
            assert!(one.0.len() < all.len(), "{limits:?}");
            assert_eq!(one.0, two.0, "{limits:?}");
            assert_eq!(one.1, two.1, "{limits:?}");
            let cut = |w: &[Warning]| w.iter().filter(|w| w.message.contains("per feed")).count();
            assert_eq!(cut(&one.1), 1, "{:?}", one.1);
        }
    }

    /// Two threads give exactly what one gives: the same occurrences in the same order, and
    /// the same warnings (an unknown TZID met by both halves is reported once).
    #[test]
    fn two_threads_expand_like_one() {
        let mut cal = crate::ics::parse::parse(&mixed_feed(3000));
        let (resolvers, _) = resolvers(&mut cal);
        let opts = ExpandOptions {
            window_start: NaiveDate::from_ymd_opt(2025, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc(),
            window_end: NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN)
                .and_utc(),
            user_zone: Zone::Utc,
            ignore_x_wr_timezone: false,
            limits: ExpandLimits::default(),
        };
        let one = expand_with(&cal, &resolvers, &opts, usize::MAX);
        let two = expand_with(&cal, &resolvers, &opts, 0);
        assert!(one.0.len() > 2000, "{} occurrences", one.0.len());
        let unknown = |w: &[Warning]| w.iter().filter(|w| w.message.contains("Mars")).count();
        assert_eq!(unknown(&one.1), 1, "{:?}", one.1);
        assert!(one
            .1
            .iter()
            .any(|w| w.message.contains("several series masters")));
        assert_eq!(one.0, two.0);
        assert_eq!(one.1, two.1);
    }
}
