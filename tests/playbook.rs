//! The manager playbook (issue 10): `calaudit reports` and the fragmentation figures of
//! `report --format json`, on fixtures written for them. Every expected value below is
//! worked out by hand from the fixture, in the comment above it.

use serde_json::{json, Value};

use crate::util::{self, calaudit, stderr, stdout};

const TEAM: &str = r#"tz = "America/Los_Angeles"
me = ["me@example.com"]
[[reports]]
name = "Priya Shah"
emails = ["priya@corp.example"]
[[reports]]
name = "Jordan Lee"
emails = ["jordan@corp.example", "JORDAN@Home.example"]
one_on_one = "2w"
career = "30d"
[[reports]]
name = "Alex Kim"
emails = ["alex@corp.example"]
"#;

const RULES: &str = r#"
[[rules]]
name = "focus"
category = "deep_work"
title = ["focus"]
[[rules]]
name = "one-on-ones"
category = "people"
title = ["1:1"]
[[rules]]
name = "reviews"
category = "technical"
title = ["review"]
[[rules]]
name = "all-hands"
category = "other"
title = ["all-hands"]
"#;

fn write_config(text: &str) -> std::path::PathBuf {
    let dir = util::tempdir();
    let p = dir.join("config.toml");
    std::fs::write(&p, text).expect("write config");
    p
}

fn fixture(name: &str) -> String {
    util::fixture(name).display().to_string()
}

