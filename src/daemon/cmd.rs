//! The daemon's commands: `run` (foreground, stops on SIGINT/SIGTERM), `status`, `alerts`.
//! `status` and `alerts` only read the state database: they work while the daemon runs.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::DaemonError;
use crate::alert::detect::from_ts;
use crate::alert::outbox::payload_text;
use crate::alert::AlertKind;
use crate::classify::Category;
use crate::config::Config;
use crate::feed::Source;
use crate::store::Store;

pub fn run(cfg: Config) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop)).map_err(DaemonError::Signal)?;
    }
    if cfg.feeds.is_empty() {
        anyhow::bail!("no feeds in the config: add [[feeds]] tables (name, url, refresh)");
    }
    // The dashboard runs beside the loop and reads the snapshots it publishes. A port that is
    // taken is reported, and the daemon keeps working without it.
    let shared: crate::server::SharedSnapshot = Arc::new(std::sync::RwLock::new(Arc::new(
        crate::server::Snapshot::empty(cfg.tz, chrono::Utc::now()),
    )));
    let server_cfg = crate::server::ServerConfig {
        bind: cfg.server_bind,
        token: cfg.server_token.clone(),
        hosts: cfg.server_hosts.clone(),
        // `/healthz` reads an SQLite store's file; a PostgreSQL store's health is the
        // daemon's own (its loop fails loudly when the server goes away).
        health: match cfg.daemon.store_url {
            Some(_) => crate::server::Health::default(),
            None => crate::server::Health::default().with_store(cfg.daemon.store_path.clone()),
        },
    };
    let health = server_cfg.health.clone();
    let (srv_data, srv_stop) = (Arc::clone(&shared), Arc::clone(&stop));
    let server = std::thread::spawn(move || {
        if let Err(e) = crate::server::serve(&server_cfg, srv_data, srv_stop, |addr| {
            eprintln!("calaudit: dashboard on http://{addr}/");
        }) {
            tracing::error!(error = %e, "dashboard not started; the daemon keeps running");
        }
    });
    super::run(cfg, &stop, Some(shared), Some(health))?;
    let _ = server.join();
    Ok(())
}

/// A unix timestamp as local `YYYY-MM-DD HH:MM` in `tz`.
pub(crate) fn when_local(tz: chrono_tz::Tz, t: DateTime<Utc>) -> String {
    when(tz, Some(t))
}

fn when(tz: chrono_tz::Tz, t: Option<DateTime<Utc>>) -> String {
    match t {
        Some(t) => t
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M:%S %Z")
            .to_string(),
        None => "never".into(),
    }
}

fn open_existing(cfg: &Config) -> Result<Store> {
    if let Some(url) = &cfg.daemon.store_url {
        return Ok(Store::connect(url)?);
    }
    let p = &cfg.daemon.store_path;
    if !p.exists() {
        anyhow::bail!(
            "no state database at {}: start the daemon with `calaudit run` first",
            p.display()
        );
    }
    Ok(Store::open(p)?)
}

