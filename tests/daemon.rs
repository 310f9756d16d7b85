//! The daemon against real local HTTP servers: a feed server whose body and failure mode the
//! test changes between pulls, and a webhook receiver that records what it acknowledged. Time
//! is the test's: `Daemon::tick(now)` is called with chosen instants (no sleeps), except in the
//! kill -9 test, which runs the real binary.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use calaudit::alert::SinkName;
use calaudit::config::Config;
use calaudit::daemon::Daemon;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::util;

// ---------------------------------------------------------------- local servers

#[derive(Clone, Debug, PartialEq)]
pub enum Mode {
    Ok,
    Status500,
    /// Accept, then say nothing for this long.
    Hang(Duration),
    Html,
    Truncated,
    Oversize,
    RedirectLoop,
}

struct FeedState {
    mode: Mode,
    bodies: HashMap<String, (Vec<u8>, u64)>,
    version: u64,
    requests: usize,
    not_modified: usize,
}

/// Serves calendars by path, with ETags and 304s, or the failure the test selects.
#[derive(Clone)]
pub struct FeedServer {
    pub base: String,
    state: Arc<Mutex<FeedState>>,
}

/// An HTTP request's path, headers (names lowercased) and the body bytes read with the head.
pub(crate) fn read_head(s: &mut TcpStream) -> Option<(String, HashMap<String, String>, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some((path, headers, buf[end + 4..].to_vec()))
}

fn respond(s: &mut TcpStream, status: &str, ctype: &str, extra: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n",
        body.len()
    );
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

impl FeedServer {
    pub fn start() -> FeedServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(FeedState {
            mode: Mode::Ok,
            bodies: HashMap::new(),
            version: 0,
            requests: 0,
            not_modified: 0,
        }));
        let st = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(s) = stream else { continue };
                let st = Arc::clone(&st);
                std::thread::spawn(move || serve_feed(s, &st));
            }
        });
        FeedServer { base, state }
    }
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
    pub fn set(&self, path: &str, body: &str) {
        let mut st = self.state.lock().unwrap();
        st.version += 1;
        let v = st.version;
        st.bodies
            .insert(path.to_owned(), (body.as_bytes().to_vec(), v));
    }
    pub fn mode(&self, m: Mode) {
        self.state.lock().unwrap().mode = m;
    }
    pub fn counts(&self) -> (usize, usize) {
        let st = self.state.lock().unwrap();
        (st.requests, st.not_modified)
    }
}

fn serve_feed(mut s: TcpStream, st: &Mutex<FeedState>) {
    let Some((path, headers, _)) = read_head(&mut s) else {
        return;
    };
    let (mode, entry) = {
        let mut g = st.lock().unwrap();
        g.requests += 1;
        (g.mode.clone(), g.bodies.get(&path).cloned())
    };
    let Some((body, version)) = entry else {
        respond(&mut s, "404 Not Found", "text/plain", "", b"no such feed");
        return;
    };
    let etag = format!("\"v{version}\"");
    match mode {
        Mode::Ok => {
            if headers.get("if-none-match") == Some(&etag) {
                st.lock().unwrap().not_modified += 1;
                respond(
                    &mut s,
                    "304 Not Modified",
                    "text/calendar",
                    &format!("ETag: {etag}\r\n"),
                    b"",
                );
            } else {
                respond(
                    &mut s,
                    "200 OK",
                    "text/calendar",
                    &format!("ETag: {etag}\r\n"),
                    &body,
                );
            }
        }
        Mode::Status500 => respond(
            &mut s,
            "500 Internal Server Error",
            "text/plain",
            "",
            b"oops",
        ),
        Mode::Hang(d) => std::thread::sleep(d),
        Mode::Html => respond(
            &mut s,
            "200 OK",
            "text/html",
            "",
            b"<!DOCTYPE html><html><body>Sign in to continue</body></html>",
        ),
        Mode::Truncated => {
            let cut = &body[..body.len() * 2 / 3];
            respond(&mut s, "200 OK", "text/calendar", "", cut);
        }
        Mode::Oversize => {
            let mut big = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n".to_vec();
            while big.len() < 1536 * 1024 {
                big.extend_from_slice(
                    b"X-PAD:0123456789012345678901234567890123456789012345678901234567890123\r\n",
                );
            }
            big.extend_from_slice(b"END:VCALENDAR\r\n");
            respond(&mut s, "200 OK", "text/calendar", "", &big);
        }
        Mode::RedirectLoop => respond(
            &mut s,
            "302 Found",
            "text/plain",
            &format!("Location: {path}\r\n"),
            b"",
        ),
    }
}

#[derive(Default)]
struct HookState {
    up: bool,
    /// Hold each request until the sender goes away (for the kill -9 test).
    hold: bool,
    held: usize,
    aborted: usize,
    /// Wait this long before answering (a slow receiver: kills land mid-delivery).
    delay: Duration,
    calls: Vec<Value>,
}

/// Records each alert it acknowledged with 200; answers 503 while "down".
#[derive(Clone)]
pub struct Webhook {
    pub url: String,
    state: Arc<Mutex<HookState>>,
}

impl Webhook {
    pub fn start() -> Webhook {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(HookState {
            up: true,
            ..HookState::default()
        }));
        let st = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(s) = stream else { continue };
                let st = Arc::clone(&st);
                std::thread::spawn(move || serve_hook(s, &st));
            }
        });
        Webhook { url, state }
    }
    pub fn calls(&self) -> Vec<Value> {
        self.state.lock().unwrap().calls.clone()
    }
    pub fn up(&self, up: bool) {
        self.state.lock().unwrap().up = up;
    }
    pub(crate) fn delay(&self, d: Duration) {
        self.state.lock().unwrap().delay = d;
    }
    fn hold(&self, h: bool) {
        self.state.lock().unwrap().hold = h;
    }
}

