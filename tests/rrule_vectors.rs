// RRULE conformance against the shared vectors in `../shared/ics-corpus/rrule-vectors/`:
// libical's `icalrecur_test` (146 rows) and rust-rrule's RFC 5545 examples (36 rows).
//
// The data is read in place (it is licensed separately and must not be copied into the
// project). Where we deliberately depart from libical, the row is listed in [`DEPARTURES`]
// with our expected output; `docs/rrule-choices.md` explains each one.

use std::path::PathBuf;

use calaudit::ics::rrule::{Rule, Until};
use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use serde_json::Value;

/// libical rows where our output deliberately differs: (line, our expected instances).
/// See docs/rrule-choices.md for the reasoning behind each.
const DEPARTURES: &[(u64, &[&str])] = &[
    // byweekno / dtstart-not-matching-rule: 2027-01-03 lies in ISO week 53 of 2026, so the
    // yearly interval counts week-numbering years from 2026 (as libical itself does for a
    // matching DTSTART, rows 725-740). INTERVAL=6: 2026, 2032 -> Thursday of week 53 of 2032.
    (681, &["20321230T000000Z"]),
    // INTERVAL=5: 2026, 2031, ..., the first with a week 53 is 2071 (Thursday 2071-12-31).
    (686, &["20711231T000000Z"]),
    // libical-unimplemented: BYMONTH, BYMONTHDAY and BYWEEKNO intersect (RFC 5545 3.3.10).
    // Dec 30 in week 1 of the next week-numbering year.
    (405, &["20241230", "20251230", "20301230", "20311230"]),
];

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/ics-corpus/rrule-vectors")
}

fn parse_local(value: &str) -> Option<(NaiveDateTime, bool)> {
    let value = value.trim_end_matches('Z');
    if value.len() == 8 {
        let d = NaiveDate::parse_from_str(value, "%Y%m%d").ok()?;
        return Some((d.and_hms_opt(0, 0, 0)?, true));
    }
    Some((
        NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").ok()?,
        false,
    ))
}

/// The rule's UNTIL as a wall-clock bound in the event's time; `to_local` converts a UTC
/// UNTIL. A DATE UNTIL with a DATE-TIME start includes that whole day.
fn until_bound(
    until: Until,
    date_only: bool,
    to_local: impl Fn(NaiveDateTime) -> NaiveDateTime,
) -> Option<NaiveDateTime> {
    match until {
        Until::Date(d) if date_only => d.and_hms_opt(0, 0, 0),
        Until::Date(d) => d.and_hms_opt(23, 59, 59),
        Until::Local(t) => Some(t),
        Until::Utc(t) => Some(to_local(t)),
    }
}

struct Failure {
    suite: &'static str,
    line: u64,
    what: String,
    expected: Vec<String>,
    got: Vec<String>,
}

impl Failure {
    fn describe(&self) -> String {
        let first = self
            .expected
            .iter()
            .zip(&self.got)
            .position(|(e, g)| e != g)
            .unwrap_or(self.expected.len().min(self.got.len()));
        let lo = first.saturating_sub(1);
        let end = |v: &[String]| v[lo.min(v.len())..(first + 4).min(v.len())].join(" ");
        format!(
            "{} line {}: {}\n  first difference at item {} (expected {} items, got {})\n  \
             expected: ... {}\n  got:      ... {}",
            self.suite,
            self.line,
            self.what,
            first,
            self.expected.len(),
            self.got.len(),
            end(&self.expected),
            end(&self.got),
        )
    }
}

