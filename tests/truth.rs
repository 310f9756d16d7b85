//! The benchmark generator's ground truth (`../shared/bench/gen_calendar.py --truth`): on a
//! year of a realistic manager calendar, Google-style and Outlook-style, the occurrences we
//! count are exactly the ones the generator kept (none missing, none extra).

use std::collections::BTreeMap;
use std::process::Command;

use calaudit::report::render::occurrence_json;
use serde_json::Value;

use crate::util;

fn check(style: &str) {
    let Some(bench) = util::shared("bench") else {
        return;
    };
    let dir = util::tempdir();
    let ics = dir.join(format!("cal_1y_{style}.ics"));
    let truth = dir.join(format!("cal_1y_{style}.truth.jsonl"));
    let st = Command::new("python3")
        .arg(bench.join("gen_calendar.py"))
        .args(["--years", "1", "--style", style, "--out"])
        .arg(&ics)
        .arg("--truth")
        .arg(&truth)
        .status();
    match st {
        Ok(s) if s.success() => {}
        other => {
            crate::util::skip(format!("python3 gen_calendar.py did not run ({other:?})"));
            return;
        }
    }
    let mut want: BTreeMap<(String, String, String), i32> = BTreeMap::new();
    let mut total = 0;
    for line in std::fs::read_to_string(&truth).expect("truth").lines() {
        let r: Value = serde_json::from_str(line).expect("truth jsonl");
        total += 1;
        if ["allday", "cancelled", "transparent", "declined"]
            .iter()
            .any(|k| r[k] == true)
        {
            continue;
        }
        let k = (
            r["start"].as_str().unwrap_or("").to_owned(),
            r["end"].as_str().unwrap_or("").to_owned(),
            r["summary"].as_str().unwrap_or("").to_owned(),
        );
        *want.entry(k).or_insert(0) += 1;
    }
    let a = util::analyze(
        std::fs::read(&ics).expect("generated ics"),
        util::window("America/Los_Angeles", "2025-01-01", "2026-01-01"),
        &["me@example.com"],
    );
    let mut got: BTreeMap<(String, String, String), i32> = BTreeMap::new();
    // The generator knows nothing of personal appointments: they are classification, not
    // calendar math, so they count here as the generator counts them.
    for r in a.rows.iter().filter(|r| {
        matches!(
            r.excluded,
            None | Some(calaudit::report::Exclusion::Personal)
        )
    }) {
        let j = occurrence_json(&a, r);
        let k = (
            j["start"].as_str().unwrap_or("").to_owned(),
            j["end"].as_str().unwrap_or("").to_owned(),
            j["summary"].as_str().unwrap_or("").to_owned(),
        );
        *got.entry(k).or_insert(0) += 1;
    }
    let missing: Vec<_> = want
        .iter()
        .filter(|(k, n)| got.get(*k).copied().unwrap_or(0) < **n)
        .take(5)
        .collect();
    let extra: Vec<_> = got
        .iter()
        .filter(|(k, n)| want.get(*k).copied().unwrap_or(0) < **n)
        .take(5)
        .collect();
    let (nw, ng): (i32, i32) = (want.values().sum(), got.values().sum());
    println!(
        "truth {style}: {total} generated, {nw} kept; ours counted {ng}; {} rows listed",
        a.rows.len()
    );
    assert!(
        missing.is_empty() && extra.is_empty() && nw == ng,
        "{style}: missing {missing:?}\nextra {extra:?}"
    );
    let warnings: usize = a.warnings.iter().map(|w| w.warnings.len()).sum();
    assert_eq!(warnings, 0, "{style}: unexpected warnings {:?}", a.warnings);
}

#[test]
fn google_year_matches_generator_truth() {
    check("google");
}

#[test]
fn outlook_year_matches_generator_truth() {
    check("outlook");
}
