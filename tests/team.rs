//! Team mode (issue 14, §4): `calaudit run` with two users, on SQLite and on PostgreSQL
//! (`CALAUDIT_TEST_PG`; skipped with a notice without it). Each user's token reads only their
//! own `/u/<id>/`; another user's id, an unknown id and the org view answer the same 404;
//! the admin token gets health (and the org view's aggregates) and no user's pages.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use calaudit::config::TokenHash;

use crate::daemon::wait_until;
use crate::util;

const ALICE_TOKEN: &str = "alice-0123456789abcdef0123456789abcdef";
const BOB_TOKEN: &str = "bob-0123456789abcdef0123456789abcdef";
const ADMIN_TOKEN: &str = "admin-0123456789abcdef0123456789abcdef";

fn get(url: &str, bearer: Option<&str>) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
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

/// GET with only a `Cookie` header: (status, the `Set-Cookie` header, body).
fn get_with_cookie(url: &str, cookie: Option<&str>) -> (u16, Option<String>, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into();
    let mut req = agent.get(url);
    if let Some(c) = cookie {
        req = req.header("Cookie", c);
    }
    let mut resp = req.call().expect("request");
    let set = resp
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = resp.status().as_u16();
    (
        status,
        set,
        resp.body_mut().read_to_string().unwrap_or_default(),
    )
}

/// A team config for users `a` and `b` (their feeds are two different fixtures).
fn team_config(dir: &Path, store: &str, a: &str, b: &str) -> std::path::PathBuf {
    std::fs::copy(util::fixture("sample-manager.ics"), dir.join("a.ics")).unwrap();
    std::fs::copy(util::fixture("fragmented-week.ics"), dir.join("b.ics")).unwrap();
    let text = format!(
        "[server]\nbind = \"127.0.0.1:0\"\nadmin_token_sha256 = \"{}\"\n{store}\n\
         [[users]]\nid = \"{a}\"\ntoken_sha256 = \"{}\"\ntz = \"UTC\"\n\
         [[users.feeds]]\nname = \"alice-work\"\nurl = \"a.ics\"\nrefresh = \"1h\"\n\
         [[users]]\nid = \"{b}\"\ntoken_sha256 = \"{}\"\ntz = \"UTC\"\n\
         [[users.feeds]]\nname = \"bob-work\"\nurl = \"b.ics\"\nrefresh = \"1h\"\n",
        TokenHash::of(ADMIN_TOKEN).to_hex(),
        TokenHash::of(ALICE_TOKEN).to_hex(),
        TokenHash::of(BOB_TOKEN).to_hex(),
    );
    let cfg = dir.join("service.toml");
    std::fs::write(&cfg, text).unwrap();
    cfg
}

