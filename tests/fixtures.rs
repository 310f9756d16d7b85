//! Our own fixtures (`fixtures/`), with expectations computed by hand.

use calaudit::classify::Category;
use calaudit::report::render::occurrence_json;

use crate::util;

/// (start, end, recurrence_id, excluded) of every occurrence, in order.
fn rows(
    file: &str,
    tz: &str,
    from: &str,
    to: &str,
    me: &[&str],
) -> Vec<(String, String, String, String)> {
    let bytes = std::fs::read(util::fixture(file)).expect("fixture");
    let a = util::analyze(bytes, util::window(tz, from, to), me);
    let s = |v: &serde_json::Value| {
        v.as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| v.to_string())
    };
    a.rows
        .iter()
        .map(|r| {
            let j = occurrence_json(&a, r);
            (
                s(&j["start"]),
                s(&j["end"]),
                s(&j["recurrence_id"]),
                s(&j["excluded"]),
            )
        })
        .collect()
}

fn r(start: &str, end: &str, rid: &str, excluded: &str) -> (String, String, String, String) {
    (start.into(), end.into(), rid.into(), excluded.into())
}

#[test]
fn dst_gap_and_fold_resolve_the_rfc_5545_way() {
    let got = rows(
        "dst-gap-and-fold.ics",
        "America/New_York",
        "2026-03-01",
        "2026-11-08",
        &[],
    );
    assert_eq!(
        got,
        vec![
            // 02:30 does not exist on 2026-03-08: read with the offset before the gap (EST).
            r(
                "2026-03-08T07:30:00Z",
                "2026-03-08T08:00:00Z",
                "null",
                "null"
            ),
            // 00:30 EDT + PT2H exact = 01:30 EST (RFC 5545 3.3.6), not 02:30 EST.
            r(
                "2026-11-01T04:30:00Z",
                "2026-11-01T06:30:00Z",
                "null",
                "null"
            ),
            // 01:30 happens twice on 2026-11-01: the first (EDT) one.
            r(
                "2026-11-01T05:30:00Z",
                "2026-11-01T07:30:00Z",
                "null",
                "null"
            ),
        ]
    );
}

#[test]
fn weekly_meeting_keeps_local_time_across_dst() {
    let got = rows(
        "weekly-across-dst.ics",
        "Europe/Berlin",
        "2026-03-01",
        "2026-05-01",
        &[],
    );
    let starts: Vec<&str> = got.iter().map(|x| x.0.as_str()).collect();
    assert_eq!(
        starts,
        [
            "2026-03-16T08:00:00Z",
            "2026-03-23T08:00:00Z",
            "2026-03-30T07:00:00Z",
            "2026-04-06T07:00:00Z"
        ]
    );
    assert!(
        got.iter().all(|x| x.2 == x.0),
        "recurrence ids are the original starts"
    );
}

#[test]
fn declined_by_me_is_excluded_case_insensitively() {
    let got = rows(
        "declined-mixed-case.ics",
        "UTC",
        "2026-01-05",
        "2026-01-06",
        &["mailto:ME@example.com"],
    );
    assert_eq!(got[0].3, "declined");
    // Someone else declining does not exclude the meeting.
    assert_eq!(got[1].3, "null");
    let nobody = rows(
        "declined-mixed-case.ics",
        "UTC",
        "2026-01-05",
        "2026-01-06",
        &[],
    );
    // Without `me`, the calendar's owner (the address on every event) is assumed, as the
    // command says on stderr (issue 11, item 4): their decline is excluded, alex's is not.
    let states: Vec<&str> = nobody.iter().map(|x| x.3.as_str()).collect();
    assert_eq!(states, ["declined", "null"]);
}

