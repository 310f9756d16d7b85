//! One occurrence of a non-recurring event or of an override, and the two ways any
//! occurrence is emitted (all-day, timed), each counted against the feed's limit.

use chrono::{Duration as ChronoDuration, NaiveDate, NaiveDateTime, NaiveTime};

use super::length::{
    end_of, length_from, length_key, length_of, plus_seconds, too_long, warn_too_long, Length,
};
use super::MAX_SPAN_SECONDS;
use super::{overlaps, Ctx, ExpandOptions, Occurrence, OccurrenceTime, RecurrenceId};
use crate::ics::event::Event;
use crate::ics::value::DateValue;

/// Emits the occurrence of a non-recurring VEVENT (or of an override) if it overlaps the window.
/// The start is placed in its zone once, for both its instant and the event's length.
pub(super) fn push_single(
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
pub(super) fn far_from_window(opts: &ExpandOptions, ev: &Event, start: DateValue) -> bool {
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
    if ahead(opts.window_end.naive_utc(), SLACK).is_some_and(|limit| s > limit) {
        return true;
    }
    ahead(s, span.max(86_400).saturating_add(SLACK))
        .is_some_and(|end| end < opts.window_start.naive_utc())
}

pub(super) fn push_allday(
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
    if overlaps(
        s_utc,
        e_utc,
        ctx.opts.window_start.naive_utc(),
        ctx.opts.window_end.naive_utc(),
    ) {
        if !take_occurrence(ctx, event) {
            return;
        }
        out.push(Occurrence {
            event,
            time: OccurrenceTime::AllDay { start: d, end },
            start: s_utc.and_utc(),
            end: e_utc.and_utc(),
            recurrence_id: rid,
            floating: false,
        });
    }
}

pub(super) fn push_timed(
    ctx: &mut Ctx<'_>,
    event: u32,
    start: NaiveDateTime,
    end: NaiveDateTime,
    rid: Option<RecurrenceId>,
    floating: bool,
    out: &mut Vec<Occurrence>,
) {
    if overlaps(
        start,
        end,
        ctx.opts.window_start.naive_utc(),
        ctx.opts.window_end.naive_utc(),
    ) {
        if !take_occurrence(ctx, event) {
            return;
        }
        out.push(Occurrence {
            event,
            time: OccurrenceTime::Timed {
                start: start.and_utc(),
                end: end.and_utc(),
            },
            start: start.and_utc(),
            end: end.and_utc(),
            recurrence_id: rid,
            floating,
        });
    }
}

/// Counts one more occurrence of `event` against the feed's limit; false when none is left.
pub(super) fn take_occurrence(ctx: &mut Ctx<'_>, event: u32) -> bool {
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
