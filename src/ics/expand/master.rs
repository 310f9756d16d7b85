//! A series master → its occurrences in the window (RFC 5545 3.8.5): DTSTART, RRULEs and
//! RDATEs make the recurrence set, EXDATEs and EXRULEs take instances out of it, and the
//! instances that overrides replace or move are taken out or shifted (the overrides' own
//! occurrences are emitted by `overrides`).
//!
//! The steps, in the order [`expand_master`] runs them (the order in which warnings and the
//! feed's limits are met, so it is part of the output):
//! 1. place DTSTART in its zone ([`Series`]) and collect the THISANDFUTURE overrides;
//! 2. the search range in the series' local time ([`search_range`]);
//! 3. the exclusions, EXDATE and EXRULE ([`Exclusions`]);
//! 4. DTSTART and the RRULEs' instances in the range ([`rule_instances`]), then the RDATEs;
//! 5. the instances, less exclusions and overrides, emitted ([`emit`]).

use chrono::{Duration as ChronoDuration, NaiveDate, NaiveDateTime, NaiveTime};

use super::length::{
    end_of, length_key, length_of, max_seconds, plus_seconds, plus_seconds_saturating, too_long,
    warn_too_long, Length,
};
use super::overrides::{this_and_future, Futures, Moved, Overridden, Rid};
use super::single::{push_allday, push_single, push_timed};
use super::{Ctx, Occurrence, RecurrenceId, MAX_SPAN_SECONDS};
use crate::ics::event::{Event, PeriodEnd, Warning};
use crate::ics::rrule::{Rule, Until};
use crate::ics::value::DateValue;
use crate::ics::zone::Zone;

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

/// A series master with its DTSTART placed: what every instance is read against.
struct Series<'e> {
    /// The master's index in the calendar.
    m: u32,
    ev: &'e Event,
    /// DTSTART is a DATE: instances are dates, read in the user's zone.
    allday: bool,
    /// The zone of DTSTART, in which the rules are walked.
    zone: Zone,
    floating: bool,
    /// DTSTART's local wall-clock value.
    local0: NaiveDateTime,
    /// Each instance's length, unless an RDATE period gives its own.
    len: Length,
}

impl Series<'_> {
    /// The instant of a local start (all-day instances stay local dates).
    fn to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        if self.allday {
            local
        } else {
            self.zone.to_utc(local)
        }
    }

    /// The RECURRENCE-ID that would name this instance.
    fn rid_of(&self, i: &Instance) -> RecurrenceId {
        if self.allday {
            RecurrenceId::Date(i.local.date())
        } else {
            RecurrenceId::Utc(i.utc)
        }
    }
}

/// Expands a series master; returns the RECURRENCE-IDs its EXDATEs delete, so that
/// overrides of deleted instances are dropped too.
pub(super) fn expand_master(
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
    let placed = ctx.place(start, ev.line);
    let series = Series {
        m,
        ev,
        allday: start.is_date(),
        zone: placed.zone,
        floating: placed.floating,
        local0: placed.local,
        len,
    };
    let futures = this_and_future(ctx, ev, rids);
    let (from, to) = search_range(ctx, &series, futures.max_shift);
    let ex = Exclusions::collect(ctx, &series, from, to);
    let mut deleted = Vec::new();
    let (mut instances, cap) = rule_instances(ctx, &series, from, to, &ex, &mut deleted);
    rdate_instances(ctx, &series, &mut instances);
    match cap {
        Cap::None => {}
        Cap::Series(cap) => ctx.warnings.push(Warning {
            line: ev.line,
            message: format!(
                "UID {:?}: more than {cap} instances in the window; the rest were not expanded",
                ev.uid
            ),
        }),
        Cap::Feed => ctx.budget.cut_occurrences(m),
    }
    instances.sort_by_key(|i| (i.utc, i.length.is_some()));
    instances.dedup_by_key(|i| i.utc);
    // DTSTART and the RDATEs.
    instances.retain(|i| {
        let gone = ex.excludes(i.utc, i.local);
        if gone {
            deleted.push(series.rid_of(i));
        }
        !gone
    });
    // EXDATEs can also delete overrides outside the searched range.
    for r in rids {
        if ex.deletes(r.key, &series.zone) && !deleted.contains(&r.key) {
            deleted.push(r.key);
        }
    }
    let overridden = Overridden::of(cal, rids, series.allday);
    emit(ctx, &series, instances, &overridden, &futures, out);
    deleted
}