fn serve_hook(mut s: TcpStream, st: &Mutex<HookState>) {
    let Some((_, headers, mut body)) = read_head(&mut s) else {
        return;
    };
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut chunk = [0u8; 4096];
    while body.len() < len {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let (up, hold, delay) = {
        let g = st.lock().unwrap();
        (g.up, g.hold, g.delay)
    };
    std::thread::sleep(delay);
    if hold {
        st.lock().unwrap().held += 1;
        // Wait until the sender dies: it never got an answer, so this is not a delivery.
        let _ = s.set_read_timeout(Some(Duration::from_secs(20)));
        let _ = s.read(&mut chunk);
        st.lock().unwrap().aborted += 1;
        return;
    }
    if !up {
        respond(&mut s, "503 Service Unavailable", "text/plain", "", b"down");
        return;
    }
    let v: Value = serde_json::from_slice(&body).expect("webhook body is JSON");
    assert_eq!(
        headers.get("idempotency-key").map(String::as_str),
        v["id"].as_str()
    );
    st.lock().unwrap().calls.push(v);
    respond(&mut s, "200 OK", "text/plain", "", b"ok");
}

// ---------------------------------------------------------------- calendars and config

/// A calendar of UTC events: (uid, summary, start, end) with times as `20260303T103000Z`.
pub(crate) fn cal(events: &[(&str, &str, &str, &str)]) -> String {
    let mut s = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n");
    for (uid, summary, start, end) in events {
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\nDTSTART:{start}\r\nDTEND:{end}\r\nEND:VEVENT\r\n"
        ));
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

pub(crate) const FOCUS: (&str, &str, &str, &str) = (
    "focus-1",
    "Focus time",
    "20260304T090000Z",
    "20260304T110000Z",
);

pub fn config_text(feeds: &[(String, String)], hook: &str, extra: &str) -> String {
    let mut s = String::from("tz = \"UTC\"\nme = [\"me@example.com\"]\n");
    for (name, url) in feeds {
        s.push_str(&format!(
            "[[feeds]]\nname = \"{name}\"\nurl = \"{url}\"\nrefresh = \"15m\"\n"
        ));
    }
    s.push_str(&format!(
        "[[no_fly]]\ndays = [\"tue\", \"thu\"]\nstart = \"10:00\"\nend = \"12:00\"\n\
         [alerts]\nmin_overlap = \"10m\"\nlookahead = \"14d\"\nfeed_failure_after = \"2h\"\nlog = false\npeople_target = false\n\
         [[alerts.webhook]]\nurl = \"{hook}\"\ntimeout = \"5s\"\n\
         [server]\nbind = \"127.0.0.1:0\"\n[store]\npath = \"state.db\"\n\
         [daemon]\nfetch_timeout = \"300ms\"\nmax_body_mb = 1\n{extra}"
    ));
    s
}

pub(crate) fn load(dir: &Path, text: &str) -> Config {
    let p = dir.join("config.toml");
    std::fs::write(&p, text).expect("write config");
    Config::load(&p).expect("valid config")
}

fn t0() -> DateTime<Utc> {
    // Monday 2026-03-02 08:00 UTC; the no-fly window is Tue/Thu 10:00–12:00.
    "2026-03-02T08:00:00Z".parse().expect("time")
}

pub(crate) fn at(min: i64) -> DateTime<Utc> {
    t0() + chrono::Duration::minutes(min)
}

pub(crate) fn setup(extra: &str) -> (FeedServer, Webhook, Config, std::path::PathBuf) {
    let server = FeedServer::start();
    let hook = Webhook::start();
    server.set("/work.ics", &cal(&[FOCUS]));
    let dir = util::tempdir();
    let cfg = load(
        &dir,
        &config_text(
            &[("work".into(), server.url("/work.ics"))],
            &hook.url,
            extra,
        ),
    );
    (server, hook, cfg, dir)
}

fn kinds(calls: &[Value]) -> Vec<(String, String)> {
    calls
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap_or("").to_owned(),
                c["state"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------- tests

/// Issue 11 item 3: a meeting breaking a no-fly window and a deep-work block is one alert
/// listing both (it was two), and a store an earlier version left with one open alert per
/// block raises nothing new: the meeting keeps its first alert (the key of its earliest
/// block) and the other is resolved as merged, not as "moved, cancelled or declined".
#[test]
fn a_meeting_breaking_two_blocks_is_one_alert_and_old_pairs_are_merged() {
    let focus_tue = (
        "focus-tue",
        "Focus time",
        "20260303T090000Z",
        "20260303T110000Z",
    );
    // Tue 10:30–11:30 UTC: 60 min in the 10:00–12:00 window, 30 min in the focus block.
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T113000Z",
    );

    // A fresh store: one alert.
    let (server, hook, cfg, _dir) = setup("");
    server.set("/work.ics", &cal(&[focus_tue, demo]));
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(at(0)).expect("tick");
    let calls = hook.calls();
    assert_eq!(
        kinds(&calls),
        [("no_fly".into(), "open".into())],
        "{calls:#?}"
    );
    let c = &calls[0];
    let broken = c["broken"].as_array().cloned().unwrap_or_default();
    let sources: Vec<&str> = broken.iter().filter_map(|b| b["source"].as_str()).collect();
    assert_eq!(sources, ["deep_work_block", "no_fly_window"], "{c:#}");
    assert_eq!(c["protected"]["start"], "2026-03-03T09:00:00Z");
    assert_eq!(c["overlap_minutes"], 60, "the union, not 60 + 30");
    let text = c["text"].as_str().unwrap_or("");
    assert!(
        text.contains("overlaps deep-work block 'Focus time'")
            && text.contains(" and Tue/Thu 10:00–12:00 by 60 min"),
        "{text}"
    );
    drop(d);

    // A store with the two alerts an earlier version raised for the same meeting.
    let (server, hook, cfg, _dir) = setup("");
    server.set("/work.ics", &cal(&[focus_tue, demo]));
    let ts = |s: &str| s.parse::<DateTime<Utc>>().expect("time").timestamp();
    let (ms, me) = (ts("2026-03-03T10:30:00Z"), ts("2026-03-03T11:30:00Z"));
    {
        let mut store = calaudit::store::Store::open(&cfg.daemon.store_path).expect("store");
        for protected in ["2026-03-03T09:00:00Z", "2026-03-03T10:00:00Z"] {
            let key =
                calaudit::alert::AlertKey::no_fly("work", "demo-1", "", ts(protected), ms, me);
            let old = calaudit::alert::Candidate {
                key,
                kind: calaudit::alert::AlertKind::NoFly,
                payload: serde_json::json!({"kind": "no_fly", "text": format!("No-fly zone broken: 'Vendor demo' (block at {protected})")}),
                relevant_until: DateTime::from_timestamp(me, 0),
            };
            let id = store.raise(&old, &[], at(-60)).expect("raise");
            assert!(id.is_some());
        }
    }
    let store_path = cfg.daemon.store_path.clone();
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(at(0)).expect("tick");
    d.tick(at(15)).expect("tick");
    let calls = hook.calls();
    assert_eq!(
        kinds(&calls),
        [("no_fly".into(), "resolved".into())],
        "{calls:#?}"
    );
    let text = calls[0]["text"].as_str().unwrap_or("");
    assert!(
        text.starts_with("Merged into one alert for this meeting") && text.contains("10:00:00Z"),
        "{text}"
    );
    drop(d);
    let store = calaudit::store::Store::open(&store_path).expect("store");
    let open = store
        .open_alerts(calaudit::alert::AlertKind::NoFly)
        .expect("open alerts");
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(
        open[0].key,
        calaudit::alert::AlertKey::no_fly("work", "demo-1", "", ts("2026-03-03T09:00:00Z"), ms, me)
    );
}

#[test]
fn a_violating_meeting_is_alerted_once_moved_is_new_moved_out_is_resolved() {
    let (server, hook, cfg, _dir) = setup("");
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.tick(at(0)).expect("tick");
    assert!(t.analyzed && t.raised == 0, "{t:?}");
    assert!(hook.calls().is_empty());

    // A meeting lands in Tuesday's no-fly window.
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    d.tick(at(15)).expect("tick");
    let calls = hook.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    let c = &calls[0];
    assert_eq!(
        (c["kind"].as_str(), c["state"].as_str()),
        (Some("no_fly"), Some("open"))
    );
    assert_eq!(c["feed"], "work");
    assert_eq!(c["event"]["uid"], "demo-1");
    assert_eq!(c["event"]["summary"], "Vendor demo");
    assert_eq!(c["event"]["start"], "2026-03-03T10:30:00Z");
    assert_eq!(c["event"]["end"], "2026-03-03T11:00:00Z");
    assert_eq!(c["protected"]["start"], "2026-03-03T10:00:00Z");
    assert_eq!(c["protected"]["end"], "2026-03-03T12:00:00Z");
    assert_eq!(c["protected"]["source"], "no_fly_window");
    assert_eq!(c["overlap_minutes"], 30);
    let text = c["text"].as_str().unwrap_or("");
    assert!(
        text.starts_with("No-fly zone broken: 'Vendor demo' Tue 3 Mar 10:30–11:00 overlaps Tue/Thu 10:00–12:00 by 30 min"),
        "{text}"
    );
    assert!(!text.contains("127.0.0.1") && !c.to_string().contains("work.ics"));

    // The same feed again (a 304): nothing new, no re-analysis.
    let before = d.stats.analyses;
    let t = d.tick(at(30)).expect("tick");
    assert_eq!((t.fetched, t.changed, t.analyzed), (1, 0, false));
    assert_eq!(d.stats.analyses, before);
    assert_eq!(hook.calls().len(), 1);
    assert!(server.counts().1 >= 1, "a conditional request got a 304");

    // Moved to another violating time: one new alert, and the old one resolved.
    let moved = (
        "demo-1",
        "Vendor demo",
        "20260303T111500Z",
        "20260303T114500Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, moved]));
    d.tick(at(45)).expect("tick");
    let calls = hook.calls();
    assert_eq!(calls.len(), 3, "{calls:#?}");
    let mut new: Vec<(String, String)> = kinds(&calls[1..]);
    new.sort();
    assert_eq!(
        new,
        [
            ("no_fly".into(), "open".into()),
            ("no_fly".into(), "resolved".into())
        ]
    );
    let resolved = calls[1..]
        .iter()
        .find(|c| c["state"] == "resolved")
        .unwrap();
    assert_eq!(resolved["alert_id"], calls[0]["alert_id"]);
    let opened = calls[1..].iter().find(|c| c["state"] == "open").unwrap();
    assert_eq!(opened["event"]["start"], "2026-03-03T11:15:00Z");
    assert_ne!(opened["alert_id"], calls[0]["alert_id"]);

    // Moved out of protected time: resolved, not re-alerted.
    let out = (
        "demo-1",
        "Vendor demo",
        "20260303T140000Z",
        "20260303T143000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, out]));
    d.tick(at(60)).expect("tick");
    let calls = hook.calls();
    assert_eq!(kinds(&calls[3..]), [("no_fly".into(), "resolved".into())]);
    assert_eq!(calls[3]["alert_id"], opened["alert_id"]);

    // The focus block is deleted: one alert.
    server.set("/work.ics", &cal(&[out]));
    d.tick(at(75)).expect("tick");
    d.tick(at(90)).expect("tick");
    let calls = hook.calls();
    assert_eq!(calls.len(), 5, "{calls:#?}");
    assert_eq!(calls[4]["kind"], "block_changed");
    assert_eq!(calls[4]["change"], "deleted");
    assert_eq!(calls[4]["event"]["summary"], "Focus time");

    // History and status come from the store.
    let status = calaudit::daemon::cmd::status(
        &load(
            _dir.as_path(),
            &std::fs::read_to_string(_dir.join("config.toml")).unwrap(),
        ),
        at(90),
    )
    .expect("status");
    assert!(status.contains("work (http://127.0.0.1:"), "{status}");
    assert!(
        !status.contains("work.ics"),
        "the feed URL's path is never shown: {status}"
    );
    assert!(status.contains("this week 2026-W10"), "{status}");
    assert!(status.contains("open violations: 0"), "{status}");
}

#[test]
fn a_focus_block_shortened_or_moved_is_alerted_once() {
    let (server, hook, cfg, _dir) = setup("");
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(at(0)).expect("tick");
    server.set(
        "/work.ics",
        &cal(&[(
            "focus-1",
            "Focus time",
            "20260304T090000Z",
            "20260304T100000Z",
        )]),
    );
    d.tick(at(15)).expect("tick");
    d.tick(at(30)).expect("tick");
    let calls = hook.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0]["change"], "shortened");
    server.set(
        "/work.ics",
        &cal(&[(
            "focus-1",
            "Focus time",
            "20260305T140000Z",
            "20260305T150000Z",
        )]),
    );
    d.tick(at(45)).expect("tick");
    let calls = hook.calls();
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert_eq!(calls[1]["change"], "moved");
}

fn fault_case(mode: Mode, expect: &str) {
    let (server, hook, cfg, dir) = setup("");
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(at(0)).expect("tick");
    assert_eq!(hook.calls().len(), 1);

    server.mode(mode);
    let started = Instant::now();
    let t = d
        .tick(at(15))
        .expect("a failing feed does not stop the daemon");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "bounded by the fetch timeout"
    );
    assert_eq!((t.fetched, t.changed), (1, 0));
    let st = d.store().feed_state("work").expect("state");
    let err = st.last_error.clone().expect("error recorded");
    assert!(err.contains(expect), "{err}");
    assert!(!err.contains("work.ics"), "no URL path in errors: {err}");
    assert!(
        d.store().feed_body("work").expect("body").is_some(),
        "last good copy kept"
    );
    let cfg2 = load(
        &dir,
        &std::fs::read_to_string(dir.join("config.toml")).unwrap(),
    );
    let status = calaudit::daemon::cmd::status(&cfg2, at(15)).expect("status");
    assert!(
        status.contains("FAILING") && status.contains(expect),
        "{status}"
    );
    assert!(
        status.contains("open violations: 1"),
        "the violation is still known: {status}"
    );
    assert_eq!(
        hook.calls().len(),
        1,
        "below the threshold: no failure alert yet"
    );

    // Past the 2h threshold (the pull keeps failing): one failure alert, not repeated.
    d.tick(at(15 + 125)).expect("tick");
    d.tick(at(15 + 150)).expect("tick");
    let calls = hook.calls();
    assert_eq!(kinds(&calls[1..]), [("feed_failing".into(), "open".into())]);
    assert!(calls[1]["text"]
        .as_str()
        .unwrap_or("")
        .contains("'work' has failed"));

    // Back to normal: the failure is resolved.
    server.mode(Mode::Ok);
    d.tick(at(15 + 180)).expect("tick");
    let calls = hook.calls();
    assert_eq!(
        kinds(&calls[2..]),
        [("feed_failing".into(), "resolved".into())]
    );
    assert!(d.store().feed_state("work").unwrap().last_error.is_none());
}

#[test]
fn fault_http_500() {
    fault_case(Mode::Status500, "HTTP 500");
}

#[test]
fn fault_hang_past_the_timeout() {
    fault_case(
        Mode::Hang(Duration::from_secs(2)),
        "fetching http://127.0.0.1",
    );
}

#[test]
fn fault_html_error_page() {
    fault_case(Mode::Html, "HTML page");
}

#[test]
fn fault_truncated_body() {
    fault_case(Mode::Truncated, "incomplete calendar");
}

#[test]
fn fault_body_over_the_size_limit() {
    fault_case(Mode::Oversize, "more than 1048576 bytes");
}

#[test]
fn fault_redirect_loop() {
    fault_case(Mode::RedirectLoop, "redirect");
}

#[test]
fn stopped_between_detection_and_delivery_delivers_once_after_restart() {
    let (server, hook, cfg, dir) = setup("");
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.poll_and_detect(at(0)).expect("detect");
    assert_eq!(t.raised, 1);
    drop(d); // stopped before delivering
    assert!(hook.calls().is_empty());

    let cfg = load(
        &dir,
        &std::fs::read_to_string(dir.join("config.toml")).unwrap(),
    );
    let mut d = Daemon::open(cfg).expect("daemon again");
    let t = d.tick(at(1)).expect("tick");
    assert_eq!((t.raised, t.delivered), (0, 1), "{t:?}");
    d.tick(at(20)).expect("tick");
    assert_eq!(hook.calls().len(), 1);
}

#[test]
fn a_webhook_that_is_down_gets_every_alert_once_it_is_back() {
    let (server, hook, cfg, dir) = setup("");
    hook.up(false);
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    let sync = (
        "sync-1",
        "Team sync",
        "20260305T110000Z",
        "20260305T113000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo, sync]));
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.tick(at(0)).expect("tick");
    assert_eq!(
        (t.raised, t.delivered, t.delivery_failures),
        (2, 0, 1),
        "{t:?}"
    );
    for m in [1, 2, 5, 10] {
        d.tick(at(m)).expect("tick");
    }
    assert!(hook.calls().is_empty());
    // `status` says so in words (issue 11 item 8), not `pending` or `open:1`.
    let cfg2 = load(
        &dir,
        &std::fs::read_to_string(dir.join("config.toml")).unwrap(),
    );
    let status = calaudit::daemon::cmd::status(&cfg2, at(11)).expect("status");
    assert!(
        status.contains("deliveries waiting: 2")
            && status.contains("(protected time broken): waiting to retry webhook-")
            && status.contains(" so far (last error: ")
            && !status.contains("open:1"),
        "{status}"
    );
    hook.up(true);
    d.tick(at(40)).expect("tick");
    d.tick(at(60)).expect("tick");
    let calls = hook.calls();
    let mut uids: Vec<&str> = calls
        .iter()
        .filter_map(|c| c["event"]["uid"].as_str())
        .collect();
    uids.sort();
    assert_eq!(uids, ["demo-1", "sync-1"], "{calls:#?}");
}

#[test]
fn command_sink_gets_json_on_stdin_and_env() {
    let (server, hook, _cfg, dir) = setup("");
    let out = dir.join("cmd-out.txt");
    let script = format!(
        "cat > '{0}.json'; printf '%s|%s' \"$CALAUDIT_ALERT_KIND\" \"$CALAUDIT_ALERT_TEXT\" > '{0}'",
        out.display()
    );
    let text = config_text(
        &[("work".into(), server.url("/work.ics"))],
        &hook.url,
        &format!(
            "[[alerts.command]]\nrun = [\"sh\", \"-c\", {}]\n",
            serde_json::to_string(&script).unwrap()
        ),
    );
    // [[alerts.command]] must sit under [alerts]: move it before [store].
    let text = {
        let (head, cmd) = text.split_once("[[alerts.command]]").unwrap();
        head.replacen("[store]", &format!("[[alerts.command]]{cmd}[store]"), 1)
    };
    let cfg = load(&dir, &text);
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.tick(at(0)).expect("tick");
    assert_eq!(t.delivered, 2, "{t:?}");
    let got = std::fs::read_to_string(&out).expect("command ran");
    assert!(
        got.starts_with("no_fly|No-fly zone broken: 'Vendor demo'"),
        "{got}"
    );
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}.json", out.display())).unwrap())
            .unwrap();
    assert_eq!(json["event"]["uid"], "demo-1");
}

#[test]
fn history_starts_full_and_only_last_week_below_target_alerts() {
    let (server, hook, cfg, dir) = setup("");
    drop(cfg);
    let text = std::fs::read_to_string(dir.join("config.toml"))
        .unwrap()
        .replace("people_target = false", "people_target = true");
    let cfg = load(&dir, &text);
    // Last week (W09) had a single 1:1; this week is the forecast.
    server.set(
        "/work.ics",
        &cal(&[
            FOCUS,
            ("one-1", "1:1 Alex", "20260224T090000Z", "20260224T093000Z"),
        ]),
    );
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(at(0)).expect("tick");
    d.tick(at(60 * 24)).expect("next day: re-analysis");
    let calls = hook.calls();
    assert_eq!(
        kinds(&calls),
        [("people_target_missed".into(), "open".into())],
        "{calls:#?}"
    );
    // One alert, for the week that just ended: the empty weeks before it are below target
    // too, but they are history, not news.
    assert_eq!(calls[0]["week"], "2026-W09");
    // The history is full from the first start: the 11 completed weeks of the default
    // 12-week view (this week is the forecast), oldest first.
    let weeks: Vec<String> = d
        .store()
        .weeks()
        .unwrap()
        .into_iter()
        .map(|w| w.summary.week)
        .collect();
    assert_eq!(weeks.len(), 11, "{weeks:?}");
    assert_eq!(weeks.first().map(String::as_str), Some("2025-W51"));
    assert_eq!(weeks.last().map(String::as_str), Some("2026-W09"));
}

#[test]
fn fifty_unchanged_feeds_cost_no_reanalysis() {
    let server = FeedServer::start();
    let hook = Webhook::start();
    let feeds: Vec<(String, String)> = (0..50)
        .map(|i| {
            let path = format!("/f{i}.ics");
            let uid = format!("m{i}");
            let summary = format!("Meeting {i}");
            server.set(
                &path,
                &cal(&[(&uid, &summary, "20260305T140000Z", "20260305T143000Z")]),
            );
            (format!("feed{i}"), server.url(&path))
        })
        .collect();
    let dir = util::tempdir();
    let cfg = load(&dir, &config_text(&feeds, &hook.url, "concurrency = 8\n"));
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.tick(at(0)).expect("tick");
    assert_eq!((t.fetched, t.changed, t.analyzed), (50, 50, true));
    for k in 1..=8 {
        let t = d.tick(at(15 * k)).expect("tick");
        assert_eq!(
            (t.fetched, t.changed, t.analyzed),
            (50, 0, false),
            "round {k}"
        );
    }
    assert_eq!(d.stats.analyses, 1);
    assert_eq!(d.stats.unchanged, 400);
    // One feed changes: one analysis.
    server.set(
        "/f7.ics",
        &cal(&[("m7", "Meeting 7", "20260305T150000Z", "20260305T153000Z")]),
    );
    let t = d.tick(at(135)).expect("tick");
    assert_eq!((t.changed, t.analyzed), (1, true));
    assert_eq!(d.stats.analyses, 2);
}

#[test]
fn hundred_unchanged_feeds_over_an_hour_one_conditional_request_per_refresh() {
    // The idle target (benches/daemon_idle.rs measures its CPU and memory): woken every
    // minute as the run loop is, 100 feeds on a 15-minute refresh cost exactly one request
    // each per interval, all answered 304, and the first analysis is the only one.
    let server = FeedServer::start();
    let hook = Webhook::start();
    let feeds: Vec<(String, String)> = (0..100)
        .map(|i| {
            let path = format!("/h{i}.ics");
            let (uid, summary) = (format!("h{i}"), format!("Sync {i}"));
            server.set(
                &path,
                &cal(&[
                    FOCUS,
                    (&uid, &summary, "20260305T140000Z", "20260305T143000Z"),
                ]),
            );
            (format!("feed{i}"), server.url(&path))
        })
        .collect();
    let dir = util::tempdir();
    let cfg = load(&dir, &config_text(&feeds, &hook.url, "concurrency = 8\n"));
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.tick(at(0)).expect("first tick");
    assert_eq!((t.fetched, t.changed, t.analyzed), (100, 100, true));
    assert_eq!(server.counts(), (100, 0));
    for m in 1..=60 {
        let t = d.tick(at(m)).expect("tick");
        let due = if m % 15 == 0 { 100 } else { 0 };
        assert_eq!(
            (t.fetched, t.changed, t.analyzed),
            (due, 0, false),
            "minute {m}"
        );
    }
    assert_eq!(server.counts(), (500, 400), "(requests, 304s)");
    assert_eq!(d.stats.analyses, 1);
    assert_eq!((d.stats.unchanged, d.stats.fetch_failures), (400, 0));
    assert!(hook.calls().is_empty());
}

/// `status` lists open violations in the order the meetings happen, not the order the
/// alerts were raised (detection goes by key: here the Thursday meeting's UID sorts first).
#[test]
fn status_lists_violations_in_time_order() {
    let server = FeedServer::start();
    let hook = Webhook::start();
    let thu = (
        "a-thu",
        "Thursday sync",
        "20260305T103000Z",
        "20260305T110000Z",
    );
    let tue = (
        "b-tue",
        "Tuesday sync",
        "20260303T110000Z",
        "20260303T113000Z",
    );
    server.set("/work.ics", &cal(&[thu, tue]));
    let dir = util::tempdir();
    let text = config_text(&[("work".into(), server.url("/work.ics"))], &hook.url, "");
    let cfg = load(&dir, &text);
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(at(0)).expect("tick");
    let raised: Vec<String> = hook
        .calls()
        .iter()
        .filter_map(|c| c["event"]["summary"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(raised, ["Thursday sync", "Tuesday sync"], "raised by key");
    d.record_stats(at(0)).expect("stats");
    drop(d);
    let status = calaudit::daemon::cmd::status(&load(&dir, &text), at(1)).expect("status");
    let counters = format!(
        "daemon (pid {}, as of 2026-03-02 08:00:00 UTC): 1 pulls, 0 unchanged, 1 analyses, 2 alerts raised, 2 delivered, 0 delivery failures",
        std::process::id()
    );
    assert!(status.contains(&counters), "{status}");
    let (tue_at, thu_at) = (
        status.find("Tuesday sync").expect("tuesday listed"),
        status.find("Thursday sync").expect("thursday listed"),
    );
    assert!(tue_at < thu_at, "{status}");
    // The daemon's rounds left a heartbeat: status names this process as a worker.
    let pid = format!(":{}: started", std::process::id());
    assert!(
        status.contains("workers: 1") && status.contains(&pid),
        "{status}"
    );
    // Counters written by some other version are skipped, not fatal to status.
    let d = Daemon::open(load(&dir, &text)).expect("daemon");
    d.store().set("stats", "{\"pid\": \"x\"").expect("set");
    drop(d);
    let status = calaudit::daemon::cmd::status(&load(&dir, &text), at(1)).expect("status");
    assert!(status.contains("daemon counters: unreadable"), "{status}");
    assert!(status.contains("Tuesday sync"), "{status}");
}

/// Slowloris feeds (a server that accepts and never answers) delay only themselves: a round
/// records the fast feeds and leaves the slow pulls in flight instead of waiting out their
/// timeout, starts none of them twice, and records their failure once they end.
#[test]
fn slow_feeds_delay_only_themselves() {
    use std::net::{TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};
    let server = FeedServer::start();
    let hook = Webhook::start();
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_addr = silent.local_addr().expect("addr");
    let held: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
    let held2 = Arc::clone(&held);
    std::thread::spawn(move || {
        for conn in silent.incoming().flatten() {
            held2.lock().expect("held").push(conn);
        }
    });
    let mut feeds: Vec<(String, String)> = (0..6)
        .map(|i| {
            (
                format!("slow{i}"),
                format!("http://{silent_addr}/slow{i}.ics"),
            )
        })
        .collect();
    for i in 0..20 {
        let path = format!("/fast{i}.ics");
        let (uid, summary) = (format!("fast{i}"), format!("Meeting {i}"));
        server.set(
            &path,
            &cal(&[(&uid, &summary, "20260305T140000Z", "20260305T143000Z")]),
        );
        feeds.push((format!("fast{i}"), server.url(&path)));
    }
    let dir = util::tempdir();
    // A timeout far longer than a round may wait: were slow pulls waited for, the round
    // would record them (as failures) too.
    let text = config_text(&feeds, &hook.url, "concurrency = 8\n")
        .replace("fetch_timeout = \"300ms\"", "fetch_timeout = \"120s\"");
    let mut d = Daemon::open(load(&dir, &text)).expect("daemon");
    let t = d.tick(at(0)).expect("first round");
    assert_eq!((t.fetched, t.changed), (20, 20), "the fast feeds, recorded");
    let t = d.tick(at(1)).expect("second round");
    assert_eq!(
        t.fetched, 0,
        "nothing due; the slow pulls are still running"
    );
    assert_eq!(
        held.lock().expect("held").len(),
        6,
        "no slow feed started twice"
    );
    // The slow server hangs up: the pulls end, fail, and are recorded by the next round.
    held.lock().expect("held").clear();
    let mut failed = 0;
    for m in 2..40 {
        failed += d.tick(at(m)).expect("round").fetched;
        if failed == 6 {
            break;
        }
    }
    assert_eq!(failed, 6);
    assert_eq!(d.stats.fetch_failures, 6);
    assert_eq!(d.stats.fetches, 26);
}

// ---------------------------------------------------------------- the real binary

pub(crate) fn wait_until(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn spawn_daemon(cfg: &Path) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_calaudit"))
        .args(["run", "--config"])
        .arg(cfg)
        .env("CALAUDIT_LOG", "info")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start calaudit run")
}

#[test]
fn killed_mid_delivery_the_alert_is_delivered_once_after_restart() {
    let server = FeedServer::start();
    let hook = Webhook::start();
    // Real time here: a meeting two days from now, inside an all-week no-fly window.
    // Noon UTC two days on: a meeting that crossed midnight would break two days' windows.
    let start = (chrono::Utc::now().date_naive() + chrono::Duration::days(2))
        .and_hms_opt(12, 0, 0)
        .expect("noon")
        .and_utc();
    let f = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M00Z").to_string();
    let (s, e) = (f(start), f(start + chrono::Duration::minutes(30)));
    server.set("/k.ics", &cal(&[("kill-1", "Budget review", &s, &e)]));
    let dir = util::tempdir();
    let text = config_text(&[("work".into(), server.url("/k.ics"))], &hook.url, "")
        .replace(
            "days = [\"tue\", \"thu\"]\nstart = \"10:00\"\nend = \"12:00\"",
            "days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\nstart = \"00:00\"\nend = \"24:00\"",
        )
        .replace("timeout = \"5s\"", "timeout = \"30s\"");
    let cfg = dir.join("config.toml");
    std::fs::write(&cfg, text).unwrap();

    hook.hold(true);
    let mut child = spawn_daemon(&cfg);
    wait_until("the webhook call", Duration::from_secs(30), || {
        hook.state.lock().unwrap().held >= 1
    });
    child.kill().expect("SIGKILL"); // mid-delivery: the receiver has the request, no answer sent
    child.wait().expect("reaped");
    wait_until(
        "the receiver to see the sender gone",
        Duration::from_secs(10),
        || hook.state.lock().unwrap().aborted >= 1,
    );
    assert!(hook.calls().is_empty());

    hook.hold(false);
    let mut child = spawn_daemon(&cfg);
    wait_until("the redelivery", Duration::from_secs(30), || {
        !hook.calls().is_empty()
    });
    std::thread::sleep(Duration::from_millis(1500));
    // SIGTERM stops it cleanly.
    let pid = child.id().to_string();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().expect("exit");
    assert!(status.success(), "clean exit on SIGTERM: {status:?}");
    let calls = hook.calls();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0]["event"]["uid"], "kill-1");
    assert_eq!(calls[0]["id"], "1-open-1");

    // `alerts` shows the delivery state.
    let o = util::calaudit(&["alerts", "--config", cfg.to_str().unwrap()], None);
    let out = util::stdout(&o);
    assert!(
        out.contains(&format!(
            "    delivered to {}\n",
            SinkName::derived("webhook", &[&hook.url])
        )),
        "{out}{}",
        util::stderr(&o)
    );
}

#[test]
fn the_dashboard_and_charts_follow_the_daemon() {
    let charts = util::tempdir().join("charts");
    let extra = "";
    let (server, _hook, mut cfg, _dir) = setup(extra);
    cfg.charts_dir = Some(charts.clone());
    let shared: calaudit::server::SharedSnapshot = std::sync::Arc::new(std::sync::RwLock::new(
        std::sync::Arc::new(calaudit::server::Snapshot::empty(cfg.tz, at(0))),
    ));
    let mut d = Daemon::open(cfg).expect("daemon");
    d.publish_to(std::sync::Arc::clone(&shared));
    d.tick(at(0)).expect("tick");
    let snap = shared
        .read()
        .map(|g| std::sync::Arc::clone(&g))
        .expect("snapshot");
    assert!(!snap.weeks.is_empty() && snap.charts.len() == calaudit::chart::ChartKind::ALL.len());
    assert_eq!(snap.feeds.len(), 1);
    assert_eq!(snap.feeds[0].name, "work");
    assert!(
        !snap.feeds[0].source.contains("work.ics"),
        "the feed address is redacted: {}",
        snap.feeds[0].source
    );
    let svg = charts.join("weekly-allocation.svg");
    let first = std::fs::metadata(&svg)
        .and_then(|m| m.modified())
        .expect("charts written");

    // Unchanged feed: no re-render.
    d.tick(at(16)).expect("tick");
    assert_eq!(
        std::fs::metadata(&svg)
            .and_then(|m| m.modified())
            .expect("svg"),
        first
    );

    // A meeting in the no-fly window: the dashboard shows the violation and the alert.
    server.set(
        "/work.ics",
        &cal(&[
            FOCUS,
            (
                "demo-1",
                "Vendor <demo>",
                "20260303T103000Z",
                "20260303T110000Z",
            ),
        ]),
    );
    d.tick(at(32)).expect("tick");
    let snap = shared
        .read()
        .map(|g| std::sync::Arc::clone(&g))
        .expect("snapshot");
    assert!(
        snap.violations.iter().any(|v| v.meeting == "Vendor <demo>"),
        "{:?}",
        snap.violations.len()
    );
    assert!(snap
        .alerts
        .iter()
        .any(|a| a.kind == "no_fly" && a.text.contains("Vendor <demo>")));
    assert!(
        snap.alerts[0]
            .deliveries
            .iter()
            .any(|(_, st)| st.starts_with("delivered")),
        "{:?}",
        snap.alerts[0].deliveries
    );
}

#[test]
fn history_keeps_completed_weeks_after_the_feed_drops_them() {
    let (server, _hook, cfg, dir) = setup("");
    let mut d = Daemon::open(cfg).expect("daemon");
    // A Monday 1:1 in the week of 2026-03-02, then the week ends and the feed drops it.
    server.set(
        "/work.ics",
        &cal(&[
            FOCUS,
            ("one", "1:1 Alex", "20260302T170000Z", "20260302T180000Z"),
        ]),
    );
    d.tick(at(0)).expect("tick");
    // The next Tuesday: 2026-W10 is complete and recorded.
    d.tick(at(8 * 24 * 60)).expect("tick a week later");
    // A week after that the feed no longer lists that week's events; the history keeps them.
    server.set("/work.ics", &cal(&[]));
    d.tick(at(15 * 24 * 60)).expect("tick two weeks later");
    drop(d);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_calaudit"))
        .args(["history", "--json", "--config"])
        .arg(dir.join("config.toml"))
        .output()
        .expect("history");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let w10 = rows
        .iter()
        .find(|r| r["week"] == "2026-W10")
        .expect("2026-W10 recorded");
    assert_eq!(w10["minutes"]["people"], 60);
    assert_eq!(w10["minutes"]["deep_work"], 120);
}

/// A minimal SMTP server (plain text, RFC 5321 happy path) recording each message's DATA.
pub(crate) struct Smtp {
    pub(crate) port: u16,
    pub(crate) messages: Arc<Mutex<Vec<String>>>,
}

pub(crate) fn smtp_start() -> Smtp {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind smtp");
    let port = listener.local_addr().expect("addr").port();
    let messages: Arc<Mutex<Vec<String>>> = Arc::default();
    let store = Arc::clone(&messages);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut w) = conn else { continue };
            let Ok(r) = w.try_clone() else { continue };
            let mut r = std::io::BufReader::new(r);
            let _ = w.write_all(b"220 test ESMTP\r\n");
            let mut line = String::new();
            loop {
                line.clear();
                if std::io::BufRead::read_line(&mut r, &mut line).unwrap_or(0) == 0 {
                    break;
                }
                let cmd = line.trim_end().to_ascii_uppercase();
                if cmd.starts_with("DATA") {
                    let _ = w.write_all(b"354 go ahead\r\n");
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if std::io::BufRead::read_line(&mut r, &mut line).unwrap_or(0) == 0
                            || line.trim_end() == "."
                        {
                            break;
                        }
                        data.push_str(&line);
                    }
                    if let Ok(mut m) = store.lock() {
                        m.push(data);
                    }
                    let _ = w.write_all(b"250 queued\r\n");
                } else if cmd.starts_with("QUIT") {
                    let _ = w.write_all(b"221 bye\r\n");
                    break;
                } else {
                    let _ = w.write_all(b"250 ok\r\n");
                }
            }
        }
    });
    Smtp { port, messages }
}