/// Feed health, this week's figures and forecast, open violations.
pub fn status(cfg: &Config, now: DateTime<Utc>) -> Result<String> {
    let store = open_existing(cfg)?;
    let tz = cfg.tz;
    let mut out = String::new();
    out.push_str("feeds:\n");
    for f in &cfg.feeds {
        let st = store.feed_state(&f.name)?;
        let shown = Source::parse(&f.url)
            .map(|s| s.display())
            .unwrap_or_else(|_| "<invalid address>".into());
        let health = match (&st.last_error, st.last_success) {
            (Some(_), _) => format!("FAILING ({} attempts)", st.failures),
            (None, Some(_)) => "ok".into(),
            (None, None) => "not pulled yet".into(),
        };
        out.push_str(&format!(
            "  {} ({shown}): {health}\n    last success: {}\n    next pull:    {}\n    events:       {}\n",
            f.name,
            when(tz, st.last_success),
            when(tz, st.next_pull),
            st.events.map_or("-".into(), |e| e.to_string()),
        ));
        if let Some(e) = &st.last_error {
            out.push_str(&format!(
                "    last error:   {e} (failing since {})\n",
                when(tz, st.error_since)
            ));
        }
    }
    match store.current_week()? {
        Some(rec) => {
            let w = &rec.summary;
            let h = |c: Category| w.seconds[c] as f64 / 3600.0;
            out.push_str(&format!(
                "this week {} (forecast from the calendar as of {}):\n  people {:.1}h, technical {:.1}h, deep work {:.1}h, other {:.1}h; busy {:.1}h of {:?}h\n  people share {} (target {:.0}%): {}\n  no-fly violations: {}\n",
                w.week,
                when(tz, rec.as_of),
                h(Category::People),
                h(Category::Technical),
                h(Category::DeepWork),
                h(Category::Other),
                w.busy_seconds as f64 / 3600.0,
                w.working_hours,
                w.people_share.map_or("-".into(), |x| format!("{:.0}%", x * 100.0)),
                rec.people_target * 100.0,
                match w.people_target_met {
                    Some(true) => "on track",
                    Some(false) => "BELOW TARGET",
                    None => "no working hours",
                },
                w.no_fly_violations,
            ));
        }
        None => out.push_str("this week: no analysis yet\n"),
    }
    let mut open: Vec<_> = store
        .open_alerts(AlertKind::NoFly)?
        .into_iter()
        .filter(|a| a.relevant_until.is_none_or(|u| u > now))
        .collect();
    // In the order the meetings happen (RFC 3339 UTC strings sort as instants); the store
    // keeps the order they were raised in, which follows their keys.
    open.sort_by(|a, b| {
        let start =
            |x: &crate::alert::OpenAlert| x.payload["event"]["start"].as_str().map(str::to_owned);
        start(a).cmp(&start(b))
    });
    out.push_str(&format!("open violations: {}\n", open.len()));
    const SHOWN: usize = 20;
    let more = open.len().saturating_sub(SHOWN);
    for a in open.into_iter().take(SHOWN) {
        out.push_str(&format!(
            "  {}\n",
            crate::untrusted::shown(payload_text(&a.payload))
        ));
    }
    if more > 0 {
        out.push_str(&format!(
            "  … and {more} more (`calaudit alerts` lists them all)\n"
        ));
    }
    for a in store.open_alerts(AlertKind::FeedFailing)? {
        out.push_str(&format!("  {}\n", payload_text(&a.payload)));
    }
    // Workers seen in the last week, with the feeds they hold and until when, and what they
    // did; one silent for longer than a lease lasts has lost its feeds to the others.
    let ttl = super::lease_ttl(cfg);
    let workers: Vec<_> = store
        .workers(now)?
        .into_iter()
        .filter(|w| now - w.heartbeat < chrono::Duration::days(7))
        .collect();
    out.push_str(&format!(
        "workers: {} (a lease lasts {} s unless renewed)\n",
        workers.len(),
        ttl.num_seconds()
    ));
    for w in workers {
        let silent = now - w.heartbeat;
        let leases = match w.leases_until {
            Some(until) if w.leases > 0 => {
                format!("{} feed lease(s) until {}", w.leases, when(tz, Some(until)))
            }
            _ => format!("{} feed lease(s)", w.leases),
        };
        let claimed = if w.deliveries > 0 {
            format!(", {} delivery(ies) being sent", w.deliveries)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "  {}: started {}, last heartbeat {}{}, {leases}{claimed}\n",
            crate::untrusted::shown(&w.id),
            when(tz, Some(w.started_at)),
            when(tz, Some(w.heartbeat)),
            if silent > ttl {
                format!(
                    " (silent for {} s: stopped or stalled)",
                    silent.num_seconds()
                )
            } else {
                String::new()
            },
        ));
        if let Some(v) = &w.stats {
            out.push_str(&format!(
                "    {} pulls, {} unchanged, {} analyses, {} alerts raised, {} delivered\n",
                v["fetches"], v["unchanged"], v["analyses"], v["raised"], v["delivered"]
            ));
        }
    }
    if let Some(s) = store.get("stats")? {
        let v: serde_json::Value = serde_json::from_str(&s)?;
        out.push_str(&format!(
            "daemon (pid {}, as of {}): {} pulls, {} unchanged, {} analyses, {} alerts raised, {} delivered, {} delivery failures\n",
            v["pid"], when(tz, v["as_of"].as_i64().map(from_ts)), v["fetches"], v["unchanged"], v["analyses"], v["raised"], v["delivered"], v["delivery_failures"]
        ));
    }
    Ok(out)
}

