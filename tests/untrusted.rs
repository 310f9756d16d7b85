//! Text and addresses from strangers (issue 12, item 9): a feed's titles and values reach
//! terminals, logs and sinks; its redirects reach our network. Every test runs the real
//! binary or the daemon against local servers.
//! <https://github.com/calaudit/calaudit/issues/12>

use std::io::{BufRead, Read, Write};
use std::net::{IpAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use calaudit::daemon::Daemon;

use crate::daemon::{config_text, load, wait_until, FeedServer, Webhook, FOCUS};
use crate::util;

/// An ICS text value: escapes `\`, `;`, `,` and newlines the RFC 5545 way.
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\n', "\\n")
}

/// A meeting two days from now (real time: these tests run the binary), in an all-week
/// no-fly window, titled `title`.
fn hostile_setup(title: &str, hook_url: &str, extra: &str) -> (FeedServer, std::path::PathBuf) {
    let server = FeedServer::start();
    // Noon UTC two days on: a meeting that crossed midnight would break two days' windows.
    let start = (chrono::Utc::now().date_naive() + chrono::Duration::days(2))
        .and_hms_opt(12, 0, 0)
        .expect("noon");
    let f = |t: chrono::NaiveDateTime| t.format("%Y%m%dT%H%M00Z").to_string();
    let (s, e) = (f(start), f(start + chrono::Duration::minutes(30)));
    let body = crate::daemon::cal(&[("evil-1", "TITLE", &s, &e)])
        .replace("SUMMARY:TITLE", &format!("SUMMARY:{}", ics_text(title)));
    server.set("/private-TOKEN123/basic.ics", &body);
    let dir = util::tempdir();
    let feed = server
        .url("/private-TOKEN123/basic.ics")
        .replace("http://", "http://alice:s3cr3tpw@");
    let text = config_text(&[("work".into(), feed)], hook_url, extra)
        .replace(
            "days = [\"tue\", \"thu\"]\nstart = \"10:00\"\nend = \"12:00\"",
            "days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\", \"sun\"]\nstart = \"00:00\"\nend = \"24:00\"",
        )
        .replace("log = false", "log = true");
    std::fs::write(dir.join("config.toml"), text).expect("config");
    (server, dir)
}

/// Collects a child's stream in the background.
fn collect(r: impl Read + Send + 'static) -> Arc<Mutex<Vec<u8>>> {
    let buf = Arc::new(Mutex::new(Vec::new()));
    let b = Arc::clone(&buf);
    std::thread::spawn(move || {
        let mut r = std::io::BufReader::new(r);
        loop {
            let mut line = Vec::new();
            match r.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => b.lock().expect("buffer").extend_from_slice(&line),
            }
        }
    });
    buf
}

fn text(b: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&b.lock().expect("buffer")).into_owned()
}

struct Running {
    child: Child,
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

fn run_daemon(dir: &std::path::Path, log: &str) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_calaudit"))
        .args(["run", "--config"])
        .arg(dir.join("config.toml"))
        .env("CALAUDIT_LOG", log)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start calaudit run");
    let out = collect(child.stdout.take().expect("stdout"));
    let err = collect(child.stderr.take().expect("stderr"));
    Running { child, out, err }
}

fn stop(mut r: Running) -> (String, String) {
    let _ = Command::new("kill")
        .args(["-TERM", &r.child.id().to_string()])
        .status();
    let _ = r.child.wait();
    std::thread::sleep(Duration::from_millis(100));
    (text(&r.out), text(&r.err))
}