/// Runs `calaudit run` on `cfg`, checks everything the module's comment says, stops it.
fn check_isolation(cfg: &Path, a: &str, b: &str) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_calaudit"))
        .args(["run", "--config"])
        .arg(cfg)
        .env("CALAUDIT_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start calaudit run");
    // The dashboard's address, from its line on stderr (bound to port 0); the rest of stderr
    // is kept for a failure's message.
    let seen = Arc::new(Mutex::new(String::new()));
    let stderr = child.stderr.take().unwrap();
    let sink = Arc::clone(&seen);
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    let addr = |s: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix("calaudit: dashboard on http://"))
            .and_then(|r| r.split('/').next())
            .map(str::to_owned)
    };
    wait_until("the dashboard", Duration::from_secs(30), || {
        addr(&seen.lock().unwrap()).is_some()
    });
    let base = format!("http://{}", addr(&seen.lock().unwrap()).unwrap());
    let url = |p: &str| format!("{base}{p}");
    wait_until("both users' first pulls", Duration::from_secs(60), || {
        get(&url(&format!("/u/{a}/api/feeds")), Some(ALICE_TOKEN))
            .1
            .contains("alice-work")
            && get(&url(&format!("/u/{b}/api/feeds")), Some(BOB_TOKEN))
                .1
                .contains("bob-work")
    });

    // Each token reads its own user's pages and API, and only their data.
    for (id, token, mine, theirs) in [
        (a, ALICE_TOKEN, "alice-work", "bob-work"),
        (b, BOB_TOKEN, "bob-work", "alice-work"),
    ] {
        for path in [
            "/api/feeds",
            "/api/weeks",
            "/api/occurrences",
            "/api/reports",
            "/",
        ] {
            let (status, body) = get(&url(&format!("/u/{id}{path}")), Some(token));
            assert_eq!(status, 200, "{id}{path}: {body}");
            assert!(
                !body.contains(theirs),
                "{id}{path} shows the other user's data"
            );
        }
        let (_, feeds) = get(&url(&format!("/u/{id}/api/feeds")), Some(token));
        assert!(feeds.contains(mine), "{feeds}");
        let (_, page) = get(&url(&format!("/u/{id}/")), Some(token));
        assert!(
            page.contains(&format!("href=\"/u/{id}/")),
            "the page's links stay under /u/{id}/"
        );
        let (status, _) = get(&url(&format!("/u/{id}")), Some(token));
        assert_eq!(status, 303, "/u/{id} redirects to /u/{id}/");
    }

    // Refused, all with the same answer: another user's id, an unknown id, no token, the
    // token's hash in place of the token, the org view, the root.
    let (status, refused) = get(&url(&format!("/u/{b}/api/weeks")), Some(ALICE_TOKEN));
    assert_eq!(status, 404, "{refused}");
    let hash = TokenHash::of(ALICE_TOKEN).to_hex();
    for (path, token) in [
        (format!("/u/{a}/api/weeks"), Some(BOB_TOKEN)),
        ("/u/nobody-here/api/weeks".to_owned(), Some(ALICE_TOKEN)),
        (format!("/u/{a}/api/weeks"), None),
        (format!("/u/{a}/api/weeks"), Some(hash.as_str())),
        (format!("/u/{a}/api/weeks"), Some(ADMIN_TOKEN)),
        ("/org/".to_owned(), Some(ALICE_TOKEN)),
        ("/org/api/summary".to_owned(), Some(BOB_TOKEN)),
        ("/api/weeks".to_owned(), Some(ALICE_TOKEN)),
        ("/".to_owned(), Some(ADMIN_TOKEN)),
    ] {
        assert_eq!(get(&url(&path), token), (404, refused.clone()), "{path}");
    }

    // `?token=` opens the page once and sets a cookie for that user's path only; the cookie
    // opens that user's API and not the other user's.
    let (status, set, _) = get_with_cookie(&url(&format!("/u/{a}/?token={ALICE_TOKEN}")), None);
    assert_eq!(status, 200);
    let set = set.expect("a cookie");
    assert!(
        set.contains(&format!("Path=/u/{a}/; HttpOnly; SameSite=Strict")),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let (status, _, _) = get_with_cookie(&url(&format!("/u/{a}/api/weeks")), Some(&cookie));
    assert_eq!(status, 200);
    let (status, _, body) = get_with_cookie(&url(&format!("/u/{b}/api/weeks")), Some(&cookie));
    assert_eq!((status, body), (404, refused.clone()));
    let (status, set, _) = get_with_cookie(&url(&format!("/u/{b}/?token={ALICE_TOKEN}")), None);
    assert_eq!((status, set), (404, None), "a wrong ?token= sets nothing");

    // The page icon is static and served to anyone at the root (the org page links it there).
    let (status, icon) = get(&url("/favicon.svg"), None);
    assert_eq!(status, 200);
    assert!(icon.starts_with("<svg"), "{icon}");
    assert_eq!(get(&url("/favicon.ico"), None), (200, icon));

    // Health: a status for anyone, each user's only for the admin.
    let (status, open) = get(&url("/healthz"), Some(ALICE_TOKEN));
    assert_eq!((status, open.as_str()), (200, "ok\n"));
    let (status, admin) = get(&url("/healthz"), Some(ADMIN_TOKEN));
    assert_eq!(status, 200);
    assert_eq!(admin, format!("ok\n{a}: ok\n{b}: ok\n"));
    // The org view: two users are too few to show anything.
    let (status, org) = get(&url("/org/api/summary"), Some(ADMIN_TOKEN));
    assert_eq!(status, 200, "{org}");
    let org: serde_json::Value = serde_json::from_str(&org).unwrap();
    assert_eq!(org["everyone"]["note"], "too few users to show");
    assert_eq!(org["everyone"]["people_share"], serde_json::Value::Null);

    let pid = child.id().to_string();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(ok.success());
    let status = child.wait().expect("exit");
    assert!(
        status.success(),
        "clean exit on SIGTERM: {status:?}\n{}",
        seen.lock().unwrap()
    );
}

