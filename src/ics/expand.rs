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

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use chrono::{Duration as ChronoDuration, NaiveDate, NaiveDateTime, NaiveTime};

use super::event::{Calendar, Event, PeriodEnd, Warning};
use super::hash::WordHash;
use super::rrule::{Rule, Until};
use super::value::{DateValue, Duration};
use super::zone::{Zone, ZoneResolver};

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
    /// Window start (UTC, inclusive).
    pub window_start: NaiveDateTime,
    /// Window end (UTC, exclusive).
    pub window_end: NaiveDateTime,
    /// The user's zone: floating times and all-day boundaries are read in it.
    pub user_zone: Zone,
    /// Disable Google's `X-WR-TIMEZONE` semantics.
    pub ignore_x_wr_timezone: bool,
    pub limits: ExpandLimits,
}

/// When an occurrence happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OccurrenceTime {
    /// A timed occurrence, UTC instants, `end >= start`.
    Timed {
        start: NaiveDateTime,
        end: NaiveDateTime,
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
    /// The span as UTC instants (all-day: local midnights in the user's zone).
    pub start_utc: NaiveDateTime,
    pub end_utc: NaiveDateTime,
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
    // Group by (section, UID), keeping file order. Events without a UID stand alone.
    // Groups are numbered in order of first appearance, then laid out flat (a counting sort)
    // rather than as a Vec per group: most groups are a single event.
    let mut group_of: Vec<u32> = Vec::with_capacity(cal.events.len());
    let mut n_groups: u32 = 0;
    let mut index: HashMap<(u32, &str), u32, BuildHasherDefault<WordHash>> =
        HashMap::with_capacity_and_hasher(cal.events.len(), Default::default());
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
    let groups: Vec<&[u32]> = starts
        .windows(2)
        .map(|w| &members[w[0] as usize..w[1] as usize])
        .collect();
    let mut ctxs: Vec<Option<Ctx<'_>>> = Vec::with_capacity(cal.sections.len());
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

/// Below this many events a feed is expanded on one thread: a second thread saves wall time
/// but costs CPU, and CPU is what counts on small and middle-sized feeds (cal_5y: 3,591 events).
pub const PARALLEL_EXPAND_MIN: usize = 10_000;

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

/// Groups per unit of work handed to a thread in [`expand_parallel`].
const GROUPS_PER_CHUNK: usize = 256;

/// What one chunk of groups produced, in the order one thread would have produced it.
struct Chunk {
    index: usize,
    occurrences: Vec<Occurrence>,
    warnings: Vec<Warning>,
    /// Unknown TZIDs this chunk was the first (on its thread) to warn about, and where in
    /// `warnings` that warning is.
    unknown_tzids: Vec<(u32, usize)>,
}

/// [`expand_groups`] of one calendar on two threads, with the same result: the groups are
/// handed out in chunks, in order, to whichever thread is free (series differ a lot in how many
/// occurrences they have, so a fixed split is unbalanced), and the chunks' results are put
/// back in order. An unknown TZID is warned about once, where one thread would have.
///
/// Each thread has the whole of the feed's limits; `None` when either reached one or both
/// together used more than one thread may: then the caller expands the feed again on one
/// thread, where the limits cut at the same place whatever the thread count.
fn expand_parallel<'a>(
    cal: &Calendar,
    ctx: &mut Ctx<'a>,
    groups: &[&[u32]],
) -> Option<Vec<Occurrence>> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let n_chunks = groups.len().div_ceil(GROUPS_PER_CHUNK);
    let next = AtomicUsize::new(0);
    let work = |ctx: &mut Ctx<'a>| {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            if index >= n_chunks {
                return done;
            }
            let end = ((index + 1) * GROUPS_PER_CHUNK).min(groups.len());
            let mut occurrences = Vec::new();
            for group in &groups[index * GROUPS_PER_CHUNK..end] {
                if cal.events[group[0] as usize].section == 0 {
                    expand_group(ctx, group, &mut occurrences);
                }
            }
            done.push(Chunk {
                index,
                occurrences,
                warnings: std::mem::take(&mut ctx.warnings),
                unknown_tzids: std::mem::take(&mut ctx.unknown_tzid_warnings),
            });
        }
    };
    let mut other = ctx.fork();
    let chunks = std::thread::scope(|scope| {
        let helper = scope.spawn(|| work(&mut other));
        let mut mine = work(ctx);
        mine.extend(
            helper
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e)),
        );
        mine
    });
    let limits = &ctx.opts.limits;
    let (a, b) = (&ctx.budget, &other.budget);
    let occurrences = (limits.occurrences_per_feed - a.occurrences)
        .saturating_add(limits.occurrences_per_feed - b.occurrences);
    let steps =
        (limits.rule_steps_per_feed - a.steps).saturating_add(limits.rule_steps_per_feed - b.steps);
    if a.touched()
        || b.touched()
        || occurrences > limits.occurrences_per_feed
        || steps > limits.rule_steps_per_feed
    {
        return None;
    }
    Some(merge_chunks(chunks, &mut ctx.warnings))
}