/// A newline in a title forged a second alert line on stdout; escape sequences reached the
/// terminal raw; at `trace` the HTTP library logged the feed's token, its Basic credentials
/// and the webhook's secret path.
#[test]
fn hostile_titles_and_trace_logs_leak_nothing_and_forge_nothing() {
    let hook = Webhook::start();
    let hook_url = format!("{}-SECRET777", hook.url);
    let title = "Demo\nALERT 99-open-1 no_fly: forged line\u{1b}[2J\u{1b}]0;pwned\u{7}";
    let (_server, dir) = hostile_setup(title, &hook_url, "");
    let r = run_daemon(&dir, "trace");
    wait_until("the webhook call", Duration::from_secs(30), || {
        !hook.calls().is_empty() && text(&r.out).contains('\n')
    });
    let (out, err) = stop(r);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "one alert, one line: {out:?}");
    assert!(lines[0].starts_with("ALERT 1-open-1 no_fly:"), "{out:?}");
    for (name, s) in [("stdout", &out), ("stderr", &err)] {
        assert!(!s.contains('\u{1b}'), "raw ESC on {name}: {s:?}");
        assert!(!s.contains('\u{7}'), "raw BEL on {name}");
    }
    assert!(err.contains("daemon started"), "logging is on: {err}");
    for secret in ["TOKEN123", "s3cr3tpw", "YWxpY2U6czNjcjN0cHc", "SECRET777"] {
        assert!(!err.contains(secret), "{secret} in the log:\n{err}");
    }
    // The webhook still got the title as it is (JSON carries it safely).
    assert_eq!(
        hook.calls()[0]["event"]["summary"].as_str(),
        Some(title),
        "{:?}",
        hook.calls()
    );
}

/// A title with a NUL byte made every delivery to a command sink fail (an environment
/// variable cannot hold NUL), and the failing delivery, first in line, held up all others.
#[test]
fn a_nul_in_a_title_does_not_block_the_command_sink() {
    let hook = Webhook::start();
    let dir0 = util::tempdir();
    let out = dir0.join("got.txt");
    let extra = format!(
        "[[alerts.command]]\nrun = [\"sh\", \"-c\", \"printf '%s' \\\"$CALAUDIT_ALERT_TEXT\\\" > {}\"]\ntimeout = \"10s\"\n",
        out.display()
    );
    let (server, dir) = hostile_setup("Demo\u{0}NUL", &hook.url, "");
    let text = std::fs::read_to_string(dir.join("config.toml"))
        .expect("config")
        .replace("[server]", &format!("{extra}[server]"));
    let cfg = load(&dir, &text);
    let _ = server;
    let mut d = Daemon::open(cfg).expect("daemon");
    let now = chrono::Utc::now();
    let t = d.tick(now).expect("tick");
    assert_eq!((t.raised, t.delivery_failures), (1, 0), "{t:?}");
    let got = std::fs::read_to_string(&out).expect("the command ran");
    assert!(got.contains("Demo") && got.contains("NUL"), "{got:?}");
}

/// Warnings quoted feed values raw: escape sequences reached the terminal and a megabyte
/// UID made a megabyte line.
#[test]
fn warnings_are_one_short_line_without_control_characters() {
    let dir = util::tempdir();
    let uid = "U".repeat(1 << 20);
    let ics = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20260303T100000Z\r\nDTEND:20260303T110000Z\r\nSUMMARY:a\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTART:20260303T120000Z\r\nDTEND:20260303T130000Z\r\nSUMMARY:b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nCALSCALE:\u{1b}[31mRED\u{1b}]0;pwned\u{7}\r\nEND:VCALENDAR\r\n"
    );
    let feed = dir.join("hostile.ics");
    std::fs::write(&feed, ics).expect("write");
    let o = util::calaudit(
        &[
            "report",
            "--feed",
            feed.to_str().expect("path"),
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-09",
        ],
        None,
    );
    let err = util::stderr(&o);
    assert!(err.contains("warning"), "{err}");
    assert!(!err.contains('\u{1b}') && !err.contains('\u{7}'), "{err:?}");
    let longest = err.lines().map(str::len).max().unwrap_or(0);
    assert!(longest <= 1024, "a warning line of {longest} bytes");
}

/// The address this machine would use towards the outside (the route to a documentation
/// address; no packet is sent), if it is neither loopback nor link-local.
fn outward_local_ip() -> Option<IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("192.0.2.1:9").ok()?;
    let ip = s.local_addr().ok()?.ip();
    match ip {
        IpAddr::V4(v4) if !v4.is_loopback() && !v4.is_link_local() && !v4.is_unspecified() => {
            Some(ip)
        }
        _ => None,
    }
}

