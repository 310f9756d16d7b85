//! The dashboard server in-process: API shapes, /metrics, tokens, escaping.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, RwLock};

use calaudit::pipeline;
use calaudit::server::{self, FeedView, ServerConfig, Snapshot};
use serde_json::Value;

use crate::util;

fn snapshot() -> Snapshot {
    let now = chrono::NaiveDate::from_ymd_opt(2026, 2, 11)
        .and_then(|d| d.and_hms_opt(18, 0, 0))
        .expect("now")
        .and_utc();
    sample_snapshot("2026-02-02", "2026-03-02", now)
}

/// The bundled sample with the bundled config over the window `from..to` in Los Angeles.
fn sample_snapshot(from: &str, to: &str, now: chrono::DateTime<chrono::Utc>) -> Snapshot {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg = calaudit::config::Config::load(&root.join("config.toml")).expect("config");
    let bytes = std::fs::read(util::fixture("sample-manager.ics")).expect("sample");
    let feeds = vec![FeedView {
        name: "work \"main\"".into(),
        source: "https://calendar.google.com/…".into(),
        last_success_unix: Some(1_770_000_000),
        fetch_errors: 2,
        ..Default::default()
    }];
    build(&cfg, bytes, from, to, now, feeds)
}

fn build(
    cfg: &calaudit::config::Config,
    bytes: Vec<u8>,
    from: &str,
    to: &str,
    now: chrono::DateTime<chrono::Utc>,
    feeds: Vec<FeedView>,
) -> Snapshot {
    let w = util::window("America/Los_Angeles", from, to);
    let me = cfg.me.clone();
    let s = pipeline::Settings::from_config(cfg, w, &me);
    let a = pipeline::analyze(
        vec![pipeline::FeedInput {
            name: "work \"main\"".into(),
            bytes,
        }],
        &s,
    );
    let r = pipeline::report(&a, &s);
    Snapshot::build(&a, &r, &s, now, feeds, Vec::new())
}

/// Serves `snap` on 127.0.0.1:0 until the returned flag is set.
fn serve_snapshot(snap: Snapshot) -> (SocketAddr, Arc<AtomicBool>) {
    let data = Arc::new(RwLock::new(Arc::new(snap)));
    let stop = Arc::new(AtomicBool::new(false));
    let cfg = ServerConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        token: None,
        hosts: Vec::new(),
        health: server::Health::default(),
    };
    let (tx, rx) = mpsc::channel();
    let stop2 = Arc::clone(&stop);
    std::thread::spawn(move || {
        server::serve(&cfg, data, stop2, move |a| {
            let _ = tx.send(a);
        })
    });
    (rx.recv().expect("bound"), stop)
}

/// Serves the sample snapshot on 127.0.0.1:0 (or `bind`) until the returned flag is set.
fn start(
    bind: &str,
    token: Option<&str>,
) -> Result<(SocketAddr, Arc<AtomicBool>), server::ServerError> {
    let data = Arc::new(RwLock::new(Arc::new(snapshot())));
    let stop = Arc::new(AtomicBool::new(false));
    let cfg = ServerConfig {
        bind: bind.parse().expect("addr"),
        token: token.map(str::to_owned),
        hosts: Vec::new(),
        health: server::Health::default(),
    };
    let (tx, rx) = mpsc::channel();
    let stop2 = Arc::clone(&stop);
    let handle = std::thread::spawn(move || {
        server::serve(&cfg, data, stop2, move |a| {
            let _ = tx.send(a);
        })
    });
    match rx.recv() {
        Ok(addr) => Ok((addr, stop)),
        Err(_) => Err(handle
            .join()
            .expect("server thread")
            .expect_err("no address and no error")),
    }
}

fn get(url: &str, bearer: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut req = agent.get(url);
    if let Some(t) = bearer {
        req = req.header("Authorization", &format!("Bearer {t}"));
    }
    let mut resp = req.call().expect("request");
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}