/// `cat team.ics personal.ics`: the same meeting in two VCALENDARs of one file is one
/// occurrence per UID and RECURRENCE-ID, from the version with the higher SEQUENCE (the
/// sync's second copy, the standup's first), as the same meeting in two feeds is.
#[test]
fn the_same_event_in_two_vcalendars_is_listed_once() {
    let got = rows(
        "two-vcalendars-same-event.ics",
        "UTC",
        "2026-03-02",
        "2026-03-09",
        &[],
    );
    assert_eq!(
        got,
        vec![
            r(
                "2026-03-02T09:00:00Z",
                "2026-03-02T09:15:00Z",
                "2026-03-02T09:00:00Z",
                "null"
            ),
            r(
                "2026-03-03T09:00:00Z",
                "2026-03-03T09:15:00Z",
                "2026-03-03T09:00:00Z",
                "null"
            ),
            r(
                "2026-03-03T10:00:00Z",
                "2026-03-03T11:30:00Z",
                "null",
                "null"
            ),
            r(
                "2026-03-04T09:00:00Z",
                "2026-03-04T09:15:00Z",
                "2026-03-04T09:00:00Z",
                "null"
            ),
            r(
                "2026-03-04T12:00:00Z",
                "2026-03-04T13:00:00Z",
                "null",
                "null"
            ),
        ]
    );
}

#[test]
fn moved_cancelled_and_exdated_instances() {
    let got = rows(
        "moved-and-cancelled-instances.ics",
        "UTC",
        "2026-01-05",
        "2026-01-12",
        &[],
    );
    assert_eq!(
        got,
        vec![
            r(
                "2026-01-05T10:00:00Z",
                "2026-01-05T10:30:00Z",
                "2026-01-05T10:00:00Z",
                "null"
            ),
            // Moved: shown once, at the new time, keeping its original start as the id.
            r(
                "2026-01-06T15:00:00Z",
                "2026-01-06T15:30:00Z",
                "2026-01-06T10:00:00Z",
                "null"
            ),
            r(
                "2026-01-07T10:00:00Z",
                "2026-01-07T10:30:00Z",
                "2026-01-07T10:00:00Z",
                "cancelled"
            ),
            // 2026-01-08 is an EXDATE; COUNT=5 ends on the 9th.
            r(
                "2026-01-09T10:00:00Z",
                "2026-01-09T10:30:00Z",
                "2026-01-09T10:00:00Z",
                "null"
            ),
        ]
    );
}

#[test]
fn windows_zone_names_without_vtimezone() {
    let got = rows(
        "windows-tzid-no-vtimezone.ics",
        "UTC",
        "2026-01-01",
        "2027-01-01",
        &[],
    );
    assert_eq!(
        got,
        vec![
            r(
                "2026-01-15T08:00:00Z",
                "2026-01-15T09:00:00Z",
                "null",
                "null"
            ),
            r(
                "2026-07-01T16:00:00Z",
                "2026-07-01T16:30:00Z",
                "null",
                "null"
            ),
        ]
    );
}

