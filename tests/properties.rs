//! Properties of the whole analysis on small random calendars (proptest): a handful of events
//! with random starts, lengths, rules, EXDATEs and moved instances, in UTC and two zones,
//! read in a random user zone. Each property is one a user relies on without checking it.
//! The case count is kept small so the suite stays quick at the test profile's opt-level 1;
//! `PROPTEST_CASES=2000 cargo test --test integration properties` searches harder.

use std::collections::HashMap;

use calaudit::ics::expand::{self, ExpandLimits, ExpandOptions};
use calaudit::ics::zone::Zone;
use calaudit::pipeline::Analysis;
use calaudit::report::{WeekSummary, Window};
use chrono::{Duration, NaiveDate, NaiveTime};
use proptest::prelude::*;

use crate::util;

/// One generated VEVENT (a series master, with at most one moved instance).
#[derive(Clone, Debug)]
struct Ev {
    /// 0: UTC (`Z`), 1: Europe/Berlin, 2: America/New_York, 3: floating.
    zone: u8,
    /// Days after 2025-02-24 (a Monday).
    day: i64,
    /// Quarter hours after midnight.
    quarter: i64,
    /// Length in quarter hours (days for an all-day event).
    length: i64,
    allday: bool,
    /// Index into [`RULES`], if recurring.
    rule: Option<usize>,
    count: u32,
    /// An EXDATE this many days after DTSTART.
    exdate: Option<i64>,
    /// The instance this many days after DTSTART moved by this many hours.
    moved: Option<(i64, i64)>,
    summary: usize,
    status: usize,
}

const RULES: [&str; 7] = [
    "FREQ=DAILY;COUNT={n}",
    "FREQ=WEEKLY;BYDAY=MO,WE,FR",
    "FREQ=DAILY;INTERVAL=2;UNTIL=20250420T235959Z",
    "FREQ=HOURLY;INTERVAL=5;COUNT={n}",
    "FREQ=MINUTELY;INTERVAL=45;COUNT={n}",
    "FREQ=WEEKLY;INTERVAL=2;COUNT={n}",
    "FREQ=MONTHLY;BYDAY=1MO,-1FR",
];

const SUMMARIES: [&str; 6] = [
    "1:1 Alex",
    "Focus time",
    "Design review",
    "Interview loop",
    "Lunch",
    "Out of office",
];

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 2, 24).expect("a date")
}

fn ev() -> impl Strategy<Value = Ev> {
    (
        (
            0u8..4,
            0i64..63,
            24i64..80,
            1i64..12,
            prop::bool::weighted(0.15),
        ),
        (
            prop::option::weighted(0.7, 0usize..RULES.len()),
            1u32..40,
            prop::option::weighted(0.3, 0i64..20),
            prop::option::weighted(0.3, (0i64..20, -30i64..30)),
            0usize..SUMMARIES.len(),
            0usize..8,
        ),
    )
        .prop_map(
            |(
                (zone, day, quarter, length, allday),
                (rule, count, exdate, moved, summary, status),
            )| {
                Ev {
                    zone,
                    day,
                    quarter,
                    length,
                    allday,
                    rule,
                    count,
                    exdate,
                    moved,
                    summary,
                    status,
                }
            },
        )
}

/// `DTSTART`-style value of `day` days and `quarter` quarter hours after the base, in `zone`.
fn stamp(zone: u8, day: i64, quarter: i64, hours: i64) -> String {
    let t = base().and_time(NaiveTime::MIN)
        + Duration::days(day)
        + Duration::minutes(quarter * 15)
        + Duration::hours(hours);
    let v = t.format("%Y%m%dT%H%M%S");
    match zone {
        0 => format!(":{v}Z"),
        1 => format!(";TZID=Europe/Berlin:{v}"),
        2 => format!(";TZID=America/New_York:{v}"),
        _ => format!(":{v}"),
    }
}

fn ics(events: &[Ev]) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for (i, e) in events.iter().enumerate() {
        let uid = format!("ev{i}");
        let date = |days: i64| (base() + Duration::days(e.day + days)).format("%Y%m%d");
        let (start, length) = if e.allday {
            (
                format!(";VALUE=DATE:{}", date(0)),
                format!("P{}D", 1 + e.length % 3),
            )
        } else {
            (
                stamp(e.zone, e.day, e.quarter, 0),
                format!("PT{}M", e.length * 15),
            )
        };
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART{start}\r\nDURATION:{length}\r\nSUMMARY:{}\r\n",
            SUMMARIES[e.summary]
        ));
        match e.status {
            0 => s.push_str("STATUS:CANCELLED\r\n"),
            1 => s.push_str("TRANSP:TRANSPARENT\r\n"),
            _ => {}
        }
        let Some(rule) = e.rule else {
            s.push_str("END:VEVENT\r\n");
            continue;
        };
        s.push_str(&format!(
            "RRULE:{}\r\n",
            RULES[rule].replace("{n}", &e.count.to_string())
        ));
        let at = |days: i64, hours: i64| {
            if e.allday {
                format!(";VALUE=DATE:{}", date(days))
            } else {
                stamp(e.zone, e.day + days, e.quarter, hours)
            }
        };
        if let Some(k) = e.exdate {
            s.push_str(&format!("EXDATE{}\r\n", at(k, 0)));
        }
        s.push_str("END:VEVENT\r\n");
        if let Some((k, hours)) = e.moved {
            s.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:{uid}\r\nRECURRENCE-ID{}\r\nDTSTART{}\r\nDURATION:{length}\r\nSUMMARY:{} (moved)\r\nEND:VEVENT\r\n",
                at(k, 0),
                at(k, if e.allday { 0 } else { hours }),
                SUMMARIES[e.summary]
            ));
        }
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

