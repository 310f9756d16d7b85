//! The events of one UID: which is the series master, where each RECURRENCE-ID override
//! points, and which overrides stand as occurrences of their own (RFC 5545 3.8.4.4). The
//! instances they replace or move are taken out of the series in `master`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::length::{length_of, too_long, Length};
use super::master::expand_master;
use super::single::push_single;
use super::{Ctx, Occurrence, RecurrenceId, MAX_EVENT_SPAN_DAYS, MAX_SPAN_SECONDS};
use crate::ics::event::{Calendar, Event, Warning};
use crate::ics::value::DateValue;

/// Where an override points: its RECURRENCE-ID as an instant (or date), and the date as
/// written, which is what identifies an all-day instance (Outlook writes all-day ids as
/// local midnight in its own zone).
#[derive(Clone, Copy, Debug)]
pub(super) struct Rid {
    pub(super) key: RecurrenceId,
    /// The RECURRENCE-ID's date as written.
    pub(super) date: NaiveDate,
    /// The override's index in the calendar.
    pub(super) event: u32,
}

/// Expands the events of one UID (`group`, in file order): the series master, if any, then
/// each single-instance override its EXDATEs did not delete.
pub(super) fn expand_group(ctx: &mut Ctx<'_>, group: &[u32], out: &mut Vec<Occurrence>) {
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

pub(super) fn rid_key(r: RecurrenceId) -> NaiveDateTime {
    match r {
        RecurrenceId::Date(d) => d.and_time(NaiveTime::MIN),
        RecurrenceId::Utc(t) => t,
    }
}

/// A RECURRENCE-ID;RANGE=THISANDFUTURE override: the instances from its id on are moved by
/// `shift` seconds and take its event and length.
#[derive(Clone, Copy, Debug)]
pub(super) struct Future {
    /// The id it applies from.
    key: NaiveDateTime,
    pub(super) event: u32,
    pub(super) shift: i64,
    pub(super) length: Length,
}

/// A series' THISANDFUTURE overrides, by recurrence id.
pub(super) struct Futures {
    list: Vec<Future>,
    /// The largest shift either way, which widens the search range.
    pub(super) max_shift: i64,
}

/// What the THISANDFUTURE overrides do to one instance.
pub(super) enum Moved {
    /// Nothing: no override applies from before it.
    Not,
    /// Moved by the latest override before it.
    By(Future),
    /// It is an override's own instance, emitted by [`expand_group`].
    Own,
}

impl Futures {
    /// What the latest THISANDFUTURE override at or before `rid` does to that instance.
    pub(super) fn moving(&self, rid: RecurrenceId) -> Moved {
        let at = rid_key(rid);
        match self.list.iter().rev().find(|f| f.key <= at) {
            Some(f) if at > f.key => Moved::By(*f),
            Some(_) => Moved::Own,
            None => Moved::Not,
        }
    }
}

/// The THISANDFUTURE overrides among `rids`, sorted by their recurrence id; warns when one
/// moves instances too far to be searched.
pub(super) fn this_and_future(ctx: &mut Ctx<'_>, ev: &Event, rids: &[Rid]) -> Futures {
    let cal = ctx.cal;
    let mut list: Vec<Future> = Vec::new();
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
        list.push(Future {
            key,
            event: o,
            shift,
            length: olen,
        });
    }
    list.sort_by_key(|f| f.key);
    let max_shift = list.iter().map(|f| f.shift.abs()).max().unwrap_or(0);
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
    Futures { list, max_shift }
}

/// The instances that single-instance overrides replace (those are emitted by
/// [`expand_group`]): by date for DATE ids and for all-day series, by instant otherwise.
pub(super) struct Overridden {
    dates: Vec<NaiveDate>,
    instants: Vec<NaiveDateTime>,
}

impl Overridden {
    pub(super) fn of(cal: &Calendar, rids: &[Rid], allday: bool) -> Overridden {
        let mut dates: Vec<NaiveDate> = Vec::new();
        let mut instants: Vec<NaiveDateTime> = Vec::new();
        for r in rids {
            if cal.events[r.event as usize].this_and_future {
                continue;
            }
            match r.key {
                RecurrenceId::Date(d) => dates.push(d),
                RecurrenceId::Utc(_) if allday => dates.push(r.date),
                RecurrenceId::Utc(u) => instants.push(u),
            }
        }
        dates.sort_unstable();
        instants.sort_unstable();
        Overridden { dates, instants }
    }

    /// Whether an override replaces the instance starting at `local` (`utc`).
    pub(super) fn replaces(&self, local: NaiveDateTime, utc: NaiveDateTime, allday: bool) -> bool {
        self.dates.binary_search(&local.date()).is_ok()
            || (!allday && self.instants.binary_search(&utc).is_ok())
    }
}