/// Puts the chunks of [`expand_parallel`] back in order: their occurrences, and their warnings
/// into `warnings` without the repeats of an unknown TZID's warning.
fn merge_chunks(mut chunks: Vec<Chunk>, warnings: &mut Vec<Warning>) -> Vec<Occurrence> {
    chunks.sort_unstable_by_key(|c| c.index);
    let mut out = Vec::with_capacity(chunks.iter().map(|c| c.occurrences.len()).sum());
    let mut warned: Vec<u32> = Vec::new();
    for c in chunks {
        out.extend(c.occurrences);
        let mut repeats = Vec::new();
        for (tzid, at) in c.unknown_tzids {
            if warned.contains(&tzid) {
                repeats.push(at);
            } else {
                warned.push(tzid);
            }
        }
        warnings.extend(
            c.warnings
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !repeats.contains(i))
                .map(|(_, w)| w),
        );
    }
    out
}

/// Occurrences by start. The UIDs are only looked at on a tie of start times (they live in
/// the events, a cache miss away). Stable: ties in everything keep expansion order. With
/// `parallel`, the two halves are sorted at once and then merged, which is the same stable
/// sort (every element of the first half stays ahead of its equals in the second).
fn sort_occurrences(cal: &Calendar, out: &mut Vec<Occurrence>, parallel: bool) {
    // Sorted as small keys and then put in that order. A key holds the start as integers and
    // the UID's first eight bytes (big-endian, so integer order is byte order: only equal
    // prefixes need the whole UID). Starts tie often (a team's calendars merged into one
    // feed: over half the neighbours in a stress file), and each tie read two events' UIDs
    // from far apart in memory. A stable sort of keys in index order is a stable sort of the
    // occurrences.
    type Key = (i64, u32, u64, u32);
    let prefix = |uid: &str| {
        let mut b = [0u8; 8];
        let n = uid.len().min(8);
        b[..n].copy_from_slice(&uid.as_bytes()[..n]);
        u64::from_be_bytes(b)
    };
    let occs: &[Occurrence] = out;
    let keys_of = |from: usize, to: usize| -> Vec<Key> {
        (from..to)
            .map(|i| {
                let o = &occs[i];
                let t = o.start_utc.and_utc();
                let uid = &cal.events[o.event as usize].uid;
                (
                    t.timestamp(),
                    t.timestamp_subsec_nanos(),
                    prefix(uid),
                    i as u32,
                )
            })
            .collect()
    };
    let order = |a: &Key, b: &Key| {
        (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)).then_with(|| {
            let (a, b) = (&occs[a.3 as usize], &occs[b.3 as usize]);
            (
                &cal.events[a.event as usize].uid,
                a.recurrence_id,
                a.end_utc,
            )
                .cmp(&(
                    &cal.events[b.event as usize].uid,
                    b.recurrence_id,
                    b.end_utc,
                ))
        })
    };
    let gather = |keys: &[Key]| -> Vec<Occurrence> {
        keys.iter().map(|k| occs[k.3 as usize].clone()).collect()
    };
    let n = occs.len();
    let sorted = if parallel {
        // Each half's keys made and sorted on its own thread, merged (one pass over two
        // sorted runs), then the occurrences gathered in two halves at once.
        let (mut keys, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| {
                let mut k = keys_of(n / 2, n);
                k.sort_by(order);
                k
            });
            let mut k = keys_of(0, n / 2);
            k.sort_by(order);
            (
                k,
                second
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e)),
            )
        });
        keys.extend(second);
        keys.sort_by(order);
        let (first, second) = keys.split_at(n / 2);
        std::thread::scope(|scope| {
            let b = scope.spawn(|| gather(second));
            // Sized for both halves at once: growing it would copy the first.
            let mut all = Vec::with_capacity(n);
            all.extend(first.iter().map(|k| occs[k.3 as usize].clone()));
            all.extend(b.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            all
        })
    } else {
        let mut keys = keys_of(0, n);
        keys.sort_by(order);
        gather(&keys)
    };
    *out = sorted;
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

