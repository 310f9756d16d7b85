//! The dashboard server in-process: API shapes, /metrics, tokens, escaping.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, RwLock};

use calaudit::pipeline;
use calaudit::server::{self, FeedView, ServerConfig, Snapshot};
use serde_json::Value;

use crate::util;

fn snapshot() -> Snapshot {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg = calaudit::config::Config::load(&root.join("config.toml")).expect("config");
    let w = util::window("America/Los_Angeles", "2026-02-02", "2026-03-02");
    let me = cfg.me.clone();
    let s = pipeline::Settings::from_config(&cfg, w, &me);
    let bytes = std::fs::read(util::fixture("sample-manager.ics")).expect("sample");
    let a = pipeline::analyze(
        vec![pipeline::FeedInput {
            name: "work \"main\"".into(),
            bytes,
        }],
        &s,
    );
    let r = pipeline::report(&a, &s);
    let now = chrono::NaiveDate::from_ymd_opt(2026, 2, 11)
        .and_then(|d| d.and_hms_opt(18, 0, 0))
        .expect("now")
        .and_utc();
    let feeds = vec![FeedView {
        name: "work \"main\"".into(),
        source: "https://calendar.google.com/…".into(),
        last_success_unix: Some(1_770_000_000),
        fetch_errors: 2,
        ..Default::default()
    }];
    Snapshot::build(&a, &r, &s, now, feeds, Vec::new())
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
        page.contains("This week (2026-W07)") && page.contains("Payments architecture deep dive")
    );
    let (st, svg) = get(&format!("{base}/charts/weekly-allocation.svg"), None);
    assert!(st == 200 && svg.starts_with("<svg"));
    assert_eq!(get(&format!("{base}/nope"), None).0, 404);
    stop.store(true, Ordering::Relaxed);
}

#[test]
fn off_loopback_needs_a_token_and_checks_it() {
    let Err(err) = start("0.0.0.0:0", None) else {
        panic!("served off loopback without a token");
    };
    assert!(err.to_string().contains("token"), "{err}");
    let (addr, stop) = start("127.0.0.1:0", Some("s3cret")).expect("serve");
    let base = format!("http://{addr}");
    assert_eq!(get(&format!("{base}/healthz"), None).0, 200);
    assert_eq!(get(&format!("{base}/api/weeks"), None).0, 401);
    assert_eq!(get(&format!("{base}/api/weeks"), Some("wrong")).0, 401);
    assert_eq!(get(&format!("{base}/api/weeks"), Some("s3cret")).0, 200);
    assert_eq!(get(&format!("{base}/?token=s3cret"), None).0, 200);
    stop.store(true, Ordering::Relaxed);
}
