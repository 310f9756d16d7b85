//! The daemon at idle: 100 feeds that never change, over a simulated hour.
//!
//!     cargo bench --bench daemon_idle
//!     DAEMON_IDLE_HOURS=12 cargo bench --bench daemon_idle   # a longer idle stretch (1..=23)
//!
//! Target (speed issue): an unchanged feed costs one conditional request and no re-analysis;
//! with 100 feeds and nothing changing, CPU use rounds to zero and memory stays flat.
//!
//! A local feed server answers ETag / Last-Modified conditional requests with 304. It runs in
//! a child process (this same binary, re-executed), so the daemon's CPU time and RSS below are
//! the daemon's alone; the server reports its own CPU and request counts over a side path.
//! Time is simulated: the daemon is driven the way `calaudit run` drives it (tick, stats row,
//! sleep until `next_wake`), but the sleep is skipped, so an hour takes seconds.
//! Exits non-zero if anything was re-analysed or the request counts are not one per feed per
//! refresh interval. Feed addresses are never printed (they stand for secret URLs).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use calaudit::config::Config;
use calaudit::daemon::Daemon;
use chrono::{DateTime, Duration, NaiveDateTime, Utc};

const FEEDS: usize = 100;
const REFRESH_MIN: i64 = 5;
/// Set in the child process: serve the feeds instead of benchmarking.
const SERVE_ENV: &str = "CALAUDIT_DAEMON_IDLE_SERVE";
/// The counters' path on the feed server (not counted as a feed request).
const STATS_PATH: &str = "/__stats";
const LAST_MODIFIED: &str = "Sun, 01 Mar 2026 12:00:00 GMT";