const ZONES: [&str; 3] = ["UTC", "America/New_York", "Europe/Berlin"];

/// The window of `weeks` weeks from `week` weeks after the base.
fn window(tz: &str, week: i64, weeks: i64) -> Window {
    let from = base() + Duration::weeks(week);
    util::window(
        tz,
        &from.to_string(),
        &(from + Duration::weeks(weeks)).to_string(),
    )
}

/// Each occurrence as (UID, recurrence id, start, end), with how often it occurs.
fn occurrences(a: &Analysis) -> HashMap<String, usize> {
    let mut m = HashMap::new();
    for r in &a.rows {
        let key = format!(
            "{} {:?} {} {}",
            a.event(r).uid,
            r.occ.recurrence_id,
            r.occ.start,
            r.occ.end
        );
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn reports_add_up(
        events in prop::collection::vec(ev(), 1..7),
        tz in 0usize..ZONES.len(),
        a in 0i64..4,
        ab in 1i64..4,
        bc in 1i64..4,
    ) {
        let tz = ZONES[tz];
        let bytes = ics(&events).into_bytes();
        let wide = window(tz, a, ab + bc);
        let wa = util::analyze(bytes.clone(), wide, &[]);
        let rep = util::report(&wa, wide);
        let mut busy = 0;
        for w in &rep.weeks {
            // Week totals never exceed the week (a DST week has 167 or 169 hours).
            let week = util::window(
                tz,
                &w.week_start.to_string(),
                &(w.week_start + Duration::days(7)).to_string(),
            );
            let len = week.end() - week.start();
            prop_assert!(w.busy_seconds >= 0 && w.busy_seconds <= len.num_seconds(), "{w:?}");
            // Categories sum to busy time.
            prop_assert_eq!(w.seconds.values().sum::<i64>(), w.busy_seconds, "{:?}", w);
            prop_assert!(w.seconds.values().all(|s| *s >= 0), "{:?}", w);
            busy += w.busy_seconds;
        }
        // Busy time is at most the sum of the counted occurrences' lengths in the window.
        let (ws, we) = (wide.start(), wide.end());
        let lengths: i64 = wa
            .rows
            .iter()
            .filter(|r| wa.counted(r) && !r.occ.is_allday())
            .map(|r| (r.occ.end.min(we) - r.occ.start.max(ws)).num_seconds().max(0))
            .sum();
        prop_assert!(busy <= lengths, "busy {busy} > lengths {lengths}");

        // [a, c) is [a, b) then [b, c) for a week-aligned b.
        let first = window(tz, a, ab);
        let second = window(tz, a + ab, bc);
        let fa = util::analyze(bytes.clone(), first, &[]);
        let sa = util::analyze(bytes, second, &[]);
        let mut split = util::report(&fa, first).weeks;
        split.extend(util::report(&sa, second).weeks);
        // Except two counts kept per week by where an occurrence starts: an excluded
        // occurrence is counted in the week it starts or, when it starts before the window, in
        // the window's first week, so one across b is counted in both halves (by design, see
        // report::build); and a meeting that breaks protected time across b is a violation in
        // the week it starts only when both are in the same half (see report::nofly).
        let total = |rows: &[WeekSummary]| -> u32 {
            rows.iter()
                .map(|w| w.excluded.declined + w.excluded.cancelled + w.excluded.transparent + w.excluded.allday)
                .sum()
        };
        prop_assert!(total(&split) >= total(&rep.weeks));
        let without_counts = |rows: &[WeekSummary]| -> Vec<WeekSummary> {
            rows.iter()
                .map(|w| WeekSummary { excluded: Default::default(), no_fly_violations: 0, ..w.clone() })
                .collect()
        };
        prop_assert_eq!(without_counts(&split), without_counts(&rep.weeks));

        // Narrowing the window never adds an occurrence.
        let all = occurrences(&wa);
        for narrow in [&fa, &sa] {
            for (k, n) in occurrences(narrow) {
                prop_assert!(all.get(&k).is_some_and(|m| *m >= n), "{k} not in the wide window");
            }
        }
    }

    #[test]
    fn expansion_is_the_same_on_one_thread_or_two(
        events in prop::collection::vec(ev(), 2..7),
        tz in 0usize..ZONES.len(),
        a in 0i64..4,
        weeks in 1i64..6,
    ) {
        let mut cal = calaudit::ics::parse(ics(&events).as_bytes());
        let (resolvers, _) = expand::resolvers(&mut cal);
        let w = window(ZONES[tz], a, weeks);
        let opts = ExpandOptions {
            window_start: w.start(),
            window_end: w.end(),
            user_zone: Zone::Iana(w.tz),
            ignore_x_wr_timezone: false,
            limits: ExpandLimits::default(),
        };
        // Two threads whenever there are two events (the default needs 10,000).
        let one = expand::expand_with(&cal, &resolvers, &opts, usize::MAX);
        let two = expand::expand_with(&cal, &resolvers, &opts, 0);
        prop_assert_eq!(one, two);
    }
}