/// The search range in the series' local time. Instances are converted exactly, so the
/// margin only has to cover the instance length, THISANDFUTURE shifts, and (for all-day
/// series, whose dates are read in the user's zone) one day; an hour covers a DST fold.
fn search_range(ctx: &Ctx<'_>, s: &Series<'_>, max_shift: i64) -> (NaiveDateTime, NaiveDateTime) {
    let margin = |extra: i64| {
        max_seconds(s.len)
            .saturating_add(max_shift)
            .saturating_add(extra)
            .min(MAX_SPAN_SECONDS)
    };
    let opts = ctx.opts;
    if s.allday {
        let z = &opts.user_zone;
        (
            plus_seconds_saturating(z.to_local(opts.window_start.naive_utc()), -margin(86_400)),
            plus_seconds_saturating(z.to_local(opts.window_end.naive_utc()), margin(86_400)),
        )
    } else {
        (
            plus_seconds_saturating(
                s.zone.to_local(opts.window_start.naive_utc()),
                -margin(3_600),
            ),
            plus_seconds_saturating(
                s.zone.to_local(opts.window_end.naive_utc()),
                max_shift.saturating_add(3_600).min(MAX_SPAN_SECONDS),
            ),
        )
    }
}

/// What EXDATE and EXRULE remove: instants, and (for a DATE EXDATE) whole dates. They are
/// known before the rules are walked, so that the limits count only the instances that
/// remain (an EXDATE flood on a capped series must not leave it empty). Sorted, so that each
/// instance is looked up rather than compared with every one: a series can have hundreds
/// of instances, EXDATEs and overrides.
struct Exclusions {
    instants: Vec<NaiveDateTime>,
    dates: Vec<NaiveDate>,
}

impl Exclusions {
    fn collect(
        ctx: &mut Ctx<'_>,
        s: &Series<'_>,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Exclusions {
        let ev = s.ev;
        let mut instants: Vec<NaiveDateTime> = Vec::new();
        let mut dates: Vec<NaiveDate> = Vec::new();
        for &x in &ev.exdates {
            match x {
                DateValue::Date(d) => dates.push(d),
                // A floating EXDATE on a zoned series means the series' zone.
                DateValue::Floating(t) => instants.push(s.to_utc(t)),
                v => {
                    let u = ctx.instant(v, ev.line);
                    instants.push(if s.allday {
                        ctx.opts.user_zone.to_local(u)
                    } else {
                        u
                    });
                }
            }
        }
        let series_cap = ctx.opts.limits.instances_per_series;
        for rule in &ev.exrules {
            let until = until_local(rule, &s.zone, s.allday);
            let mut iter = rule
                .iter(s.local0, s.allday, until, Some(from))
                .with_budget(ctx.budget.steps);
            for t in iter.by_ref().take(series_cap) {
                if t > to {
                    break;
                }
                instants.push(s.to_utc(t));
            }
            ctx.budget.spend_steps(iter.steps());
            if iter.out_of_budget() {
                ctx.budget.cut_steps(s.m);
            }
        }
        instants.sort_unstable();
        dates.sort_unstable();
        Exclusions { instants, dates }
    }

    /// Whether the instance starting at `utc` (local `local`) is removed.
    fn excludes(&self, utc: NaiveDateTime, local: NaiveDateTime) -> bool {
        self.instants.binary_search(&utc).is_ok() || self.dates.binary_search(&local.date()).is_ok()
    }

    /// Whether the instance an override points at is removed (wherever it is).
    fn deletes(&self, rid: RecurrenceId, zone: &Zone) -> bool {
        match rid {
            RecurrenceId::Utc(u) => {
                self.instants.binary_search(&u).is_ok()
                    || self.dates.binary_search(&zone.to_local(u).date()).is_ok()
            }
            RecurrenceId::Date(d) => self.dates.binary_search(&d).is_ok(),
        }
    }
}

/// Whether [`rule_instances`] stopped at a limit, and which.
enum Cap {
    None,
    /// The series' own limit, this many instances.
    Series(usize),
    /// What was left of the feed's limit.
    Feed,
}

