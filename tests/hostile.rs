//! Feeds written to break us (issue 12): each test is a regression test for one way a feed
//! crashed, stalled or fooled the ICS layer. Bad input never crashes or stalls, every problem
//! is a warning that names the feed, the line and the key, and the rest of the feed is used.

use calaudit::ics::expand::{
    ExpandLimits, ExpandOptions, Occurrence, MAX_INSTANCES_PER_SERIES, MAX_OCCURRENCES_PER_FEED,
};
use calaudit::ics::zone::Zone;
use calaudit::pipeline::Analysis;
use chrono::{NaiveDate, NaiveTime};

use crate::util::{self, calaudit, stderr, stdout};

/// The start of every occurrence of an analysis, with its event's UID.
fn uids(a: &Analysis) -> Vec<(String, String)> {
    a.rows
        .iter()
        .map(|r| (a.event(r).uid.clone(), r.occ.start.naive_utc().to_string()))
        .collect()
}

/// All warnings of an analysis as `line: message`.
fn warnings(a: &Analysis) -> Vec<String> {
    a.warnings
        .iter()
        .flat_map(|f| f.warnings.iter())
        .map(|w| format!("{}: {}", w.line, w.message))
        .collect()
}

/// `calaudit <command> --feed <fixture>` over the week of 2026-01-05 in UTC, plus `extra`.
fn run_fixture(command: &str, fixture: &str, extra: &[&str]) -> std::process::Output {
    let path = util::fixture(fixture);
    let mut args = vec![
        command,
        "--feed",
        path.to_str().unwrap_or(""),
        "--from",
        "2026-01-05",
        "--to",
        "2026-01-12",
        "--tz",
        "UTC",
        "--format",
        if command == "report" { "json" } else { "jsonl" },
    ];
    args.extend_from_slice(extra);
    calaudit(&args, None)
}

#[test]
fn multibyte_addresses_are_read_not_sliced() {
    let bytes = std::fs::read(util::fixture("multibyte-address.ics")).expect("fixture");
    let a = util::analyze(
        bytes,
        util::window("UTC", "2026-01-05", "2026-01-12"),
        &["abcde€@X.org"],
    );
    // The first event is declined by `abcde€@x.org` (me), the second accepted.
    let counted: Vec<_> = a
        .rows
        .iter()
        .map(|r| (a.event(r).uid.as_str(), a.counted(r)))
        .collect();
    assert_eq!(
        counted,
        [("multibyte@fixtures", false), ("normal@fixtures", true)]
    );
    let ev = a.event(&a.rows[0]);
    let addrs: Vec<&str> = ev.attendees.iter().map(|x| &*x.addr).collect();
    assert_eq!(addrs, ["josé Ñuñez", "abcde€@x.org", "ÿ@x.org"]);
    assert_eq!(ev.organizer.as_deref(), Some("josé Ñuñez"));
    // The binary, with the same address as `--me`.
    for command in ["report", "occurrences"] {
        let o = run_fixture(command, "multibyte-address.ics", &["--me", "abcde€@x.org"]);
        assert!(o.status.success(), "{command}: {}", stderr(&o));
    }
}

/// Each fixture's events that are too long (line of the VEVENT, key, UID) are skipped with a
/// warning, and the one ordinary event is used, through the pipeline and the binary.
#[test]
fn events_too_long_to_place_are_skipped_with_a_warning() {
    for (fixture, skipped) in [
        (
            "duration-99999999-weeks.ics",
            &[
                (4, "DURATION", "huge-duration@fixtures"),
                (10, "DURATION", "huge-duration-series@fixtures"),
                (17, "DURATION", "huge-duration-allday@fixtures"),
            ],
        ),
        (
            "spans-500-years.ics",
            &[
                (4, "DTEND", "five-centuries@fixtures"),
                (10, "DTEND", "five-centuries-allday@fixtures"),
                (16, "DURATION", "five-centuries-series@fixtures"),
            ],
        ),
    ] {
        let bytes = std::fs::read(util::fixture(fixture)).expect("fixture");
        let a = util::analyze(bytes, util::window("UTC", "2026-01-05", "2026-01-12"), &[]);
        assert_eq!(
            uids(&a),
            [("normal@fixtures".into(), "2026-01-06 14:00:00".into())],
            "{fixture}"
        );
        let w = warnings(&a);
        for (line, key, uid) in skipped {
            assert!(
                w.iter().any(|w| w.starts_with(&format!("{line}: "))
                    && w.contains(key)
                    && w.contains(uid)
                    && w.contains("400 years")),
                "{fixture}: no warning for line {line} {key} {uid}: {w:?}"
            );
        }
        for command in ["report", "occurrences"] {
            let o = run_fixture(command, fixture, &[]);
            assert!(o.status.success(), "{fixture} {command}: {}", stderr(&o));
            let e = stderr(&o);
            assert!(e.contains(fixture) && e.contains("400 years"), "{e}");
        }
        let o = run_fixture("occurrences", fixture, &[]);
        assert_eq!(stdout(&o).lines().count(), 1, "{fixture}");
    }
}

