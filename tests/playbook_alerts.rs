//! The playbook's alerts from the daemon (issue 10, part 3): each episode is alerted once, not
//! again on the next analysis, and a new episode of the same kind is a new alert. Time is the
//! test's (`Daemon::tick(now)`); the feed and the webhook are local servers (see `daemon.rs`).
//! Every expected alert is worked out by hand in the comment above it.

use calaudit::daemon::Daemon;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::daemon::{config_text, load, FeedServer, Webhook};
use crate::util;

/// One VEVENT in UTC: attendees as (address, PARTSTAT), `extra` raw lines (RRULE, …).
pub(crate) fn ev(
    uid: &str,
    summary: &str,
    start: &str,
    end: &str,
    attendees: &[(&str, &str)],
    extra: &str,
) -> String {
    let mut s = format!(
        "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\nDTSTART:{start}\r\nDTEND:{end}\r\nORGANIZER:mailto:me@example.com\r\n"
    );
    for (a, p) in attendees {
        s.push_str(&format!("ATTENDEE;PARTSTAT={p}:mailto:{a}\r\n"));
    }
    s.push_str(extra);
    s.push_str("END:VEVENT\r\n");
    s
}

pub(crate) fn calendar(events: &[String]) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{}END:VCALENDAR\r\n",
        events.concat()
    )
}

const ME: (&str, &str) = ("me@example.com", "ACCEPTED");
const PRIYA: (&str, &str) = ("priya@example.com", "ACCEPTED");
const JORDAN: (&str, &str) = ("jordan@example.com", "ACCEPTED");

const REPORTS: &str = "[[reports]]\nname = \"Priya\"\nemails = [\"priya@example.com\"]\n\
                       [[reports]]\nname = \"Jordan\"\nemails = [\"jordan@example.com\"]\n";

/// The feed as first seen (Monday 2026-03-02 08:00Z):
/// - Priya: held 1:1 on 02-16 10:00Z, 13 days 22 hours ago, more than 1.5 × 7 days: overdue
///   (keyed by 02-16 10:00Z); no career conversation ever: career overdue (keyed `none`).
///   Her weekly series from Wed 03-04 10:00Z (COUNT 4): 03-04 cancelled, 03-11 turned into a
///   group meeting (Bob added), both before the 14-day horizon (03-16 08:00Z): two changes.
/// - Jordan: "career growth" on 02-09, 02-23 "architecture review", 02-26 "PR review": the
///   last two are technical, the crutch (keyed by 02-26 14:00Z); last held 3 days 18 hours
///   ago, not overdue; career talk 21 days ago, within 90.
fn first_feed() -> Vec<String> {
    let series = "RRULE:FREQ=WEEKLY;COUNT=4\r\n";
    vec![
        ev(
            "p-1",
            "1:1 Priya",
            "20260216T100000Z",
            "20260216T103000Z",
            &[ME, PRIYA],
            "",
        ),
        ev(
            "p-s",
            "1:1 Priya",
            "20260304T100000Z",
            "20260304T103000Z",
            &[ME, PRIYA],
            series,
        ),
        ev(
            "p-s",
            "1:1 Priya",
            "20260304T100000Z",
            "20260304T103000Z",
            &[ME, PRIYA],
            "RECURRENCE-ID:20260304T100000Z\r\nSTATUS:CANCELLED\r\n",
        ),
        ev(
            "p-s",
            "Priya + Bob sync",
            "20260311T100000Z",
            "20260311T110000Z",
            &[ME, PRIYA, ("bob@example.com", "ACCEPTED")],
            "RECURRENCE-ID:20260311T100000Z\r\n",
        ),
        ev(
            "j-0",
            "1:1 Jordan: career growth",
            "20260209T140000Z",
            "20260209T143000Z",
            &[ME, JORDAN],
            "",
        ),
        ev(
            "j-1",
            "1:1 Jordan: architecture review",
            "20260223T140000Z",
            "20260223T143000Z",
            &[ME, JORDAN],
            "",
        ),
        ev(
            "j-2",
            "1:1 Jordan: PR review",
            "20260226T140000Z",
            "20260226T143000Z",
            &[ME, JORDAN],
            "",
        ),
    ]
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("time")
}