/// How long each instance lasts.
#[derive(Clone, Copy, Debug)]
enum Length {
    /// All-day: nominal days.
    Days(i64),
    /// Timed: nominal days (local clock) then exact seconds.
    Timed { days: i64, seconds: i64 },
}

/// A candidate instance of a series before overrides: its original start.
#[derive(Clone, Copy, Debug)]
struct Instance {
    /// Local wall-clock start in the series zone (midnight for all-day).
    local: NaiveDateTime,
    /// UTC start (timed only; for all-day the same as `local`).
    utc: NaiveDateTime,
    /// Set for RDATE periods, which carry their own length.
    length: Option<Length>,
}

fn length_of(ctx: &mut Ctx<'_>, ev: &Event, start: DateValue) -> Length {
    length_from(ctx, ev, start, |ctx| ctx.exact_instant(start, ev.line))
}

/// [`length_of`] with the start's instant given by `start_utc`, for callers that have it
/// already (it is only asked for a timed start with a DTEND).
fn length_from(
    ctx: &mut Ctx<'_>,
    ev: &Event,
    start: DateValue,
    start_utc: impl FnOnce(&mut Ctx<'_>) -> NaiveDateTime,
) -> Length {
    if let DateValue::Date(d) = start {
        let days = match (ev.dtend, ev.duration) {
            (Some(DateValue::Date(e)), _) => (e - d).num_days().abs(),
            (_, Some(dur)) => dur
                .days
                .saturating_add(i64::from(dur.seconds > 0) * ((dur.seconds - 1) / 86_400 + 1)),
            _ => 1,
        };
        return Length::Days(days);
    }
    match (ev.dtend, ev.duration) {
        (Some(end), _) => {
            let s = start_utc(ctx);
            let e = ctx.exact_instant(end, ev.line);
            Length::Timed {
                days: 0,
                seconds: (e - s).num_seconds().abs(),
            }
        }
        (None, Some(Duration { days, seconds, .. })) => Length::Timed { days, seconds },
        (None, None) => Length::Timed {
            days: 0,
            seconds: 0,
        },
    }
}

/// End of an instance starting at `local`/`utc` in `zone`; `None` past chrono's range (a
/// length is at most [`MAX_EVENT_SPAN_DAYS`], so only near its limits).
fn end_of(
    zone: &Zone,
    local: NaiveDateTime,
    utc: NaiveDateTime,
    len: Length,
) -> Option<NaiveDateTime> {
    match len {
        Length::Days(d) => plus_days(local, d),
        Length::Timed { days: 0, seconds } => plus_seconds(utc, seconds),
        Length::Timed { days, seconds } => {
            plus_seconds(zone.to_utc(plus_days(local, days)?), seconds)
        }
    }
}

/// `t` + `days`, `None` on overflow (never a panic, whatever a feed says).
fn plus_days(t: NaiveDateTime, days: i64) -> Option<NaiveDateTime> {
    t.checked_add_signed(ChronoDuration::try_days(days)?)
}

/// `t` + `seconds`, `None` on overflow.
fn plus_seconds(t: NaiveDateTime, seconds: i64) -> Option<NaiveDateTime> {
    t.checked_add_signed(ChronoDuration::try_seconds(seconds)?)
}

/// `t` + `seconds`, held at chrono's limits: for bounds of a search range.
fn plus_seconds_saturating(t: NaiveDateTime, seconds: i64) -> NaiveDateTime {
    plus_seconds(t, seconds).unwrap_or(if seconds < 0 {
        NaiveDateTime::MIN
    } else {
        NaiveDateTime::MAX
    })
}

/// Whether an instance of this length is longer than [`MAX_EVENT_SPAN_DAYS`].
fn too_long(len: Length) -> bool {
    max_seconds(len) > MAX_SPAN_SECONDS
}

/// The property that gives an event its length, for warnings.
fn length_key(ev: &Event) -> &'static str {
    match (ev.dtend, ev.duration) {
        (Some(_), _) => "DTEND",
        (None, Some(_)) => "DURATION",
        (None, None) => "DTSTART",
    }
}

/// Warns that `ev` is skipped for lasting longer than [`MAX_EVENT_SPAN_DAYS`].
fn warn_too_long(ctx: &mut Ctx<'_>, ev: &Event, key: &str) {
    ctx.warnings.push(Warning {
        line: ev.line,
        message: format!(
            "UID {:?}: {key} makes it last more than {} years: skipped",
            ev.uid,
            MAX_EVENT_SPAN_DAYS / 365
        ),
    });
}