/// Window 2026-02-23 .. 2026-04-06 in Los Angeles, as of 2026-04-06 00:00 PDT = 07:00Z.
///
/// Priya (`one-on-one-across-dst.ics`), weekly Mondays 10:00 local from 2026-02-23:
/// 02-23 18:00Z held; 03-02 moved to 03-03 11:00 PST = 19:00Z, held, "design doc review" is
/// technical; 03-09 10:00 PDT = 17:00Z held (DST began 03-08: same local time, one hour
/// earlier in UTC); 03-16 EXDATEd, gone without a trace; 03-23 a cancelled stub without
/// attendees or title (still her 1:1, cancelled, shown with the series' title); 03-30
/// declined by me (its "status update" is a flag, not a count: only held 1:1s are counted as
/// status updates). Held 3 × 30 = 90 minutes. Last held 03-09 17:00Z, 27 days 14 hours
/// before the as-of time: 27 days, more than 10.5, so overdue. The next one is 04-06 10:00
/// PDT = 17:00Z. Her career conversation (named in the description) was 01-15 16:00 PST =
/// 01-16 00:00Z, before the window but in the feed: 80 days before the as-of time, within 90.
///
/// Jordan (`one-on-one-two-addresses-adhoc.ics`), cadence 2w, career 30d: 03-25 14:00 PDT =
/// 21:00Z for 45 minutes, organized from one address with the other one (mixed case) and two
/// rooms invited, "weekly update": status; 04-01 15:00 PDT = 22:00Z, 30 minutes, no attendees,
/// "1:1 Jordan - career growth": an ad-hoc 1:1 and a career conversation. 75 minutes; last
/// held 4 days 9 hours before the as-of time, not overdue; nothing scheduled after.
///
/// Alex (`not-one-on-ones.ics` only): my manager's 1:1, a meeting with two reports, a group
/// meeting with Priya, a title naming Alex without a 1:1 marker and an all-day "1:1" are not
/// 1:1s with anyone, so Alex has none: overdue, career conversation overdue.
#[test]
fn reports_json_counts_hand_made_one_on_ones() {
    let cfg = write_config(TEAM);
    let o = calaudit(
        &[
            "reports",
            "-c",
            cfg.to_str().expect("utf-8 path"),
            "--feed",
            &fixture("one-on-one-across-dst.ics"),
            "--feed",
            &fixture("one-on-one-two-addresses-adhoc.ics"),
            "--feed",
            &fixture("not-one-on-ones.ics"),
            "--from",
            "2026-02-23",
            "--to",
            "2026-04-06",
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got: Value = serde_json::from_str(&stdout(&o)).expect("json");
    let want = json!({
        "tz": "America/Los_Angeles",
        "from": "2026-02-23",
        "to": "2026-04-06",
        "reports": [
            {
                "name": "Priya Shah",
                "emails": ["priya@corp.example"],
                "cadence_days": 7,
                "held": 3,
                "last_held": "2026-03-09T17:00:00Z",
                "days_since_last": 27,
                "overdue": true,
                "cancelled": 1,
                "declined": 1,
                "minutes": 90,
                "technical": 1,
                "status": 0,
                "career_last": "2026-01-15",
                "career_overdue": false,
                "next": "2026-04-06T17:00:00Z",
                "one_on_ones": [
                    {"start": "2026-02-23T18:00:00Z", "end": "2026-02-23T18:30:00Z", "summary": "Priya / Sam", "flags": []},
                    {"start": "2026-03-03T19:00:00Z", "end": "2026-03-03T19:30:00Z", "summary": "Priya / Sam (moved): design doc review", "flags": ["technical"]},
                    {"start": "2026-03-09T17:00:00Z", "end": "2026-03-09T17:30:00Z", "summary": "Priya / Sam", "flags": []},
                    {"start": "2026-03-23T17:00:00Z", "end": "2026-03-23T17:30:00Z", "summary": "Priya / Sam", "flags": ["cancelled"]},
                    {"start": "2026-03-30T17:00:00Z", "end": "2026-03-30T17:30:00Z", "summary": "Priya / Sam", "flags": ["declined", "status"]},
                ],
            },
            {
                "name": "Jordan Lee",
                "emails": ["jordan@corp.example", "jordan@home.example"],
                "cadence_days": 14,
                "held": 2,
                "last_held": "2026-04-01T22:00:00Z",
                "days_since_last": 4,
                "overdue": false,
                "cancelled": 0,
                "declined": 0,
                "minutes": 75,
                "technical": 0,
                "status": 1,
                "career_last": "2026-04-01",
                "career_overdue": false,
                "next": null,
                "one_on_ones": [
                    {"start": "2026-03-25T21:00:00Z", "end": "2026-03-25T21:45:00Z", "summary": "Jordan / Sam: weekly update", "flags": ["status"]},
                    {"start": "2026-04-01T22:00:00Z", "end": "2026-04-01T22:30:00Z", "summary": "1:1 Jordan - career growth", "flags": ["career"]},
                ],
            },
            {
                "name": "Alex Kim",
                "emails": ["alex@corp.example"],
                "cadence_days": 7,
                "held": 0,
                "last_held": null,
                "days_since_last": null,
                "overdue": true,
                "cancelled": 0,
                "declined": 0,
                "minutes": 0,
                "technical": 0,
                "status": 0,
                "career_last": null,
                "career_overdue": true,
                "next": null,
                "one_on_ones": [],
            },
        ],
    });
    assert_eq!(got, want);
    // The keys come in the order of the contract.
    let text = stdout(&o);
    let at = |k: &str| text.find(&format!("\"{k}\"")).expect(k);
    assert!(at("tz") < at("from") && at("from") < at("to") && at("to") < at("reports"));
    assert!(at("cadence_days") < at("held") && at("career_overdue") < at("next"));
}

/// The bundled sample with the roster in `config.toml`, as of 2026-02-14 00:00 PST (08:00Z):
/// Alex's Monday 14:00 1:1s from 01-05: 01-05, 01-12, 01-19, 01-26 held, 02-02 moved to
/// 02-03 15:00 (held, the last: 10 days 9 hours before), 02-09 cancelled; next Monday 02-16.
/// Priya's Tuesday 1:1s from 01-06 to 02-10: six held. The skip-level with Dana (not a
/// report) is nobody's 1:1.
#[test]
fn reports_table_on_the_bundled_sample() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = calaudit(&["reports", "--to", "2026-02-14"], Some(root));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let row = |name: &str| -> Vec<String> {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("no row for {name} in\n{out}"))
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    // report cadence held skipped last days minutes tech status career next notes...
    assert_eq!(
        row("Alex")[..11],
        [
            "Alex",
            "7d",
            "5",
            "1",
            "2026-02-03",
            "10",
            "150",
            "0",
            "0",
            "-",
            "2026-02-16"
        ]
    );
    assert_eq!(
        row("Priya")[..11],
        [
            "Priya",
            "7d",
            "6",
            "0",
            "2026-02-10",
            "3",
            "180",
            "0",
            "0",
            "-",
            "2026-02-17"
        ]
    );
    assert_eq!(out.lines().count(), 2 + 5, "{out}");
    assert!(!out.contains("Dana"), "{out}");
}

#[test]
fn reports_config_problems_name_file_key_and_line() {
    let cfg = write_config(
        "[[reports]]\nname = \"Priya\"\nemails = [\"priya@corp.example\"]\none_on_one = \"fortnightly\"\n[[reports]]\nname = \"Jo\"\nemails = [\"priya@corp.example\"]\n",
    );
    let o = calaudit(
        &[
            "reports",
            "-c",
            cfg.to_str().expect("utf-8 path"),
            "--feed",
            &fixture("not-one-on-ones.ics"),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&cfg.display().to_string()), "{err}");
    assert!(
        err.contains("key `reports[0].one_on_one` on line 4: invalid interval \"fortnightly\""),
        "{err}"
    );
    assert!(err.contains("key `reports[1].emails[0]` on line 7: \"priya@corp.example\" already belongs to reports[0]"), "{err}");
}

/// `fragmented-week.ics`, week 2026-W16 (Mon 04-13 .. Sun 04-19, Los Angeles), working day
/// 09:00-17:00, categories fixed by the rules below.
/// - Mon: 1:1 09:00-09:30, review 09:30-10:30, 1:1 13:00-14:00. Free 10:30-13:00 (150 min)
///   and 14:00-17:00 (180): two focus blocks. Switches people→technical→people: 2.
/// - Tue: focus time 09:00-12:00 (free, not a meeting), review 11:00-11:30, all-hands
///   15:00-15:45. Free 09:00-11:00 (120, a block: at least two hours), 11:30-15:00 (210, a
///   block), 15:45-17:00 (75). Switches technical→other: 1.
/// - Wed: the only meeting is declined: free 09:00-17:00 (480), one block.
/// - Thu: 1:1s 08:30-09:15 and 09:15-10:00, reviews 10:00-11:00, 10:30-11:30 and
///   16:00-17:30. Free 11:30-16:00 (270), one block. Switches people→technical: 1.
/// - Fri: out of office, not a working day (its one meeting has no neighbour: no switch).
/// - Sat: review 10:00, 1:1 11:00: not a working day, but one switch.
///
/// focus_blocks 2+2+1+1 = 6, longest_free_minutes 480, switches 2+1+1+1 = 5. CREATED: Mon
/// 1:1 six weeks ahead, Mon review 8.5 h ahead (reactive), Mon 1:1 3 days ahead, Tue
/// all-hands 1 h ahead (reactive); the focus block and the declined 1:1 carry CREATED too but
/// are no counted meetings: reactive_share 2/4 = 0.5.
/// Week W17 has no meetings: five free days of 480 minutes, no switches, no CREATED (null).
#[test]
fn fragmentation_of_a_hand_made_week() {
    let cfg = write_config(&format!(
        "tz = \"America/Los_Angeles\"\nme = [\"me@example.com\"]\n{RULES}"
    ));
    let o = calaudit(
        &[
            "report",
            "-c",
            cfg.to_str().expect("utf-8 path"),
            "--feed",
            &fixture("fragmented-week.ics"),
            "--from",
            "2026-04-13",
            "--to",
            "2026-04-27",
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    let figures: Vec<Value> = v["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| {
            json!([
                w["week"],
                w["focus_blocks"],
                w["longest_free_minutes"],
                w["switches"],
                w["reactive_share"]
            ])
        })
        .collect();
    assert_eq!(
        figures,
        [
            json!(["2026-W16", 6, 480, 5, 0.5]),
            json!(["2026-W17", 5, 480, 0, null]),
        ]
    );
}

/// A shorter working day moves the blocks: with 10:00-16:00, Monday keeps 10:30-13:00 (150)
/// and 14:00-16:00 (120); Tuesday 10:00-11:00 (60, no block) and 11:30-15:00 (210); Wednesday
/// 360; Thursday 11:30-16:00 (270). Blocks 2+1+1+1 = 5, longest 360.
#[test]
fn fragmentation_follows_the_configured_working_day() {
    let cfg = write_config(&format!(
        "tz = \"America/Los_Angeles\"\nme = [\"me@example.com\"]\n[week]\nday_start = \"10:00\"\nday_end = \"16:00\"\n{RULES}"
    ));
    let o = calaudit(
        &[
            "report",
            "-c",
            cfg.to_str().expect("utf-8 path"),
            "--feed",
            &fixture("fragmented-week.ics"),
            "--from",
            "2026-04-13",
            "--to",
            "2026-04-20",
            "--format",
            "json",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).expect("json");
    let w = &v["weeks"][0];
    assert_eq!(
        (&w["focus_blocks"], &w["longest_free_minutes"]),
        (&json!(5), &json!(360))
    );
}

/// The sample's autumn, as of 2026-12-05 00:00 PST (08:00Z), window 2026-09-12 .. 12-05:
/// Alex: twelve Mondays, a career conversation on 05-12, more than 90 days ago. Priya: twelve
/// Tuesdays and a 45-minute career conversation on 09-15 (named in its description), 13 held,
/// 405 minutes, 80 days ago. Jordan: twelve Wednesdays, two turned into schema design reviews
/// (technical). Mei: twelve Thursdays, one declined (11-19) and one cancelled (11-26), plus
/// a 20-minute ad-hoc "1:1 Mei" without attendees: 11 held, 320 minutes, 2 skipped. Tomas:
/// his series ends on 10-30, seven Fridays, the last 35 days 11 hours ago: overdue, no next.
#[test]
fn reports_on_the_bundled_sample_in_december() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = calaudit(&["reports", "--to", "2026-12-05"], Some(root));
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(2)
        .map(|l| l.split_whitespace().collect())
        .collect();
    let want: [&[&str]; 5] = [
        &[
            "Alex",
            "7d",
            "12",
            "0",
            "2026-11-30",
            "4",
            "360",
            "0",
            "0",
            "2026-05-12",
            "2026-12-07",
            "career",
            "talk",
            "due",
        ],
        &[
            "Priya",
            "7d",
            "13",
            "0",
            "2026-12-01",
            "3",
            "405",
            "0",
            "0",
            "2026-09-15",
            "2026-12-08",
            "-",
        ],
        &[
            "Jordan",
            "7d",
            "12",
            "0",
            "2026-12-02",
            "2",
            "360",
            "2",
            "0",
            "-",
            "2026-12-09",
            "career",
            "talk",
            "due",
        ],
        &[
            "Mei",
            "7d",
            "11",
            "2",
            "2026-12-03",
            "1",
            "320",
            "0",
            "0",
            "-",
            "2026-12-10",
            "career",
            "talk",
            "due",
        ],
        &[
            "Tomas",
            "7d",
            "7",
            "0",
            "2026-10-30",
            "35",
            "210",
            "0",
            "0",
            "-",
            "-",
            "OVERDUE,",
            "career",
            "talk",
            "due",
        ],
    ];
    assert_eq!(rows, want, "{out}");
}
