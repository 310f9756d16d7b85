//! The fault harness (issue 12): the real `calaudit run` against local feeds and a local
//! webhook receiver, killed with SIGKILL after a random short delay, again and again, while
//! violating meetings keep appearing in the feeds; then one clean run. Every alert must
//! arrive, and none twice once the receiver dedupes by `Idempotency-Key` (raw repeats, from a
//! kill after the receiver answered but before the outbox recorded it, are counted and
//! reported). The kills land across startup, pull, analysis, store writes and delivery.
//!
//! `CALAUDIT_FAULT_KILLS` sets the number of kills (default 25, to keep CI within minutes);
//! `CALAUDIT_FAULT_SEED` the random seed.
//! <https://github.com/calaudit/calaudit/issues/12>

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::daemon::{config_text, wait_until, FeedServer, Webhook};
use crate::util;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A feed with `padding` harmless meetings (analysis work) and the violating `meetings`.
fn feed_body(
    padding: usize,
    meetings: &[(String, String, String)],
    day0: chrono::NaiveDate,
) -> String {
    let mut events: Vec<(String, String, String, String)> = (0..padding)
        .map(|i| {
            let d = day0 + chrono::Duration::days((i % 60) as i64 - 30);
            let s = format!("{}T14{:02}00Z", d.format("%Y%m%d"), i % 30);
            let e = format!("{}T15{:02}00Z", d.format("%Y%m%d"), i % 30);
            (format!("pad-{i}"), format!("Chat {i}"), s, e)
        })
        .collect();
    for (uid, s, e) in meetings {
        events.push((uid.clone(), format!("Meeting {uid}"), s.clone(), e.clone()));
    }
    let refs: Vec<(&str, &str, &str, &str)> = events
        .iter()
        .map(|(a, b, c, d)| (a.as_str(), b.as_str(), c.as_str(), d.as_str()))
        .collect();
    crate::daemon::cal(&refs)
}

#[test]
fn kill_9_at_random_points_loses_no_alert_and_sends_none_twice() {
    let kills: usize = std::env::var("CALAUDIT_FAULT_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(25);
    let seed: u64 = std::env::var("CALAUDIT_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x9E37_79B9_7F4A_7C15);
    let mut rng = Rng(seed | 1);
    let server = FeedServer::start();
    let hook = Webhook::start();
    // A slow receiver: a kill often lands between its answer and the outbox's record.
    hook.delay(Duration::from_millis(15));
    let today = chrono::Utc::now().date_naive();
    let names = ["a", "b", "c"];
    let mut meetings: Vec<Vec<(String, String, String)>> = vec![Vec::new(); names.len()];
    for n in names {
        server.set(&format!("/{n}.ics"), &feed_body(400, &[], today));
    }
    let dir = util::tempdir();
    let feeds: Vec<(String, String)> = names
        .iter()
        .map(|n| (n.to_string(), server.url(&format!("/{n}.ics"))))
        .collect();
    let text = config_text(&feeds, &hook.url, "")
        .replace("refresh = \"15m\"", "refresh = \"1s\"")
        .replace(
            "days = [\"tue\", \"thu\"]\nstart = \"10:00\"\nend = \"12:00\"",
            "days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\nstart = \"09:00\"\nend = \"12:00\"",
        )
        .replace("fetch_timeout = \"300ms\"", "fetch_timeout = \"2s\"");
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, text).expect("config");

    let started = Instant::now();
    let mut added = 0usize;
    let mut refused = 0usize;
    for k in 0..kills {
        // Every other round a new violating meeting (1–12 days ahead, 10:00 UTC).
        if k % 2 == 0 {
            let f = (rng.below(names.len() as u64)) as usize;
            let day = today + chrono::Duration::days(1 + rng.below(12) as i64);
            let uid = format!("m{k}");
            meetings[f].push((
                uid,
                format!("{}T100000Z", day.format("%Y%m%d")),
                format!("{}T103000Z", day.format("%Y%m%d")),
            ));
            server.set(
                &format!("/{}.ics", names[f]),
                &feed_body(400, &meetings[f], today),
            );
            added += 1;
        }
        let mut child = crate::daemon::spawn_daemon(&cfg);
        std::thread::sleep(Duration::from_millis(rng.below(400)));
        child.kill().expect("SIGKILL");
        let status = child.wait().expect("reaped");
        // Exited on its own before the kill: it refused to start (a stale lock, a bad store).
        if status.code().is_some() {
            refused += 1;
        }
    }
    let killing = started.elapsed();

    // One clean run until every meeting's alert has arrived (or 60 s), then SIGTERM.
    let mut child = crate::daemon::spawn_daemon(&cfg);
    let keys = || -> BTreeSet<String> {
        hook.calls()
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_owned))
            .collect()
    };
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wait_until("every alert", Duration::from_secs(60), || {
            hook.calls()
                .iter()
                .filter(|c| c["state"] == "open")
                .filter_map(|c| c["event"]["uid"].as_str().map(str::to_owned))
                .collect::<BTreeSet<_>>()
                .len()
                >= added
        })
    }));
    std::thread::sleep(Duration::from_millis(1500));
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let clean = child.wait().expect("exit");

    let calls = hook.calls();
    let mut per_key: BTreeMap<String, usize> = BTreeMap::new();
    for c in &calls {
        *per_key
            .entry(c["id"].as_str().unwrap_or("").to_owned())
            .or_default() += 1;
    }
    let raw_duplicates = calls.len() - per_key.len();
    let alerted: BTreeSet<String> = calls
        .iter()
        .filter(|c| c["state"] == "open" && c["kind"] == "no_fly")
        .filter_map(|c| c["event"]["uid"].as_str().map(str::to_owned))
        .collect();
    let expected: BTreeSet<String> = meetings.iter().flatten().map(|m| m.0.clone()).collect();
    let lost: Vec<&String> = expected.difference(&alerted).collect();
    // Each meeting's alert under one key: a second key for the same meeting is a real repeat.
    let mut keys_per_meeting: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in calls.iter().filter(|c| c["state"] == "open") {
        if let (Some(uid), Some(id)) = (c["event"]["uid"].as_str(), c["id"].as_str()) {
            keys_per_meeting
                .entry(uid.to_owned())
                .or_default()
                .insert(id.to_owned());
        }
    }
    let sent_twice: Vec<_> = keys_per_meeting
        .iter()
        .filter(|(_, ks)| ks.len() > 1)
        .collect();
    println!(
        "fault harness: {kills} kills in {:.1} s ({refused} runs refused to start), {added} violating meetings, {} alerts delivered ({} unique keys, {raw_duplicates} raw duplicates), {} lost, {} sent twice under different keys",
        killing.as_secs_f64(),
        calls.len(),
        per_key.len(),
        lost.len(),
        sent_twice.len()
    );
    let _ = keys;
    assert!(clean.success(), "clean exit on SIGTERM: {clean:?}");
    assert_eq!(refused, 0, "a daemon refused to start after a kill -9");
    assert!(lost.is_empty(), "alerts lost: {lost:?}");
    assert!(sent_twice.is_empty(), "sent twice: {sent_twice:?}");
    assert_eq!(alerted.len(), expected.len());

    // The outbox agrees: every delivery is recorded as delivered.
    let o = util::calaudit(
        &["alerts", "--json", "--config", cfg.to_str().expect("path")],
        None,
    );
    let out = util::stdout(&o);
    let pending = out.matches("\"state\":\"pending\"").count();
    assert_eq!(pending, 0, "{out}");
}