#[test]
fn api_metrics_and_pages() {
    let (addr, stop) = start("127.0.0.1:0", None).expect("serve");
    let base = format!("http://{addr}");
    let (st, weeks) = get(&format!("{base}/api/weeks"), None);
    assert_eq!(st, 200);
    let weeks: Value = serde_json::from_str(&weeks).expect("json");
    assert_eq!(weeks.as_array().map(Vec::len), Some(4));
    let (_, occ) = get(&format!("{base}/api/occurrences?week=2026-W07"), None);
    let occ: Value = serde_json::from_str(&occ).expect("json");
    assert!(occ
        .as_array()
        .is_some_and(|o| !o.is_empty() && o.iter().all(|x| x["week"] == "2026-W07")));
    let (_, v) = get(&format!("{base}/api/violations"), None);
    let v: Value = serde_json::from_str(&v).expect("json");
    assert!(
        v.as_array().is_some_and(|v| v
            .iter()
            .any(|x| x["meeting"] == "Payments architecture deep dive")),
        "{v}"
    );
    let (_, feeds) = get(&format!("{base}/api/feeds"), None);
    assert!(feeds.contains("calendar.google.com/…") && !feeds.contains("private"));
    let (st, m) = get(&format!("{base}/metrics"), None);
    assert_eq!(st, 200);
    // The current week (2026-02-11 is in W07), label values escaped.
    assert!(
        m.contains("calaudit_people_share{week=\"2026-W07\"}"),
        "{m}"
    );
    // Hours by the one rounding rule: one decimal, as the tables and the dashboard print them.
    let deep = m
        .lines()
        .find_map(|l| l.strip_prefix("calaudit_deep_work_hours{week=\"2026-W07\"} "))
        .expect("deep work hours");
    assert!(
        deep.split_once('.')
            .is_some_and(|(h, t)| h.parse::<u32>().is_ok() && t.len() == 1),
        "{deep}"
    );
    assert!(
        m.contains("calaudit_feed_fetch_errors_total{feed=\"work \\\"main\\\"\"} 2"),
        "{m}"
    );
    assert!(m.contains(
        "calaudit_feed_last_success_timestamp_seconds{feed=\"work \\\"main\\\"\"} 1770000000"
    ));
    let (st, page) = get(&format!("{base}/"), None);
    assert_eq!(st, 200);
    assert!(
        page.contains("id=\"this-week\" data-week=\"2026-W07\"")
            && page.contains("id=\"last-week\" data-week=\"2026-W06\"")
            && page.contains("Payments architecture deep dive"),
        "{page}"
    );
    let (st, svg) = get(&format!("{base}/charts/weekly-allocation.svg"), None);
    assert!(st == 200 && svg.starts_with("<svg"));
    assert_eq!(get(&format!("{base}/nope"), None).0, 404);
    stop.store(true, Ordering::Relaxed);
}

/// Issue 11 item 3: on the sample, "Payments architecture deep dive" (Thu 10:30–11:30)
/// breaks the Tue/Thu 10:00–12:00 no-fly window and the deep-work block there. It is one
/// violation listing both blocks, so `/api/violations` and each week's `no_fly_violations`
/// agree; the list had it twice.
#[test]
fn one_meeting_is_one_violation_in_the_api_and_the_weeks() {
    let s = snapshot();
    for w in &s.weeks {
        let listed = s.violations.iter().filter(|v| v.week == w.week).count();
        assert_eq!(
            listed, w.no_fly_violations as usize,
            "{}: {:#?}",
            w.week, s.violations
        );
    }
    let dive: Vec<_> = s
        .violations
        .iter()
        .filter(|v| v.meeting == "Payments architecture deep dive")
        .collect();
    assert_eq!(dive.len(), 1, "{dive:#?}");
    assert_eq!(dive[0].blocks.len(), 2, "{dive:#?}");
    assert!(dive[0]
        .blocks
        .iter()
        .any(|b| b.starts_with("no-fly Tue/Thu")));
    assert_eq!(dive[0].overlap_minutes, 60, "the union of both overlaps");
}

