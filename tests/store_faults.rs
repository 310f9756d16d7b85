//! The state database under faults (issue 12, item 5): a second daemon on the same store, a
//! store truncated to nothing, random bytes, a read-only file. Each is refused at start with a
//! message that says what to do, never a panic and never a silent fresh start.
//! <https://github.com/calaudit/calaudit/issues/12>

use std::path::{Path, PathBuf};
use std::time::Duration;

use calaudit::daemon::Daemon;

use crate::daemon::{load, setup, spawn_daemon, wait_until};

fn reload(dir: &Path) -> calaudit::config::Config {
    let text = std::fs::read_to_string(dir.join("config.toml")).expect("config");
    load(dir, &text)
}

fn open_err(dir: &Path) -> String {
    match Daemon::open(reload(dir)) {
        Ok(_) => panic!("the daemon started"),
        Err(e) => e.to_string(),
    }
}

/// Runs `cmd` to completion, or kills it after `limit` (a daemon that should have refused to
/// start but did not): then the status is `None`.
pub(crate) fn output_within(
    cmd: &mut std::process::Command,
    limit: Duration,
) -> (Option<i32>, String) {
    let mut child = cmd
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut err = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut s);
        s
    });
    let start = std::time::Instant::now();
    let code = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (code, reader.join().unwrap_or_default())
}

fn run_cmd(cfg: &Path) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_calaudit"));
    c.args(["run", "--config"]).arg(cfg);
    c
}

fn store(dir: &Path) -> PathBuf {
    dir.join("state.db")
}

#[test]
fn a_second_daemon_on_the_same_store_is_refused() {
    let (_server, _hook, cfg, dir) = setup("");
    let first = Daemon::open(cfg).expect("first daemon");
    let err = open_err(&dir);
    assert!(
        err.contains("another calaudit daemon") && err.contains("state.db"),
        "{err}"
    );
    drop(first);
    Daemon::open(reload(&dir)).expect("the store is free once the first daemon is gone");
}

#[test]
fn a_second_daemon_process_exits_and_kill_9_leaves_no_stale_lock() {
    let (_server, _hook, _cfg, dir) = setup("");
    let cfg = dir.join("config.toml");
    let mut first = spawn_daemon(&cfg);
    wait_until("the first daemon's store", Duration::from_secs(30), || {
        store(&dir).exists()
    });
    let (code, err) = output_within(&mut run_cmd(&cfg), Duration::from_secs(20));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("another calaudit daemon"), "{err}");
    first.kill().expect("SIGKILL");
    first.wait().expect("reaped");
    // The kernel dropped the dead process's lock: no stale lock file to remove by hand.
    Daemon::open(reload(&dir)).expect("a daemon starts after kill -9");
}

#[test]
fn a_store_truncated_to_nothing_is_refused_not_recreated() {
    let (_server, _hook, cfg, dir) = setup("");
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(crate::daemon::at(0)).expect("tick");
    drop(d);
    for ext in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", store(&dir).display()));
    }
    std::fs::write(store(&dir), b"").expect("truncate");
    let err = open_err(&dir);
    assert!(
        err.contains("is empty") && err.contains("already sent"),
        "{err}"
    );
    assert_eq!(std::fs::metadata(store(&dir)).expect("store").len(), 0);
}

/// Deterministic "random" bytes (xorshift).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[test]
fn a_store_of_random_bytes_is_a_clear_error() {
    let (_server, _hook, _cfg, dir) = setup("");
    std::fs::write(store(&dir), noise(64 * 1024)).expect("write noise");
    let err = open_err(&dir);
    assert!(
        err.contains("state.db") && err.contains("corrupt") && err.contains("backup"),
        "{err}"
    );
    let (code, e) = output_within(
        &mut run_cmd(&dir.join("config.toml")),
        Duration::from_secs(20),
    );
    assert_eq!(code, Some(2), "{e}");
    assert!(e.contains("corrupt") && !e.contains("panicked"), "{e}");
}

#[test]
fn a_store_with_a_damaged_schema_page_is_a_clear_error() {
    let (_server, _hook, cfg, dir) = setup("");
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(crate::daemon::at(0)).expect("tick");
    drop(d);
    let mut bytes = std::fs::read(store(&dir)).expect("store");
    assert!(bytes.len() > 4096, "a real store");
    // Keep SQLite's 100-byte header, wreck the rest of page 1 (the schema).
    bytes[100..4096].copy_from_slice(&noise(3996));
    std::fs::write(store(&dir), &bytes).expect("write");
    let err = open_err(&dir);
    assert!(err.contains("corrupt") && err.contains("backup"), "{err}");
}