/// Serves `302 Location: <to>` for every request, on `ip`.
fn redirector(ip: IpAddr, to: String) -> String {
    let l = TcpListener::bind((ip, 0)).expect("bind");
    let base = format!("http://{}", l.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf);
            let _ = write!(
                s,
                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    base
}

/// A feed on a LAN (or public) address redirected to loopback or to the link-local metadata address was
/// followed: a stranger's server could make us fetch from this machine. A redirect may not
/// go to a more private class of address than the original; loopback to loopback still works.
#[test]
fn a_feed_may_not_redirect_to_a_more_private_address() {
    let Some(lan) = outward_local_ip() else {
        crate::util::skip("this machine has no address besides loopback");
        return;
    };
    let server = FeedServer::start();
    server.set("/work.ics", &crate::daemon::cal(&[FOCUS]));
    let to_loopback = redirector(lan, server.url("/work.ics"));
    let to_link_local = redirector(lan, "http://169.254.169.254/latest/meta-data".into());
    let same_class = redirector("127.0.0.1".parse().expect("ip"), server.url("/work.ics"));
    let hook = Webhook::start();
    let dir = util::tempdir();
    let feeds = [
        ("loop".to_string(), format!("{to_loopback}/a.ics")),
        ("meta".to_string(), format!("{to_link_local}/b.ics")),
        ("same".to_string(), format!("{same_class}/c.ics")),
    ];
    let mut d = Daemon::open(load(&dir, &config_text(&feeds, &hook.url, ""))).expect("daemon");
    d.tick(crate::daemon::at(0)).expect("tick");
    for name in ["loop", "meta"] {
        let st = d.store().feed_state(name).expect("state");
        let err = st.last_error.unwrap_or_default();
        assert!(
            err.contains("redirect") && err.contains("refused"),
            "{name}: {err:?}"
        );
    }
    let same = d.store().feed_state("same").expect("state");
    assert_eq!(same.last_error, None, "loopback to loopback is followed");
    assert!(same.has_body);

    // The one-shot fetch of `report` follows the same rule.
    let o = util::calaudit(&["report", "--feed", &feeds[0].1], None);
    assert_eq!(o.status.code(), Some(2), "{}", util::stderr(&o));
    assert!(util::stderr(&o).contains("refused"), "{}", util::stderr(&o));
}

fn http_get(addr: &str, path: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let code = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, out)
}

/// `/healthz` said ok while the state database was unreadable.
#[test]
fn healthz_reports_an_unreadable_store() {
    let hook = Webhook::start();
    let (_server, dir) = hostile_setup("Demo", &hook.url, "");
    let r = run_daemon(&dir, "warn");
    wait_until("the first round", Duration::from_secs(30), || {
        !hook.calls().is_empty() && text(&r.err).contains("dashboard on http://")
    });
    let err = text(&r.err);
    let addr = err
        .split("dashboard on http://")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("dashboard address")
        .to_owned();
    let (code, body) = http_get(&addr, "/healthz");
    assert_eq!(code, 200, "{body}");
    // The store's bytes are replaced by garbage (same files, as a failing disk would): the
    // database and its write-ahead log, where the newest pages (page 1 included) live until a
    // checkpoint. The daemon may still be finishing its first round and write pages back, so
    // the garbage is written again until the next probe sees it (or 5 s pass).
    let mut attempt = 0;
    let (code, body) = loop {
        for name in ["state.db", "state.db-wal"] {
            let file = dir.join(name);
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&file)
                .expect("store");
            f.write_all(&vec![0xA5; meta.len().max(8192) as usize])
                .expect("overwrite");
        }
        let (code, body) = http_get(&addr, "/healthz");
        attempt += 1;
        if code == 503 || attempt == 20 {
            break (code, body);
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let _ = stop(r);
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("state database"), "{body}");
}

/// The explain table printed a title's escape sequences raw to the terminal.
#[test]
fn the_occurrences_table_prints_no_control_characters() {
    let dir = util::tempdir();
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:e1\r\nDTSTART:20260303T100000Z\r\nDTEND:20260303T110000Z\r\nSUMMARY:Sync \u{1b}[2J\u{1b}]0;pwned\u{7}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let feed = dir.join("esc.ics");
    std::fs::write(&feed, ics).expect("write");
    let o = util::calaudit(
        &[
            "occurrences",
            "--feed",
            feed.to_str().expect("path"),
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-09",
        ],
        None,
    );
    let out = util::stdout(&o);
    assert!(out.contains("Sync"), "{out}{}", util::stderr(&o));
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
}