/// (kind, key-ish summary) of each open alert the webhook got, sorted.
fn opened(calls: &[Value]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = calls
        .iter()
        .filter(|c| c["state"] == "open")
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or("").to_owned(),
                c["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    v.sort();
    v
}

fn count(calls: &[Value], kind: &str) -> usize {
    calls.iter().filter(|c| c["kind"] == kind).count()
}

#[test]
fn each_playbook_episode_is_alerted_once_and_a_new_one_again() {
    let server = FeedServer::start();
    let hook = Webhook::start();
    server.set("/work.ics", &calendar(&first_feed()));
    let dir = util::tempdir();
    let text = config_text(
        &[("work".into(), server.url("/work.ics"))],
        &hook.url,
        REPORTS,
    );
    let mut d = Daemon::open(load(&dir, &text)).expect("daemon");
    d.tick(at("2026-03-02T08:00:00Z")).expect("tick");
    let calls = hook.calls();
    let got = opened(&calls);
    let texts: Vec<&str> = got.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Career conversation with Priya overdue: none yet (every 90 days)",
            "Upcoming 1:1 with Priya cancelled: '1:1 Priya' Wed 4 Mar 10:00",
            "Upcoming 1:1 with Priya turned into a group meeting: 'Priya + Bob sync' Wed 11 Mar 10:00",
            "1:1 with Priya overdue: last held 2026-02-16 (13 days ago; cadence 7 days)",
            "Technical crutch: the last two 1:1s with Jordan were technical reviews ('1:1 Jordan: architecture review' 2026-02-23, '1:1 Jordan: PR review' 2026-02-26)",
        ],
        "{calls:#?}"
    );
    let changed: Vec<&Value> = calls
        .iter()
        .filter(|c| c["kind"] == "one_on_one_changed")
        .collect();
    assert_eq!(changed[0]["event"]["uid"], "p-s");
    assert_eq!(changed[0]["event"]["recurrence_id"], "20260304T100000Z");
    assert_eq!(changed[0]["change"], "cancelled");
    assert_eq!(changed[1]["change"], "group");
    assert!(!calls.iter().any(|c| c.to_string().contains("work.ics")));

    // The next analysis (the feed changed: an unrelated event added) raises nothing again.
    let mut feed = first_feed();
    feed.push(ev(
        "x",
        "Lunch",
        "20260303T120000Z",
        "20260303T130000Z",
        &[],
        "",
    ));
    server.set("/work.ics", &calendar(&feed));
    let t = d.tick(at("2026-03-02T08:30:00Z")).expect("tick");
    assert!(t.analyzed && t.raised == 0, "{t:?}");
    // A day later (a new day re-analyses): still nothing new.
    let t = d.tick(at("2026-03-03T08:00:00Z")).expect("tick");
    assert!(t.analyzed && t.raised == 0, "{t:?}");
    assert_eq!(hook.calls().len(), 5);

    // Priya's 1:1 held on 03-03 09:00Z ends her overdue episode; Jordan's 03-05 design review
    // is a third technical 1:1 in a row; Jordan declines nothing, but the report declines the
    // 1:1 of 03-18 (within the horizon from 03-13). As of 03-13 12:00Z, 10 days 3 hours
    // after 03-03 09:00Z: not yet overdue (10.5 days) ...
    feed.push(ev(
        "p-2",
        "1:1 Priya",
        "20260303T090000Z",
        "20260303T093000Z",
        &[ME, PRIYA],
        "",
    ));
    feed.push(ev(
        "j-3",
        "1:1 Jordan: design review",
        "20260305T140000Z",
        "20260305T143000Z",
        &[ME, JORDAN],
        "",
    ));
    feed.push(ev(
        "p-s",
        "1:1 Priya",
        "20260318T100000Z",
        "20260318T103000Z",
        &[ME, ("priya@example.com", "DECLINED")],
        "RECURRENCE-ID:20260318T100000Z\r\n",
    ));
    server.set("/work.ics", &calendar(&feed));
    d.tick(at("2026-03-13T12:00:00Z")).expect("tick");
    let calls = hook.calls();
    assert_eq!(count(&calls, "one_on_one_overdue"), 1, "{calls:#?}");
    assert_eq!(count(&calls, "technical_crutch"), 2, "{calls:#?}");
    let last = calls.last().map(|c| c["text"].clone());
    assert_eq!(count(&calls, "one_on_one_changed"), 3, "{calls:#?}");
    assert!(
        calls.iter().any(|c| c["change"] == "declined_by_report"),
        "{last:?}"
    );
    // ... and as of 03-14 00:00Z (10 days 15 hours) it is: a new episode, a new alert.
    d.tick(at("2026-03-14T00:00:00Z")).expect("tick");
    let calls = hook.calls();
    assert_eq!(count(&calls, "one_on_one_overdue"), 2, "{calls:#?}");
    assert!(calls.iter().any(|c| c["text"]
        == "1:1 with Priya overdue: last held 2026-03-03 (10 days ago; cadence 7 days)"));
    // The career episode of Priya (none yet) is still the same one: not sent again.
    assert_eq!(count(&calls, "career_overdue"), 1);

    // Restarted: nothing is sent again.
    let total = calls.len();
    drop(d);
    let mut d = Daemon::open(load(&dir, &text)).expect("daemon again");
    let t = d.tick(at("2026-03-14T00:05:00Z")).expect("tick");
    assert!(t.analyzed && t.raised == 0, "{t:?}");
    assert_eq!(hook.calls().len(), total);

    // A career conversation with Priya on 03-16 09:00Z ends her career episode; 90 days
    // later (06-14 09:00Z) it is due again: as of 06-15 00:00Z, a new career alert (and
    // Jordan's first, his last career talk of 02-09 being 126 days old by then).
    feed.push(ev(
        "p-3",
        "1:1 Priya: career growth",
        "20260316T090000Z",
        "20260316T093000Z",
        &[ME, PRIYA],
        "",
    ));
    server.set("/work.ics", &calendar(&feed));
    d.tick(at("2026-03-16T12:00:00Z")).expect("tick");
    assert_eq!(count(&hook.calls(), "career_overdue"), 1);
    d.tick(at("2026-06-15T00:00:00Z")).expect("tick");
    let calls = hook.calls();
    assert_eq!(count(&calls, "career_overdue"), 3, "{calls:#?}");
    assert!(calls.iter().any(|c| c["text"]
        == "Career conversation with Jordan overdue: last on 2026-02-09 (every 90 days)"));
    assert!(calls.iter().any(|c| c["text"]
        == "Career conversation with Priya overdue: last on 2026-03-16 (every 90 days)"));
}

