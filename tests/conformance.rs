//! The real-world corpus (`../shared/ics-corpus`): our occurrences and weekly busy minutes
//! against the reference implementation's, file by file.
//!
//! Where the reference departs from RFC 5545 we follow the RFC; each such difference is listed
//! in `tests/data/corpus-differences.json` (file, event, ours vs reference, RFC section) and
//! the test asserts *our* value there. See docs/conformance.md.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::util;

type Key = (String, String, String, String, bool); // uid, recurrence_id, start, end, allday
/// Keys with how many more times one side has them.
type Counted = Vec<(Key, i32)>;

fn key_of(v: &Value) -> Key {
    let s = |k: &str| match &v[k] {
        Value::Null => String::from("null"),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (
        s("uid"),
        s("recurrence_id"),
        s("start"),
        s("end"),
        v["allday"].as_bool().unwrap_or(false),
    )
}

fn multiset(keys: impl IntoIterator<Item = Key>) -> BTreeMap<Key, i32> {
    let mut m = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_insert(0) += 1;
    }
    m
}

fn read_jsonl(p: &Path) -> Vec<Value> {
    std::fs::read_to_string(p)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus jsonl"))
        .collect()
}

/// Differences recorded per file: occurrences only we produce / only the reference does, and
/// weekly seconds where we differ (week -> our seconds).
#[derive(Default)]
struct Recorded {
    ours_only: BTreeMap<Key, i32>,
    reference_only: BTreeMap<Key, i32>,
    weekly_ours: BTreeMap<String, i64>,
}

fn recorded() -> BTreeMap<String, Recorded> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus-differences.json");
    let v: Value = serde_json::from_str(&std::fs::read_to_string(p).expect("differences file"))
        .expect("differences json");
    let mut out: BTreeMap<String, Recorded> = BTreeMap::new();
    for d in v["differences"].as_array().expect("differences array") {
        let file = d["file"].as_str().expect("file").to_owned();
        let r = out.entry(file).or_default();
        for o in d["ours"].as_array().into_iter().flatten() {
            *r.ours_only.entry(key_of(o)).or_insert(0) += 1;
        }
        for o in d["reference"].as_array().into_iter().flatten() {
            *r.reference_only.entry(key_of(o)).or_insert(0) += 1;
        }
        for w in d["weekly_ours"].as_array().into_iter().flatten() {
            r.weekly_ours.insert(
                w["week"].as_str().expect("week").to_owned(),
                w["seconds"].as_i64().expect("seconds"),
            );
        }
    }
    out
}

/// UIDs the reference named in its warnings ("UID='x'" or "UID=None").
fn uids_in_stderr(p: &Path) -> std::collections::BTreeSet<String> {
    let text = std::fs::read_to_string(p).unwrap_or_default();
    let mut out = std::collections::BTreeSet::new();
    for part in text.split("UID=").skip(1) {
        if part.starts_with("None") {
            out.insert("null".to_owned());
        } else if let Some(rest) = part.strip_prefix('\'') {
            if let Some(end) = rest.find('\'') {
                out.insert(rest[..end].to_owned());
            }
        }
    }
    out
}

/// `CALAUDIT_RECORD_DIFFERENCES=1 cargo test corpus -- --nocapture` prints the remaining
/// differences as JSON entries for `tests/data/corpus-differences.json` (reasons by hand).
fn record_mode() -> bool {
    std::env::var_os("CALAUDIT_RECORD_DIFFERENCES").is_some()
}

type Recording = Vec<(String, Vec<(Key, i32)>, Vec<(Key, i32)>)>;

thread_local! {
    static RECORDED_NOW: std::cell::RefCell<Recording> = const { std::cell::RefCell::new(Vec::new()) };
}

fn key_json(k: &Key) -> Value {
    let opt = |s: &str| {
        if s == "null" {
            Value::Null
        } else {
            Value::String(s.to_owned())
        }
    };
    serde_json::json!({"uid": opt(&k.0), "recurrence_id": opt(&k.1), "start": k.2, "end": k.3, "allday": k.4})
}

struct Outcome {
    exact: bool,
    detail: String,
}

fn diff(expected: &BTreeMap<Key, i32>, ours: &BTreeMap<Key, i32>) -> (Counted, Counted) {
    let mut missing = Vec::new();
    let mut extra = Vec::new();
    for (k, &n) in expected {
        let m = ours.get(k).copied().unwrap_or(0);
        if m < n {
            missing.push((k.clone(), n - m));
        }
    }
    for (k, &n) in ours {
        let m = expected.get(k).copied().unwrap_or(0);
        if n > m {
            extra.push((k.clone(), n - m));
        }
    }
    (missing, extra)
}

fn show(list: &[(Key, i32)]) -> String {
    list.iter()
        .take(6)
        .map(|(k, n)| format!("\n      {n}x {k:?}"))
        .collect::<String>()
        + &if list.len() > 6 {
            format!("\n      … {} more", list.len() - 6)
        } else {
            String::new()
        }
}

