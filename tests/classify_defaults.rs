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

use calaudit::classify::labelled;
use calaudit::classify::{Category, Classifier, Outcome, Subject};
use regex::Regex;

const PEOPLE: Outcome = Outcome::Work(Category::People);
const TECHNICAL: Outcome = Outcome::Work(Category::Technical);
const DEEP_WORK: Outcome = Outcome::Work(Category::DeepWork);
const OTHER: Outcome = Outcome::Work(Category::Other);
const PERSONAL: Outcome = Outcome::Personal;

/// Title pattern (matched against the title without the generator's
/// " (moved)" / " - rescheduled" / " [new time]" suffixes) → the category a
/// new engineering manager would give it. First matching row wins.
const EXPECTED: &[(&str, Outcome)] = &[
    // Focus blocks (series, Tue/Thu).
    (r"^Focus time$", DEEP_WORK),
    (r"^No-fly zone: deep work$", DEEP_WORK),
    (r"^Deep work \(no meetings\)$", DEEP_WORK),
    // 1:1s with reports and own manager, in the generator's title forms.
    (r"^Onboarding 1:1: .+ / .+$", PEOPLE),
    (r"^.+ / .+ weekly 1:1$", PEOPLE),
    (r"^.+ / .+ 1:1$", PEOPLE),
    (r"^1:1 .+ <> .+$", PEOPLE),
    (r"^.+ <> .+ 1-on-1$", PEOPLE),
    // The trap: no keyword at all, only two names and two people.
    (r"^[\p{L}'-]+ <> [\p{L}'-]+$", PEOPLE),
    (r"^Skip-level: .+ / .+$", PEOPLE),
    (r"^Hiring sync$", PEOPLE),
    (r"^Interview: .+ - .+ \(.+\)$", PEOPLE),
    (r"^Hiring debrief: .+$", PEOPLE),
    (r"^Coaching: .+ - growth plan$", PEOPLE),
    (r"^Career conversation: .+$", PEOPLE),
    (r"^Performance calibration \(H[12] \d{4}\)$", PEOPLE),
    (r"^Calibration pre-read \(H[12]\)$", PEOPLE),
    (r"^Performance review: .+$", PEOPLE),
    (r"^Onboarding check-in: .+$", PEOPLE),
    (r"^Promo packet review: .+$", PEOPLE),
    // Technical rituals and one-offs.
    (r"^Daily standup$", TECHNICAL),
    (r"^Design review$", TECHNICAL),
    (r"^Design review: .+$", TECHNICAL),
    (r"^Architecture review board$", TECHNICAL),
    (r"^Architecture (deep-dive|review): .+$", TECHNICAL),
    (r"^Code review: .+ PR #\d+$", TECHNICAL),
    (r"^Sprint planning$", TECHNICAL),
    (r"^Sprint retro$", TECHNICAL),
    (r"^Weekly incident review$", TECHNICAL),
    (r"^Incident postmortem: SEV\d .+$", TECHNICAL),
    (r"^Dublin on-call handoff$", TECHNICAL),
    (r"^URGENT: .+ escalation$", TECHNICAL),
    (r"^Tech debt triage$", TECHNICAL),
    (r"^Launch readiness: .+$", TECHNICAL),
    (r"^On-call \(secondary\)$", TECHNICAL),
    // Everything else a manager's week holds.
    (
        r"^(Platform team weekly|Team meeting|Platform team sync)$",
        OTHER,
    ),
    (r"^Eng leadership staff meeting$", OTHER),
    (r"^Engineering all-hands$", OTHER),
    (r"^Bangalore platform sync$", OTHER),
    (r"^Lunch & Learn$", OTHER),
    (r"^Lunch$", PERSONAL),
    (r"^Customer call: [^,]+(, escalation follow-up)?$", OTHER),
    (
        r"^Quick sync: (auth token rotation|mobile sync protocol|multi-region failover)$",
        TECHNICAL,
    ),
    (r"^Quick sync: .+$", OTHER),
    (r"^Roadmap sync w/ .+$", OTHER),
    (r"^Quarterly planning: Q\d \d{4}$", OTHER),
    (r"^Budget review$", OTHER),
    (r"^Headcount planning$", PEOPLE),
    (r"^Vendor call: .+$", OTHER),
    (r"^Coffee chat w/ .+$", OTHER), // with 3 to 7 people: not a 1:1
    (r"^Lunch w/ .+$", PEOPLE),
    (r"^OKR review; Q\d$", OTHER),
    (r"^Office hours$", OTHER),
    (r"^Security training \(mandatory\)$", OTHER),
    (r"^Cross-team sync: .+$", OTHER),
    (
        r"^(Dentist|Parent-teacher conference|Car service)$",
        PERSONAL,
    ),
    (r"^(Pick up kids|Gym|Commute)$", PERSONAL),
    (r"^Hold: .+ prep$", DEEP_WORK),
    (r"^Optional: Tech talk - .+$", OTHER),
    (r"^Product demo: .+$", OTHER),
    (r"^Exec review: .+$", OTHER),
    // All-day events (excluded from hours elsewhere, classified anyway).
    (r"^.+ \(company holiday\)$", PERSONAL),
    (
        r"^(OOO - vacation|OOO \(holiday break\)|OOO|Out of office|PTO - long weekend|Sick day)$",
        PERSONAL,
    ),
    (r"^Dublin office visit$", OTHER),
    (
        r"^Flight to (Dublin \(EI 60\)|Los Angeles \(EI 61\))$",
        PERSONAL,
    ),
    (r"^.+'s (work anniversary|birthday)$", PERSONAL),
    (r"^Release freeze$", TECHNICAL),
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
        crate::util::skip("python3 not available");
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

/// Work-category vocabulary families of the built-in rules, each with titles written for
/// this test (not rows of the labelled set): label, others, rooms, organizer, minutes,
/// recurring, title, as in `tests/data/classify-eval`. Each must be decided by a rule (the
/// fallback is off) and land in its category.
#[test]
fn builtin_rules_know_the_work_vocabulary_families() {
    let rows = "\
other\t9\t1\tinternal\t90\ty\tFührungsteam Weekly
other\t7\t0\tinternal\t60\ty\tMT-overleg
other\t8\t0\tinternal\t60\ty\tRéunion de direction
other\t6\t0\tinternal\t60\ty\t部長会
other\t5\t0\tinternal\t60\ty\tSteering committee: data platform
other\t4\t0\tinternal\t30\tn\tチーム会議
other\t3\t0\tinternal\t30\tn\t팀 회의
other\t0\t0\tnone\t30\tn\tबैठक
other\t0\t0\tnone\t30\tn\t相談
other\t1\t0\tinternal\t30\tn\tMFA enrollment help
other\t40\t0\tinternal\t45\tn\tData privacy training (mandatory)
other\t2\t0\tinternal\t30\tn\tTravel policy Q&A
other\t30\t0\tinternal\t60\tn\tLunch talk: how our search ranking works
other\t25\t0\tinternal\t60\tn\tKubernetes 勉強会
other\t20\t0\tinternal\t60\tn\tPonencia: observabilidad en producción
people\t3\t0\tinternal\t60\tn\tPanel: Senior Data Engineer - Ewa Nowak
people\t12\t0\tinternal\t120\tn\tLeadership essentials - cohort 2
people\t10\t0\texternal\t180\tn\t新任管理職研修
people\t4\t0\tinternal\t60\tn\tReclutamiento: backend Sevilla
people\t5\t0\tinternal\t45\tn\t채용 회의
people\t5\t0\tinternal\t45\tn\tPeakon follow-up: platform team
people\t6\t0\tinternal\t60\tn\tEncuesta de compromiso: resultados
people\t2\t0\tinternal\t30\tn\tPIP review - week 2
people\t1\t0\tinternal\t30\tn\tInternal transfer: Ana to Payments
people\t5\t0\tinternal\t60\ty\tPeer managers lean coffee
people\t3\t0\tinternal\t60\tn\tHeadcount planning FY27
people\t1\t0\tme\t30\tn\tH2 performance - Sam
technical\t6\t0\tinternal\t60\ty\tCAB weekly
technical\t4\t0\tinternal\t45\tn\tRCA: invoices e-mailed twice to customers
technical\t3\t0\tinternal\t30\tn\tOn-call Übergabe
technical\t4\t0\tinternal\t60\tn\tMemory leak in the export worker
technical\t4\t0\tinternal\t30\tn\tPerf sync: checkout latency
technical\t5\t0\tinternal\t60\ty\tスプリント計画
technical\t6\t0\tinternal\t60\tn\tPerformance tuning: search cluster
other\t6\t0\tinternal\t60\tn\tCustomer feedback review: onboarding flow
other\t3\t0\texternal\t480\tn\tRe:Invent (attending)
personal\t0\t0\tme\t240\tn\tSprint triathlon in Kalmar
technical\t5\t0\tinternal\t30\ty\tRelease track sync
people\t1\t0\tinternal\t30\ty\t1:1 Ana / Kofi - talk about the reorg
technical\t3\t0\tinternal\t60\tn\tBoard bring-up: DVT power rail debug
technical\t4\t0\tinternal\t45\tn\tShader perf: GPU budget on handhelds
technical\t4\t0\tinternal\t60\tn\tPurple team readout: phishing to domain admin
other\t0\t0\tnone\t120\tn\tTeam dinner (offsite day 1)
people\t2\t0\texternal\t60\tn\tمقابلة عمل - مطور واجهات
people\t2\t0\tinternal\t45\tn\tPhỏng vấn ứng viên Backend
people\t2\t0\tinternal\t45\tn\tWawancara kandidat QA
personal\t0\t0\tme\t60\tn\tNha sĩ - trám răng
personal\t0\t0\tme\t30\tn\tAntar anak ke sekolah
personal\t0\t0\tme\t60\tn\tموعد في عيادة العيون
personal\t0\t0\tme\t1440\tn\tCuti tahunan
personal\t0\t0\tme\t60\tn\tCar to the garage for MOT
other\t3\t0\texternal\t45\tn\tVendor call: Jira licence true-up
other\t0\t0\tnone\t45\tn\tAnnual code of ethics attestation
other\t12\t0\tinternal\t60\tn\tCustomer advisory board: spring session
other\t1\t0\texternal\t30\tn\tZoom Meeting with Petra (Acme)
other\t0\t0\tnone\t60\tn\tLeverantörsmöte: avtal Microsoft
other\t8\t0\tinternal\t60\tn\tFika med hela avdelningen
other\t0\t0\tnone\t60\tn\tWebinar: cloud costs for managers
people\t5\t0\tinternal\t240\tn\tAssessment centre: summer interns (assessors)
people\t0\t0\tnone\t30\tn\tReference call for Tomasz
people\t2\t0\tinternal\t60\tn\tIndividual consultation - night shift team
people\t1\t0\tinternal\t30\tn\tCharla con Mateo
people\t0\t0\tnone\t60\tn\tKalibrierungsrunde Q3
technical\t5\t0\tinternal\t30\ty\tVuln mgmt sync (Snyk findings)
technical\t3\t0\tinternal\t60\tn\tPR review: revenue dashboard SQL
technical\t4\t0\tinternal\t60\tn\tDesign discussion: sync conflicts in mobile cache
technical\t0\t0\tnone\t45\tn\tIncident RCA – SSO outage
deep_work\t0\t0\tnone\t90\tn\tKonzept schreiben: Archivierung
personal\t0\t0\tnone\t300\tn\tTGV 6612 Lyon → Paris
personal\t0\t0\tme\t60\tn\tไปโรงพยาบาล
technical\t3\t0\tinternal\t60\tn\tDebug: SECS/GEM timeouts on the etcher
other\t5\t0\tinternal\t60\ty\tPlant performance review - Line 3
other\t4\t0\texternal\t90\tn\tMHRA inspection prep - QA interview room
technical\t4\t0\tinternal\t60\tn\tHARA workshop: lane keeping (ISO 26262)
technical\t6\t0\tinternal\t15\ty\tOnboarding squad standup
people\t4\t0\texternal\t240\tn\tVirtual onsite: Staff Data Engineer - Li Wei
technical\t4\t0\tinternal\t45\tn\tRules engine: spike results
other\t20\t0\tinternal\t60\ty\tPlatform department meeting
personal\t0\t0\tme\t120\tn\tICE nach Köln
personal\t0\t0\tnone\t240\tn\tICE 1014 Köln - München
other\t6\t0\texternal\t480\tn\tSupplier audit on site - moulding plant
deep_work\t0\t0\tnone\t30\ty\tInbox and notes (me)
";
    let text = format!("{}\n{rows}", labelled::HEADER);
    let rows = labelled::parse(&text).expect("the rows above parse");
    let classifier = Classifier::builtin().with_fallback(false);
    let me = vec![labelled::ME.to_owned()];
    let mut wrong = Vec::new();
    for row in &rows {
        let invite = row.invite();
        let d = classifier.classify(&row.subject(&invite, &me));
        if d.outcome != row.label || d.rule == "default" {
            wrong.push(format!(
                "{:?}: want {:?}, got {:?} ({})",
                row.title, row.label, d.outcome, d.rule
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
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
    let table: Vec<(Regex, Outcome)> = EXPECTED
        .iter()
        .map(|(p, c)| (Regex::new(p).unwrap(), *c))
        .collect();
    let suffix = Regex::new(r"( \(moved\)| - rescheduled| \[new time\])$").unwrap();
    let classifier = Classifier::builtin();
    let social = Regex::new(r"^(Coffee chat|Lunch) w/ ").unwrap();

    let mut unknown_titles = BTreeMap::new();
    let mut wrong = BTreeMap::new();
    let mut kept_by_category: BTreeMap<&str, usize> = BTreeMap::new();
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
        // A coffee or lunch with one colleague is a 1:1 without the word; with several
        // people it is a social meeting.
        let pair_rule = if social.is_match(&bare) {
            let n = subject.participants_up_to(usize::MAX);
            Some(if n == 2 { PEOPLE } else { OTHER })
        } else {
            None
        };
        match pair_rule.map(|want| (&social, want)).or_else(|| {
            table
                .iter()
                .find(|(re, _)| re.is_match(&bare))
                .map(|(re, w)| (re, *w))
        }) {
            None => {
                unknown_titles.insert(title.to_owned(), decision.outcome);
            }
            Some((_, want)) if want != decision.outcome => {
                wrong.insert(
                    title.to_owned(),
                    format!(
                        "want {want}, got {} via rule {:?} ({} participants)",
                        decision.outcome,
                        decision.describe(),
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
            *kept_by_category
                .entry(decision.outcome.as_str())
                .or_default() += 1;
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

    let shares: Vec<String> = Outcome::ALL
        .iter()
        .map(|c| {
            let n = kept_by_category.get(c.as_str()).copied().unwrap_or(0);
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

/// What the built-in rules make of one event: `organizer` "me", "colleague", "outside" or
/// "none"; `others` extra attendees at my company (plus me on the list).
fn built_in(title: &str, organizer: &str, others: usize, minutes: u32) -> (Outcome, String) {
    const ME: &str = "me@corp.example";
    let organizer = match organizer {
        "me" => Some(ME),
        "colleague" => Some("lead@corp.example"),
        "outside" => Some("bookings@clinic.example"),
        _ => None,
    };
    let mut attendees: Vec<String> = Vec::new();
    if others > 0 {
        attendees.push(ME.to_owned());
        attendees.extend((0..others).map(|i| format!("p{i}@corp.example")));
    }
    let me = vec![ME.to_owned()];
    let s = Subject {
        summary: title,
        organizer,
        attendees: &attendees,
        me: &me,
        minutes: Some(minutes),
        ..Subject::default()
    };
    let rules = Classifier::builtin();
    let d = rules.classify(&s);
    (d.outcome, d.rule.to_string())
}

#[test]
fn an_all_day_event_only_i_am_on_is_a_day_off_unless_it_names_work() {
    // No rule knows these words; being all day and alone says they are days off.
    for title in ["Dovolená", "Lomamatka", "Szabadság"] {
        for organizer in ["me", "none"] {
            let got = built_in(title, organizer, 0, 1440);
            assert_eq!(
                got,
                (PERSONAL, "all-day-alone".into()),
                "{title} by {organizer}"
            );
        }
    }
    // A work day marker keeps its work rules.
    assert_eq!(built_in("Change freeze", "none", 0, 1440).0, TECHNICAL);
    assert_eq!(built_in("Focus day", "me", 0, 1440).0, DEEP_WORK);
    assert_ne!(built_in("Team offsite", "me", 0, 1440).0, PERSONAL);
    // The same unknown words in a short block are still my own work time.
    assert_eq!(built_in("Lomamatka", "me", 0, 60).0, DEEP_WORK);
}

#[test]
fn a_leave_word_in_a_short_block_is_work_about_the_leave() {
    assert_eq!(built_in("Vacation", "me", 0, 1440).0, PERSONAL);
    assert_eq!(built_in("Sick (afternoon)", "me", 0, 240).0, PERSONAL);
    assert_eq!(
        built_in("Tidy notes after the holidays", "me", 0, 45).0,
        DEEP_WORK
    );
    assert_eq!(
        built_in("Repasar pendientes tras vacaciones", "me", 0, 60).0,
        DEEP_WORK
    );
}

#[test]
fn a_booking_from_outside_with_nobody_else_on_it_is_personal() {
    // A booking system's confirmation lists only its own organizer.
    let got = built_in(
        "Booking confirmed: Thursday 14:30 with Ana",
        "outside",
        0,
        45,
    );
    assert_eq!(got, (PERSONAL, "booked-alone-from-outside".into()));
    // The same shape for a webinar or a course is not.
    assert_eq!(
        built_in("Webinar: eBPF in production", "outside", 0, 60).0,
        OTHER
    );
    assert_ne!(
        built_in("Attending RustConf", "outside", 0, 480).0,
        PERSONAL
    );
}

#[test]
fn personal_word_families_in_many_languages() {
    for title in [
        "Pobranie krwi",
        "Orthopäde Kontrolle",
        "小児科 予約",
        "洗牙",
        "소아과",
        "Taekwondo",
        "Calcetto con gli amici",
        "Reifenwechsel",
        "Klempner kommt",
        "Notartermin Kaufvertrag",
        "Freitagsgebet",
        "Hinflug nach Lissabon",
        "剪头发",
        "Kindergeburtstag Lea",
        "Babá chega às 8",
        "🎾 with Jo",
    ] {
        let (got, rule) = built_in(title, "me", 0, 60);
        assert_eq!(got, PERSONAL, "{title} ({rule})");
    }
    // Katakana "planning" holds "running", and Korean "machine learning" holds
    // "running": neither is sport.
    assert_eq!(
        built_in("スプリントプランニング", "colleague", 5, 60).0,
        TECHNICAL
    );
    assert_ne!(built_in("머신러닝 파이프라인", "none", 0, 60).0, PERSONAL);
    // Swedish "tåg" (train) folds to the English "tag": only its phrases are travel.
    assert_ne!(built_in("Tag cleanup", "none", 0, 45).0, PERSONAL);
    assert_eq!(built_in("Tåget till Göteborg", "me", 0, 180).0, PERSONAL);
}

#[test]
fn lunch_alone_is_personal_and_with_the_team_is_other() {
    assert_eq!(built_in("Lunch", "me", 0, 60).0, PERSONAL);
    assert_eq!(built_in("Pausa pranzo", "me", 0, 60).0, PERSONAL);
    assert_eq!(built_in("Team lunch", "colleague", 6, 60).0, OTHER);
}

#[test]
fn inbox_and_buffer_blocks_are_deep_work_even_in_a_feed_without_attendees() {
    for title in ["Inbox zero", "Buffer time", "专注写作", "딥워크"] {
        assert_eq!(built_in(title, "none", 0, 60).0, DEEP_WORK, "{title}");
    }
}

#[test]
fn days_off_in_many_languages() {
    for title in [
        "Brückentag",
        "Congé maladie",
        "Snipperdag",
        "振替休日",
        "병가",
        "अवकाश",
    ] {
        // Known words: a day off whatever the event's length or source.
        assert_eq!(built_in(title, "none", 0, 480).0, PERSONAL, "{title}");
    }
}

#[test]
fn preparing_and_writing_alone_are_deep_work_in_other_languages() {
    // Each names people work too: preparing it alone is still a block of my own.
    for title in [
        "Förberedelse: medarbetarsamtal",
        "Przygotowanie: rekrutacja",
        "Mülakat hazırlığı",
        "面接準備",
        "一对一准备",
        "원온원 준비",
    ] {
        assert_eq!(built_in(title, "me", 0, 60).0, DEEP_WORK, "{title}");
    }
    // A whole day kept for writing is not a day off.
    assert_ne!(built_in("Writing day", "none", 0, 1440).0, PERSONAL);
}
