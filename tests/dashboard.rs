//! The dashboard in a real browser: Debian's chromium, driven over WebDriver (chromedriver's
//! plain HTTP+JSON protocol, so no browser-automation crate is needed). Skips with a notice
//! when chromium or chromedriver is not installed (`.ci/run` installs both).

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util;

/// Kills the child process when dropped, so a failing assertion leaves nothing running.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

fn http(method: &str, url: &str, body: Option<Value>) -> Value {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let resp = match (method, body) {
        ("POST", b) => agent
            .post(url)
            .header("Content-Type", "application/json")
            .send(b.unwrap_or_else(|| json!({})).to_string()),
        ("DELETE", _) => agent.delete(url).call(),
        _ => agent.get(url).call(),
    };
    let mut resp = resp.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// Starts `calaudit serve` on a free port and returns (guard, base URL).
fn start_dashboard(feed: &str) -> (Guard, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_calaudit"))
        .args([
            "serve",
            "--feed",
            feed,
            "--from",
            "2026-02-02",
            "--to",
            "2026-03-02",
            "--tz",
            "America/Los_Angeles",
            "--me",
            "me@example.com",
            "--bind",
            "127.0.0.1:0",
        ])
        .env_remove("CALAUDIT_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start calaudit serve");
    let out = child.stdout.take().expect("stdout");
    let guard = Guard(child);
    let mut line = String::new();
    BufReader::new(out)
        .read_line(&mut line)
        .expect("read banner");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("banner has the URL")
        .trim_end_matches('/')
        .to_owned();
    (guard, url)
}

fn feed_with_hostile_title() -> String {
    let sample = std::fs::read_to_string(util::fixture("sample-manager.ics")).expect("sample");
    let evil = "BEGIN:VEVENT\r\nUID:xss@test\r\nDTSTART;TZID=America/Los_Angeles:20260224T160000\r\nDTEND;TZID=America/Los_Angeles:20260224T163000\r\nSUMMARY:<script>alert(1)</script> & <b>bold</b>\r\nEND:VEVENT\r\nEND:VCALENDAR";
    let body = sample.replacen("END:VCALENDAR", evil, 1);
    let dir = util::tempdir();
    let p = dir.join("hostile.ics");
    std::fs::write(&p, body).expect("write feed");
    p.display().to_string()
}

#[test]
fn dashboard_in_a_real_browser() {
    let (chromium, driver) = ("/usr/bin/chromium", "/usr/bin/chromedriver");
    if !std::path::Path::new(chromium).exists() || !std::path::Path::new(driver).exists() {
        util::skip(format!(
            "{chromium} or {driver} not installed (apt-get install chromium chromium-driver)"
        ));
        return;
    }
    let feed = feed_with_hostile_title();
    let (_dash, base) = start_dashboard(&feed);

    let port = free_port();
    let _driver = Guard(
        Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let wd = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while ureq::get(&format!("{wd}/status")).call().is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let profile = util::tempdir();
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": chromium, "args": [
            // Hermetic: no start page, and no name but the dashboard's loopback resolves
            // (Debian's chromium opens a search engine's page on start).
            "about:blank", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1300,2000", format!("--user-data-dir={}", profile.display())
        ]},
        "goog:loggingPrefs": {"browser": "ALL", "performance": "ALL"}
    }}});
    let session = http("POST", &format!("{wd}/session"), Some(caps));
    let sid = session["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no session: {session}"))
        .to_owned();
    let s = format!("{wd}/session/{sid}");
    let _session = Session(s.clone());
    // Fail in 30 s with a diagnosis rather than wait out chromedriver's 300 s page load.
    http(
        "POST",
        &format!("{s}/timeouts"),
        Some(json!({"pageLoad": 30_000})),
    );
    let script = |src: &str| {
        http(
            "POST",
            &format!("{s}/execute/sync"),
            Some(json!({"script": src, "args": []})),
        )["value"]
            .clone()
    };

    navigate(&s, &format!("{base}/"));
    // Charts are visible: every chart image loaded and laid out with a non-zero size.
    let charts = script("return Array.from(document.querySelectorAll('img.chart')).map(i => [i.id, i.complete, i.naturalWidth, i.getBoundingClientRect().width, i.getBoundingClientRect().height]);");
    let charts = charts.as_array().expect("chart list");
    assert_eq!(
        charts.len(),
        calaudit::chart::ChartKind::ALL.len(),
        "{charts:?}"
    );
    for c in charts {
        assert!(
            c[1] == true
                && c[2].as_f64() > Some(0.0)
                && c[3].as_f64() > Some(0.0)
                && c[4].as_f64() > Some(0.0),
            "chart not visible: {c}"
        );
    }
    // The numbers on the page are the API's numbers.
    let api = http("GET", &format!("{base}/api/weeks"), None);
    let rows = script("return Array.from(document.querySelectorAll('#weeks tr[data-week]')).map(r => [r.dataset.week, r.querySelector('.share').textContent]);");
    let rows = rows.as_array().expect("week rows");
    let api = api.as_array().expect("api weeks");
    assert_eq!(rows.len(), api.len());
    for (row, w) in rows.iter().zip(api) {
        assert_eq!(row[0], w["week"]);
        let shown = format!("{:.1}%", w["people_share"].as_f64().unwrap_or(0.0) * 100.0);
        assert_eq!(row[1].as_str(), Some(shown.as_str()), "{}", w["week"]);
    }
    // Event text is text: the hostile title shows literally on its week page, and no script ran.
    navigate(&s, &format!("{base}/week/2026-W09"));
    let cells =
        script("return Array.from(document.querySelectorAll('td')).map(t => t.textContent);");
    assert!(
        cells
            .as_array()
            .expect("cells")
            .iter()
            .any(|c| c == "<script>alert(1)</script> & <b>bold</b>"),
        "hostile title not shown as text"
    );
    assert_eq!(
        script("return document.querySelectorAll('script, b').length;"),
        json!(0)
    );
    let alert = http("GET", &format!("{s}/alert/text"), None);
    assert_eq!(
        alert["value"]["error"], "no such alert",
        "an alert dialog opened: {alert}"
    );
    // No console errors on either page.
    let logs = http(
        "POST",
        &format!("{s}/se/log"),
        Some(json!({"type": "browser"})),
    );
    let severe: Vec<&Value> = logs["value"]
        .as_array()
        .map(|l| l.iter().filter(|e| e["level"] == "SEVERE").collect())
        .unwrap_or_default();
    assert!(severe.is_empty(), "console errors: {severe:?}");
    // A screenshot for people to look at (target/tmp/dashboard.png).
    if let Some(png) = http("GET", &format!("{s}/screenshot"), None)["value"].as_str() {
        let _ = std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-week.png"),
            base64_decode(png),
        );
    }

    // The bundled sample on a laptop and on a phone (issue 11, "The dashboard"): this week and
    // last week side by side on the laptop and one above the other on the phone, nothing
    // wider than the phone's screen, and a screenshot of each. They are the README's
    // pictures: `CALAUDIT_UPDATE_SCREENSHOTS=1` writes them to docs/ as well.
    let (_sample, sample_base) =
        start_dashboard(&util::fixture("sample-manager.ics").display().to_string());
    for (name, width, height, side_by_side) in [
        ("dashboard-desktop.png", 1280, 1500, true),
        ("dashboard-phone.png", 390, 1400, false),
    ] {
        http(
            "POST",
            &format!("{s}/window/rect"),
            Some(json!({"width": width, "height": height})),
        );
        navigate(&s, &format!("{sample_base}/"));
        let layout = script("const r = id => document.getElementById(id).getBoundingClientRect(); return [window.innerWidth, document.documentElement.scrollWidth, r('this-week').top, r('last-week').top, r('this-week').left, r('last-week').left];");
        let n = |i: usize| layout[i].as_f64().unwrap_or(f64::NAN);
        assert!(
            n(1) <= n(0),
            "{name}: the page is wider than the window: {layout}"
        );
        if side_by_side {
            assert!(
                n(2) == n(3) && n(5) > n(4),
                "{name}: cards not side by side: {layout}"
            );
        } else {
            assert!(
                n(3) > n(2) && n(4) == n(5),
                "{name}: cards not stacked: {layout}"
            );
        }
        // Times are in the user's zone, the feed's last success too (it was UTC).
        let fetched = script(
            "return document.querySelector('#feeds tr:nth-child(2) td:nth-child(3)').textContent;",
        );
        let fetched = fetched.as_str().unwrap_or("");
        assert!(
            fetched.ends_with("PST") || fetched.ends_with("PDT"),
            "{fetched:?}"
        );
        // Met and missed weeks are marked in the table, in words as well as colour.
        let marks = script("return Array.from(document.querySelectorAll('#weeks tr[data-week]')).map(r => [r.dataset.target, r.className, r.children[1].textContent]);");
        let marks = marks.as_array().expect("week rows");
        assert!(
            marks.iter().any(|m| m[0] == "miss"
                && m[1].as_str().is_some_and(|c| c.contains("miss"))
                && m[2] == "target missed"),
            "{marks:?}"
        );
        let png = http("GET", &format!("{s}/screenshot"), None)["value"]
            .as_str()
            .map(base64_decode)
            .expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
        let _ = std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(name),
            &png,
        );
        if std::env::var_os("CALAUDIT_UPDATE_SCREENSHOTS").is_some() {
            let docs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
            std::fs::write(docs.join(name), &png).expect("write the screenshot to docs/");
        }
    }
}

