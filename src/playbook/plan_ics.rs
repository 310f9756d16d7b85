//! The plan as an ICS file to import (Google, Outlook, Apple), written with the `icalendar`
//! crate: one VEVENT per [`Proposal`], a weekly RRULE with COUNT in the user's zone (TZID is
//! the IANA name, which Google, Outlook and Apple resolve themselves, as calaudit's parser
//! does), a stable UID and a SEQUENCE that grows with the as-of time, so that importing a later
//! plan updates the series of an earlier one instead of adding a second copy.

use chrono::Datelike;
use chrono::{DateTime, Utc, Weekday};
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
    cal.done().to_string()
}
