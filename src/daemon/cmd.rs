//! The daemon's commands: `run` (foreground, stops on SIGINT/SIGTERM), `status`, `alerts`.
//! `status` and `alerts` only read the state database: they work while the daemon runs.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDate, Utc};

use super::{DaemonError, StatsRecord, STATS_KEY};
use crate::alert::detect::from_ts;
use crate::alert::outbox::payload_text;
use crate::alert::outbox::{AlertState, DeliveryState, DeliveryStatus};
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
    if !cfg.users.is_empty() {
        return run_team(cfg, stop);
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
        health: health_of(&cfg),
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

/// A delivery's state in words (issue 11 item 8): "delivered to ops", "waiting to retry
/// ops, 1 attempt so far (last error: …)", "resolution delivered to ops"; never the stored
/// `open:1` / `pending` spelling. `kind` is the sink's kind (`webhook`, `email`, …) when known.
pub(crate) fn delivery_words(d: &DeliveryStatus, kind: Option<&str>) -> String {
    let to = match kind {
        Some(k) if !d.sink.to_string().starts_with(k) => format!("{k} {}", d.sink),
        _ => d.sink.to_string(),
    };
    let what = match (d.event.state, d.event.opening) {
        (AlertState::Resolved, _) => "resolution ",
        (AlertState::Open, n) if n > 1 => "reopened alert ",
        _ => "",
    };
    let attempts = |n: i64| format!("{n} attempt{}", if n == 1 { "" } else { "s" });
    match (d.state, d.attempts) {
        (DeliveryState::Delivered, n) if n > 1 => {
            format!("{what}delivered to {to} after {}", attempts(n))
        }
        (DeliveryState::Delivered, _) => format!("{what}delivered to {to}"),
        (DeliveryState::Pending, 0) => format!("{what}waiting to be sent to {to}"),
        (DeliveryState::Pending, n) => format!(
            "{what}waiting to retry {to}, {} so far{}",
            attempts(n),
            d.last_error
                .as_deref()
                .map(|e| format!(" (last error: {})", crate::untrusted::shown(e)))
                .unwrap_or_default()
        ),
    }
}

/// The store health `/healthz` checks for a daemon with `cfg`: an SQLite store's file; a
/// PostgreSQL store's health is the daemon's own (its loop fails loudly when the server goes
/// away).
fn health_of(cfg: &Config) -> crate::server::Health {
    match cfg.daemon.store_url {
        Some(_) => crate::server::Health::default(),
        None => crate::server::Health::default().with_store(cfg.daemon.store_path.clone()),
    }
}

/// Team mode (issue 14): one daemon per user, each on its own thread with its own store
/// namespace and snapshot, and one dashboard serving each user under `/u/<id>/`. A user
/// whose daemon cannot start (or stops with an error) is logged; the others keep running.
/// Returns once `stop` is set and every daemon has stopped, with the first user's error.
pub fn run_team(cfg: Config, stop: Arc<AtomicBool>) -> Result<()> {
    let now = chrono::Utc::now();
    let mut sites = Vec::new();
    let mut daemons = Vec::new();
    for user in cfg.users {
        let shared: crate::server::SharedSnapshot = Arc::new(std::sync::RwLock::new(Arc::new(
            crate::server::Snapshot::empty(user.config.tz, now),
        )));
        let health = health_of(&user.config);
        sites.push(crate::server::UserSite {
            id: user.id.clone(),
            group: user.group.clone(),
            token: user.token.clone(),
            data: Arc::clone(&shared),
            health: health.clone(),
        });
        if user.config.feeds.is_empty() {
            tracing::warn!(user = %user.id, "no feeds: this user's daemon does not run");
            continue;
        }
        let (id, stop) = (user.id.clone(), Arc::clone(&stop));
        let spawned = std::thread::Builder::new()
            .name(format!("calaudit-u-{id}"))
            .spawn(move || super::run(user.config, &stop, Some(shared), Some(health)));
        match spawned {
            Ok(handle) => daemons.push((id, handle)),
            Err(e) => tracing::error!(user = %id, error = %e, "daemon thread not started"),
        }
    }
    let server_cfg = crate::server::ServerConfig {
        bind: cfg.server_bind,
        token: None,
        hosts: cfg.server_hosts.clone(),
        health: crate::server::Health::default(),
    };
    let team = crate::server::Team {
        users: sites,
        admin: cfg.admin_token.clone(),
    };
    let srv_stop = Arc::clone(&stop);
    let server = std::thread::spawn(move || {
        if let Err(e) = crate::server::serve_team(&server_cfg, team, srv_stop, |addr| {
            eprintln!("calaudit: dashboard on http://{addr}/u/<id>/");
        }) {
            tracing::error!(error = %e, "dashboard not started; the daemons keep running");
        }
    });
    let mut first_error = None;
    for (id, handle) in daemons {
        let result = handle
            .join()
            .map_err(|_| anyhow::anyhow!("user {id}: the daemon panicked"))
            .and_then(|r| r.with_context(|| format!("user {id}")));
        if let Err(e) = result {
            tracing::error!(user = %id, error = %format!("{e:#}"), "daemon stopped with an error");
            first_error.get_or_insert(e);
        }
    }
    // Every daemon has stopped (a stop signal, or each failed): the dashboard stops too.
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let _ = server.join();
    match first_error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// The config a command works on (`status`, `alerts`, `history` and the analysing commands):
/// `cfg` itself, or with `--user` the config of that user of a team config. `Err` names what to give instead.
pub fn for_user(cfg: Config, user: Option<&str>) -> Result<Config> {
    let Some(id) = user else {
        if cfg.users.is_empty() {
            return Ok(cfg);
        }
        let ids: Vec<&str> = cfg.users.iter().map(|u| u.id.as_str()).collect();
        anyhow::bail!(
            "this is a team config: give --user ID for one user's calendar or state (users: {}); `calaudit run` serves them all",
            ids.join(", ")
        );
    };
    if cfg.users.is_empty() {
        anyhow::bail!("--user {id:?}: this config has no [[users]] or users_dir; leave --user out");
    }
    let ids: Vec<String> = cfg.users.iter().map(|u| u.id.to_string()).collect();
    match cfg.users.into_iter().find(|u| u.id.as_str() == id) {
        Some(u) => Ok(u.config),
        None => anyhow::bail!(
            "--user {id:?}: no such user in this config (users: {})",
            ids.join(", ")
        ),
    }
}

/// What kind of sink `t` is, in words (`webhook`, `email`, `command`, `log`).
pub(crate) fn sink_kind(t: &crate::alert::sink::Target) -> &'static str {
    use crate::alert::sink::Target;
    match t {
        Target::Log => "log",
        Target::Webhook(_) => "webhook",
        Target::Command(_) => "command",
        Target::Email(_) => "email",
    }
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
    if !cfg.users.is_empty() {
        anyhow::bail!(
            "this is a team config ([[users]] or users_dir): give --user ID to read one user's state"
        );
    }
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
            (Some(_), _) => format!(
                "FAILING ({} failed pull{} in a row)",
                st.failures,
                if st.failures == 1 { "" } else { "s" }
            ),
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
            let h = |c: Category| crate::report::hours::fmt(w.seconds[c]);
            out.push_str(&format!(
                "this week {} (forecast from the calendar as of {}):\n  people {}h, technical {}h, deep work {}h, other {}h; busy {}h of {:?}h\n  people share {} (target {:.0}%): {}\n  no-fly violations: {}\n",
                w.week,
                when(tz, rec.as_of),
                h(Category::People),
                h(Category::Technical),
                h(Category::DeepWork),
                h(Category::Other),
                crate::report::hours::fmt(w.busy_seconds),
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
    // Deliveries still to make (of the last 30 days' alerts), in words: "waiting to retry
    // ops, 2 attempts so far (last error: …)".
    let waiting: Vec<(i64, AlertKind, DeliveryStatus)> = store
        .alerts_since(now - chrono::Duration::days(30))?
        .into_iter()
        .flat_map(|a| {
            let (id, kind) = (a.id, a.kind);
            a.deliveries
                .into_iter()
                .filter(|d| d.state == DeliveryState::Pending)
                .map(move |d| (id, kind, d))
        })
        .collect();
    if !waiting.is_empty() {
        out.push_str(&format!("deliveries waiting: {}\n", waiting.len()));
        for (id, kind, d) in waiting.iter().take(SHOWN) {
            out.push_str(&format!(
                "  alert #{id} ({}): {}\n",
                kind.describe(),
                delivery_words(d, None)
            ));
        }
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
        match w.stats.clone().map(serde_json::from_value::<StatsRecord>) {
            Some(Ok(r)) => {
                let c = &r.counters;
                out.push_str(&format!(
                    "    {} pulls, {} unchanged, {} analyses, {} alerts raised, {} delivered\n",
                    c.fetches, c.unchanged, c.analyses, c.raised, c.delivered
                ));
            }
            Some(Err(e)) => {
                tracing::warn!(worker = %w.id, error = %e, "a worker's counters cannot be read; skipped")
            }
            None => {}
        }
    }
    if let Some(s) = store.get(STATS_KEY)? {
        match serde_json::from_str::<StatsRecord>(&s) {
            Ok(r) => {
                let c = &r.counters;
                out.push_str(&format!(
                    "daemon (pid {}, as of {}): {} pulls, {} unchanged, {} analyses, {} alerts raised, {} delivered, {} delivery failures\n",
                    r.pid, when(tz, Some(from_ts(r.as_of))), c.fetches, c.unchanged, c.analyses, c.raised, c.delivered, c.delivery_failures
                ));
            }
            // Written by another version: the counters are a convenience, not worth failing for.
            Err(e) => {
                tracing::warn!(error = %e, "the stored daemon counters cannot be read; skipped");
                out.push_str("daemon counters: unreadable (written by another version?)\n");
            }
        }
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
            a.kind.describe(),
            a.state,
            resolved.map(|t| format!(" at {t}")).unwrap_or_default(),
            crate::untrusted::shown(payload_text(&a.payload))
        ));
        for d in &a.deliveries {
            out.push_str(&format!("    {}\n", delivery_words(d, None)));
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
        let h = |c: Category| crate::report::hours::fmt(w.seconds[c]);
        out.push_str(&format!(
            "{:<9} {:>6}h {:>8}h {:>8}h {:>6}h {:>6}h {:>8} {:<6} {:>6}\n",
            w.week,
            h(Category::People),
            h(Category::Technical),
            h(Category::DeepWork),
            h(Category::Other),
            crate::report::hours::fmt(w.busy_seconds),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::outbox::DeliveryEvent;
    use crate::alert::SinkName;

    fn d(state: DeliveryState, attempts: i64, event: (AlertState, i64)) -> DeliveryStatus {
        DeliveryStatus {
            sink: SinkName::parse("ops").expect("name"),
            event: DeliveryEvent {
                state: event.0,
                opening: event.1,
            },
            state,
            attempts,
            last_error: (state == DeliveryState::Pending && attempts > 0)
                .then(|| "HTTP 503".to_owned()),
        }
    }

    /// Issue 11 item 8: words, not `webhook[0] open:1` or `pending (1 attempts)`.
    #[test]
    fn deliveries_are_said_in_words() {
        let open = (AlertState::Open, 1);
        let table = [
            (
                d(DeliveryState::Delivered, 1, open),
                Some("webhook"),
                "delivered to webhook ops",
            ),
            (
                d(DeliveryState::Pending, 1, open),
                Some("webhook"),
                "waiting to retry webhook ops, 1 attempt so far (last error: HTTP 503)",
            ),
            (
                d(DeliveryState::Pending, 0, open),
                None,
                "waiting to be sent to ops",
            ),
            (
                d(DeliveryState::Delivered, 3, (AlertState::Resolved, 1)),
                Some("email"),
                "resolution delivered to email ops after 3 attempts",
            ),
            (
                d(DeliveryState::Delivered, 1, (AlertState::Open, 2)),
                None,
                "reopened alert delivered to ops",
            ),
        ];
        for (status, kind, want) in table {
            assert_eq!(delivery_words(&status, kind), want);
        }
    }
}