#[test]
fn a_read_only_store_is_refused_with_a_clear_message() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let (_server, _hook, cfg, dir) = setup("");
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(crate::daemon::at(0)).expect("tick");
    drop(d);
    let mode = |p: &Path, m: u32| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).expect("chmod")
    };
    // The folder stays writable (the lock file and SQLite's -shm live there); the file is not.
    mode(&dir, 0o777);
    mode(&store(&dir), 0o444);
    mode(&dir.join("config.toml"), 0o644);
    let mut cmd = run_cmd(&dir.join("config.toml"));
    // Root may write any file: run as nobody there, if nobody can reach the binary and the
    // test folder (a checkout under /root cannot).
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        let reachable = std::process::Command::new("sh")
            .args(["-c", "test -x \"$1\" && test -r \"$2\"", "sh"])
            .arg(env!("CARGO_BIN_EXE_calaudit"))
            .arg(dir.join("config.toml"))
            .uid(65534)
            .gid(65534)
            .status()
            .is_ok_and(|s| s.success());
        if !reachable {
            crate::util::skip("user nobody cannot reach the binary or the test folder");
            return;
        }
        cmd.uid(65534).gid(65534);
    }
    let (code, e) = output_within(&mut cmd, Duration::from_secs(20));
    assert_eq!(code, Some(2), "{e}");
    assert!(e.contains("read-only") && !e.contains("panicked"), "{e}");
}

/// Log lines written while `f` runs (this thread's subscriber, at `info`).
pub(crate) fn capture_logs<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Buf(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log buffer").extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let buf = Buf::default();
    let out = buf.clone();
    let sub = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || out.clone())
        .finish();
    let r = tracing::subscriber::with_default(sub, f);
    let text = String::from_utf8_lossy(&buf.0.lock().expect("log buffer")).into_owned();
    (r, text)
}

/// Issue 12, item 7: with the disk full, every round failed at once and the loop woke again
/// immediately (56% CPU, 1,400 log lines/s). Ten minutes of one-second ticks must cost a
/// handful of attempts and one log line, then one line when the disk has room again.
#[test]
fn a_full_disk_backs_off_says_it_once_and_recovers() {
    let (server, hook, cfg, _dir) = setup("");
    let mut d = Daemon::open(cfg).expect("daemon");
    d.tick(crate::daemon::at(0)).expect("tick");
    let pages = d.store().limit_pages(None).expect("page count");
    d.store().limit_pages(Some(pages)).expect("cap");
    // A new, larger body (a violation) needs pages the store may not have.
    let mut events = vec![crate::daemon::FOCUS];
    let demo = (
        "demo-1",
        "Vendor demo",
        "20260303T103000Z",
        "20260303T110000Z",
    );
    events.push(demo);
    let pad = "x".repeat(60_000);
    let mut body = crate::daemon::cal(&events);
    body = body.replace("END:VCALENDAR", &format!("X-PAD:{pad}\r\nEND:VCALENDAR"));
    server.set("/work.ics", &body);
    let requests_before = server.counts().0;
    let start = crate::daemon::at(16);
    let ((), logs) = capture_logs(|| {
        for s in 0..600 {
            let now = start + chrono::Duration::seconds(s);
            let _ = d.tick(now);
            let wake = d.next_wake(now).expect("next wake");
            assert!(
                s > 0 || wake >= now + chrono::Duration::seconds(5),
                "no busy loop: the next round waits ({wake} at {now})"
            );
        }
    });
    let attempts = server.counts().0 - requests_before;
    let lines = logs
        .lines()
        .filter(|l| l.contains("state database"))
        .count();
    println!("disk full: {attempts} pulls and {lines} log lines over 600 one-second ticks");
    assert!((1..=12).contains(&attempts), "{attempts} pulls\n{logs}");
    assert_eq!(lines, 1, "{logs}");
    assert!(logs.contains("ERROR"), "{logs}");
    assert!(
        hook.calls().is_empty(),
        "nothing delivered without a record of it"
    );

    // Room again: the next attempt succeeds, says so once, and the alert goes out once.
    d.store().limit_pages(None).expect("uncap");
    let ((), logs) = capture_logs(|| {
        for s in 600..1200 {
            let _ = d.tick(start + chrono::Duration::seconds(s));
        }
    });
    assert_eq!(
        logs.lines()
            .filter(|l| l.contains("state database"))
            .count(),
        1,
        "{logs}"
    );
    assert!(logs.contains("writable again"), "{logs}");
    assert_eq!(hook.calls().len(), 1, "{:#?}", hook.calls());
}
