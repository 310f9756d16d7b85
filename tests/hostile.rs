//! Feeds written to break us (issue 12): each test is a regression test for one way a feed
//! crashed, stalled or fooled the ICS layer. Bad input never crashes or stalls, every problem
//! is a warning that names the feed, the line and the key, and the rest of the feed is used.

use calaudit::pipeline::Analysis;

use crate::util::{self, calaudit, stderr, stdout};

/// The start of every occurrence of an analysis, with its event's UID.
fn uids(a: &Analysis) -> Vec<(String, String)> {
    a.rows
        .iter()
        .map(|r| (a.event(r).uid.clone(), r.occ.start_utc.to_string()))
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
