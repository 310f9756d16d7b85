// The built-in rules against the benchmark generator's calendars.
//
// `../shared/bench/gen_calendar.py` writes a year of a new engineering
// manager's calendar plus a ground-truth JSONL of every occurrence. This
// test classifies every occurrence with `Classifier::builtin()` and checks
// each title against `EXPECTED`, a table written by reading the generator.
//
// IMPORTANT: every generated title must match a row of `EXPECTED`. A title
// the generator learns later fails this test loudly instead of slipping
// through as "other".
//
// The truth file has titles but no people, so attendees and organizers are
// read from the .ics itself with a deliberately small reader (unfold lines,
// split VEVENTs, take ORGANIZER/ATTENDEE/UID). It is not the project's ICS
// parser and does not try to be one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

use calaudit::classify::{Category, Classifier, Subject};
use regex::Regex;

use Category::{DeepWork, Other, People, Technical};

/// Title pattern (matched against the title without the generator's
/// " (moved)" / " - rescheduled" / " [new time]" suffixes) → the category a
/// new engineering manager would give it. First matching row wins.
const EXPECTED: &[(&str, Category)] = &[
    // Focus blocks (series, Tue/Thu).
    (r"^Focus time$", DeepWork),
    (r"^No-fly zone: deep work$", DeepWork),
    (r"^Deep work \(no meetings\)$", DeepWork),
    // 1:1s with reports and own manager, in the generator's title forms.
    (r"^Onboarding 1:1: .+ / .+$", People),
    (r"^.+ / .+ weekly 1:1$", People),
    (r"^.+ / .+ 1:1$", People),
    (r"^1:1 .+ <> .+$", People),
    (r"^.+ <> .+ 1-on-1$", People),
    // The trap: no keyword at all, only two names and two people.
    (r"^[\p{L}'-]+ <> [\p{L}'-]+$", People),
    (r"^Skip-level: .+ / .+$", People),
    (r"^Hiring sync$", People),
    (r"^Interview: .+ - .+ \(.+\)$", People),
    (r"^Hiring debrief: .+$", People),
    (r"^Coaching: .+ - growth plan$", People),
    (r"^Career conversation: .+$", People),
    (r"^Performance calibration \(H[12] \d{4}\)$", People),
    (r"^Calibration pre-read \(H[12]\)$", People),
    (r"^Performance review: .+$", People),
    (r"^Onboarding check-in: .+$", People),
    (r"^Promo packet review: .+$", People),
    // Technical rituals and one-offs.
    (r"^Daily standup$", Technical),
    (r"^Design review$", Technical),
    (r"^Design review: .+$", Technical),
    (r"^Architecture review board$", Technical),
    (r"^Architecture (deep-dive|review): .+$", Technical),
    (r"^Code review: .+ PR #\d+$", Technical),
    (r"^Sprint planning$", Technical),
    (r"^Sprint retro$", Technical),
    (r"^Weekly incident review$", Technical),
    (r"^Incident postmortem: SEV\d .+$", Technical),
    (r"^Dublin on-call handoff$", Technical),
    (r"^URGENT: .+ escalation$", Technical),
    (r"^Tech debt triage$", Technical),
    (r"^Launch readiness: .+$", Technical),
    (r"^On-call \(secondary\)$", Technical),
    // Everything else a manager's week holds.
    (
        r"^(Platform team weekly|Team meeting|Platform team sync)$",
        Other,
    ),
    (r"^Eng leadership staff meeting$", Other),
    (r"^Engineering all-hands$", Other),
    (r"^Bangalore platform sync$", Other),
    (r"^Lunch & Learn$", Other),
    (r"^Lunch$", Other),
    (r"^Customer call: [^,]+(, escalation follow-up)?$", Other),
    (r"^Quick sync: .+$", Other),
    (r"^Roadmap sync w/ .+$", Other),
    (r"^Quarterly planning: Q\d \d{4}$", Other),
    (r"^Budget review$", Other),
    (r"^Headcount planning$", Other),
    (r"^Vendor call: .+$", Other),
    (r"^Coffee chat w/ .+$", Other),
    (r"^Lunch w/ .+$", Other),
    (r"^OKR review; Q\d$", Other),
    (r"^Office hours$", Other),
    (r"^Security training \(mandatory\)$", Other),
    (r"^Cross-team sync: .+$", Other),
    (r"^(Dentist|Parent-teacher conference|Car service)$", Other),
    (r"^(Pick up kids|Gym|Commute)$", Other),
    (r"^Hold: .+ prep$", Other),
    (r"^Optional: Tech talk - .+$", Other),
    (r"^Product demo: .+$", Other),
    (r"^Exec review: .+$", Other),
    // All-day events (excluded from hours elsewhere, classified anyway).
    (r"^.+ \(company holiday\)$", Other),
    (
        r"^(OOO - vacation|OOO \(holiday break\)|OOO|Out of office|PTO - long weekend|Sick day)$",
        Other,
    ),
    (r"^Dublin office visit$", Other),
    (
        r"^Flight to (Dublin \(EI 60\)|Los Angeles \(EI 61\))$",
        Other,
    ),
    (r"^.+'s (work anniversary|birthday)$", Other),
    (r"^Release freeze$", Other),
];