fn main() -> ExitCode {
    if std::env::var_os(SERVE_ENV).is_some() {
        serve();
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("daemon_idle: {e}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------- measurement

/// User + system CPU of this process (all threads, including exited fetch threads).
fn cpu_us() -> u64 {
    // SAFETY: getrusage only writes the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) } != 0 {
        return 0;
    }
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    us(ru.ru_utime) + us(ru.ru_stime)
}

/// (VmRSS, VmHWM) in KiB from /proc/self/status; zeros where there is no /proc.
fn rss_kib() -> (u64, u64) {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The feed server's counters.
#[derive(Clone, Copy, Default)]
struct ServerCounts {
    requests: u64,
    not_modified: u64,
    cpu_us: u64,
}

/// Asks the feed server for its counters (a raw request: no HTTP client in the measured path).
fn server_counts(addr: &str) -> Result<ServerCounts, String> {
    let mut s = TcpStream::connect(addr).map_err(|e| format!("feed server: {e}"))?;
    write!(
        s,
        "GET {STATS_PATH} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| format!("feed server: {e}"))?;
    let mut text = String::new();
    s.read_to_string(&mut text)
        .map_err(|e| format!("feed server: {e}"))?;
    let body = text.split("\r\n\r\n").nth(1).unwrap_or("");
    let n: Vec<u64> = body
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();
    match n[..] {
        [requests, not_modified, cpu_us] => Ok(ServerCounts {
            requests,
            not_modified,
            cpu_us,
        }),
        _ => Err("feed server: unreadable counters".into()),
    }
}

struct Row {
    minute: i64,
    requests: u64,
    not_modified: u64,
    analyses: u64,
    cpu_us: u64,
    interval_requests: u64,
    rss_kib: u64,
    server_cpu_us: u64,
    wall_ms: f64,
}

// ---------------------------------------------------------------- the benchmark

/// The child feed server; it exits when our end of its stdin closes (even if we panic).
struct ServerProcess {
    child: Child,
    addr: String,
}

impl ServerProcess {
    fn start() -> Result<ServerProcess, String> {
        let exe = std::env::current_exe().map_err(|e| format!("own path: {e}"))?;
        let mut child = Command::new(exe)
            .env(SERVE_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("start the feed server: {e}"))?;
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        let addr = line.trim().to_owned();
        if addr.is_empty() {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the feed server did not start".into());
        }
        Ok(ServerProcess { child, addr })
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn config_text(addr: &str) -> String {
    let mut s = String::from("tz = \"America/Los_Angeles\"\nme = [\"me@example.com\"]\n");
    for i in 0..FEEDS {
        s.push_str(&format!(
            "[[feeds]]\nname = \"feed{i:03}\"\nurl = \"http://{addr}{}\"\nrefresh = \"{REFRESH_MIN}m\"\n",
            feed_path(i)
        ));
    }
    // No alert sinks: delivery is not what is measured (alerts still go to the outbox).
    s.push_str(
        "[[no_fly]]\ndays = [\"tue\", \"thu\"]\nstart = \"10:00\"\nend = \"12:00\"\n\
         [alerts]\nlookahead = \"14d\"\nlog = false\npeople_target = false\n\
         [server]\nbind = \"127.0.0.1:0\"\n[store]\npath = \"state.db\"\n\
         [daemon]\nfetch_timeout = \"10s\"\n",
    );
    s
}

fn run() -> Result<bool, String> {
    let hours: i64 = match std::env::var("DAEMON_IDLE_HOURS") {
        Ok(v) => v
            .parse()
            .ok()
            .filter(|h| (1..=23).contains(h))
            .ok_or("DAEMON_IDLE_HOURS: expected 1 to 23")?,
        Err(_) => 1,
    };
    let wall = Instant::now();
    let server = ServerProcess::start()?;
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("daemon_idle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let cfg_path = dir.join("config.toml");
    std::fs::write(&cfg_path, config_text(&server.addr)).map_err(|e| e.to_string())?;
    let cfg = Config::load(&cfg_path).map_err(|e| e.to_string())?;
    let mut d = Daemon::open(cfg).map_err(|e| e.to_string())?;

    // Monday 00:00 in the configured zone, so up to 23 idle hours stay on one local day (a new
    // day re-analyses by design: the lookahead moves).
    let t0: DateTime<Utc> = "2026-03-02T08:00:00Z".parse().expect("start time");
    let end = t0 + Duration::hours(hours);
    let step = Duration::minutes(10 * hours);

    // First tick: every feed fetched (200) and analysed once.
    let (cpu_a, first_wall) = (cpu_us(), Instant::now());
    let first = d.tick(t0).map_err(|e| e.to_string())?;
    // `calaudit run` records its counters after every wake; so does the benchmark, so the
    // idle cost includes that write.
    d.record_stats(t0).map_err(|e| e.to_string())?;
    let first_wall = first_wall.elapsed();
    let cpu_b = cpu_us();
    let first_analyses = d.stats.analyses;
    let base = server_counts(&server.addr)?;
    let (rss0, _) = rss_kib();
    let mut rows = vec![Row {
        minute: 0,
        requests: base.requests,
        not_modified: base.not_modified,
        analyses: d.stats.analyses,
        cpu_us: cpu_b - cpu_a,
        interval_requests: base.requests,
        rss_kib: rss0,
        server_cpu_us: base.cpu_us,
        wall_ms: first_wall.as_secs_f64() * 1000.0,
    }];

    // The idle stretch, woken as the run loop wakes (at most a minute apart).
    let mut problems = Vec::new();
    let (mut now, mut ticks, mut next_row) = (t0, 0u64, t0 + step);
    let mut last = (cpu_us(), base, Instant::now());
    // CPU of ticks that pulled feeds vs ticks with nothing due (the per-wake floor).
    let (mut fetch_ticks, mut fetch_cpu, mut quiet_cpu) = (0u64, 0u64, 0u64);
    loop {
        let wake = d
            .next_wake(now)
            .map_err(|e| e.to_string())?
            .max(now + Duration::seconds(1));
        if wake > end {
            break;
        }
        now = wake;
        let before = cpu_us();
        let t = d.tick(now).map_err(|e| e.to_string())?;
        d.record_stats(now).map_err(|e| e.to_string())?;
        let spent = cpu_us() - before;
        ticks += 1;
        if t.fetched > 0 {
            fetch_ticks += 1;
            fetch_cpu += spent;
        } else {
            quiet_cpu += spent;
        }
        if t.changed > 0 || t.analyzed {
            problems.push(format!(
                "minute {}: {} feeds changed, analysed: {}",
                (now - t0).num_minutes(),
                t.changed,
                t.analyzed
            ));
        }
        if now >= next_row {
            next_row += step;
            let cpu = cpu_us();
            let (rss, _) = rss_kib();
            let c = server_counts(&server.addr)?;
            rows.push(Row {
                minute: (now - t0).num_minutes(),
                requests: c.requests,
                not_modified: c.not_modified,
                analyses: d.stats.analyses,
                cpu_us: cpu - last.0,
                interval_requests: c.requests - last.1.requests,
                rss_kib: rss,
                server_cpu_us: c.cpu_us - last.1.cpu_us,
                wall_ms: last.2.elapsed().as_secs_f64() * 1000.0,
            });
            // The counters request is after the CPU reading: its few µs land in the next row.
            last = (cpu_us(), c, Instant::now());
        }
    }
    let end_counts = server_counts(&server.addr)?;
    let (rss_end, hwm) = rss_kib();

    // The target, checked: one conditional request per feed per refresh, each a 304, and not
    // a single re-analysis.
    let rounds = (hours * 60 / REFRESH_MIN) as u64;
    let idle_requests = end_counts.requests - base.requests;
    let idle_304 = end_counts.not_modified - base.not_modified;
    let expect = FEEDS as u64 * rounds;
    if first.fetched != FEEDS || first.changed != FEEDS || first_analyses != 1 {
        problems.push(format!(
            "first tick: {} fetched, {} changed, {first_analyses} analyses (expected {FEEDS}, {FEEDS}, 1)",
            first.fetched, first.changed
        ));
    }
    if d.stats.analyses != first_analyses {
        problems.push(format!(
            "analyses went from {first_analyses} to {} while nothing changed",
            d.stats.analyses
        ));
    }
    if idle_requests != expect || idle_304 != expect {
        problems.push(format!(
            "{idle_requests} requests and {idle_304} 304s while idle; expected {expect} of each \
             ({FEEDS} feeds x {rounds} refreshes)"
        ));
    }
    if d.stats.unchanged != expect || d.stats.fetch_failures != 0 {
        problems.push(format!(
            "daemon counted {} unchanged and {} failed fetches; expected {expect} and 0",
            d.stats.unchanged, d.stats.fetch_failures
        ));
    }

    println!(
        "daemon_idle: {FEEDS} feeds, refresh {REFRESH_MIN} min, {hours} simulated hour(s) woken as \
         `calaudit run` wakes ({ticks} ticks after the first); the feed server is a separate \
         process, so CPU and RSS below are the daemon's only (server CPU shown apart)."
    );
    println!(
        "First tick: {} feeds fetched and analysed once: {:.1} ms CPU, {:.1} ms wall.\n",
        first.fetched,
        (cpu_b - cpu_a) as f64 / 1000.0,
        first_wall.as_secs_f64() * 1000.0
    );
    println!(
        "| sim. minute | requests | 304s | analyses | CPU ms (interval) | CPU µs / request | RSS MiB | server CPU ms | wall ms |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        let per_req = if r.minute == 0 || r.interval_requests == 0 {
            "–".to_owned()
        } else {
            format!("{:.0}", r.cpu_us as f64 / r.interval_requests as f64)
        };
        println!(
            "| {}{} | {} | {} | {} | {:.1} | {} | {:.1} | {:.1} | {:.0} |",
            r.minute,
            if r.minute == 0 { " (first tick)" } else { "" },
            r.requests,
            r.not_modified,
            r.analyses,
            r.cpu_us as f64 / 1000.0,
            per_req,
            mib(r.rss_kib),
            r.server_cpu_us as f64 / 1000.0,
            r.wall_ms
        );
    }
    let idle_cpu: u64 = rows.iter().skip(1).map(|r| r.cpu_us).sum();
    let idle_server: u64 = rows.iter().skip(1).map(|r| r.server_cpu_us).sum();
    let real = hours as f64 * 3600.0;
    println!(
        "\nIdle {hours} h: {:.1} ms daemon CPU for {idle_requests} conditional requests ({:.0} µs each, \
         ticks included) = {:.4} % of one core over {hours} real hour(s); RSS {:.1} MiB after the \
         first tick, {:.1} MiB at the end (peak {:.1} MiB); feed server (not included): {:.1} ms. \
         Wall time {:.1} s.",
        idle_cpu as f64 / 1000.0,
        idle_cpu as f64 / idle_requests.max(1) as f64,
        idle_cpu as f64 / 1e6 / real * 100.0,
        mib(rss0),
        mib(rss_end),
        mib(hwm),
        idle_server as f64 / 1000.0,
        wall.elapsed().as_secs_f64()
    );
    let quiet_ticks = ticks - fetch_ticks;
    println!(
        "Of that: {fetch_ticks} ticks that pulled feeds, {:.0} µs each ({:.0} µs per feed); \
         {quiet_ticks} ticks with nothing due, {:.0} µs each. Wall time above CPU time is \
         waiting, mostly on the store's fsyncs (synchronous = FULL), so it varies with the disk.",
        fetch_cpu as f64 / fetch_ticks.max(1) as f64,
        fetch_cpu as f64 / idle_requests.max(1) as f64,
        quiet_cpu as f64 / quiet_ticks.max(1) as f64
    );
    drop(d);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    if problems.is_empty() {
        println!("OK: analyses stayed at {first_analyses}; every idle request was answered 304.");
        Ok(true)
    } else {
        for p in &problems {
            eprintln!("FAILED: {p}");
        }
        Ok(false)
    }
}

// ---------------------------------------------------------------- the feed server (child)

/// A feed's secret-looking address path (never printed).
fn feed_path(i: usize) -> String {
    format!(
        "/calendar/ical/private-{:016x}/basic.ics",
        mix(i as u64 + 1)
    )
}

fn mix(mut x: u64) -> u64 {
    // splitmix64: deterministic, so every run serves the same calendars.
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const PEOPLE: &[&str] = &[
    "alex", "priya", "jordan", "mei", "tomas", "sofia", "li", "omar", "dana", "kim",
];
const MEETINGS: &[&str] = &[
    "Design review",
    "Hiring sync",
    "Incident postmortem",
    "Architecture deep dive",
    "Vendor demo",
    "Interview: backend",
    "Roadmap planning",
    "Budget review",
    "Customer call",
    "Sprint retro",
    "Code review session",
    "Skip-level",
];

const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:America/Los_Angeles\r\nBEGIN:DAYLIGHT\r\n\
TZOFFSETFROM:-0800\r\nTZOFFSETTO:-0700\r\nTZNAME:PDT\r\nDTSTART:19700308T020000\r\n\
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:-0700\r\n\
TZOFFSETTO:-0800\r\nTZNAME:PST\r\nDTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";

/// A manager's calendar: 20–40 events, a handful of them weekly series (1:1s, standup, focus
/// time), the rest one-off meetings over the weeks around the simulated hour.
fn calendar(feed: usize) -> String {
    let mut seed = mix(feed as u64 ^ 0xCA1A_0D17);
    let mut rnd = |n: u64| {
        seed = mix(seed);
        (seed % n) as usize
    };
    let events = 20 + rnd(21);
    let series = 4 + rnd(4);
    let mut s = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//calaudit//daemon_idle//EN\r\n\
         X-WR-CALNAME:Manager {feed}\r\n{VTIMEZONE}"
    );
    let days = ["MO", "TU", "WE", "TH", "FR"];
    for e in 0..events {
        let (summary, start, minutes, rrule) = if e < series {
            match e {
                0 => (
                    "Team standup".to_owned(),
                    "20260105T091500".to_owned(),
                    15,
                    Some("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR".to_owned()),
                ),
                1 => (
                    "Focus time".to_owned(),
                    format!("202601{:02}T130000", 5 + rnd(5)),
                    120,
                    Some(format!("FREQ=WEEKLY;BYDAY={}", days[rnd(5)])),
                ),
                _ => {
                    let day = rnd(5);
                    (
                        format!("1:1 {}", PEOPLE[rnd(PEOPLE.len() as u64)]),
                        format!("202601{:02}T{:02}0000", 5 + day, 10 + rnd(7)),
                        30,
                        Some(format!("FREQ=WEEKLY;BYDAY={}", days[day])),
                    )
                }
            }
        } else {
            // One-offs from Mon 23 Feb to Fri 13 Mar (weekdays only).
            let day = rnd(15);
            let date = chrono::NaiveDate::from_ymd_opt(2026, 2, 23).expect("date")
                + Duration::days((day / 5 * 7 + day % 5) as i64);
            (
                MEETINGS[rnd(MEETINGS.len() as u64)].to_owned(),
                format!(
                    "{}T{:02}{:02}00",
                    date.format("%Y%m%d"),
                    8 + rnd(9),
                    [0, 30][rnd(2)]
                ),
                [30, 45, 60, 90][rnd(4)],
                None,
            )
        };
        let begin = NaiveDateTime::parse_from_str(&start, "%Y%m%dT%H%M%S").expect("start");
        let finish = (begin + Duration::minutes(minutes)).format("%Y%m%dT%H%M%S");
        s.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:f{feed}-e{e}@daemon-idle.calaudit\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART;TZID=America/Los_Angeles:{start}\r\nDTEND;TZID=America/Los_Angeles:{finish}\r\n\
             SUMMARY:{summary}\r\n"
        ));
        if let Some(r) = rrule {
            s.push_str(&format!("RRULE:{r}\r\n"));
        }
        if summary != "Focus time" {
            // About one meeting in eight declined, as real calendars have them.
            let mine = if rnd(8) == 0 { "DECLINED" } else { "ACCEPTED" };
            s.push_str(&format!(
                "ORGANIZER:mailto:me@example.com\r\nATTENDEE;PARTSTAT={mine}:mailto:me@example.com\r\n"
            ));
            for _ in 0..1 + rnd(4) {
                let p = PEOPLE[rnd(PEOPLE.len() as u64)];
                s.push_str(&format!(
                    "ATTENDEE;CN={p};PARTSTAT=ACCEPTED:mailto:{p}@example.com\r\n"
                ));
            }
        }
        s.push_str("END:VEVENT\r\n");
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

/// Child mode: serve the feeds with ETag and Last-Modified, 304 for a matching conditional
/// request, until the parent closes our stdin.
fn serve() {
    let server = match tiny_http::Server::http("127.0.0.1:0") {
        Ok(s) => s,
        Err(e) => {
            eprintln!("daemon_idle feed server: {e}");
            std::process::exit(1);
        }
    };
    let Some(addr) = server.server_addr().to_ip() else {
        std::process::exit(1);
    };
    // The parent's stdin pipe closing (normal end, or the parent dying) stops the server, so
    // no orphan is left listening.
    std::thread::spawn(|| {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        std::process::exit(0);
    });
    let feeds: HashMap<String, (Vec<u8>, String)> = (0..FEEDS)
        .map(|i| {
            let body = calendar(i).into_bytes();
            let hash = body
                .iter()
                .fold(mix(i as u64), |h, b| mix(h ^ u64::from(*b)));
            let etag = format!("\"{hash:016x}\"");
            (feed_path(i), (body, etag))
        })
        .collect();
    println!("{addr}");
    let _ = std::io::stdout().flush();
    let header = |k: &str, v: &str| tiny_http::Header::from_bytes(k, v).expect("ASCII header");
    let (mut requests, mut not_modified) = (0u64, 0u64);
    for req in server.incoming_requests() {
        if req.url() == STATS_PATH {
            let body = format!("{requests} {not_modified} {}", cpu_us());
            let _ = req.respond(tiny_http::Response::from_string(body));
            continue;
        }
        requests += 1;
        let Some((body, etag)) = feeds.get(req.url()) else {
            let _ = req.respond(tiny_http::Response::empty(404));
            continue;
        };
        let get = |name: &'static str| {
            req.headers()
                .iter()
                .find(|h| h.field.equiv(name))
                .map(|h| h.value.as_str())
        };
        // RFC 9110: If-None-Match wins when present; the daemon echoes our exact
        // Last-Modified, so comparing the string is enough for If-Modified-Since.
        let fresh = match get("If-None-Match") {
            Some(v) => v.split(',').any(|t| t.trim() == etag),
            None => get("If-Modified-Since") == Some(LAST_MODIFIED),
        };
        let _ = if fresh {
            not_modified += 1;
            req.respond(
                tiny_http::Response::empty(304)
                    .with_header(header("ETag", etag))
                    .with_header(header("Last-Modified", LAST_MODIFIED)),
            )
        } else {
            req.respond(
                tiny_http::Response::from_data(body.clone())
                    .with_header(header("Content-Type", "text/calendar; charset=utf-8"))
                    .with_header(header("ETag", etag))
                    .with_header(header("Last-Modified", LAST_MODIFIED)),
            )
        };
    }
}