#[test]
fn email_sink_sends_each_alert_once() {
    let smtp = smtp_start();
    let extra = format!(
        "[[alerts.email]]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"calaudit <alerts@example.com>\"\nto = [\"Me <me@example.com>\"]\ntimeout = \"5s\"\n",
        smtp.port
    );
    let (server, _hook, cfg, _dir) = setup(&extra);
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(at(0)).expect("tick");
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    d.tick(at(15)).expect("tick");
    d.tick(at(30)).expect("tick again: nothing new");
    let m = smtp.messages.lock().map(|m| m.clone()).unwrap_or_default();
    assert_eq!(m.len(), 1, "{m:#?}");
    assert!(
        m[0].contains("Subject: calaudit No-fly zone broken: 'Vendor demo'"),
        "{}",
        m[0]
    );
    assert!(
        m[0].contains("To: Me <me@example.com>") && m[0].contains("\"overlap_minutes\": 30"),
        "{}",
        m[0]
    );
}

/// Issue 12, item 7: after the clock jumped back a day, every schedule lay a day ahead and
/// nothing was pulled or retried until the clock caught up. A schedule further ahead than its
/// longest wait is clamped to now.
#[test]
fn a_backward_clock_jump_does_not_stop_pulls_or_retries() {
    let (server, hook, cfg, _dir) = setup("");
    hook.up(false);
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.tick(at(24 * 60)).expect("tick");
    assert_eq!((t.fetched, t.delivery_failures), (1, 1), "{t:?}");
    hook.up(true);
    // The clock jumps back a day.
    let t = d.tick(at(1)).expect("tick after the jump");
    assert_eq!((t.fetched, t.delivered), (1, 1), "{t:?}");
    let t = d.tick(at(5)).expect("tick");
    assert_eq!(t.fetched, 0, "the normal cadence resumes: {t:?}");
    let t = d.tick(at(17)).expect("tick");
    assert_eq!(t.fetched, 1, "{t:?}");
    assert_eq!(hook.calls().len(), 1);
}