/// Upper bound of a length in seconds, for widening the search window.
fn max_seconds(len: Length) -> i64 {
    match len {
        Length::Days(d) => d.saturating_mul(86_400),
        Length::Timed { days, seconds } => days.saturating_mul(86_400).saturating_add(seconds),
    }
}

/// Where an override points: its RECURRENCE-ID as an instant (or date), and the date as
/// written, which is what identifies an all-day instance (Outlook writes all-day ids as
/// local midnight in its own zone).
#[derive(Clone, Copy, Debug)]
struct Rid {
    key: RecurrenceId,
    date: NaiveDate,
    event: u32,
}

fn expand_group(ctx: &mut Ctx<'_>, group: &[u32], out: &mut Vec<Occurrence>) {
    let cal = ctx.cal;
    let mut master: Option<u32> = None;
    let mut overrides: Vec<u32> = Vec::new();
    for &i in group {
        let ev = &cal.events[i as usize];
        if ev.recurrence_id.is_some() {
            overrides.push(i);
        } else {
            // Several masters for one UID: the newest (highest SEQUENCE, then the later one) wins.
            master = match master {
                Some(m) if cal.events[m as usize].sequence > ev.sequence => Some(m),
                Some(m) => {
                    let prev = &cal.events[m as usize];
                    ctx.warnings.push(Warning {
                        line: ev.line,
                        message: format!(
                            "UID {:?} has several series masters (lines {} and {}): the one with the higher SEQUENCE (or the later one) is used",
                            ev.uid, prev.line, ev.line
                        ),
                    });
                    Some(i)
                }
                None => Some(i),
            };
        }
    }

    // Where the overrides point: original instants (timed) or dates (all-day).
    let mut rid_instants: Vec<Rid> = Vec::with_capacity(overrides.len());
    for &o in &overrides {
        let ev = &cal.events[o as usize];
        if let Some(rid) = ev.recurrence_id {
            let key = match rid {
                DateValue::Date(d) => RecurrenceId::Date(d),
                v => RecurrenceId::Utc(ctx.instant(v, ev.line)),
            };
            rid_instants.push(Rid {
                key,
                date: rid.naive().date(),
                event: o,
            });
        }
    }

    let mut excluded_rids: Vec<RecurrenceId> = Vec::new();
    if let Some(m) = master {
        excluded_rids = expand_master(ctx, m, &rid_instants, out);
    }

    // Each single-instance override is an occurrence of its own, wherever it moved to.
    for r in &rid_instants {
        let (rid, o) = (r.key, r.event);
        let ev = &cal.events[o as usize];
        if excluded_rids.contains(&rid) {
            // The master deleted this instance (EXDATE) after the override was written.
            continue;
        }
        let Some(start) = ev.dtstart else { continue };
        push_single(ctx, o, start, Some(rid), out);
    }
}

/// Emits the occurrence of a non-recurring VEVENT (or of an override) if it overlaps the window.
/// The start is placed in its zone once, for both its instant and the event's length.
fn push_single(
    ctx: &mut Ctx<'_>,
    event: u32,
    start: DateValue,
    rid: Option<RecurrenceId>,
    out: &mut Vec<Occurrence>,
) {
    let ev = &ctx.cal.events[event as usize];
    if let DateValue::Date(d) = start {
        let Length::Days(days) = length_of(ctx, ev, start) else {
            return;
        };
        if too_long(Length::Days(days)) {
            warn_too_long(ctx, ev, length_key(ev));
            return;
        }
        push_allday(ctx, event, d, days, rid, out);
        return;
    }
    if far_from_window(ctx.opts, ev, start) {
        // Nothing of it can be in the window: skip the zone arithmetic. The zones are still
        // placed, so that an unknown TZID is reported as it would be otherwise.
        for v in [Some(start), ev.dtend].into_iter().flatten() {
            if let DateValue::Zoned(..) = v {
                ctx.place(v, ev.line);
            }
        }
        return;
    }
    if let DateValue::Utc(utc) = start {
        // Most exported events: the instant is as written, and the wall clock is only needed
        // for a DURATION in days.
        let end = match length_from(ctx, ev, start, |_| utc) {
            len if too_long(len) => None,
            Length::Timed { days: 0, seconds } => plus_seconds(utc, seconds),
            len => {
                let p = ctx.place(start, ev.line);
                end_of(&p.zone, p.local, utc, len)
            }
        };
        match end {
            Some(end) => push_timed(ctx, event, utc, end, rid, false, out),
            None => warn_too_long(ctx, ev, length_key(ev)),
        }
        return;
    }
    let p = ctx.place(start, ev.line);
    let utc = p.zone.to_utc(p.local);
    let len = length_from(ctx, ev, start, |_| utc);
    match end_of(&p.zone, p.local, utc, len).filter(|_| !too_long(len)) {
        Some(end) => push_timed(ctx, event, utc, end, rid, p.floating, out),
        None => warn_too_long(ctx, ev, length_key(ev)),
    }
}