/// Ends the WebDriver session when dropped, so a failing test leaves no browser running.
struct Session(String);

impl Drop for Session {
    fn drop(&mut self) {
        let _ = ureq::delete(&self.0).call();
    }
}

/// Loads a page; when it does not finish loading, names the requests still pending (from the
/// browser's performance log) and whether the dashboard answers them directly.
fn navigate(session: &str, url: &str) {
    let r = http("POST", &format!("{session}/url"), Some(json!({"url": url})));
    if r["value"].is_null() {
        return;
    }
    let log = http(
        "POST",
        &format!("{session}/se/log"),
        Some(json!({"type": "performance"})),
    );
    let mut sent = std::collections::BTreeMap::new();
    let mut done = std::collections::BTreeSet::new();
    for entry in log["value"].as_array().into_iter().flatten() {
        let Ok(m) = serde_json::from_str::<Value>(entry["message"].as_str().unwrap_or("")) else {
            continue;
        };
        let (method, params) = (&m["message"]["method"], &m["message"]["params"]);
        let id = params["requestId"].as_str().unwrap_or("").to_owned();
        match method.as_str() {
            Some("Network.requestWillBeSent") => {
                sent.insert(
                    id,
                    params["request"]["url"].as_str().unwrap_or("").to_owned(),
                );
            }
            Some("Network.loadingFinished") => {
                done.insert(id);
            }
            _ => {}
        }
    }
    // Requests that never finished (the ones the page load waited for were cancelled at the
    // timeout, so they show as failed, not finished).
    let pending: Vec<String> = sent
        .iter()
        .filter(|(id, u)| !done.contains(*id) && u.starts_with("http"))
        .map(|(_, u)| {
            let direct = ureq::get(u)
                .config()
                .timeout_global(Some(Duration::from_secs(5)))
                .build()
                .call()
                .map(|r| r.status().as_u16().to_string())
                .unwrap_or_else(|e| e.to_string());
            format!("{u} (fetched directly: {direct})")
        })
        .collect();
    panic!(
        "loading {url} failed: {}; requests that did not finish: {pending:?}",
        r["value"]["message"]
    );
}

/// Minimal base64 (standard alphabet) for the screenshot; avoids a dependency for a test aid.
fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut buf, mut bits) = (0u32, 0);
    for v in s.bytes().filter_map(val) {
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}