/// Two webhooks, the first down when an alert is raised; the config is then written with the
/// two in the other order. Sinks are known by name, not position, so the pending delivery
/// still goes to the first receiver, once, and the second gets nothing twice.
#[test]
fn reordering_the_sinks_does_not_orphan_a_pending_delivery() {
    let (server, first, cfg, dir) = setup("");
    let second = Webhook::start();
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    let text = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    let text = format!(
        "{text}[[alerts.webhook]]\nurl = \"{}\"\ntimeout = \"5s\"\n",
        second.url
    );
    let cfg = {
        drop(cfg);
        load(&dir, &text)
    };
    first.up(false);
    let mut d = Daemon::open(cfg).expect("daemon");
    let t = d.tick(at(0)).expect("tick");
    assert_eq!(
        (t.raised, t.delivered, t.delivery_failures),
        (1, 1, 1),
        "{t:?}"
    );
    drop(d);

    let swapped = text
        .replace(&first.url, "FIRST")
        .replace(&second.url, &first.url)
        .replace("FIRST", &second.url);
    assert_ne!(swapped, text);
    first.up(true);
    let mut d = Daemon::open(load(&dir, &swapped)).expect("daemon again");
    let t = d.tick(at(30)).expect("tick");
    assert_eq!((t.raised, t.delivered), (0, 1), "{t:?}");
    d.tick(at(60)).expect("tick");
    assert_eq!(first.calls().len(), 1, "{:#?}", first.calls());
    assert_eq!(second.calls().len(), 1, "{:#?}", second.calls());
    assert_eq!(first.calls()[0]["id"], second.calls()[0]["id"]);
}

