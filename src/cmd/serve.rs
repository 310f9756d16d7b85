//! `calaudit serve`: analyse once, then serve that one snapshot on the dashboard until
//! interrupted. The daemon (`calaudit run`) serves a dashboard that keeps itself current.

use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::invocation::{Invocation, WindowDefault};
use crate::cli::ServeArgs;
use crate::pipeline::{self, Analysis};
use crate::server::{FeedView, Health, ServerConfig, Snapshot};

pub fn run(args: ServeArgs) -> Result<ExitCode> {
    let inv = Invocation::load(&args.common, WindowDefault::RecentWeeks)?;
    let a = inv.analyze()?;
    let snap = snapshot(&inv, &a, Utc::now());
    let cfg = ServerConfig {
        bind: args.bind.unwrap_or(inv.cfg.server_bind),
        token: args.token.or_else(|| inv.cfg.server_token.clone()),
        hosts: inv.cfg.server_hosts.clone(),
        health: Health::default(),
    };
    let stop = Arc::new(AtomicBool::new(false));
    crate::server::serve(&cfg, Arc::new(RwLock::new(Arc::new(snap))), stop, |addr| {
        println!("dashboard on http://{addr}/ (Ctrl-C to stop)");
    })?;
    Ok(ExitCode::SUCCESS)
}

/// The dashboard's one snapshot: the analysis as of `now`, every feed fetched just now.
fn snapshot(inv: &Invocation, a: &Analysis, now: DateTime<Utc>) -> Snapshot {
    let settings = inv.settings();
    let r = pipeline::report(a, &settings);
    let feeds = inv
        .feeds
        .iter()
        .zip(&a.calendars)
        .map(|((name, src), cal)| FeedView {
            name: name.clone(),
            source: src.display(),
            // In the user's zone, as every time on the page.
            last_success: Some(crate::daemon::cmd::when_local(inv.tz, now)),
            last_success_unix: Some(now.timestamp()),
            events: cal.events.len(),
            ..Default::default()
        })
        .collect();
    Snapshot::build(a, &r, &settings, now, feeds, Vec::new())
}