#[test]
fn playbook_alerts_can_be_turned_off() {
    let server = FeedServer::start();
    let hook = Webhook::start();
    server.set("/work.ics", &calendar(&first_feed()));
    let dir = util::tempdir();
    let text = config_text(
        &[("work".into(), server.url("/work.ics"))],
        &hook.url,
        REPORTS,
    )
    .replace(
        "people_target = false\n",
        "people_target = false\nplaybook = false\n",
    );
    let mut d = Daemon::open(load(&dir, &text)).expect("daemon");
    let t = d.tick(at("2026-03-02T08:00:00Z")).expect("tick");
    assert_eq!(t.raised, 0, "{:#?}", hook.calls());
}

/// A 1:1 edited in place into a meeting with other people leaves no override behind: only the
/// difference between two pulls shows it. Monday 2026-03-02 08:00Z, horizon 14 days:
/// - `p-x`, a single 1:1 with Priya on Wed 03-04 15:00Z; at 08:30Z Bob is added: one alert,
///   keyed by the event (no recurrence id) and the change.
/// - `j-s`, Jordan's weekly 1:1 from Thu 03-05 14:00Z (COUNT 3); at 08:30Z Bob is added to the
///   series itself: its occurrences before the horizon, 03-05 and 03-12, are group meetings
///   now (two alerts); 03-19 is after the horizon.
/// - `p-y`, a single 1:1 with Priya on 03-06 in which Priya is replaced by Bob: not a group
///   meeting with her (and not a 1:1 with anyone): no alert.
/// - `g`, a meeting with Priya and Bob from the start: it never was a 1:1, no alert.
#[test]
fn a_one_on_one_edited_into_a_group_meeting_between_pulls_is_alerted_once() {
    const BOB: (&str, &str) = ("bob@example.com", "NEEDS-ACTION");
    let feed = |edited: bool| {
        let with = |who: (&'static str, &'static str)| {
            if edited {
                vec![ME, who, BOB]
            } else {
                vec![ME, who]
            }
        };
        vec![
            ev(
                "p-x",
                "1:1 Priya",
                "20260304T150000Z",
                "20260304T153000Z",
                &with(PRIYA),
                "",
            ),
            ev(
                "j-s",
                "1:1 Jordan",
                "20260305T140000Z",
                "20260305T143000Z",
                &with(JORDAN),
                "RRULE:FREQ=WEEKLY;COUNT=3\r\n",
            ),
            ev(
                "p-y",
                "1:1 Priya",
                "20260306T150000Z",
                "20260306T153000Z",
                &[ME, if edited { BOB } else { PRIYA }],
                "",
            ),
            ev(
                "g",
                "Priya + Bob",
                "20260306T100000Z",
                "20260306T110000Z",
                &[ME, PRIYA, BOB],
                "",
            ),
        ]
    };
    let group = |calls: &[Value]| -> Vec<(String, Value, String)> {
        let mut v: Vec<_> = calls
            .iter()
            .filter(|c| c["kind"] == "one_on_one_changed" && c["change"] == "group")
            .map(|c| {
                (
                    c["event"]["uid"].as_str().unwrap_or("").to_owned(),
                    c["event"]["recurrence_id"].clone(),
                    c["text"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        v.sort_by(|a, b| (&a.0, a.1.to_string()).cmp(&(&b.0, b.1.to_string())));
        v
    };
    let server = FeedServer::start();
    let hook = Webhook::start();
    server.set("/work.ics", &calendar(&feed(false)));
    let dir = util::tempdir();
    let text = config_text(
        &[("work".into(), server.url("/work.ics"))],
        &hook.url,
        REPORTS,
    );
    let mut d = Daemon::open(load(&dir, &text)).expect("daemon");
    d.tick(at("2026-03-02T08:00:00Z")).expect("tick");
    assert_eq!(group(&hook.calls()), [], "{:#?}", hook.calls());

    server.set("/work.ics", &calendar(&feed(true)));
    let t = d.tick(at("2026-03-02T08:30:00Z")).expect("tick");
    assert!(t.analyzed, "{t:?}");
    let calls = hook.calls();
    assert_eq!(
        group(&calls),
        [
            (
                "j-s".to_owned(),
                Value::from("20260305T140000Z"),
                "Upcoming 1:1 with Jordan turned into a group meeting: '1:1 Jordan' Thu 5 Mar 14:00"
                    .to_owned()
            ),
            (
                "j-s".to_owned(),
                Value::from("20260312T140000Z"),
                "Upcoming 1:1 with Jordan turned into a group meeting: '1:1 Jordan' Thu 12 Mar 14:00"
                    .to_owned()
            ),
            (
                "p-x".to_owned(),
                Value::Null,
                "Upcoming 1:1 with Priya turned into a group meeting: '1:1 Priya' Wed 4 Mar 15:00"
                    .to_owned()
            ),
        ],
        "{calls:#?}"
    );
    assert_eq!(count(&calls, "one_on_one_changed"), 3, "{calls:#?}");

    // The next pulls see the same group meetings: nothing again, also after a restart.
    let mut edited = feed(true);
    edited.push(ev(
        "x",
        "Lunch",
        "20260303T120000Z",
        "20260303T130000Z",
        &[],
        "",
    ));
    server.set("/work.ics", &calendar(&edited));
    let t = d.tick(at("2026-03-02T09:00:00Z")).expect("tick");
    assert!(t.analyzed && t.raised == 0, "{t:?}");
    drop(d);
    let mut d = Daemon::open(load(&dir, &text)).expect("daemon again");
    let t = d.tick(at("2026-03-02T09:30:00Z")).expect("tick");
    assert!(t.analyzed && t.raised == 0, "{t:?}");
    assert_eq!(count(&hook.calls(), "one_on_one_changed"), 3);
}