#[test]
fn off_loopback_needs_a_token_and_checks_it() {
    let Err(err) = start("0.0.0.0:0", None) else {
        panic!("served off loopback without a token");
    };
    assert!(err.to_string().contains("token"), "{err}");
    let (addr, stop) = start("127.0.0.1:0", Some("s3cret-0123456789")).expect("serve");
    let base = format!("http://{addr}");
    assert_eq!(get(&format!("{base}/healthz"), None).0, 200);
    assert_eq!(get(&format!("{base}/api/weeks"), None).0, 401);
    assert_eq!(
        get(&format!("{base}/api/weeks"), Some("wrong-0123456789")).0,
        401
    );
    assert_eq!(
        get(&format!("{base}/api/weeks"), Some("s3cret-0123456789")).0,
        200
    );
    assert_eq!(
        get(&format!("{base}/?token=s3cret-0123456789"), None).0,
        200
    );
    stop.store(true, Ordering::Relaxed);
}

/// The sample as of Wednesday 2026-02-11 10:00 PST (18:00Z), window 2026-02-02 .. 03-02.
/// Weekly 1:1s at 14:00 local: Alex on Mondays (02-02 moved to Tue 02-03 15:00 PST = 23:00Z,
/// 02-09 cancelled), Priya on Tuesdays (02-03, 02-10 held), Jordan on Wednesdays (02-04 held,
/// 02-11 22:00Z still to come), Mei on Thursdays (02-05), Tomas on Fridays (02-06).
#[test]
fn reports_section_and_api_show_the_sample_reports() {
    let (addr, stop) = serve_snapshot(snapshot());
    let base = format!("http://{addr}");
    let (st, body) = get(&format!("{base}/api/reports"), None);
    assert_eq!(st, 200);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        (v["from"].as_str(), v["to"].as_str()),
        (Some("2026-02-02"), Some("2026-03-02"))
    );
    let reports = v["reports"].as_array().expect("reports");
    let names: Vec<&str> = reports.iter().filter_map(|r| r["name"].as_str()).collect();
    assert_eq!(names, ["Alex", "Priya", "Jordan", "Mei", "Tomas"]);
    let alex = &reports[0];
    assert_eq!(alex["held"], 1);
    assert_eq!(alex["cancelled"], 1);
    assert_eq!(alex["last_held"], "2026-02-03T23:00:00Z");
    // 7 days 19 hours before the as-of time; 1.5 × 7 days is not yet up.
    assert_eq!(alex["days_since_last"], 7);
    assert_eq!(alex["overdue"], false);
    // Presidents' Day is out of office, but the 1:1 is still on the calendar.
    assert_eq!(alex["next"], "2026-02-16T22:00:00Z");
    assert_eq!(reports[1]["held"], 2);
    assert_eq!(reports[2]["held"], 1);
    assert_eq!(reports[2]["next"], "2026-02-11T22:00:00Z");

    let (st, page) = get(&format!("{base}/"), None);
    assert_eq!(st, 200);
    assert!(page.contains("<h2>Reports and 1:1s</h2>") && page.contains("id=\"reports\""));
    for name in names {
        assert!(
            page.contains(&format!("<tr data-report=\"{name}\">")),
            "{name}"
        );
    }
    // The strip: 12 weeks ending with 2026-W07; the window starts in W06, so the ten weeks
    // before it are no data. Alex: held in W06, only the cancelled one in W07; Jordan's W07
    // 1:1 is still to come.
    let strip = |name: &str| -> Vec<String> {
        let row = page
            .split(&format!("<tr data-report=\"{name}\">"))
            .nth(1)
            .and_then(|r| r.split("</tr>").next())
            .expect("row");
        row.split("data-mark=\"")
            .skip(1)
            .filter_map(|x| x.split('"').next())
            .map(str::to_owned)
            .collect()
    };
    let mut want = vec!["no data".to_owned(); 10];
    want.extend(["held".into(), "skipped".into()]);
    assert_eq!(strip("Alex"), want);
    want[11] = "scheduled".into();
    assert_eq!(strip("Jordan"), want);
    assert!(
        page.contains("title=\"2026-W07: skipped\nMon 14:00 Alex &lt;&gt; Sam (cancelled)\""),
        "{page}"
    );
    assert!(page.contains("id=\"chart-one-on-ones\""));
    let (st, svg) = get(&format!("{base}/charts/one-on-ones.svg"), None);
    assert!(st == 200 && svg.starts_with("<svg") && svg.contains("Tomas"));
    stop.store(true, Ordering::Relaxed);
}

