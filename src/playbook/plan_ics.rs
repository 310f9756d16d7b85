//! The plan as an ICS file to import (Google, Outlook, Apple), written with the `icalendar`
//! crate: one VEVENT per [`Proposal`], a weekly RRULE with COUNT in the user's zone, a stable
//! UID and a SEQUENCE that grows with the as-of time, so that importing a later plan updates
//! the series of an earlier one instead of adding a second copy.
//!
//! The TZID is the IANA name, which Google, Apple and calaudit's parser resolve themselves;
//! Outlook needs the zone spelled out, so the file also carries a VTIMEZONE for it made from
//! chrono-tz ([`vtimezone`]): one STANDARD or DAYLIGHT sub-component per transition over the
//! plan's span (and the last one before it). `icalendar` 0.17 has no VTIMEZONE component (it
//! would stamp one with a DTSTAMP and a random UID), so that block is written here, as text.

use std::fmt::Write as _;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc, Weekday,
};
use chrono_tz::{OffsetComponents, OffsetName};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, Property};

use super::plan::{Kind, Proposal};

/// `MO`, `TU`, …: RFC 5545 weekday names.
fn byday(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// The ICS text of `plan` in zone `tz`, as of `as_of` (UTC: DTSTAMP, and SEQUENCE as minutes
/// since 2020-01-01 so that a later plan wins). `organizer` is the user's address, if known:
/// it organises the proposed 1:1s.
pub fn to_ics(
    plan: &[Proposal],
    tz: chrono_tz::Tz,
    as_of: DateTime<Utc>,
    organizer: Option<&str>,
) -> String {
    let mut cal = Calendar::new();
    cal.append_property(Property::new("X-WR-CALNAME", "calaudit plan"));
    let epoch = chrono::NaiveDate::from_ymd_opt(2020, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .unwrap_or(as_of);
    let sequence = u32::try_from((as_of - epoch).num_minutes().max(0)).unwrap_or(u32::MAX);
    for p in plan {
        let at = |t| CalendarDateTime::WithTimezone {
            date_time: p.first.and_time(t),
            tzid: tz.name().to_owned(),
        };
        let mut ev = Event::new();
        ev.uid(&p.uid)
            .timestamp(as_of)
            .sequence(sequence)
            .summary(&p.summary)
            .description(&p.description)
            .starts(at(p.start))
            .ends(at(p.end))
            .add_property(
                "RRULE",
                format!(
                    "FREQ=WEEKLY;INTERVAL={};BYDAY={};COUNT={}",
                    p.interval_weeks,
                    byday(p.first.weekday()),
                    p.count
                ),
            )
            .add_property("TRANSP", "OPAQUE")
            .add_property("STATUS", "CONFIRMED");
        if let (Kind::OneOnOne(_), Some(addr)) = (&p.kind, &p.attendee) {
            if let Some(me) = organizer {
                ev.append_property(Property::new("ORGANIZER", format!("mailto:{me}")));
                ev.append_multi_property(
                    Property::new("ATTENDEE", format!("mailto:{me}"))
                        .add_parameter("PARTSTAT", "ACCEPTED")
                        .done(),
                );
            }
            ev.append_multi_property(
                Property::new("ATTENDEE", format!("mailto:{addr}"))
                    .add_parameter("PARTSTAT", "NEEDS-ACTION")
                    .add_parameter("RSVP", "TRUE")
                    .done(),
            );
        }
        cal.push(ev.done());
    }
    let text = cal.done().to_string();
    let span = plan
        .iter()
        .map(|p| {
            (
                p.first,
                p.first + Duration::weeks(i64::from(p.count.saturating_sub(1) * p.interval_weeks)),
            )
        })
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let Some((from, to)) = span else {
        return text;
    };
    // Before the first event: a TZID is defined before it is used, as Outlook writes it.
    let at = text
        .find("BEGIN:VEVENT\r\n")
        .or_else(|| text.find("END:VCALENDAR"))
        .unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + 512);
    out.push_str(&text[..at]);
    out.push_str(&vtimezone(tz, from, to));
    out.push_str(&text[at..]);
    out
}

/// The zone's offset at an instant, as far as a VTIMEZONE tells it apart: total offset
/// (seconds east of UTC), whether it is daylight time, and its abbreviation.
fn offset_at(tz: chrono_tz::Tz, t: DateTime<Utc>) -> (i32, bool, String) {
    let o = tz.offset_from_utc_datetime(&t.naive_utc());
    (
        o.fix().local_minus_utc(),
        o.dst_offset().num_seconds() != 0,
        o.abbreviation().unwrap_or("").to_owned(),
    )
}

/// Every change of offset (or abbreviation) in `(from, to]`: the first instant of the new
/// offset. Sampled every 6 hours (no zone changes twice within that), then narrowed to the
/// second.
fn transitions(tz: chrono_tz::Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let step = Duration::hours(6);
    let mut out = Vec::new();
    let mut t = from;
    let mut cur = offset_at(tz, t);
    while t < to {
        let next = t + step;
        let o = offset_at(tz, next);
        if o != cur {
            // Invariant: `lo` has the old offset, `hi` the new one.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == cur {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi);
            cur = o;
        }
        t = next;
    }
    out
}

/// `+0530`, `-0800`, `+003412` (seconds only when there are any).
fn utc_offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    let (h, m, s) = (a / 3600, a / 60 % 60, a % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

fn ics_local(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// A VTIMEZONE for `tz` (TZID its IANA name) good for local dates `from` to `to`: one
/// STANDARD or DAYLIGHT sub-component per transition in that span, plus the last transition
/// before it (so the span's first day is covered), each with the DTSTART it takes effect
/// (local time before the change, as RFC 5545 3.6.5 reads it), TZOFFSETFROM, TZOFFSETTO and
/// TZNAME. A zone without a transition in the 400 days before the span (UTC, fixed offsets)
/// starts with a component from 1970 with its offset then: for a zone without transitions in
/// the span either, that single STANDARD (DAYLIGHT for a zone on permanent daylight time) is all.
pub fn vtimezone(tz: chrono_tz::Tz, from: NaiveDate, to: NaiveDate) -> String {
    // Two days of margin either side cover any zone's offset.
    let midnight = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let (Some(start), Some(end)) = (
        midnight(from - Duration::days(2)),
        midnight(to + Duration::days(2)),
    ) else {
        return String::new();
    };
    let all = transitions(tz, start - Duration::days(400), end);
    let prior = all.iter().rposition(|&t| t <= start);
    let mut s = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let mut component = |kind_at: DateTime<Utc>, dtstart: NaiveDateTime, from_off: i32| {
        let (to_off, dst, name) = offset_at(tz, kind_at);
        let kind = if dst { "DAYLIGHT" } else { "STANDARD" };
        let _ = write!(
            s,
            "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\n",
            ics_local(dtstart),
            utc_offset(from_off),
            utc_offset(to_off)
        );
        if !name.is_empty() {
            let _ = write!(s, "TZNAME:{name}\r\n");
        }
        let _ = write!(s, "END:{kind}\r\n");
    };
    if prior.is_none() {
        let (off, _, _) = offset_at(tz, start);
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        component(start, epoch, off);
    }
    for &t in &all[prior.unwrap_or(0)..] {
        let (from_off, _, _) = offset_at(tz, t - Duration::seconds(1));
        let local = t.naive_utc() + Duration::seconds(i64::from(from_off));
        component(t, local, from_off);
    }
    s.push_str("END:VTIMEZONE\r\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    /// Los Angeles over March 2026: the last change before (PDT → PST on 2025-11-02 at 02:00
    /// PDT, 09:00Z) and the one inside (PST → PDT on 2026-03-08 at 02:00 PST, 10:00Z).
    #[test]
    fn a_dst_zone_has_the_transition_before_and_those_inside_the_span() {
        let v = vtimezone(
            chrono_tz::America::Los_Angeles,
            d("2026-03-02"),
            d("2026-03-30"),
        );
        assert_eq!(
            v,
            "BEGIN:VTIMEZONE\r\nTZID:America/Los_Angeles\r\n\
             BEGIN:STANDARD\r\nDTSTART:20251102T020000\r\nTZOFFSETFROM:-0700\r\nTZOFFSETTO:-0800\r\nTZNAME:PST\r\nEND:STANDARD\r\n\
             BEGIN:DAYLIGHT\r\nDTSTART:20260308T020000\r\nTZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700\r\nTZNAME:PDT\r\nEND:DAYLIGHT\r\n\
             END:VTIMEZONE\r\n"
        );
        // London over a year: BST from 2026-03-29 01:00 GMT, GMT again from 10-25 02:00 BST,
        // after the change of 2025-10-26.
        let v = vtimezone(chrono_tz::Europe::London, d("2026-01-05"), d("2026-12-28"));
        let starts: Vec<&str> = v.lines().filter(|l| l.starts_with("DTSTART")).collect();
        assert_eq!(
            starts,
            [
                "DTSTART:20251026T020000",
                "DTSTART:20260329T010000",
                "DTSTART:20261025T020000"
            ]
        );
    }

    /// chrono-tz has no abbreviation for zones whose name is a number (`Etc/GMT+5` is
    /// `-05`): TZNAME, which is optional, is then left out.
    #[test]
    fn a_zone_without_changes_has_one_standard() {
        for (tz, off, name) in [
            (chrono_tz::UTC, "+0000", "TZNAME:UTC\r\n"),
            (chrono_tz::Asia::Kolkata, "+0530", "TZNAME:IST\r\n"),
            (chrono_tz::Etc::GMTPlus5, "-0500", ""),
        ] {
            let v = vtimezone(tz, d("2026-03-02"), d("2026-06-01"));
            assert_eq!(
                v,
                format!(
                    "BEGIN:VTIMEZONE\r\nTZID:{}\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n\
                     TZOFFSETFROM:{off}\r\nTZOFFSETTO:{off}\r\n{name}END:STANDARD\r\nEND:VTIMEZONE\r\n",
                    tz.name()
                )
            );
        }
    }
}