#[test]
fn each_user_reads_only_their_own_on_sqlite() {
    let dir = util::tempdir();
    let cfg = team_config(&dir, "[store]\npath = \"state.db\"", "alice", "bob");
    check_isolation(&cfg, "alice", "bob");
    // One database file per user, beside the configured path.
    assert!(dir.join("state.u-alice.db").is_file());
    assert!(dir.join("state.u-bob.db").is_file());
    assert!(!dir.join("state.db").exists());
    // `status` reads one user's state, named with --user.
    let c = cfg.to_str().unwrap();
    let o = util::calaudit(&["status", "--config", c, "--user", "alice"], None);
    let out = util::stdout(&o);
    assert!(o.status.success(), "{}", util::stderr(&o));
    assert!(
        out.contains("alice-work") && !out.contains("bob-work"),
        "{out}"
    );
    let o = util::calaudit(&["history", "--config", c], None);
    assert!(!o.status.success());
    assert!(
        util::stderr(&o)
            .contains("give --user ID for one user's calendar or state (users: alice, bob)"),
        "{}",
        util::stderr(&o)
    );
    let o = util::calaudit(&["alerts", "--config", c, "--user", "carol"], None);
    assert!(
        util::stderr(&o).contains("--user \"carol\": no such user"),
        "{}",
        util::stderr(&o)
    );
}

#[test]
fn each_user_reads_only_their_own_on_postgres() {
    let Ok(pg) = std::env::var("CALAUDIT_TEST_PG") else {
        util::skip("CALAUDIT_TEST_PG not set; the PostgreSQL half of team isolation did not run");
        return;
    };
    // Ids of this run only: the schemas are named after them, in a shared database.
    let (a, b) = (
        format!("alice-{}", std::process::id()),
        format!("bob-{}", std::process::id()),
    );
    let schemas = [
        format!("calaudit_u_{}", a.replace('-', "_")),
        format!("calaudit_u_{}", b.replace('-', "_")),
    ];
    struct Drop2(String, Vec<String>);
    impl Drop for Drop2 {
        fn drop(&mut self) {
            if let Ok(mut c) = postgres::Client::connect(&self.0, postgres::NoTls) {
                for s in &self.1 {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"));
                }
            }
        }
    }
    let _cleanup = Drop2(pg.clone(), schemas.to_vec());
    let dir = util::tempdir();
    // Two users, each a daemon with a lease renewer: four stores on a pool of two
    // connections, named so that the server's count is this run's.
    let app = format!("calaudit_team_{}", std::process::id());
    let sep = if pg.contains('?') { '&' } else { '?' };
    let store = format!("[store]\nurl = \"{pg}{sep}application_name={app}\"\npool_size = 2");
    let cfg = team_config(&dir, &store, &a, &b);
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sampler = {
        let (pg, app, done) = (pg.clone(), app.clone(), Arc::clone(&done));
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&pg, postgres::NoTls).unwrap();
            let mut most = 0i64;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                let n: i64 = c
                    .query_one(
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                        &[&app],
                    )
                    .unwrap()
                    .get(0);
                most = most.max(n);
                std::thread::sleep(Duration::from_millis(20));
            }
            most
        })
    };
    check_isolation(&cfg, &a, &b);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let most = sampler.join().unwrap();
    assert!(
        (1..=2).contains(&most),
        "{most} connections from a process whose pool_size is 2"
    );
    // Each user's rows are in their own schema, and nowhere else.
    let mut c = postgres::Client::connect(&pg, postgres::NoTls).unwrap();
    for (schema, feed) in schemas.iter().zip(["alice-work", "bob-work"]) {
        let rows = c
            .query(&format!("SELECT name FROM {schema}.feed_state"), &[])
            .unwrap();
        let names: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
        assert_eq!(names, [feed], "{schema}");
    }
}

/// A team config never holds a token itself: `run` refuses one and says what to do.
#[test]
fn a_plain_token_in_a_team_config_is_refused() {
    let dir = util::tempdir();
    let cfg = dir.join("service.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[users]]\nid = \"alice\"\ntoken = \"{ALICE_TOKEN}\"\n[[users.feeds]]\nname = \"w\"\nurl = \"a.ics\"\n"
        ),
    )
    .unwrap();
    let o = util::calaudit(&["run", "--config", cfg.to_str().unwrap()], None);
    let err = util::stderr(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("service.toml:3: unknown key `token` in [[users]] (users[0]); did you mean `token_sha256`?"),
        "{err}"
    );
    assert!(
        err.contains("key `users[0].token_sha256`: missing; run `calaudit token`"),
        "{err}"
    );
    assert!(!err.contains(ALICE_TOKEN), "the token is not echoed: {err}");
}