#[test]
fn builtin_rules_on_generated_calendars() {
    let Some(bench) = crate::util::shared("bench") else {
        return;
    };
    let generator = bench.join("gen_calendar.py");
    if !Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        println!("skipping: python3 not available");
        return;
    }
    let dir = crate::util::tempdir();
    // Google lists the organizer among attendees, Outlook does not: the
    // two-person 1:1 rule must work on both.
    for style in ["google", "outlook"] {
        check_style(&generator, &dir, style);
    }
    std::fs::remove_dir_all(&dir).ok();
}

fn check_style(generator: &Path, dir: &Path, style: &str) {
    let ics: PathBuf = dir.join(format!("cal_1y_{style}.ics"));
    let truth: PathBuf = dir.join(format!("cal_1y_{style}.truth.jsonl"));
    let status = Command::new("python3")
        .arg(generator)
        .args(["--years", "1", "--style", style, "--out"])
        .arg(&ics)
        .arg("--truth")
        .arg(&truth)
        .arg("--stats")
        .arg(dir.join("stats.json"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "gen_calendar.py failed: {status}");

    let people = read_people(&std::fs::read_to_string(&ics).unwrap());
    let table: Vec<(Regex, Category)> = EXPECTED
        .iter()
        .map(|(p, c)| (Regex::new(p).unwrap(), *c))
        .collect();
    let suffix = Regex::new(r"( \(moved\)| - rescheduled| \[new time\])$").unwrap();
    let classifier = Classifier::builtin();

    let mut unknown_titles = BTreeMap::new();
    let mut wrong = BTreeMap::new();
    let mut kept_by_category: BTreeMap<Category, usize> = BTreeMap::new();
    let mut kept = 0usize;
    let no_people = EventPeople::default();
    for line in std::fs::read_to_string(&truth).unwrap().lines() {
        let occ: serde_json::Value = serde_json::from_str(line).unwrap();
        let title = occ["summary"].as_str().unwrap();
        let uid = occ["uid"].as_str().unwrap();
        let who = people.get(uid).unwrap_or(&no_people);
        let subject = Subject {
            summary: title,
            organizer: who.organizer.as_deref(),
            attendees: &who.attendees,
            feed: style,
            ..Subject::default()
        };
        let decision = classifier.classify(&subject);
        let bare = suffix.replace(title, "");
        match table.iter().find(|(re, _)| re.is_match(&bare)) {
            None => {
                unknown_titles.insert(title.to_owned(), decision.category);
            }
            Some((_, want)) if *want != decision.category => {
                wrong.insert(
                    title.to_owned(),
                    format!(
                        "want {want}, got {} via rule {:?} ({} participants)",
                        decision.category,
                        decision.rule,
                        subject.participants_up_to(usize::MAX)
                    ),
                );
            }
            Some(_) => {}
        }
        let dropped = ["allday", "cancelled", "transparent", "declined"]
            .iter()
            .any(|k| occ[k].as_bool() == Some(true));
        if !dropped {
            kept += 1;
            *kept_by_category.entry(decision.category).or_default() += 1;
        }
    }
    assert!(
        unknown_titles.is_empty(),
        "{style}: titles missing from EXPECTED (add a row with the right category):\n{unknown_titles:#?}"
    );
    assert!(
        wrong.is_empty(),
        "{style}: misclassified titles:\n{wrong:#?}"
    );
    assert!(kept > 1000, "{style}: only {kept} kept occurrences");

    let shares: Vec<String> = Category::ALL
        .iter()
        .map(|c| {
            let n = kept_by_category.get(c).copied().unwrap_or(0);
            format!("{c} {:.0}%", 100.0 * n as f64 / kept as f64)
        })
        .collect();
    println!(
        "{style}: classified {kept} occurrences: {}",
        shares.join(", ")
    );
}

/// Who is on one event (by UID): the master's organizer and attendees,
/// which every instance of the series shares in the generator.
#[derive(Default)]
struct EventPeople {
    organizer: Option<String>,
    attendees: Vec<String>,
}

/// UID → people, read with the project's own parser (masters win over overrides).
fn read_people(ics: &str) -> HashMap<String, EventPeople> {
    let cal = calaudit::ics::parse(ics.as_bytes());
    let mut out: HashMap<String, EventPeople> = HashMap::new();
    for ev in &cal.events {
        if ev.recurrence_id.is_some() && out.contains_key(&ev.uid) {
            continue;
        }
        out.insert(
            ev.uid.clone(),
            EventPeople {
                organizer: ev.organizer.clone(),
                attendees: ev.attendees.iter().map(|a| a.addr.to_string()).collect(),
            },
        );
    }
    out
}
