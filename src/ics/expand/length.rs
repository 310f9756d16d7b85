//! How long an instance lasts, RFC 5545 style: a DTEND-based length is the same exact
//! length for every instance (3.8.5.3), a DURATION's days are nominal and its hours exact
//! (3.3.6), an all-day event lasts whole days. Also the overflow-safe date arithmetic and
//! the [`MAX_EVENT_SPAN_DAYS`] check that every kind of instance goes through.

use chrono::{Duration as ChronoDuration, NaiveDateTime};

use super::{Ctx, MAX_EVENT_SPAN_DAYS, MAX_SPAN_SECONDS};
use crate::ics::event::{Event, Warning};
use crate::ics::value::{DateValue, Duration};
use crate::ics::zone::Zone;

/// How long each instance lasts.
#[derive(Clone, Copy, Debug)]
pub(super) enum Length {
    /// All-day: nominal days.
    Days(i64),
    /// Timed: nominal days (local clock) then exact seconds.
    Timed { days: i64, seconds: i64 },
}

/// A candidate instance of a series before overrides: its original start.
pub(super) fn length_of(ctx: &mut Ctx<'_>, ev: &Event, start: DateValue) -> Length {
    length_from(ctx, ev, start, |ctx| ctx.exact_instant(start, ev.line))
}

/// [`length_of`] with the start's instant given by `start_utc`, for callers that have it
/// already (it is only asked for a timed start with a DTEND).
pub(super) fn length_from(
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
pub(super) fn end_of(
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
pub(super) fn plus_days(t: NaiveDateTime, days: i64) -> Option<NaiveDateTime> {
    t.checked_add_signed(ChronoDuration::try_days(days)?)
}

/// `t` + `seconds`, `None` on overflow.
pub(super) fn plus_seconds(t: NaiveDateTime, seconds: i64) -> Option<NaiveDateTime> {
    t.checked_add_signed(ChronoDuration::try_seconds(seconds)?)
}

/// `t` + `seconds`, held at chrono's limits: for bounds of a search range.
pub(super) fn plus_seconds_saturating(t: NaiveDateTime, seconds: i64) -> NaiveDateTime {
    plus_seconds(t, seconds).unwrap_or(if seconds < 0 {
        NaiveDateTime::MIN
    } else {
        NaiveDateTime::MAX
    })
}

/// Whether an instance of this length is longer than [`MAX_EVENT_SPAN_DAYS`].
pub(super) fn too_long(len: Length) -> bool {
    max_seconds(len) > MAX_SPAN_SECONDS
}

/// The property that gives an event its length, for warnings.
pub(super) fn length_key(ev: &Event) -> &'static str {
    match (ev.dtend, ev.duration) {
        (Some(_), _) => "DTEND",
        (None, Some(_)) => "DURATION",
        (None, None) => "DTSTART",
    }
}

/// Warns that `ev` is skipped for lasting longer than [`MAX_EVENT_SPAN_DAYS`].
pub(super) fn warn_too_long(ctx: &mut Ctx<'_>, ev: &Event, key: &str) {
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
pub(super) fn max_seconds(len: Length) -> i64 {
    match len {
        Length::Days(d) => d.saturating_mul(86_400),
        Length::Timed { days, seconds } => days.saturating_mul(86_400).saturating_add(seconds),
    }
}