/// A store written before sinks had names holds its pending deliveries under `webhook[0]`:
/// at start the daemon files them under the name of the webhook now first in the config, and
/// delivers them there once.
#[test]
fn deliveries_under_positional_sink_names_are_delivered_after_upgrade() {
    let (server, hook, cfg, dir) = setup("");
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    server.set("/work.ics", &cal(&[FOCUS, demo]));
    let store_path = cfg.daemon.store_path.clone();
    let mut d = Daemon::open(cfg).expect("daemon");
    assert_eq!(d.poll_and_detect(at(0)).expect("detect").raised, 1);
    drop(d); // stopped before delivering
             // What an earlier version would have left: the same delivery under `webhook[0]`.
    let name = SinkName::derived("webhook", &[&hook.url]);
    let mut store = calaudit::store::Store::open(&store_path).expect("store");
    let old = SinkName::positional("webhook", 0);
    assert_eq!(
        store.rename_sinks(&[(name.clone(), old)]).expect("rename"),
        1
    );
    drop(store);

    let cfg = load(
        &dir,
        &std::fs::read_to_string(dir.join("config.toml")).unwrap(),
    );
    let mut d = Daemon::open(cfg).expect("daemon after upgrade");
    let t = d.tick(at(1)).expect("tick");
    assert_eq!((t.raised, t.delivered), (0, 1), "{t:?}");
    d.tick(at(20)).expect("tick");
    assert_eq!(hook.calls().len(), 1);
    let cfg = load(
        &dir,
        &std::fs::read_to_string(dir.join("config.toml")).unwrap(),
    );
    let listed = calaudit::daemon::cmd::alerts(&cfg, None, false).expect("alerts");
    assert!(
        listed.contains(&format!("delivered to {name}")) && !listed.contains("open:1"),
        "{listed}"
    );
}