/// `/api/reports` is what `calaudit reports --format json` prints for the same window and
/// as-of time, but for `next`: the dashboard sees only its window, and the sample's next 1:1s
/// after 2026-03-02 lie beyond it.
#[test]
fn api_reports_is_the_reports_command_json() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = crate::util::calaudit(
        &[
            "reports",
            "--format",
            "json",
            "--from",
            "2026-02-02",
            "--to",
            "2026-03-02",
        ],
        Some(root),
    );
    assert!(o.status.success(), "{}", crate::util::stderr(&o));
    let mut cli: Value = serde_json::from_str(&crate::util::stdout(&o)).expect("cli json");
    // 2026-03-02 00:00 PST.
    let now = chrono::NaiveDate::from_ymd_opt(2026, 3, 2)
        .and_then(|d| d.and_hms_opt(8, 0, 0))
        .expect("now")
        .and_utc();
    let snap = sample_snapshot("2026-02-02", "2026-03-02", now);
    let (addr, stop) = serve_snapshot(snap);
    let (_, body) = get(&format!("http://{addr}/api/reports"), None);
    stop.store(true, Ordering::Relaxed);
    let mut api: Value = serde_json::from_str(&body).expect("api json");
    for v in [&mut cli, &mut api] {
        for r in v["reports"].as_array_mut().expect("reports") {
            r["next"] = Value::Null;
        }
    }
    assert_eq!(api, cli);
}