/// Whether a single event starting at `start` (a DATE-TIME) certainly ends before the window
/// or starts after it, judged from the values as written, before any zone is applied. A
/// zone's offset is under a day either way, so an instant is within a day of its wall-clock
/// value, and the event's length within two days of the written span (DTEND may be in another
/// zone; a DURATION's days follow the clock); four days of slack cover all of it. This keeps
/// a one-week report over years of history from converting every event of those years.
fn far_from_window(opts: &ExpandOptions, ev: &Event, start: DateValue) -> bool {
    const SLACK: i64 = 4 * 86_400;
    let s = start.naive();
    let span = match (ev.dtend, ev.duration) {
        (Some(e), _) => (e.naive() - s).num_seconds().saturating_abs(),
        (None, Some(d)) => d
            .days
            .saturating_abs()
            .saturating_mul(86_400)
            .saturating_add(d.seconds.saturating_abs()),
        (None, None) => 0,
    };
    if span > MAX_SPAN_SECONDS - 2 * SLACK {
        // Possibly too long to be used: the caller decides, and warns, whatever the window.
        return false;
    }
    let ahead = |t: NaiveDateTime, secs: i64| t.checked_add_signed(ChronoDuration::seconds(secs));
    if ahead(opts.window_end, SLACK).is_some_and(|limit| s > limit) {
        return true;
    }
    ahead(s, span.max(86_400).saturating_add(SLACK)).is_some_and(|end| end < opts.window_start)
}

fn push_allday(
    ctx: &mut Ctx<'_>,
    event: u32,
    d: NaiveDate,
    days: i64,
    rid: Option<RecurrenceId>,
    out: &mut Vec<Occurrence>,
) {
    let Some(end) = ChronoDuration::try_days(days).and_then(|n| d.checked_add_signed(n)) else {
        return;
    };
    let z = &ctx.opts.user_zone;
    let s_utc = z.to_utc(d.and_time(NaiveTime::MIN));
    let e_utc = z.to_utc(end.and_time(NaiveTime::MIN));
    if overlaps(s_utc, e_utc, ctx.opts.window_start, ctx.opts.window_end) {
        if !take_occurrence(ctx, event) {
            return;
        }
        out.push(Occurrence {
            event,
            time: OccurrenceTime::AllDay { start: d, end },
            start_utc: s_utc,
            end_utc: e_utc,
            recurrence_id: rid,
            floating: false,
        });
    }
}

fn push_timed(
    ctx: &mut Ctx<'_>,
    event: u32,
    start: NaiveDateTime,
    end: NaiveDateTime,
    rid: Option<RecurrenceId>,
    floating: bool,
    out: &mut Vec<Occurrence>,
) {
    if overlaps(start, end, ctx.opts.window_start, ctx.opts.window_end) {
        if !take_occurrence(ctx, event) {
            return;
        }
        out.push(Occurrence {
            event,
            time: OccurrenceTime::Timed { start, end },
            start_utc: start,
            end_utc: end,
            recurrence_id: rid,
            floating,
        });
    }
}