/// Alerts since a local date, with their delivery state per sink.
pub fn alerts(cfg: &Config, since: Option<NaiveDate>, json: bool) -> Result<String> {
    let store = open_existing(cfg)?;
    let tz = cfg.tz;
    let since = since
        .map(|d| crate::report::Window { tz, from: d, to: d }.start())
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    let rows = store.alerts_since(since).context("reading alerts")?;
    let mut out = String::new();
    for a in rows {
        let created = when(tz, Some(a.created_at));
        let resolved = a.resolved_at.map(|t| when(tz, Some(t)));
        if json {
            let o = serde_json::json!({
                "alert_id": a.id,
                "kind": a.kind.as_str(),
                "state": a.state.as_str(),
                "created_at": created,
                "resolved_at": resolved,
                "text": a.payload["text"],
                "deliveries": a.deliveries.iter().map(|d| serde_json::json!({
                    "sink": d.sink.as_str(),
                    "event": d.event.to_string(),
                    "state": d.state.as_str(),
                    "attempts": d.attempts,
                    "last_error": d.last_error,
                })).collect::<Vec<_>>(),
            });
            out.push_str(&o.to_string());
            out.push('\n');
            continue;
        }
        out.push_str(&format!(
            "#{} {} [{}] {}{}\n  {}\n",
            a.id,
            created,
            a.kind,
            a.state,
            resolved.map(|t| format!(" at {t}")).unwrap_or_default(),
            crate::untrusted::shown(payload_text(&a.payload))
        ));
        for d in &a.deliveries {
            out.push_str(&format!(
                "    {} {}: {} after {} attempt(s){}\n",
                d.sink,
                d.event,
                d.state,
                d.attempts,
                d.last_error
                    .as_ref()
                    .map(|e| format!(", last error: {e}"))
                    .unwrap_or_default()
            ));
        }
    }
    if out.is_empty() {
        out.push_str("no alerts\n");
    }
    Ok(out)
}

/// The weekly history the daemon recorded for completed weeks (kept even after a feed drops
/// old events): a table, or one JSON object per line.
pub fn history(cfg: &Config, json: bool) -> Result<String> {
    let store = open_existing(cfg)?;
    let weeks = store.weeks().context("reading the weekly history")?;
    let mut out = String::new();
    if json {
        for rec in &weeks {
            out.push_str(&serde_json::to_string(rec)?);
            out.push('\n');
        }
        return Ok(out);
    }
    if weeks.is_empty() {
        return Ok(
            "no completed weeks recorded yet (the daemon records each week once it ends)\n".into(),
        );
    }
    out.push_str(&format!(
        "{:<9} {:>7} {:>9} {:>9} {:>7} {:>7} {:>8} {:<6} {:>6}\n",
        "week", "people", "technical", "deep work", "other", "busy", "share", "target", "no-fly"
    ));
    for rec in weeks {
        let w = &rec.summary;
        let h = |c: Category| w.seconds[c] as f64 / 3600.0;
        out.push_str(&format!(
            "{:<9} {:>6.1}h {:>8.1}h {:>8.1}h {:>6.1}h {:>6.1}h {:>8} {:<6} {:>6}\n",
            w.week,
            h(Category::People),
            h(Category::Technical),
            h(Category::DeepWork),
            h(Category::Other),
            w.busy_seconds as f64 / 3600.0,
            w.people_share
                .map(|s| format!("{:.0}%", s * 100.0))
                .unwrap_or_else(|| "-".into()),
            match w.people_target_met {
                Some(true) => "met",
                Some(false) => "MISSED",
                None => "-",
            },
            w.no_fly_violations,
        ));
    }
    Ok(out)
}