#[test]
fn hostile_report_names_and_titles_are_escaped() {
    let cfg = calaudit::config::Config::parse(
        r#"tz = "America/Los_Angeles"
me = ["me@corp.example"]
[[reports]]
name = "<script>alert(1)</script> O'Neil & \"Co\""
emails = ["evil@corp.example"]
"#,
        None,
    )
    .expect("config");
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x1\r\nDTSTAMP:20260101T000000Z\r\n\
DTSTART:20260203T220000Z\r\nDTEND:20260203T223000Z\r\n\
SUMMARY:<img src=x onerror=alert(2)> 1:1\r\nORGANIZER:mailto:me@corp.example\r\n\
ATTENDEE;PARTSTAT=ACCEPTED:mailto:me@corp.example\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:evil@corp.example\r\n\
END:VEVENT\r\nEND:VCALENDAR\r\n";
    let now = chrono::NaiveDate::from_ymd_opt(2026, 2, 11)
        .and_then(|d| d.and_hms_opt(18, 0, 0))
        .expect("now")
        .and_utc();
    let snap = build(
        &cfg,
        ics.as_bytes().to_vec(),
        "2026-02-02",
        "2026-03-02",
        now,
        Vec::new(),
    );
    let (addr, stop) = serve_snapshot(snap);
    let base = format!("http://{addr}");
    let (_, page) = get(&format!("{base}/"), None);
    assert!(
        !page.contains("<script") && !page.contains("<img src"),
        "{page}"
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; O&#39;Neil &amp; &quot;Co&quot;"));
    assert!(
        page.contains("&lt;img src=x onerror=alert(2)&gt; 1:1 (held)"),
        "{page}"
    );
    let (_, api) = get(&format!("{base}/api/reports"), None);
    let v: Value = serde_json::from_str(&api).expect("json");
    assert_eq!(
        v["reports"][0]["name"],
        "<script>alert(1)</script> O'Neil & \"Co\""
    );
    assert_eq!(
        v["reports"][0]["one_on_ones"][0]["summary"],
        "<img src=x onerror=alert(2)> 1:1"
    );
    let (_, svg) = get(&format!("{base}/charts/one-on-ones.svg"), None);
    assert!(
        !svg.contains("<script") && svg.contains("&lt;script&gt;"),
        "{svg}"
    );
    roxmltree::Document::parse(&svg).expect("well-formed svg");
    stop.store(true, Ordering::Relaxed);
}

/// Sends `request` as raw bytes and returns the whole answer as text (status line first).
fn raw(addr: SocketAddr, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    s.write_all(request).expect("send");
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get_with_host(addr: SocketAddr, path: &str, host: &str) -> String {
    raw(
        addr,
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
}

/// DNS rebinding: a page on a name the attacker controls, resolved to 127.0.0.1, reaches the
/// dashboard with that name in `Host`. Only loopback names, IP literals and `[server] hosts`
/// are answered.
#[test]
fn only_loopback_names_and_configured_hosts_are_answered() {
    let data = Arc::new(RwLock::new(Arc::new(snapshot())));
    let stop = Arc::new(AtomicBool::new(false));
    let cfg = ServerConfig {
        bind: "127.0.0.1:0".parse().expect("addr"),
        token: None,
        hosts: vec!["cal.example.com".to_owned()],
        health: server::Health::default(),
    };
    let (tx, rx) = mpsc::channel();
    let stop2 = Arc::clone(&stop);
    std::thread::spawn(move || {
        server::serve(&cfg, data, stop2, move |a| {
            let _ = tx.send(a);
        })
    });
    let addr = rx.recv().expect("bound");
    let port = addr.port();
    for host in [
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        "cal.example.com".to_owned(),
    ] {
        let r = get_with_host(addr, "/api/weeks", &host);
        assert!(r.starts_with("HTTP/1.1 200"), "{host}: {r}");
    }
    for host in [
        format!("rebind.attacker.example:{port}"),
        "localhost.attacker.example".to_owned(),
    ] {
        let r = get_with_host(addr, "/api/weeks", &host);
        assert!(r.starts_with("HTTP/1.1 403"), "{host}: {r}");
        assert!(!r.contains("2026-W07"), "{host} read the data: {r}");
    }
    let r = raw(addr, b"GET /api/weeks HTTP/1.0\r\n\r\n");
    assert!(
        r.starts_with("HTTP/1.0 403") || r.starts_with("HTTP/1.1 403"),
        "no Host: {r}"
    );
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn every_answer_carries_the_security_headers() {
    let (addr, stop) = start("127.0.0.1:0", None).expect("serve");
    for path in ["/", "/api/weeks", "/charts/weekly-allocation.svg", "/nope"] {
        let r = get_with_host(addr, path, "localhost").to_ascii_lowercase();
        for h in [
            "x-content-type-options: nosniff",
            "referrer-policy: no-referrer",
            "frame-ancestors 'none'",
            "script-src 'none'",
            "cache-control: no-store",
        ] {
            assert!(r.contains(h), "{path} lacks {h}");
        }
    }
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn blank_and_short_tokens_are_refused() {
    for token in ["", "   ", "short-token"] {
        let Err(err) = start("0.0.0.0:0", Some(token)) else {
            panic!("served off loopback with the token {token:?}");
        };
        assert!(err.to_string().contains("token"), "{err}");
    }
    let Err(err) = start("127.0.0.1:0", Some("short-token")) else {
        panic!("served with a short token");
    };
    assert!(err.to_string().contains("at least 16"), "{err}");
}

/// Opened once with `?token=`, the page's own links and images work: the answer sets a
/// cookie that later requests carry.
#[test]
fn a_token_in_the_link_lets_the_page_load_its_images() {
    let token = "s3cret-0123456789";
    let (addr, stop) = start("127.0.0.1:0", Some(token)).expect("serve");
    let r = get_with_host(addr, &format!("/?token={token}"), "localhost");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    let cookie = r
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .starts_with("set-cookie:")
                .then(|| l["set-cookie:".len()..].trim().to_owned())
        })
        .expect("a cookie is set");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains(token),
        "the cookie holds the token only encoded: {cookie}"
    );
    let pair = cookie.split(';').next().unwrap_or_default();
    let chart = |cookie: &str| {
        raw(
            addr,
            format!("GET /charts/weekly-allocation.svg HTTP/1.1\r\nHost: localhost\r\nCookie: {cookie}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
    };
    assert!(chart(pair).starts_with("HTTP/1.1 200"));
    assert!(chart("calaudit_token=00").starts_with("HTTP/1.1 401"));
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn invalid_api_parameters_are_400_not_an_empty_200() {
    let (addr, stop) = start("127.0.0.1:0", None).expect("serve");
    let base = format!("http://{addr}");
    for path in [
        "/api/occurrences?week=last",
        "/api/occurrences?week=2026-W54",
        "/api/occurrences?weak=2026-W07",
        "/week/yesterday",
    ] {
        let (st, body) = get(&format!("{base}{path}"), None);
        assert_eq!(st, 400, "{path}: {body}");
        assert!(
            body.contains("2026-W07"),
            "{path} says the expected form: {body}"
        );
    }
    assert_eq!(
        get(&format!("{base}/api/occurrences?week=2026-W07"), None).0,
        200
    );
    stop.store(true, Ordering::Relaxed);
}

/// Headers are bounded (and read before the token is checked); a client that sends a huge
/// header is turned away without the server reading on.
#[test]
fn oversized_headers_are_refused() {
    let (addr, stop) = start("127.0.0.1:0", Some("s3cret-0123456789")).expect("serve");
    let big = "x".repeat(64 * 1024);
    let r = raw(
        addr,
        format!("GET /api/weeks HTTP/1.1\r\nHost: localhost\r\nX-Big: {big}\r\n\r\n").as_bytes(),
    );
    assert!(r.starts_with("HTTP/1.1 431"), "{}", &r[..r.len().min(200)]);
    stop.store(true, Ordering::Relaxed);
}

/// Hundreds of idle connections and a client that never reads its (large) answer do not
/// keep anyone else from being served, `/healthz` included.
#[test]
fn idle_and_stalled_clients_do_not_block_others() {
    use std::io::Write;
    let mut snap = snapshot();
    // A large answer that fills the socket buffers of a client that never reads.
    let one = snap.occurrences[0].clone();
    snap.occurrences = std::iter::repeat_n(one, 20_000).collect();
    let (addr, stop) = serve_snapshot(snap);
    let mut stalled = std::net::TcpStream::connect(addr).expect("connect");
    stalled
        .write_all(b"GET /api/occurrences HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .expect("send");
    let idle: Vec<std::net::TcpStream> = (0..300)
        .filter_map(|_| std::net::TcpStream::connect(addr).ok())
        .collect();
    assert!(
        idle.len() >= 250,
        "could open only {} connections",
        idle.len()
    );
    let r = get_with_host(addr, "/healthz", "localhost");
    assert!(r.starts_with("HTTP/1.1 200") && r.ends_with("ok\n"), "{r}");
    let r = get_with_host(addr, "/api/weeks", "localhost");
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    drop((stalled, idle));
    stop.store(true, Ordering::Relaxed);
}