/// Counts one more occurrence of `event` against the feed's limit; false when none is left.
fn take_occurrence(ctx: &mut Ctx<'_>, event: u32) -> bool {
    match ctx.budget.occurrences.checked_sub(1) {
        Some(left) => {
            ctx.budget.occurrences = left;
            true
        }
        None => {
            ctx.budget.cut_occurrences(event);
            false
        }
    }
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

/// Expands a series master; returns the RECURRENCE-IDs its EXDATEs delete, so that
/// overrides of deleted instances are dropped too.
fn expand_master(
    ctx: &mut Ctx<'_>,
    m: u32,
    rids: &[Rid],
    out: &mut Vec<Occurrence>,
) -> Vec<RecurrenceId> {
    let cal = ctx.cal;
    let ev = &cal.events[m as usize];
    let Some(start) = ev.dtstart else {
        return Vec::new();
    };
    if !ev.is_recurring() {
        push_single(ctx, m, start, None, out);
        return Vec::new();
    }
    let len = length_of(ctx, ev, start);
    if too_long(len) {
        warn_too_long(ctx, ev, length_key(ev));
        return Vec::new();
    }
    let allday = start.is_date();
    let placed = ctx.place(start, ev.line);
    let zone = placed.zone.clone();
    let floating = placed.floating;
    let local0 = placed.local;
    let to_utc = |local: NaiveDateTime| if allday { local } else { zone.to_utc(local) };

    // THISANDFUTURE overrides, sorted by their recurrence id: each shifts later instances.
    let mut futures: Vec<(NaiveDateTime, u32, i64, Length)> = Vec::new();
    for r in rids {
        let (rid, o) = (r.key, r.event);
        let oev = &cal.events[o as usize];
        if !oev.this_and_future {
            continue;
        }
        let (Some(os), key) = (oev.dtstart, rid_key(rid)) else {
            continue;
        };
        let new_start = if os.is_date() {
            os.naive()
        } else {
            ctx.instant(os, oev.line)
        };
        let shift = (new_start - key).num_seconds();
        let olen = length_of(ctx, oev, os);
        if too_long(olen) {
            // The override's own occurrence is skipped with a warning; it moves nothing.
            continue;
        }
        futures.push((key, o, shift, olen));
    }
    futures.sort_by_key(|f| f.0);
    let max_shift = futures.iter().map(|f| f.2.abs()).max().unwrap_or(0);
    if max_shift > MAX_SPAN_SECONDS {
        ctx.warnings.push(Warning {
            line: ev.line,
            message: format!(
                "UID {:?}: a RECURRENCE-ID;RANGE=THISANDFUTURE moves instances by more than {} years: those are not searched",
                ev.uid,
                MAX_EVENT_SPAN_DAYS / 365
            ),
        });
    }

    // The search window in the series' local time, padded for offsets, lengths and shifts.
    // The search range in the series' local time. Instances are converted exactly, so the
    // margin only has to cover the instance length, THISANDFUTURE shifts, and (for all-day
    // series, whose dates are read in the user's zone) one day; an hour covers a DST fold.
    let margin = |extra: i64| {
        max_seconds(len)
            .saturating_add(max_shift)
            .saturating_add(extra)
            .min(MAX_SPAN_SECONDS)
    };
    let (from_local, to_local) = if allday {
        let z = &ctx.opts.user_zone;
        (
            plus_seconds_saturating(z.to_local(ctx.opts.window_start), -margin(86_400)),
            plus_seconds_saturating(z.to_local(ctx.opts.window_end), margin(86_400)),
        )
    } else {
        (
            plus_seconds_saturating(zone.to_local(ctx.opts.window_start), -margin(3_600)),
            plus_seconds_saturating(
                zone.to_local(ctx.opts.window_end),
                max_shift.saturating_add(3_600).min(MAX_SPAN_SECONDS),
            ),
        )
    };

    // EXDATE and EXRULE remove instances; a DATE EXDATE removes the instances on that date.
    // They are known before the rules are walked, so that the limits below count only the
    // instances that remain (an EXDATE flood on a capped series must not leave it empty).
    let mut ex_instants: Vec<NaiveDateTime> = Vec::new();
    let mut ex_dates: Vec<NaiveDate> = Vec::new();
    for &x in &ev.exdates {
        match x {
            DateValue::Date(d) => ex_dates.push(d),
            // A floating EXDATE on a zoned series means the series' zone.
            DateValue::Floating(t) => ex_instants.push(to_utc(t)),
            v => {
                let u = ctx.instant(v, ev.line);
                ex_instants.push(if allday {
                    ctx.opts.user_zone.to_local(u)
                } else {
                    u
                });
            }
        }
    }
    let series_cap = ctx.opts.limits.instances_per_series;
    for rule in &ev.exrules {
        let until = until_local(rule, &zone, allday);
        let mut iter = rule
            .iter(local0, allday, until, Some(from_local))
            .with_budget(ctx.budget.steps);
        for t in iter.by_ref().take(series_cap) {
            if t > to_local {
                break;
            }
            ex_instants.push(to_utc(t));
        }
        ctx.budget.spend_steps(iter.steps());
        if iter.out_of_budget() {
            ctx.budget.cut_steps(m);
        }
    }
    // Sorted, so that each instance is looked up rather than compared with every one: a
    // series can have hundreds of instances, EXDATEs and overrides.
    ex_instants.sort_unstable();
    ex_dates.sort_unstable();
    let excluded = |utc: NaiveDateTime, local: NaiveDateTime| {
        ex_instants.binary_search(&utc).is_ok() || ex_dates.binary_search(&local.date()).is_ok()
    };
    let rid_of = |i: &Instance| {
        if allday {
            RecurrenceId::Date(i.local.date())
        } else {
            RecurrenceId::Utc(i.utc)
        }
    };
    let mut deleted = Vec::new();

    // The instances searched are bounded by the series' own limit and by what is left of the
    // feed's (which bounds the memory of a feed of many series, or of one with many RRULEs).
    let cap = series_cap.min(ctx.budget.occurrences);
    let mut instances: Vec<Instance> = Vec::new();
    let mut capped = false;
    // DTSTART is always the first instance (RFC 5545 3.8.5.3).
    instances.push(Instance {
        local: local0,
        utc: to_utc(local0),
        length: None,
    });
    let mut n = 0usize;
    for rule in &ev.rrules {
        if capped {
            break;
        }
        let until = until_local(rule, &zone, allday);
        let adjusted;
        let mut rule = rule;
        if let (Some(count), 1) = (rule.count(), ev.rrules.len()) {
            // DTSTART does not match the rule but is an instance and counts toward COUNT
            // (RFC 5545 3.8.5.3). With several RRULEs (deprecated) each COUNT is the rule's own.
            let mut probe = rule
                .iter(local0, allday, until, None)
                .with_budget(ctx.budget.steps);
            let first = probe.next();
            ctx.budget.spend_steps(probe.steps());
            if first.is_some_and(|first| first != local0) {
                adjusted = rule.with_count(count.saturating_sub(1));
                rule = &adjusted;
            }
        }
        // Also with COUNT the rule starts at the window: the engine counts the instances
        // before it without producing them (by arithmetic where every period has as many).
        let mut iter = rule
            .iter(local0, allday, until, Some(from_local))
            .with_budget(ctx.budget.steps);
        for t in iter.by_ref() {
            if t > to_local {
                break;
            }
            if t < from_local || t == local0 {
                continue;
            }
            let inst = Instance {
                local: t,
                utc: to_utc(t),
                length: None,
            };
            if excluded(inst.utc, t) {
                deleted.push(rid_of(&inst));
                continue;
            }
            n += 1;
            if n > cap {
                capped = true;
                break;
            }
            instances.push(inst);
        }
        ctx.budget.spend_steps(iter.steps());
        if iter.out_of_budget() {
            ctx.budget.cut_steps(m);
        }
    }
    for r in &ev.rdates {
        let (local, utc) = match r.start {
            DateValue::Date(d) => {
                let l = d.and_time(NaiveTime::MIN);
                if allday {
                    (l, l)
                } else {
                    (l, zone.to_utc(l))
                }
            }
            v => {
                let u = ctx.instant(v, ev.line);
                if allday {
                    let l = ctx.opts.user_zone.to_local(u);
                    (l, l)
                } else {
                    (zone.to_local(u), u)
                }
            }
        };
        let length = match r.end {
            None => None,
            Some(PeriodEnd::Duration(d)) => Some(if allday {
                Length::Days(d.days)
            } else {
                Length::Timed {
                    days: d.days,
                    seconds: d.seconds,
                }
            }),
            Some(PeriodEnd::End(e)) => {
                let eu = ctx.instant(e, ev.line);
                Some(Length::Timed {
                    days: 0,
                    seconds: (eu - utc).num_seconds().abs(),
                })
            }
        };
        if length.is_some_and(too_long) {
            warn_too_long(ctx, ev, "RDATE");
            continue;
        }
        instances.push(Instance { local, utc, length });
    }
    if capped && cap == series_cap {
        ctx.warnings.push(Warning {
            line: ev.line,
            message: format!(
                "UID {:?}: more than {cap} instances in the window; the rest were not expanded",
                ev.uid
            ),
        });
    } else if capped {
        ctx.budget.cut_occurrences(m);
    }
    instances.sort_by_key(|i| (i.utc, i.length.is_some()));
    instances.dedup_by_key(|i| i.utc);
    // DTSTART and the RDATEs.
    instances.retain(|i| {
        let gone = excluded(i.utc, i.local);
        if gone {
            deleted.push(rid_of(i));
        }
        !gone
    });
    // EXDATEs can also delete overrides outside the searched range.
    for r in rids {
        let rid = r.key;
        let gone = match rid {
            RecurrenceId::Utc(u) => {
                ex_instants.binary_search(&u).is_ok()
                    || ex_dates.binary_search(&zone.to_local(u).date()).is_ok()
            }
            RecurrenceId::Date(d) => ex_dates.binary_search(&d).is_ok(),
        };
        if gone && !deleted.contains(&rid) {
            deleted.push(rid);
        }
    }

    // The instances that single-instance overrides replace (those are emitted by the caller):
    // by date for DATE ids and for all-day series, by instant otherwise.
    let mut overridden_dates: Vec<NaiveDate> = Vec::new();
    let mut overridden_instants: Vec<NaiveDateTime> = Vec::new();
    for r in rids {
        if cal.events[r.event as usize].this_and_future {
            continue;
        }
        match r.key {
            RecurrenceId::Date(d) => overridden_dates.push(d),
            RecurrenceId::Utc(_) if allday => overridden_dates.push(r.date),
            RecurrenceId::Utc(u) => overridden_instants.push(u),
        }
    }
    overridden_dates.sort_unstable();
    overridden_instants.sort_unstable();
    for inst in instances {
        let rid = if allday {
            RecurrenceId::Date(inst.local.date())
        } else {
            RecurrenceId::Utc(inst.utc)
        };
        let overridden = overridden_dates.binary_search(&inst.local.date()).is_ok()
            || (!allday && overridden_instants.binary_search(&inst.utc).is_ok());
        if overridden {
            continue;
        }
        // The latest THISANDFUTURE override at or before this instance moves it.
        let future = futures.iter().rev().find(|f| f.0 <= rid_key(rid));
        let (event, shift, length) = match future {
            Some(&(key, o, shift, olen)) if rid_key(rid) > key => (o, shift, olen),
            Some(_) => continue, // the override's own instance: emitted by the caller
            None => (m, 0, inst.length.unwrap_or(len)),
        };
        if allday {
            let days = match length {
                Length::Days(d) => d,
                Length::Timed { days, .. } => days,
            };
            // Whole days of the shift, as `NaiveDate + TimeDelta` counts them.
            let Some(d) = ChronoDuration::try_seconds(shift)
                .and_then(|delta| inst.local.date().checked_add_signed(delta))
            else {
                continue;
            };
            push_allday(ctx, event, d, days, Some(rid), out);
        } else {
            let Some(utc) = plus_seconds(inst.utc, shift) else {
                continue;
            };
            // The wall clock is only needed for a length in days (a zone look-up per instance
            // otherwise spent for nothing).
            let end = match length {
                Length::Timed { days: 0, seconds } => plus_seconds(utc, seconds),
                _ => end_of(&zone, zone.to_local(utc), utc, length),
            };
            if let Some(end) = end {
                push_timed(ctx, event, utc, end, Some(rid), floating, out);
            }
        }
    }
    deleted
}

fn rid_key(r: RecurrenceId) -> NaiveDateTime {
    match r {
        RecurrenceId::Date(d) => d.and_time(NaiveTime::MIN),
        RecurrenceId::Utc(t) => t,
    }
}

/// UNTIL as a local wall-clock bound for the rule engine.
fn until_local(rule: &Rule, zone: &Zone, allday: bool) -> Option<NaiveDateTime> {
    match rule.until()? {
        Until::Utc(u) if allday => Some(u),
        Until::Utc(u) => Some(zone.to_local(u)),
        Until::Local(t) => Some(t),
        // A DATE UNTIL on a timed series includes that whole day, as the user means it.
        Until::Date(d) if allday => Some(d.and_time(NaiveTime::MIN)),
        Until::Date(d) => d
            .and_hms_opt(23, 59, 59)
            .or_else(|| Some(d.and_time(NaiveTime::MIN))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            .map(|o| (o.start_utc.to_string(), o.end_utc.to_string()))
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
                .and_time(NaiveTime::MIN),
            window_end: NaiveDate::from_ymd_opt(2025, 3, 8)
                .unwrap()
                .and_time(NaiveTime::MIN),
            user_zone: Zone::Utc,
            ignore_x_wr_timezone: false,
            limits: ExpandLimits::default(),
        };
        for parallel_min in [usize::MAX, 0] {
            let (occs, _) = expand_with(&cal, &resolvers, &opts, parallel_min);
            let got: Vec<_> = occs
                .iter()
                .map(|o| {
                    (
                        o.start_utc,
                        cal.events[o.event as usize].uid.clone(),
                        o.end_utc,
                    )
                })
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
                + ChronoDuration::days(d)
        };
        let opts = |from: NaiveDateTime, to: NaiveDateTime| ExpandOptions {
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
                    .filter(|o| overlaps(o.start_utc, o.end_utc, from, to))
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
            start_utc: NaiveDateTime::MIN,
            end_utc: NaiveDateTime::MIN,
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
                .and_time(NaiveTime::MIN),
            window_end: NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN),
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
                .and_time(NaiveTime::MIN),
            window_end: NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_time(NaiveTime::MIN),
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