fn rows(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(vectors_dir().join(name))
        .unwrap_or_else(|e| panic!("reading {name}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}")))
        .collect()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn run_libical(failures: &mut Vec<Failure>) -> (usize, usize) {
    let mut departures_used = 0;
    let all = rows("libical_icalrecur_test.jsonl");
    for row in &all {
        let line = row["line"].as_u64().unwrap_or(0);
        let dtstart_text = row["dtstart"].as_str().unwrap_or("");
        let rrule = row["rrule"].as_str().unwrap_or("");
        let truncated = row["expected_truncated"].as_bool().unwrap_or(false);
        let mut expected = strings(&row["expected"]);
        if let Some((_, ours)) = DEPARTURES.iter().find(|(l, _)| *l == line) {
            expected = ours.iter().map(|s| s.to_string()).collect();
            departures_used += 1;
        }
        let what = format!("{dtstart_text} RRULE:{rrule}");
        let value = dtstart_text.rsplit(':').next().unwrap_or("");
        let utc = value.ends_with('Z');
        let Some((dtstart, date_only)) = parse_local(value) else {
            panic!("line {line}: bad DTSTART {dtstart_text}");
        };
        let rule = match Rule::parse(rrule) {
            Ok(rule) => rule,
            Err(e) => {
                failures.push(Failure {
                    suite: "libical",
                    line,
                    what: format!("{what}: parse error: {e}"),
                    expected,
                    got: Vec::new(),
                });
                continue;
            }
        };
        // libical compares a UTC UNTIL with a floating DTSTART clock to clock.
        let until = rule.until().and_then(|u| until_bound(u, date_only, |t| t));
        let bounded = !truncated && (rule.count().is_some() || until.is_some());
        let take = expected.len() + usize::from(bounded);
        let got: Vec<String> = rule
            .iter(dtstart, date_only, until, None)
            .take(take)
            .map(|t| {
                if date_only {
                    t.format("%Y%m%d").to_string()
                } else if utc {
                    t.format("%Y%m%dT%H%M%SZ").to_string()
                } else {
                    t.format("%Y%m%dT%H%M%S").to_string()
                }
            })
            .collect();
        if got != expected {
            failures.push(Failure {
                suite: "libical",
                line,
                what,
                expected,
                got,
            });
        }
    }
    (all.len(), departures_used)
}

fn run_rust_rrule(failures: &mut Vec<Failure>) -> usize {
    let ny = chrono_tz::America::New_York;
    let all = rows("rust_rrule_rfc_tests.jsonl");
    for row in &all {
        let line = row["line"].as_u64().unwrap_or(0);
        let ics = row["ics"].as_str().unwrap_or("");
        let expected = strings(&row["expected"]);
        let limit = row["limit"].as_u64().map(|n| n as usize);
        let (mut dtstart, mut rrule, mut exdates) = (None, None, Vec::new());
        for l in ics.lines() {
            let (name, value) = l.split_once(':').unwrap_or((l, ""));
            if name.starts_with("DTSTART") {
                dtstart = parse_local(value);
            } else if name.starts_with("RRULE") {
                rrule = Some(value.to_owned());
            } else if name.starts_with("EXDATE") {
                exdates.extend(value.split(',').filter_map(|v| parse_local(v).map(|p| p.0)));
            }
        }
        let (Some((dtstart, date_only)), Some(rrule)) = (dtstart, rrule) else {
            panic!("line {line}: no DTSTART or RRULE in {ics:?}");
        };
        let what = ics.replace('\n', " ");
        let rule = match Rule::parse(&rrule) {
            Ok(rule) => rule,
            Err(e) => {
                failures.push(Failure {
                    suite: "rust-rrule",
                    line,
                    what: format!("{what}: parse error: {e}"),
                    expected,
                    got: Vec::new(),
                });
                continue;
            }
        };
        let until = rule
            .until()
            .and_then(|u| until_bound(u, date_only, |t| ny.from_utc_datetime(&t).naive_local()));
        let take = limit.unwrap_or(expected.len() + 1);
        let got: Vec<String> = rule
            .iter(dtstart, date_only, until, None)
            .filter(|t| !exdates.contains(t))
            .take(take)
            .map(|t| match ny.from_local_datetime(&t).earliest() {
                Some(zoned) => zoned.to_rfc3339(),
                None => format!("{t} (nonexistent in New York)"),
            })
            .collect();
        if got != expected {
            failures.push(Failure {
                suite: "rust-rrule",
                line,
                what,
                expected,
                got,
            });
        }
    }
    all.len()
}

#[test]
fn rrule_vectors() {
    if !vectors_dir().is_dir() {
        crate::util::skip("../shared/ics-corpus not found");
        return;
    }
    let mut failures = Vec::new();
    let (libical, departures) = run_libical(&mut failures);
    let rust_rrule = run_rust_rrule(&mut failures);
    let total = libical + rust_rrule;
    println!(
        "rrule vectors: {}/{} pass (libical {}, rust-rrule {}), {} deliberate departures",
        total - failures.len(),
        total,
        libical,
        rust_rrule,
        departures,
    );
    assert_eq!(
        departures,
        DEPARTURES.len(),
        "a departure names a line that is not in the data"
    );
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("{}", f.describe());
        }
        panic!("{} rrule vector(s) failed", failures.len());
    }
}