#[test]
fn allday_multiday_and_out_of_office_hours() {
    let bytes = std::fs::read(util::fixture("allday-multiday.ics")).expect("fixture");
    let w = util::window("UTC", "2026-01-05", "2026-01-12");
    let a = util::analyze(bytes, w, &[]);
    let allday: Vec<(String, String)> = a
        .rows
        .iter()
        .filter(|r| r.occ.is_allday())
        .map(|r| {
            let j = occurrence_json(&a, r);
            (
                j["start"].as_str().unwrap_or("").to_owned(),
                j["end"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        allday,
        vec![
            ("2026-01-05".into(), "2026-01-08".into()),
            ("2026-01-08".into(), "2026-01-10".into())
        ]
    );
    let rep = util::report(&a, w);
    let wk = &rep.weeks[0];
    // Three OOO workdays: 40h - 3 × 8h.
    assert_eq!((wk.ooo_days, wk.working_hours), (3, 16.0));
    assert_eq!(wk.excluded.allday, 2);
    assert_eq!(wk.busy_seconds, 3600);
    assert!((wk.people_share.unwrap_or(0.0) - 1.0 / 16.0).abs() < 1e-9);
}

#[test]
fn overlapping_meetings_count_once_and_meetings_beat_focus() {
    let bytes = std::fs::read(util::fixture("overlapping-meetings.ics")).expect("fixture");
    let w = util::window("UTC", "2026-01-05", "2026-01-12");
    let a = util::analyze(bytes, w, &[]);
    let wk = &util::report(&a, w).weeks[0];
    assert_eq!(wk.busy_seconds, 3 * 3600);
    assert_eq!(wk.seconds[Category::People], 3600);
    assert_eq!(wk.seconds[Category::Technical], 1800);
    assert_eq!(wk.seconds[Category::DeepWork], 5400);
    assert_eq!(wk.seconds[Category::Other], 0);
}

#[test]
fn endless_secondly_rule_costs_only_the_window_and_is_capped() {
    let bytes = std::fs::read(util::fixture("secondly-from-1970.ics")).expect("fixture");
    // One day of 2026: exactly 86,400 one-second occurrences, found without walking 56 years.
    let a = util::analyze(
        bytes.clone(),
        util::window("UTC", "2026-01-05", "2026-01-06"),
        &[],
    );
    assert_eq!(a.rows.len(), 86_400);
    assert_eq!(
        a.rows[0].occ.start.naive_utc().to_string(),
        "2026-01-05 00:00:00"
    );
    // A year would be 31.5 M instances: the hard cap stops it with a warning naming the event.
    let a = util::analyze(bytes, util::window("UTC", "2026-01-01", "2027-01-01"), &[]);
    let cap = calaudit::ics::expand::MAX_INSTANCES_PER_SERIES;
    // The cap counts the instances searched, a few of which (the last hour) precede the window.
    assert!(
        a.rows.len() <= cap && a.rows.len() >= cap - 3_601,
        "{}",
        a.rows.len()
    );
    let w = &a.warnings[0].warnings;
    assert!(
        w.iter()
            .any(|w| w.line == 4 && w.message.contains("every-second@fixtures")),
        "{w:?}"
    );
}

#[test]
fn garbage_feeds_never_panic_the_pipeline() {
    // Fragments of real calendars shuffled with random bytes, through parse, expand, classify
    // and report (a deterministic xorshift, so a failure is reproducible).
    let pieces: &[&str] = &[
        "BEGIN:VCALENDAR\n", "BEGIN:VEVENT\n", "END:VEVENT\n", "END:VCALENDAR\n", "UID:a\n", "UID:b\n",
        "DTSTART;TZID=Pacific Standard Time:20260105T090000\n", "DTSTART:20260105T090000Z\n",
        "DTSTART;VALUE=DATE:20260105\n", "DTEND:20260104T090000Z\n", "DURATION:P1W\n", "DURATION:-PT1H\n",
        "RRULE:FREQ=DAILY;COUNT=3\n", "RRULE:FREQ=MINUTELY;BYSETPOS=-1\n", "RRULE:FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO\n",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20260101\n", "EXRULE:FREQ=WEEKLY\n", "RDATE;VALUE=PERIOD:20260106T100000Z/PT1H\n",
        "EXDATE:20260106T090000Z\n", "RECURRENCE-ID;RANGE=THISANDFUTURE:20260107T090000Z\n",
        "RECURRENCE-ID;VALUE=DATE:20260108\n", "STATUS:CANCELLED\n", "X-WR-TIMEZONE:Europe/Berlin\n",
        "BEGIN:VTIMEZONE\nTZID:Custom\nBEGIN:STANDARD\nDTSTART:16010101T020000\nTZOFFSETFROM:-0700\nTZOFFSETTO:-0800\nRRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\nEND:STANDARD\nEND:VTIMEZONE\n",
        "DTSTART;TZID=Custom:20260308T023000\n", " folded", "\r\n", ":", ";", "\"",
    ];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..300 {
        let mut buf = Vec::new();
        for _ in 0..30 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if x % 7 == 0 {
                buf.push((x >> 8) as u8);
            } else {
                buf.extend_from_slice(pieces[(x >> 16) as usize % pieces.len()].as_bytes());
            }
        }
        let w = util::window("America/Los_Angeles", "2026-01-01", "2026-03-01");
        let a = util::analyze(buf, w, &["me@example.com"]);
        let _ = util::report(&a, w);
    }
}