/// DTSTART (always the first instance, RFC 5545 3.8.5.3) and the RRULEs' instances in
/// `[from, to]`, less the excluded ones (their ids go to `deleted`). The instances searched
/// are bounded by the series' own limit and by what is left of the feed's (which bounds the
/// memory of a feed of many series, or of one with many RRULEs).
fn rule_instances(
    ctx: &mut Ctx<'_>,
    s: &Series<'_>,
    from: NaiveDateTime,
    to: NaiveDateTime,
    ex: &Exclusions,
    deleted: &mut Vec<RecurrenceId>,
) -> (Vec<Instance>, Cap) {
    let ev = s.ev;
    let series_cap = ctx.opts.limits.instances_per_series;
    let cap = series_cap.min(ctx.budget.occurrences);
    let mut instances: Vec<Instance> = Vec::new();
    let mut capped = false;
    instances.push(Instance {
        local: s.local0,
        utc: s.to_utc(s.local0),
        length: None,
    });
    let mut n = 0usize;
    for rule in &ev.rrules {
        if capped {
            break;
        }
        let until = until_local(rule, &s.zone, s.allday);
        let adjusted = count_after_dtstart(ctx, s, rule, until);
        let rule = adjusted.as_ref().unwrap_or(rule);
        // Also with COUNT the rule starts at the window: the engine counts the instances
        // before it without producing them (by arithmetic where every period has as many).
        let mut iter = rule
            .iter(s.local0, s.allday, until, Some(from))
            .with_budget(ctx.budget.steps);
        for t in iter.by_ref() {
            if t > to {
                break;
            }
            if t < from || t == s.local0 {
                continue;
            }
            let inst = Instance {
                local: t,
                utc: s.to_utc(t),
                length: None,
            };
            if ex.excludes(inst.utc, t) {
                deleted.push(s.rid_of(&inst));
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
            ctx.budget.cut_steps(s.m);
        }
    }
    let cap = match (capped, cap == series_cap) {
        (false, _) => Cap::None,
        (true, true) => Cap::Series(cap),
        (true, false) => Cap::Feed,
    };
    (instances, cap)
}

/// `rule` with one less COUNT when DTSTART does not match it: DTSTART is an instance all the
/// same and counts toward COUNT (RFC 5545 3.8.5.3). With several RRULEs (deprecated) each
/// COUNT is the rule's own, and `None` (the rule as it is).
fn count_after_dtstart(
    ctx: &mut Ctx<'_>,
    s: &Series<'_>,
    rule: &Rule,
    until: Option<NaiveDateTime>,
) -> Option<Rule> {
    let (Some(count), 1) = (rule.count(), s.ev.rrules.len()) else {
        return None;
    };
    let mut probe = rule
        .iter(s.local0, s.allday, until, None)
        .with_budget(ctx.budget.steps);
    let first = probe.next();
    ctx.budget.spend_steps(probe.steps());
    first
        .is_some_and(|first| first != s.local0)
        .then(|| rule.with_count(count.saturating_sub(1)))
}

/// The RDATEs as instances (a PERIOD carries its own length); one lasting too long is
/// skipped with a warning.
fn rdate_instances(ctx: &mut Ctx<'_>, s: &Series<'_>, instances: &mut Vec<Instance>) {
    let ev = s.ev;
    for r in &ev.rdates {
        let (local, utc) = match r.start {
            DateValue::Date(d) => {
                let l = d.and_time(NaiveTime::MIN);
                if s.allday {
                    (l, l)
                } else {
                    (l, s.zone.to_utc(l))
                }
            }
            v => {
                let u = ctx.instant(v, ev.line);
                if s.allday {
                    let l = ctx.opts.user_zone.to_local(u);
                    (l, l)
                } else {
                    (s.zone.to_local(u), u)
                }
            }
        };
        let length = match r.end {
            None => None,
            Some(PeriodEnd::Duration(d)) => Some(if s.allday {
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
}

/// Emits each instance that no single-instance override replaces, moved by the latest
/// THISANDFUTURE override at or before it (and then that override's event and length).
fn emit(
    ctx: &mut Ctx<'_>,
    s: &Series<'_>,
    instances: Vec<Instance>,
    overridden: &Overridden,
    futures: &Futures,
    out: &mut Vec<Occurrence>,
) {
    for inst in instances {
        let rid = s.rid_of(&inst);
        if overridden.replaces(inst.local, inst.utc, s.allday) {
            continue;
        }
        let (event, shift, length) = match futures.moving(rid) {
            Moved::Not => (s.m, 0, inst.length.unwrap_or(s.len)),
            Moved::By(f) => (f.event, f.shift, f.length),
            Moved::Own => continue, // the override's own instance: emitted by the caller
        };
        if s.allday {
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
                _ => end_of(&s.zone, s.zone.to_local(utc), utc, length),
            };
            if let Some(end) = end {
                push_timed(ctx, event, utc, end, Some(rid), s.floating, out);
            }
        }
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