/// Expands `ics` over `[from, to)` in UTC with `limits`: occurrences and warnings.
fn expand(
    ics: &str,
    from: &str,
    to: &str,
    limits: ExpandLimits,
) -> (Vec<Occurrence>, Vec<calaudit::ics::Warning>) {
    let mut cal = calaudit::ics::parse(ics.as_bytes());
    let (resolvers, _) = calaudit::ics::expand::resolvers(&mut cal);
    let at = |d: &str| {
        d.parse::<NaiveDate>()
            .expect("test date")
            .and_time(NaiveTime::MIN)
            .and_utc()
    };
    let opts = ExpandOptions {
        window_start: at(from),
        window_end: at(to),
        user_zone: Zone::Utc,
        ignore_x_wr_timezone: false,
        limits,
    };
    calaudit::ics::expand(&cal, &resolvers, &opts)
}

/// A calendar of the given VEVENT bodies (each without BEGIN/END).
fn calendar(events: &[String]) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    for e in events {
        s.push_str("BEGIN:VEVENT\r\n");
        s.push_str(e);
        s.push_str("END:VEVENT\r\n");
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

/// One event with many RRULEs: the instance cap holds for the series, not for each rule
/// (the 21 KB event with 1,000 RRULE lines that asked for 200 million instances).
#[test]
fn the_instance_cap_holds_for_a_series_of_many_rules() {
    let mut ev = String::from("UID:many-rules\r\nDTSTART:20260105T000000Z\r\nDURATION:PT1S\r\n");
    for s in 0..60 {
        ev.push_str(&format!("RRULE:FREQ=MINUTELY;BYSECOND={s}\r\n"));
    }
    // Each rule has 5,760 instances in four days, 345,600 together.
    let (occs, w) = expand(
        &calendar(&[ev]),
        "2026-01-05",
        "2026-01-09",
        ExpandLimits::default(),
    );
    // DTSTART, and as many instances of the rules (in the order of the rules) as the cap lets:
    // it counts the instances searched, which include the hour after the window.
    assert!(
        occs.len() <= 1 + MAX_INSTANCES_PER_SERIES
            && occs.len() > MAX_INSTANCES_PER_SERIES - 60 * 60,
        "{}",
        occs.len()
    );
    assert!(
        w.iter().any(|w| w.line == 3
            && w.message.contains("many-rules")
            && w.message.contains("more than 200000 instances")),
        "{w:?}"
    );
    assert_eq!(occs[0].start.naive_utc().to_string(), "2026-01-05 00:00:00");
    assert!(occs.windows(2).all(|p| p[0].start < p[1].start));
}

/// Many series, each under its own cap: the feed's occurrences are bounded, what fits is
/// kept (in file order), and the feed is warned about once (2,000 SECONDLY series needed
/// 6-9 GB).
#[test]
fn the_occurrences_of_a_feed_are_bounded() {
    // Six SECONDLY series over two days: 172,800 each, 1,036,800 together.
    let events: Vec<String> = (0..6)
        .map(|i| {
            format!("UID:second-{i}\r\nDTSTART:20260105T000000Z\r\nDURATION:PT1S\r\nRRULE:FREQ=SECONDLY\r\n")
        })
        .collect();
    let (occs, w) = expand(
        &calendar(&events),
        "2026-01-05",
        "2026-01-07",
        ExpandLimits::default(),
    );
    assert_eq!(occs.len(), MAX_OCCURRENCES_PER_FEED);
    let feed: Vec<_> = w
        .iter()
        .filter(|w| w.message.contains("limit per feed"))
        .collect();
    assert_eq!(feed.len(), 1, "{w:?}");
    // The sixth series (line 33) is where the limit cut.
    assert_eq!(feed[0].line, 33, "{feed:?}");
    assert!(feed[0].message.contains("second-5"), "{feed:?}");
}

/// EXDATEs are applied before the instance cap, which counts what remains: an EXDATE flood
/// on a capped series used to leave it (nearly) empty.
#[test]
fn the_instance_cap_counts_instances_left_after_exdate() {
    // Every minute of a day, 1,440; the first 1,000 (DTSTART included) are excluded.
    let mut ev = String::from(
        "UID:flooded\r\nDTSTART:20260105T000000Z\r\nDURATION:PT1M\r\nRRULE:FREQ=MINUTELY\r\n",
    );
    for m in 0..1000 {
        ev.push_str(&format!(
            "EXDATE:20260105T{:02}{:02}00Z\r\n",
            m / 60,
            m % 60
        ));
    }
    let limits = ExpandLimits {
        instances_per_series: 1000,
        ..ExpandLimits::default()
    };
    let (occs, w) = expand(&calendar(&[ev]), "2026-01-05", "2026-01-06", limits);
    assert_eq!(occs.len(), 440, "{w:?}");
    assert_eq!(occs[0].start.naive_utc().to_string(), "2026-01-05 16:40:00");
    assert!(w.is_empty(), "{w:?}");
}

/// A rule that costs steps without producing instances stops at the feed's step budget,
/// with one warning naming the series, and the rest of the feed is still expanded.
#[test]
fn rule_steps_are_bounded_per_feed() {
    let events = [
        // With COUNT and BYSECOND the periods before the window are counted one by one:
        // two a minute since 2025, a million before 2026-01-05.
        "UID:costly\r\nDTSTART:20250101T000000Z\r\nRRULE:FREQ=SECONDLY;BYSECOND=0,30;COUNT=2000000000\r\n"
            .to_string(),
        "UID:ordinary\r\nDTSTART:20260105T090000Z\r\nDURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=3\r\n"
            .to_string(),
    ];
    let limits = ExpandLimits {
        rule_steps_per_feed: 100_000,
        ..ExpandLimits::default()
    };
    let (occs, w) = expand(&calendar(&events), "2026-01-05", "2026-01-06", limits);
    let starts: Vec<String> = occs
        .iter()
        .map(|o| o.start.naive_utc().to_string())
        .collect();
    assert_eq!(starts, ["2026-01-05 09:00:00"], "{w:?}");
    let steps: Vec<_> = w.iter().filter(|w| w.message.contains("steps")).collect();
    assert_eq!(steps.len(), 1, "{w:?}");
    assert_eq!(steps[0].line, 3);
    assert!(
        steps[0].message.contains("costly") && steps[0].message.contains("RRULE"),
        "{steps:?}"
    );
}

/// `FREQ=SECONDLY;COUNT=2147483647` from 1900 (81 s for a quarter of 2026): the instances
/// before the window are counted by arithmetic, so the last days of the series (in 1968) are
/// found exactly, well within a step budget a thousand times smaller than a walk from 1900
/// would need, and a window after it costs nothing.
#[test]
fn a_huge_count_is_counted_not_walked() {
    let bytes = std::fs::read(util::fixture("secondly-count-from-1900.ics")).expect("fixture");
    let ics = String::from_utf8(bytes).expect("utf-8");
    let limits = ExpandLimits {
        rule_steps_per_feed: 1_000_000,
        ..ExpandLimits::default()
    };
    let (occs, w) = expand(&ics, "1968-01-19", "1968-01-20", limits);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(occs.len(), 86_400);
    assert_eq!(occs[0].start.naive_utc().to_string(), "1968-01-19 00:00:00");
    // COUNT ends it: the last of 2^31 - 1 instances is 2^31 - 2 seconds after DTSTART.
    let (occs, w) = expand(&ics, "1968-01-20", "1968-01-21", limits);
    assert!(w.is_empty(), "{w:?}");
    let last = occs.last().map(|o| o.start.naive_utc().to_string());
    assert_eq!(last.as_deref(), Some("1968-01-20 03:14:06"));
    assert_eq!(occs.len(), 3 * 3600 + 14 * 60 + 7);
    let (occs, w) = expand(&ics, "2026-01-05", "2026-04-06", limits);
    assert!(occs.is_empty() && w.is_empty(), "{w:?}");
    // Through the binary.
    let o = run_fixture("report", "secondly-count-from-1900.ics", &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// Found by fuzzing parse+expand (fuzz/, 2026-12-05): a Windows display-name TZID whose
/// offset sign is bad UTF-8 (`(UTC\xff\xfcDJ00) Brasília`) was sliced through a character.
/// The event is still placed (by its DTSTART zone), through the pipeline and the binary.
#[test]
fn a_tzid_offset_of_bad_utf8_is_read_not_sliced() {
    let bytes = std::fs::read(util::fixture("tzid-offset-bad-utf8.ics")).expect("fixture");
    let a = util::analyze(bytes, util::window("UTC", "2017-05-08", "2017-05-15"), &[]);
    assert_eq!(a.rows.len(), 1, "{:?}", warnings(&a));
    let path = util::fixture("tzid-offset-bad-utf8.ics");
    let o = calaudit(
        &[
            "occurrences",
            "--feed",
            path.to_str().unwrap_or(""),
            "--from",
            "2017-05-08",
            "--to",
            "2017-05-15",
            "--tz",
            "UTC",
            "--format",
            "jsonl",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().count(), 1, "{}", stdout(&o));
}