fn check_file(dir: &Path, row: &[&str], rec: Option<&Recorded>) -> Outcome {
    let (file, start, end, tz, rc) = (row[0], row[1], row[2], row[3], row[4]);
    let bytes = std::fs::read(dir.join(file)).expect("corpus file");
    let a = util::analyze_unclassified(bytes, util::window(tz, start, end), &[]);
    let ours_json: Vec<Value> = a
        .rows
        .iter()
        .map(|r| calaudit::report::render::occurrence_json(&a, r))
        .collect();
    let stem = file.trim_end_matches(".ics");
    let expected = read_jsonl(&dir.join(format!("{stem}.expected.jsonl")));
    let mut exp = multiset(expected.iter().map(key_of));
    let mut ours = multiset(ours_json.iter().map(key_of));
    if let Some(r) = rec {
        // Apply the recorded differences: the reference's values replaced by ours.
        for (k, n) in &r.reference_only {
            let e = exp.entry(k.clone()).or_insert(0);
            *e -= n;
            assert!(
                *e >= 0,
                "{file}: recorded reference occurrence {k:?} is not in the expected file"
            );
        }
        exp.retain(|_, n| *n > 0);
        for (k, n) in &r.ours_only {
            *exp.entry(k.clone()).or_insert(0) += n;
        }
    }
    let partial = rc != "0";
    if partial {
        // Only series the reference kept must agree; ours may recover more. A UID the
        // reference names in its stderr (skipped or degraded) may have more occurrences in
        // ours, but must still contain every one the reference produced.
        let kept: std::collections::BTreeSet<String> =
            expected.iter().map(|v| key_of(v).0).collect();
        ours.retain(|k, _| kept.contains(&k.0));
        let named = uids_in_stderr(&dir.join(format!("{stem}.oracle.stderr")));
        for (k, n) in ours.iter_mut() {
            if named.contains(&k.0) {
                *n = (*n).min(exp.get(k).copied().unwrap_or(0));
            }
        }
        ours.retain(|_, n| *n > 0);
    }
    let (missing, extra) = diff(&exp, &ours);
    if record_mode() && (!missing.is_empty() || !extra.is_empty()) {
        RECORDED_NOW.with(|r| {
            r.borrow_mut()
                .push((file.to_owned(), missing.clone(), extra.clone()))
        });
    }
    let mut detail = String::new();
    if !missing.is_empty() || !extra.is_empty() {
        detail += &format!(
            "\n  {file}: occurrences differ: {} missing, {} extra",
            missing.len(),
            extra.len()
        );
        if !missing.is_empty() {
            detail += &format!("\n    missing (reference has):{}", show(&missing));
        }
        if !extra.is_empty() {
            detail += &format!("\n    extra (only ours):{}", show(&extra));
        }
    }
    // Weekly busy seconds, nonzero weeks only (as the corpus lists them).
    if !partial {
        let mut exp_weeks: BTreeMap<String, i64> =
            read_jsonl(&dir.join(format!("{stem}.weekly.jsonl")))
                .iter()
                .map(|v| {
                    (
                        v["week"].as_str().unwrap_or("").to_owned(),
                        v["seconds"].as_i64().unwrap_or(0),
                    )
                })
                .collect();
        if let Some(r) = rec {
            for (w, s) in &r.weekly_ours {
                exp_weeks.insert(w.clone(), *s);
            }
            exp_weeks.retain(|_, s| *s != 0);
        }
        let rep = util::report(&a, util::window(tz, start, end));
        let our_weeks: BTreeMap<String, i64> = rep
            .weeks
            .iter()
            .filter(|w| w.busy_seconds != 0)
            .map(|w| (w.week.clone(), w.busy_seconds))
            .collect();
        if our_weeks != exp_weeks {
            let bad: Vec<String> = exp_weeks
                .keys()
                .chain(our_weeks.keys())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .filter(|w| exp_weeks.get(*w) != our_weeks.get(*w))
                .take(5)
                .map(|w| {
                    format!(
                        "{w}: reference {:?} ours {:?}",
                        exp_weeks.get(w),
                        our_weeks.get(w)
                    )
                })
                .collect();
            detail += &format!("\n  {file}: weekly busy seconds differ: {}", bad.join("; "));
        }
    }
    Outcome {
        exact: detail.is_empty(),
        detail,
    }
}

#[test]
fn corpus_matches_reference() {
    let Some(dir) = util::shared("ics-corpus") else {
        return;
    };
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("manifest");
    let rec = recorded();
    let (mut full, mut full_exact, mut partial, mut partial_ok, mut rejected) = (0, 0, 0, 0, 0);
    let mut failures = String::new();
    for line in manifest.lines().skip(1) {
        let row: Vec<&str> = line.split('\t').collect();
        let out = check_file(&dir, &row, rec.get(row[0]));
        if row[4] == "1" {
            // The reference rejects these files whole; we must not crash and must not be
            // silent: either we recover occurrences or we say what we skipped.
            let bytes = std::fs::read(dir.join(row[0])).expect("corpus file");
            let a = util::analyze(bytes, util::window(row[3], row[1], row[2]), &[]);
            let warnings: usize = a.warnings.iter().map(|w| w.warnings.len()).sum();
            assert!(
                !a.rows.is_empty() || warnings > 0,
                "{}: nothing recovered and nothing reported",
                row[0]
            );
        }
        match row[4] {
            "0" => {
                full += 1;
                full_exact += usize::from(out.exact);
            }
            "3" => {
                partial += 1;
                partial_ok += usize::from(out.exact);
            }
            _ => rejected += 1,
        }
        failures += &out.detail;
    }
    if record_mode() {
        RECORDED_NOW.with(|r| {
            for (file, missing, extra) in r.borrow().iter() {
                let expand = |l: &Vec<(Key, i32)>| -> Vec<Value> {
                    l.iter().flat_map(|(k, n)| std::iter::repeat_n(key_json(k), *n as usize)).collect()
                };
                let entry = serde_json::json!({"file": file, "ours": expand(extra), "reference": expand(missing)});
                println!("RECORD {entry}");
            }
        });
    }
    println!(
        "conformance: {full_exact}/{full} exact ({} with recorded RFC differences), {partial_ok}/{partial} partial files agree on every series the reference kept, {rejected} rejected by the reference parsed without crashing",
        rec.keys().filter(|f| manifest.lines().any(|l| l.starts_with(f.as_str()) && l.split('\t').nth(4) == Some("0"))).count()
    );
    assert!(failures.is_empty(), "corpus disagreements:{failures}");
}
