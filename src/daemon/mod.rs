//! `calaudit run`: pull every feed on its own interval, keep the last good copy, analyze only
//! when something changed (or the day turned), raise alerts into the durable outbox and deliver
//! them. [`Daemon::tick`] does one round at a given instant: the loop ([`run`]) calls it with the
//! wall clock, tests call it with the instants they choose, so time is under their control.
//!
//! Several daemons (workers) may share one PostgreSQL store (issue 14). Each pulls only the
//! feeds it holds a lease on: every third of a lease's life it beats, renews its leases,
//! claims free or expired ones up to its share (the feeds divided by the workers alive) and
//! gives back what it holds beyond its share, so feeds spread over the workers and a dead
//! worker's are taken over once its leases run out. A feed's schedule lives in the store, so
//! whoever holds it pulls it once per refresh. Deliveries are claimed one at a time in the
//! store before they are sent ([`Store::claim_delivery`]); analyses take the store's
//! analysis lock, one at a time, and read the bodies every worker stored. An SQLite store
//! has one daemon (its lock file), which holds every lease itself.
//!
//! Sinks are known by their stable [`SinkName`]. At open, deliveries an earlier version filed
//! under positional names (`webhook[0]`) are moved to the names of the sinks now at those
//! positions ([`Store::rename_sinks`]), once; after that, reordering the config moves nothing.

pub mod cmd;
mod pulls;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde_json::json;

use crate::alert::outbox::payload_text;
use crate::alert::{self, detect, AlertKind, Block, Candidate, Sink, SinkName};
use crate::config::Config;
use crate::feed::{self, FeedError, FetchOptions, Fetched, Fetcher, Source, Validators};
use crate::pipeline::{self, FeedInput, Settings};
use crate::report::Window;
use crate::store::{FeedState, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("feed {name:?}: {source}")]
    Feed { name: String, source: FeedError },
    #[error("cannot install the signal handler: {0}")]
    Signal(std::io::Error),
}

/// Counters since start, for logs, status and the "no re-analysis when nothing changed" check.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub ticks: u64,
    pub fetches: u64,
    /// 304 answers and bodies identical to the last good copy.
    pub unchanged: u64,
    pub changed: u64,
    pub fetch_failures: u64,
    pub analyses: u64,
    pub raised: u64,
    pub resolved: u64,
    pub delivered: u64,
    pub delivery_failures: u64,
}

/// What one tick did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tick {
    pub fetched: usize,
    pub changed: usize,
    pub analyzed: bool,
    pub raised: usize,
    pub resolved: usize,
    pub delivered: usize,
    pub delivery_failures: usize,
}

struct Feed {
    name: String,
    source: Source,
    refresh: StdDuration,
}

pub struct Daemon {
    cfg: Config,
    store: Store,
    sinks: Vec<Sink>,
    feeds: Vec<Feed>,
    /// The pulls in flight, on `daemon.concurrency` threads sharing one HTTP agent
    /// (`daemon.fetch_timeout`, `daemon.max_body_mb`).
    pulls: pulls::Pulls,
    /// Local day of the last analysis: a new day moves the lookahead, so it re-analyzes.
    analyzed_day: Option<NaiveDate>,
    pub stats: Stats,
    /// Where the dashboard reads from; the daemon publishes a new snapshot after each change.
    dashboard: Option<crate::server::SharedSnapshot>,
    /// The last analysis as the dashboard shows it (feeds and alerts are refreshed each round).
    view: Option<crate::server::Snapshot>,
    /// Set while the state database cannot be written (a full disk, a read-only or failing
    /// file): rounds wait for `retry_at` instead of failing again at once.
    store_fault: Option<StoreFault>,
    /// What `/healthz` reports: the store's last error, shared with the dashboard.
    health: crate::server::Health,
    /// This process as the store's `workers` table names it (`host:pid`): it records a
    /// heartbeat with each lease renewal, which `status` lists.
    worker: String,
    /// Feed name to index into `feeds`.
    index: std::collections::HashMap<String, usize>,
    /// The feeds' names, in config order, for claims.
    names: Vec<String>,
    /// The feeds (by index) this worker held a lease on at the last renewal.
    held: Vec<usize>,
    /// When leases were last renewed and claimed; the next renewal is a third of
    /// [`Daemon::lease_ttl`] later.
    leases_at: Option<DateTime<Utc>>,
    lease_ttl: Duration,
    /// How long a claimed delivery is this worker's: longer than any sink's timeout.
    claim_ttl: Duration,
    /// A change was seen but another worker was analysing: analyse at the next round.
    analysis_due: bool,
}

/// How long a worker's feed leases last without renewal: half the shortest refresh interval
/// of its feeds, at least 5 s and at most 5 minutes. Workers renew every third of it, so a
/// dead worker's feeds are claimed by another within 4/3 of it (2/3 of a refresh) and pulled
/// at their next due time: well within two refresh intervals of its death. (A whole refresh
/// measured 1.9–2.1 intervals at 10,000 feeds: too close.)
pub fn lease_ttl(cfg: &Config) -> Duration {
    let shortest = cfg
        .feeds
        .iter()
        .map(|f| f.refresh.as_secs())
        .min()
        .unwrap_or(600);
    Duration::seconds((shortest / 2).clamp(5, 300) as i64)
}

/// A held feed (by index into `feeds`) and when it is next due (`None`: now).
type Due = (usize, Option<DateTime<Utc>>);

/// The shortest time between two rounds of the run loop: pulls that finish in between are
/// recorded together, so thousands of feeds do not cost thousands of rounds.
const ROUND_GAP: StdDuration = StdDuration::from_secs(1);

/// The state database failing: since when, how often, and when the next round may try.
#[derive(Clone, Debug)]
struct StoreFault {
    failures: i64,
    retry_at: DateTime<Utc>,
}

/// Where the deep-work blocks of the last analysis are remembered (`kv`, as JSON).
const BLOCKS_KEY: &str = "blocks";

/// Where the upcoming 1:1s of the last analysis are remembered (`kv`, as JSON).
const ONE_ON_ONES_KEY: &str = "one_on_ones";

/// Store retries wait `backoff(n, 10, 300)`: at most this long.
const STORE_MAX_WAIT: i64 = 300 * 6 / 5 + 1;

/// Delivery retries wait `backoff(n, 10, 900)`: at most this long (the cap plus 20% jitter).
const DELIVERY_MAX_WAIT: i64 = 900 * 6 / 5 + 1;

/// The longest wait a feed's schedule can hold: its refresh after a success, the capped
/// backoff (plus jitter) after a failure. A `next_pull` further ahead than this was written
/// under a clock that has since jumped back, and is clamped to now.
fn max_pull_wait(refresh: i64) -> i64 {
    refresh.max(30) * 6 / 5 + 1
}

fn ts(t: DateTime<Utc>) -> i64 {
    detect::ts(t)
}

/// Exponential backoff with jitter: `base·2^(n-1)`, capped, ±20%.
pub fn backoff(n: i64, base: i64, cap: i64, seed: u64) -> i64 {
    let exp = base.saturating_mul(1i64 << (n - 1).clamp(0, 20));
    let d = exp.min(cap).max(1);
    // xorshift of the seed: deterministic per feed and attempt, spread across feeds.
    let mut x = seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    let jitter = (x % 401) as i64 - 200; // -200..=200 per mille / 1000 = ±20%
    (d + d * jitter / 1000).max(1)
}

/// `host:pid`: unique among the processes sharing a store, and says where to look for one.
fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_owned())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{host}:{}", std::process::id())
}

/// A stable seed for a backoff's jitter (the same name backs off the same way in every run).
fn seed(s: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = fnv::FnvHasher::default();
    h.write(s.as_bytes());
    h.finish()
}

impl Daemon {
    /// Opens the state database (creating it) and checks every feed address.
    pub fn open(cfg: Config) -> Result<Daemon, DaemonError> {
        let mut store = match &cfg.daemon.store_url {
            // Shared: any number of workers, coordinated by leases and claims.
            Some(url) => Store::connect(url)?,
            None => {
                // One daemon (the lock file): any lease or claim left is a dead process's.
                let s = Store::open_exclusive(&cfg.daemon.store_path)?;
                s.forget_claims()?;
                s
            }
        };
        adopt_positional_sink_names(&mut store, &cfg)?;
        let feeds = cfg
            .feeds
            .iter()
            .map(|f| {
                Ok(Feed {
                    name: f.name.clone(),
                    source: Source::parse(&f.url).map_err(|source| DaemonError::Feed {
                        name: f.name.clone(),
                        source,
                    })?,
                    refresh: f.refresh,
                })
            })
            .collect::<Result<Vec<_>, DaemonError>>()?;
        let sinks = alert::sink::from_config(&cfg.daemon);
        let longest = sinks.iter().map(Sink::timeout).max().unwrap_or_default();
        let claim_ttl = Duration::seconds(longest.as_secs() as i64 * 2 + 60);
        let names: Vec<String> = feeds.iter().map(|f| f.name.clone()).collect();
        let index = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let ttl = lease_ttl(&cfg);
        let fetcher = Fetcher::new(FetchOptions {
            timeout: cfg.daemon.fetch_timeout,
            max_body_bytes: cfg.daemon.max_body_bytes,
        });
        let pulls = pulls::Pulls::new(fetcher, cfg.daemon.concurrency);
        Ok(Daemon {
            cfg,
            store,
            sinks,
            feeds,
            pulls,
            analyzed_day: None,
            stats: Stats::default(),
            dashboard: None,
            view: None,
            store_fault: None,
            health: crate::server::Health::default(),
            worker: worker_id(),
            index,
            names,
            held: Vec::new(),
            leases_at: None,
            lease_ttl: ttl,
            claim_ttl,
            analysis_due: false,
        })
    }

    /// Publishes snapshots to `shared` from now on (the dashboard server reads it).
    pub fn publish_to(&mut self, shared: crate::server::SharedSnapshot) {
        self.dashboard = Some(shared);
    }

    /// Feed health as the dashboard shows it (never the feed's secret address).
    fn feed_views(&self) -> Result<Vec<crate::server::FeedView>, DaemonError> {
        let tz = self.cfg.tz;
        let fmt = |t: Option<DateTime<Utc>>| t.map(|t| cmd::when_local(tz, t));
        let mut out = Vec::new();
        for f in &self.feeds {
            let st = self.store.feed_state(&f.name)?;
            out.push(crate::server::FeedView {
                name: f.name.clone(),
                source: f.source.display(),
                last_success: fmt(st.last_success),
                last_success_unix: st.last_success.map(|t| t.timestamp()),
                last_error: st.last_error.clone(),
                next_pull: fmt(st.next_pull),
                events: st.events.unwrap_or(0).max(0) as usize,
                fetch_errors: st.failures.max(0) as u64,
            });
        }
        Ok(out)
    }

    /// The 50 most recent alerts with their delivery state.
    fn alert_views(
        &self,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::server::AlertView>, DaemonError> {
        let since = now - Duration::days(90);
        let mut rows = self.store.alerts_since(since)?;
        rows.sort_by_key(|a| std::cmp::Reverse(a.created_at));
        Ok(rows
            .into_iter()
            .take(50)
            .map(|a| crate::server::AlertView {
                id: a.id.to_string(),
                kind: a.kind.as_str().to_owned(),
                text: format!("{} ({})", payload_text(&a.payload), a.state),
                created: cmd::when_local(self.cfg.tz, a.created_at),
                deliveries: a
                    .deliveries
                    .into_iter()
                    .map(|d| {
                        let kind = self.sinks.iter().find(|s| s.name == d.sink);
                        let words =
                            cmd::delivery_words(&d, kind.map(|s| cmd::sink_kind(&s.target)));
                        (d.sink.to_string(), words)
                    })
                    .collect(),
            })
            .collect())
    }

    /// Refreshes feed health and alerts in the published snapshot.
    fn publish(&mut self, now: DateTime<Utc>) -> Result<(), DaemonError> {
        let Some(shared) = self.dashboard.clone() else {
            return Ok(());
        };
        let mut view = self
            .view
            .clone()
            .unwrap_or_else(|| crate::server::Snapshot::empty(self.cfg.tz, now));
        view.feeds = self.feed_views()?;
        view.alerts = self.alert_views(now)?;
        let snap = std::sync::Arc::new(view);
        match shared.write() {
            Ok(mut g) => *g = snap,
            Err(p) => *p.into_inner() = snap,
        }
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Writes the counters to the store (what `calaudit status` shows), as `run` does after
    /// every wake.
    pub fn record_stats(&self, now: DateTime<Utc>) -> Result<(), DaemonError> {
        let record = StatsRecord {
            as_of: ts(now),
            pid: std::process::id(),
            counters: self.stats.clone(),
        };
        match serde_json::to_string(&record) {
            Ok(text) => {
                self.store.set(STATS_KEY, &text)?;
                self.store.set_worker_stats(&self.worker, &text)?;
            }
            Err(e) => tracing::warn!(error = %e, "cannot write the daemon's counters"),
        }
        Ok(())
    }

    /// This worker's name in the store (`host:pid`).
    pub fn worker(&self) -> &str {
        &self.worker
    }

    /// The feeds (by name) this worker held a lease on at its last renewal.
    pub fn held_feeds(&self) -> Vec<&str> {
        self.held.iter().map(|&i| self.names[i].as_str()).collect()
    }

    /// Beats, renews this worker's leases, claims free or expired feeds up to its share and
    /// gives back what it holds beyond it; every third of a lease's life (or at once when the
    /// clock went back). The share is the feeds divided by the workers that beat within a
    /// lease's life, rounded up; a worker gives feeds back only beyond the share plus 5%, so
    /// a worker starting or stopping moves few feeds. Feeds in flight are kept.
    fn keep_leases(&mut self, now: DateTime<Utc>) -> Result<(), DaemonError> {
        let ttl = self.lease_ttl;
        if let Some(at) = self.leases_at {
            if now >= at && now < at + ttl / 3 {
                return Ok(());
            }
        }
        self.store.heartbeat(&self.worker, now)?;
        let alive = self
            .store
            .workers(now)?
            .iter()
            .filter(|w| w.heartbeat > now - ttl || w.id == self.worker)
            .count()
            .max(1);
        let share = self.names.len().div_ceil(alive);
        let held = self
            .store
            .claim_feeds(&self.worker, &self.names, now, ttl, share)?;
        let mut held: Vec<usize> = held
            .iter()
            .filter_map(|n| self.index.get(n).copied())
            .collect();
        let keep = share + (share / 20).max(1);
        if held.len() > keep {
            // Down to the share, from the end of the name order (claims take from the
            // start, so the feeds given back are the ones others look at first).
            let excess = held.len() - share;
            let give: Vec<usize> = held
                .iter()
                .rev()
                .copied()
                .filter(|&i| !self.pulls.in_flight(i))
                .take(excess)
                .collect();
            let names: Vec<String> = give.iter().map(|&i| self.names[i].clone()).collect();
            self.store.release_feeds(&self.worker, &names)?;
            tracing::info!(
                released = give.len(),
                share,
                workers = alive,
                "feeds given back to share the load"
            );
            held.retain(|i| !give.contains(i));
        }
        if held.len() != self.held.len() {
            tracing::info!(feeds = held.len(), share, workers = alive, "feed leases");
        }
        self.held = held;
        self.leases_at = Some(now);
        Ok(())
    }

    /// One round: pull due feeds, detect, deliver.
    ///
    /// When the state database cannot be written (disk full, read-only, failing), the round
    /// fails with [`DaemonError::Store`], the error is logged once, and the following rounds
    /// do nothing until a backoff (10 s doubling to 5 min) has passed: no busy loop, no flood
    /// of log lines. The first round that succeeds again says so, once.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Result<Tick, DaemonError> {
        if let Some(f) = &self.store_fault {
            // A retry time more than the longest backoff ahead: the clock jumped back.
            let clamped = f.retry_at > now + Duration::seconds(STORE_MAX_WAIT);
            if now < f.retry_at && !clamped {
                return Ok(Tick::default());
            }
        }
        match self.round(now) {
            Ok(t) => {
                if let Some(f) = self.store_fault.take() {
                    tracing::warn!(
                        failed_rounds = f.failures,
                        "state database writable again; pulls and deliveries resume"
                    );
                    self.health.set(None);
                }
                Ok(t)
            }
            Err(DaemonError::Store(e)) => {
                let failures = self.store_fault.as_ref().map_or(0, |f| f.failures) + 1;
                let wait = backoff(failures, 10, 300, seed("store"));
                if self.store_fault.is_none() {
                    let hint = if e.is_full() { " (disk full?)" } else { "" };
                    tracing::error!(
                        error = %e,
                        retry_in_s = wait,
                        "state database cannot be written{hint}: pulls and deliveries wait, retrying with backoff (said once; a line follows when it works again)"
                    );
                }
                self.health.set(Some(e.to_string()));
                self.store_fault = Some(StoreFault {
                    failures,
                    retry_at: now + Duration::seconds(wait),
                });
                Err(DaemonError::Store(e))
            }
            Err(e) => Err(e),
        }
    }

    /// The health `/healthz` reports for this daemon (shared; updated by [`Daemon::tick`]).
    pub fn health(&self) -> crate::server::Health {
        self.health.clone()
    }

    fn round(&mut self, now: DateTime<Utc>) -> Result<Tick, DaemonError> {
        let mut t = self.poll_and_detect(now)?;
        self.deliver(now, &mut t)?;
        if t.fetched > 0 || t.delivered > 0 || t.raised > 0 || t.analyzed {
            self.publish(now)?;
        }
        Ok(t)
    }

    /// Pulls due feeds and writes new alerts to the outbox, delivering nothing.
    pub fn poll_and_detect(&mut self, now: DateTime<Utc>) -> Result<Tick, DaemonError> {
        self.stats.ticks += 1;
        let mut t = Tick::default();
        self.keep_leases(now)?;
        self.poll(now, &mut t)?;
        let today = now.with_timezone(&self.cfg.tz).date_naive();
        if t.changed > 0 || self.analyzed_day != Some(today) || self.analysis_due {
            // One analysis at a time per store; another worker's analysis running now may
            // have read the bodies before this round stored its changes, so this worker
            // analyses as soon as the lock is free.
            if self.store.try_lock_analysis()? {
                let res = self.analyze(now, &mut t);
                let unlocked = self.store.unlock_analysis();
                res?;
                unlocked?;
                self.analyzed_day = Some(today);
                self.analysis_due = false;
            } else {
                tracing::debug!("another worker is analysing; analysing at the next round");
                self.analysis_due = true;
            }
        }
        self.check_feed_health(now, &mut t)?;
        self.digest_when_due(now, &mut t)?;
        Ok(t)
    }

    /// Raises the weekly digest (`[digest]`) once its time has come this week: the digest of
    /// the ISO week before, keyed by that week, so it is raised once per week whatever the
    /// number of rounds or restarts (the store's UNIQUE key), and delivered exactly once to
    /// each sink like any alert. A daemon that was down at the time sends it when it is back
    /// (within the same week). Nothing is sent before any feed has data. The payload has the
    /// text, Markdown and HTML versions (`calaudit digest --format html`, chart inline); the
    /// email sink sends text and HTML as one `multipart/alternative` message, webhooks and
    /// commands get the payload without the HTML.
    fn digest_when_due(&mut self, now: DateTime<Utc>, t: &mut Tick) -> Result<(), DaemonError> {
        let Some(schedule) = self.cfg.digest else {
            return Ok(());
        };
        let tz = self.cfg.tz;
        let Some((week_start, due)) = digest_due(tz, schedule, now) else {
            return Ok(());
        };
        if now < due {
            return Ok(());
        }
        let week = week_start.format("%G-W%V").to_string();
        let key = alert::AlertKey::digest(&week);
        if self.store.has_alert(&key)? {
            return Ok(());
        }
        let (inputs, present) = self.last_good_bodies()?;
        if present.is_empty() {
            return Ok(());
        }
        // With the allocation chart: the email sink sends the HTML version with it inline.
        let d = crate::digest::compute(&inputs, &self.cfg, tz, &self.cfg.me, week_start, true);
        let c = Candidate {
            key,
            kind: AlertKind::Digest,
            relevant_until: None,
            payload: json!({
                "kind": AlertKind::Digest.as_str(),
                "text": format!(
                    "Digest {week}: {}",
                    crate::digest::render::headline(&d)
                ),
                "week": week,
                "body": crate::digest::render::text(&d),
                "markdown": crate::digest::render::markdown(&d),
                "html": crate::digest::render::html(&d),
            }),
        };
        self.raise(vec![c], now, t)
    }

    /// Starts every due feed's pull and records the pulls that finish within
    /// [`pulls::ROUND_WAIT`] (or earlier, between rounds); a slower one stays in flight and is
    /// recorded by a later round, so it delays no other feed.
    fn poll(&mut self, now: DateTime<Utc>, t: &mut Tick) -> Result<(), DaemonError> {
        let mut due = self.due_feeds(now)?;
        if self.cfg.daemon.store_url.is_some() && !due.is_empty() {
            // `held` is what the last claim returned; a lease the renewal let lapse since
            // (a stalled process) may be another worker's by now. Start only what the store
            // says is still ours, and forget the rest until the next claim.
            let names: Vec<String> = due.iter().map(|(i, _)| self.names[*i].clone()).collect();
            let ours: std::collections::HashSet<String> = self
                .store
                .leased(&self.worker, &names, now)?
                .into_iter()
                .collect();
            if ours.len() < names.len() {
                let lost: Vec<usize> = due
                    .iter()
                    .map(|(i, _)| *i)
                    .filter(|&i| !ours.contains(&self.names[i]))
                    .collect();
                tracing::warn!(
                    feeds = lost.len(),
                    "feed leases lapsed before their pull; not pulling them"
                );
                self.held.retain(|i| !lost.contains(i));
                due.retain(|(i, _)| !lost.contains(i));
            }
        }
        for (i, st) in due {
            let prev = if st.has_body {
                Validators {
                    etag: st.etag.clone(),
                    last_modified: st.last_modified.clone(),
                }
            } else {
                Validators::default()
            };
            self.pulls.start(i, self.feeds[i].source.clone(), prev);
        }
        for (i, res) in self.pulls.finished(pulls::ROUND_WAIT) {
            // Read again: the round that started the pull may have been several rounds ago.
            let st = self.store.feed_state(&self.feeds[i].name)?;
            t.fetched += 1;
            self.stats.fetches += 1;
            match res {
                Ok(fetched) => self.record_fetched(i, st, fetched, now, t)?,
                Err(e) => self.record_fetch_failure(i, st, &e, now)?,
            }
        }
        Ok(())
    }

    /// The feeds this worker holds whose next pull has come and that are not being pulled
    /// (by index into `feeds`), with their stored state. Their schedule is read in one query;
    /// only the due ones' states are read.
    fn due_feeds(&self, now: DateTime<Utc>) -> Result<Vec<(usize, FeedState)>, DaemonError> {
        let mut due = Vec::new();
        for (i, next) in self.schedule()? {
            if self.pulls.in_flight(i) {
                continue;
            }
            let f = &self.feeds[i];
            let limit = Duration::seconds(max_pull_wait(f.refresh.as_secs().max(1) as i64));
            // A schedule further ahead than it can be was made before the clock jumped back.
            if next.is_none_or(|next| next <= now || next > now + limit) {
                due.push((i, self.store.feed_state(&f.name)?));
            }
        }
        Ok(due)
    }

    /// When each held feed is next due (`None`: never pulled, or never scheduled).
    fn schedule(&self) -> Result<Vec<Due>, DaemonError> {
        let names: Vec<String> = self.held.iter().map(|&i| self.names[i].clone()).collect();
        let known: std::collections::HashMap<String, Option<DateTime<Utc>>> =
            self.store.feed_schedule(&names)?.into_iter().collect();
        Ok(self
            .held
            .iter()
            .map(|&i| (i, known.get(&self.names[i]).copied().flatten()))
            .collect())
    }

    /// A feed answered: keeps the body when it differs from the last good copy, ends a
    /// failure streak, and schedules the next pull one refresh interval ahead.
    fn record_fetched(
        &mut self,
        i: usize,
        mut st: FeedState,
        fetched: Fetched,
        now: DateTime<Utc>,
        t: &mut Tick,
    ) -> Result<(), DaemonError> {
        let feed = &self.feeds[i];
        st.last_attempt = Some(now);
        let body = match fetched {
            Fetched::NotModified => None,
            Fetched::Body { bytes, validators } => {
                st.etag = validators.etag;
                st.last_modified = validators.last_modified;
                changed_body(&mut st, bytes)
            }
        };
        if body.is_some() {
            st.last_change = Some(now);
            t.changed += 1;
            self.stats.changed += 1;
            tracing::info!(feed = %feed.name, events = st.events, "feed changed");
        } else {
            self.stats.unchanged += 1;
            tracing::debug!(feed = %feed.name, "feed unchanged");
        }
        if st.error_since.is_some() {
            tracing::info!(feed = %feed.name, "feed recovered");
        }
        st.last_success = Some(now);
        st.last_error = None;
        st.error_since = None;
        st.failures = 0;
        st.next_pull = Some(now + Duration::seconds(feed.refresh.as_secs().max(1) as i64));
        self.store.save_feed(&st, body.as_deref())?;
        Ok(())
    }

    /// A feed failed: keeps the last good copy, counts the failure streak, and retries with
    /// backoff (30 s doubling, at most the refresh interval).
    fn record_fetch_failure(
        &mut self,
        i: usize,
        mut st: FeedState,
        e: &FeedError,
        now: DateTime<Utc>,
    ) -> Result<(), DaemonError> {
        let n = ts(now);
        let feed = &self.feeds[i];
        let refresh = feed.refresh.as_secs().max(1) as i64;
        self.stats.fetch_failures += 1;
        st.last_attempt = Some(now);
        st.failures += 1;
        st.error_since = st.error_since.or(Some(now));
        st.last_error = Some(e.to_string());
        let wait = backoff(
            st.failures,
            30,
            refresh.max(30),
            seed(&feed.name) ^ n as u64,
        );
        st.next_pull = Some(now + Duration::seconds(wait));
        tracing::warn!(feed = %feed.name, error = %crate::untrusted::shown(&e.to_string()), failures = st.failures, retry_in_s = wait, "fetch failed; keeping the last good copy");
        self.store.save_feed(&st, None)?;
        Ok(())
    }

    /// The analysis window: the configured number of recent weeks (`[report] weeks`, at least
    /// last week, so the completed week is recorded), to the end of the lookahead. Every
    /// analysis records the completed weeks in it, so the history is full from the first
    /// start, and the dashboard shows the weeks `calaudit report` would.
    fn window(&self, now: DateTime<Utc>) -> Window {
        let tz = self.cfg.tz;
        let today = now.with_timezone(&tz).date_naive();
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let horizon = now + Duration::seconds(self.cfg.protection.lookahead.as_secs() as i64);
        let last = horizon.with_timezone(&tz).date_naive() + Duration::days(1);
        // Whole weeks, so the current week's figures are the full-week forecast.
        let end_monday =
            last + Duration::days(i64::from((7 - last.weekday().num_days_from_monday()) % 7));
        let back = i64::from(self.cfg.report_weeks.saturating_sub(1).max(1));
        Window {
            tz,
            from: monday - Duration::weeks(back),
            to: end_monday.max(monday + Duration::days(7)),
        }
    }

    /// Analyzes the last good copy of every feed, records the weekly history, raises the
    /// alerts the analysis shows and resolves the no-fly alerts it no longer shows.
    fn analyze(&mut self, now: DateTime<Utc>, t: &mut Tick) -> Result<(), DaemonError> {
        let n = ts(now);
        let window = self.window(now);
        let horizon = now + Duration::seconds(self.cfg.protection.lookahead.as_secs() as i64);
        let (inputs, present) = self.last_good_bodies()?;
        let playbook = if self.cfg.daemon.playbook_alerts && !self.cfg.reports.is_empty() {
            self.playbook_alerts(&inputs, &present, window, now, horizon)?
        } else {
            Vec::new()
        };
        let settings = Settings::from_config(&self.cfg, window, &self.cfg.me);
        let a = pipeline::analyze(inputs, &settings);
        let rep = pipeline::report(&a, &settings);
        let violations = pipeline::violations(&a, &settings);
        self.stats.analyses += 1;
        if let Some(view) = self.render_views(&a, &rep, &settings, now) {
            self.view = Some(view);
        }
        t.analyzed = true;
        tracing::info!(
            analyses = self.stats.analyses,
            feeds = present.len(),
            occurrences = a.rows.len(),
            "analysis"
        );

        let mut cands: Vec<Candidate> = detect::no_fly(&a, &violations, &self.cfg, now, horizon);
        let current: HashSet<alert::AlertKey> = cands.iter().map(|c| c.key.clone()).collect();
        if self.cfg.protection.protect_deep_work {
            let cur = detect::blocks(&a, now, horizon);
            cands.extend(self.block_changes(cur, &present, n)?);
        }
        if self.cfg.daemon.people_target_alert {
            cands.extend(detect::target_missed(&rep, now));
        }
        cands.extend(playbook);
        self.record_weeks(&rep, now)?;
        self.raise(cands, now, t)?;
        self.resolve_gone_violations(&current, now, t)
    }

    /// The playbook's alerts as of `now` (`[[reports]]`): its own analysis of the 1:1
    /// candidates over the whole feed, parsed again with descriptions (which say whether a
    /// 1:1 was technical or a career conversation; the weekly analysis reads them only when a
    /// rule does). Overdue is counted over the analysis window, as `calaudit reports` counts
    /// over its window; changed 1:1s are looked for up to `horizon`.
    ///
    /// The upcoming 1:1s of the last analysis are remembered ([`ONE_ON_ONES_KEY`]), so a
    /// 1:1 that is now a meeting with other people is alerted even when it is a single event
    /// (an override of a series says so within one analysis; a single event edited in place
    /// leaves nothing but the difference between two pulls).
    fn playbook_alerts(
        &self,
        inputs: &[FeedInput],
        present: &HashSet<String>,
        window: Window,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
    ) -> Result<Vec<Candidate>, DaemonError> {
        use crate::playbook::{episodes, Roster};
        let prev: Vec<episodes::Upcoming> = match self.store.get(ONE_ON_ONES_KEY)? {
            Some(s) => serde_json::from_str(&s).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "remembered upcoming 1:1s unreadable; 1:1s turned into group meetings since the last analysis are not alerted");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let opts = crate::ics::parse::ParseOptions { descriptions: true };
        let parsed = inputs
            .iter()
            .map(|f| pipeline::ParsedFeed {
                name: f.name.clone(),
                calendar: crate::ics::parse::parse_with(&f.bytes, opts),
            })
            .collect();
        let cfg = &self.cfg;
        let keep: HashSet<&str> = prev.iter().map(|p| p.uid.as_str()).collect();
        let a = episodes::history_keeping(parsed, cfg, cfg.tz, &cfg.me, window.from, now, &keep);
        let roster = Roster::new(&cfg.reports);
        let mut found = episodes::episodes(&a, &roster, &cfg.me, window.start(), now, horizon);
        found.extend(episodes::turned_group(
            &prev, &a, &roster, &cfg.me, present, now,
        ));
        // Remember the current ones, and those of feeds without data until they are back.
        let n = ts(now);
        let mut remember: Vec<episodes::Upcoming> = prev
            .into_iter()
            .filter(|p| !present.contains(&p.feed) && p.start > n)
            .collect();
        remember.extend(episodes::upcoming(&a, &roster, &cfg.me, now, horizon));
        match serde_json::to_string(&remember) {
            Ok(json) => self.store.set(ONE_ON_ONES_KEY, &json)?,
            Err(e) => tracing::warn!(error = %e, "upcoming 1:1s not remembered"),
        }
        Ok(alert::playbook::candidates(&found, &roster, cfg.tz))
    }

    /// The last good body of each feed that has one (whichever worker pulled it), and the
    /// names of those feeds.
    fn last_good_bodies(&self) -> Result<(Vec<FeedInput>, HashSet<String>), DaemonError> {
        let mut inputs = Vec::new();
        let mut present = HashSet::new();
        for (name, bytes) in self.store.feed_bodies(&self.names)? {
            present.insert(name.clone());
            inputs.push(FeedInput { name, bytes });
        }
        Ok((inputs, present))
    }

    /// The data changed: re-renders the charts (files, if configured) and returns the
    /// dashboard's new snapshot (when a dashboard or charts are configured).
    fn render_views(
        &self,
        a: &pipeline::Analysis,
        rep: &crate::report::Report,
        settings: &Settings<'_>,
        now: DateTime<Utc>,
    ) -> Option<crate::server::Snapshot> {
        if let Some(dir) = &self.cfg.charts_dir {
            let input = pipeline::chart_input(a, rep, settings, now);
            if let Err(e) = crate::chart::render_all(&input, dir) {
                tracing::warn!(error = %e, "charts not written");
            }
        }
        (self.dashboard.is_some() || self.cfg.charts_dir.is_some())
            .then(|| crate::server::Snapshot::build(a, rep, settings, now, Vec::new(), Vec::new()))
    }

    /// Compares the deep-work blocks now ahead with those remembered from the last analysis,
    /// and remembers the current ones (plus those of feeds without data, until they are back).
    fn block_changes(
        &self,
        cur: Vec<Block>,
        present: &HashSet<String>,
        n: i64,
    ) -> Result<Vec<Candidate>, DaemonError> {
        let prev: Vec<Block> = match self.store.get(BLOCKS_KEY)? {
            Some(s) => serde_json::from_str(&s).unwrap_or_else(|e| {
                tracing::warn!(error = %e, "remembered deep-work blocks unreadable; changes to them since the last analysis are not alerted");
                Vec::new()
            }),
            None => Vec::new(),
        };
        let cands = detect::block_changes(&prev, &cur, present, self.cfg.tz, n);
        let mut keep: Vec<Block> = prev
            .into_iter()
            .filter(|b| !present.contains(&b.feed) && b.end > n)
            .collect();
        keep.extend(cur);
        match serde_json::to_string(&keep) {
            Ok(json) => self.store.set(BLOCKS_KEY, &json)?,
            // Not reachable with these plain fields; kept loud rather than writing "".
            Err(e) => tracing::warn!(error = %e, "deep-work blocks not remembered"),
        }
        Ok(cands)
    }

    /// Weekly history: completed weeks are kept; the current week is the forecast.
    fn record_weeks(
        &self,
        rep: &crate::report::Report,
        now: DateTime<Utc>,
    ) -> Result<(), DaemonError> {
        let today = now.with_timezone(&self.cfg.tz).date_naive();
        for w in &rep.weeks {
            let mut rec = crate::report::RecordedWeek {
                summary: w.clone(),
                people_target: rep.people_target,
                as_of: None,
            };
            let end = detect::week_end_utc(self.cfg.tz, w);
            if end <= now && now - end < Duration::days(7) {
                // Last week: still refreshed, late edits and declines included.
                self.store.upsert_week(&rec, now)?;
            } else if end <= now {
                // Older weeks are recorded once (the first start fills the history), then
                // kept as they were seen, even when the feed later drops their events.
                self.store.insert_week(&rec, now)?;
            } else if w.week_start <= today {
                rec.as_of = Some(now);
                self.store.set_current_week(&rec)?;
            }
        }
        Ok(())
    }

    /// A no-fly violation no longer seen, for a meeting still ahead, is resolved (and the
    /// resolution delivered once).
    fn resolve_gone_violations(
        &mut self,
        current: &HashSet<alert::AlertKey>,
        now: DateTime<Utc>,
        t: &mut Tick,
    ) -> Result<(), DaemonError> {
        let names = self.sink_names();
        for open in self.store.open_alerts(AlertKind::NoFly)? {
            if current.contains(&open.key) || open.relevant_until.is_some_and(|u| u <= now) {
                continue;
            }
            let text = match detect::merged_into(&open.key, current) {
                Some(_) => format!(
                    "Merged into one alert for this meeting, listing every block it breaks: {}",
                    payload_text(&open.payload)
                ),
                None => format!(
                    "Resolved (moved, cancelled or declined): {}",
                    payload_text(&open.payload)
                ),
            };
            if self.store.resolve(&open.key, &text, &names, now)? {
                t.resolved += 1;
                self.stats.resolved += 1;
                tracing::info!(key = %open.key, "alert resolved");
            }
        }
        Ok(())
    }

    fn sink_names(&self) -> Vec<SinkName> {
        self.sinks.iter().map(|s| s.name.clone()).collect()
    }

    fn raise(
        &mut self,
        cands: Vec<Candidate>,
        now: DateTime<Utc>,
        t: &mut Tick,
    ) -> Result<(), DaemonError> {
        let names = self.sink_names();
        for c in cands {
            if let Some(id) = self.store.raise(&c, &names, now)? {
                t.raised += 1;
                self.stats.raised += 1;
                tracing::info!(
                    id,
                    kind = %c.kind,
                    text = %crate::untrusted::shown(payload_text(&c.payload)),
                    "alert raised"
                );
            }
        }
        Ok(())
    }

    /// Raises an alert for each feed failing too long; resolves those of feeds working again.
    /// Reads only the feeds in a failure streak and the open alerts (two queries), whoever
    /// pulls the feeds: raising and resolving are once per key in the store.
    fn check_feed_health(&mut self, now: DateTime<Utc>, t: &mut Tick) -> Result<(), DaemonError> {
        let after = Duration::seconds(self.cfg.daemon.feed_failure_after.as_secs() as i64);
        let names = self.sink_names();
        let mut cands = Vec::new();
        let mut failing = HashSet::new();
        for st in self.store.failing_feeds()? {
            if !self.index.contains_key(&st.name) {
                continue;
            }
            failing.insert(st.name.clone());
            if let Some(c) = detect::feed_failing(&st, after, now) {
                cands.push(c);
            }
        }
        for open in self.store.open_alerts(AlertKind::FeedFailing)? {
            let Some(f) = self
                .feeds
                .iter()
                .find(|f| open.key.is_feed_failing_of(&f.name))
            else {
                continue;
            };
            if failing.contains(&f.name) {
                continue;
            }
            if self.store.resolve(
                &open.key,
                &format!("Feed '{}' is working again", f.name),
                &names,
                now,
            )? {
                t.resolved += 1;
                self.stats.resolved += 1;
            }
        }
        self.raise(cands, now, t)
    }

    /// Sends due deliveries, each claimed in the store first so that no other worker sends
    /// it too; a sink that fails is retried later (backoff) and skipped for the rest of this
    /// round, so one dead webhook does not hold up the others. Only deliveries to sinks this
    /// worker has are claimed (one removed from its config stays pending, shown by `alerts`).
    pub fn deliver(&mut self, now: DateTime<Utc>, t: &mut Tick) -> Result<(), DaemonError> {
        let mut down: HashSet<SinkName> = HashSet::new();
        let max_wait = Duration::seconds(DELIVERY_MAX_WAIT);
        loop {
            let up: Vec<SinkName> = self
                .sink_names()
                .into_iter()
                .filter(|n| !down.contains(n))
                .collect();
            if up.is_empty() {
                break;
            }
            let Some(d) =
                self.store
                    .claim_delivery(&self.worker, &up, now, max_wait, self.claim_ttl)?
            else {
                break;
            };
            let Some(sink) = self.sinks.iter().find(|s| s.name == d.sink) else {
                break; // not reached: only these sinks' deliveries are claimed
            };
            match sink.deliver(&d.payload) {
                Ok(()) => {
                    self.store.mark_delivered(d.id, now)?;
                    t.delivered += 1;
                    self.stats.delivered += 1;
                }
                Err(e) => {
                    let wait =
                        backoff(d.attempts + 1, 10, 900, seed(d.sink.as_str()) ^ d.id as u64);
                    tracing::warn!(sink = %d.sink, alert = d.alert_id, error = %crate::untrusted::shown(&e.to_string()), retry_in_s = wait, "delivery failed; will retry");
                    self.store
                        .mark_failed(d.id, &e, now + Duration::seconds(wait))?;
                    t.delivery_failures += 1;
                    self.stats.delivery_failures += 1;
                    down.insert(d.sink);
                }
            }
        }
        Ok(())
    }

    /// Gives back this worker's feed leases (a clean stop), so the others take its feeds
    /// over at their next renewal instead of after the leases run out.
    pub fn release(&mut self) -> Result<(), DaemonError> {
        self.store.release_leases(&self.worker)?;
        self.held.clear();
        self.leases_at = None;
        Ok(())
    }

    /// Sleeps until `wake`, a pull in flight finishing, or `shutdown`, whichever comes first;
    /// a pull finishing returns no earlier than [`ROUND_GAP`] after the call, so pulls that
    /// finish close together are recorded by one round.
    pub fn wait(&mut self, wake: DateTime<Utc>, shutdown: &AtomicBool) {
        const STEP: StdDuration = StdDuration::from_millis(100);
        let earliest = std::time::Instant::now() + ROUND_GAP;
        let mut finished = false;
        while !shutdown.load(Ordering::SeqCst) && chrono::Utc::now() < wake {
            if finished && std::time::Instant::now() >= earliest {
                return;
            }
            if self.pulls.any_in_flight() {
                finished |= self.pulls.wait_for_one(STEP);
            } else {
                std::thread::sleep(STEP);
            }
        }
    }

    /// When the next round is due: the earliest pull of a feed this worker holds, the next
    /// lease renewal, a delivery retry, a postponed analysis; at most a minute.
    pub fn next_wake(&self, now: DateTime<Utc>) -> Result<DateTime<Utc>, DaemonError> {
        if let Some(f) = &self.store_fault {
            return Ok(f
                .retry_at
                .min(now + Duration::seconds(STORE_MAX_WAIT))
                .max(now));
        }
        let mut next = now + Duration::seconds(60);
        next = next.min(self.leases_at.map_or(now, |at| at + self.lease_ttl / 3));
        if self.analysis_due {
            next = next.min(now + Duration::seconds(1));
        }
        for (i, due) in self.schedule()? {
            // Its pull is running; the run loop wakes when it ends ([`Daemon::wait`]).
            if self.pulls.in_flight(i) {
                continue;
            }
            // A feed never scheduled is due now.
            next = next.min(due.unwrap_or(now));
        }
        if let Some(d) = self.store.next_delivery_at(&self.sink_names())? {
            next = next.min(d);
        }
        Ok(next.max(now))
    }
}

/// This week's digest: the Monday of the week before `now` (local) and the instant the
/// digest of that week is due (`schedule.day` of this week at `schedule.time`, local; a time
/// in a DST gap is read as the first instant after it). `None` only when the zone has no
/// such local time at all.
fn digest_due(
    tz: chrono_tz::Tz,
    schedule: crate::config::DigestSchedule,
    now: DateTime<Utc>,
) -> Option<(NaiveDate, DateTime<Utc>)> {
    use chrono::TimeZone;
    let today = now.with_timezone(&tz).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let day = monday + Duration::days(i64::from(schedule.day.num_days_from_monday()));
    let local = day.and_time(schedule.time);
    let due = match tz.from_local_datetime(&local) {
        chrono::LocalResult::Single(t) => t,
        chrono::LocalResult::Ambiguous(first, _) => first,
        // In the spring-forward gap: an hour later is after it.
        chrono::LocalResult::None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()?,
    };
    Some((monday - Duration::days(7), due.with_timezone(&Utc)))
}

/// Moves deliveries an earlier version filed under positional sink names (`webhook[0]`) to
/// the stable names of the sinks now at those positions, so they are sent and listed under
/// the sink's name from now on. Runs at every open; once moved, there is nothing left to move,
/// so a later reordering of the config changes nothing.
///
/// IMPORTANT: positions are read from the config this daemon starts with. A config reordered
/// in the same step as the upgrade gives the old deliveries to the sink now at that position.
fn adopt_positional_sink_names(store: &mut Store, cfg: &Config) -> Result<(), DaemonError> {
    let renames = alert::sink::positional_renames(&cfg.daemon);
    let moved = store.rename_sinks(&renames)?;
    if moved > 0 {
        tracing::info!(
            deliveries = moved,
            "deliveries filed under positional sink names (webhook[0], …) now go by the sinks' names"
        );
    }
    Ok(())
}

/// The body to keep when it is not the last good copy (a new fingerprint, or no copy yet),
/// with its fingerprint and event count recorded in `st`; `None` when unchanged.
/// Where the state lives, for the log: the SQLite path, or the PostgreSQL URL without its
/// password.
fn store_shown(cfg: &Config) -> String {
    match &cfg.daemon.store_url {
        Some(u) => u.shown(),
        None => cfg.daemon.store_path.display().to_string(),
    }
}

fn changed_body(st: &mut FeedState, bytes: Vec<u8>) -> Option<Vec<u8>> {
    let fp = feed::fingerprint(&bytes);
    if st.fingerprint.as_deref() == Some(fp.as_str()) && st.has_body {
        return None;
    }
    st.fingerprint = Some(fp);
    st.events = Some(memchr::memmem::find_iter(&bytes, b"BEGIN:VEVENT").count() as i64);
    Some(bytes)
}

/// The store key of the last [`StatsRecord`].
pub const STATS_KEY: &str = "stats";

/// The counters as `calaudit status` reads them back: which process wrote them, and when.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatsRecord {
    /// Unix seconds of the write.
    pub as_of: i64,
    pub pid: u32,
    #[serde(flatten)]
    pub counters: Stats,
}

/// Renews a worker's feed leases and heartbeat from a thread of its own, with a store of its
/// own (each call takes a connection of the process's pool, where at most all but one can be
/// held by analyses), every third of a lease's life: a round that runs long (the first pull of
/// thousands of feeds, an analysis of all of them) must not let the leases run out while
/// the worker still has their pulls queued, or another worker would pull the same feeds.
/// It renews only while the run loop shows progress (a round began within ten lease lives,
/// at least ten minutes), so a hung loop lets its feeds go.
struct LeaseKeeper {
    stop: std::sync::Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LeaseKeeper {
    fn start(
        url: &crate::store::StoreUrl,
        worker: String,
        ttl: Duration,
        progress: std::sync::Arc<std::sync::atomic::AtomicI64>,
    ) -> Result<LeaseKeeper, DaemonError> {
        let store = Store::connect(url)?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = std::sync::Arc::clone(&stop);
        let every = StdDuration::from_secs((ttl.num_seconds() / 3).max(1) as u64);
        let stale = (ttl.num_seconds() * 10).max(600);
        let thread = std::thread::Builder::new()
            .name("calaudit-leases".into())
            .spawn(move || {
                let mut failing = false;
                loop {
                    let until = std::time::Instant::now() + every;
                    while std::time::Instant::now() < until {
                        if flag.load(Ordering::SeqCst) {
                            return;
                        }
                        std::thread::sleep(StdDuration::from_millis(100));
                    }
                    let now = chrono::Utc::now();
                    if now.timestamp() - progress.load(Ordering::SeqCst) > stale {
                        continue;
                    }
                    let res = store
                        .heartbeat(&worker, now)
                        .and_then(|()| store.renew_leases(&worker, now, ttl));
                    match res {
                        Ok(_) => failing = false,
                        Err(e) if !failing => {
                            failing = true;
                            tracing::warn!(error = %e, "feed leases not renewed; retrying");
                        }
                        Err(_) => {}
                    }
                }
            })
            .map_err(|e| {
                DaemonError::Store(StoreError::Create {
                    path: "the lease renewal thread".into(),
                    source: e,
                })
            })?;
        Ok(LeaseKeeper {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The foreground loop: tick, sleep until the next wake-up or a stop signal, repeat. Publishes
/// dashboard snapshots to `dashboard` after each change, and the store's errors to `health`
/// (what `/healthz` reports).
pub fn run(
    cfg: Config,
    shutdown: &AtomicBool,
    dashboard: Option<crate::server::SharedSnapshot>,
    health: Option<crate::server::Health>,
) -> Result<Stats, DaemonError> {
    let mut d = Daemon::open(cfg)?;
    if let Some(h) = health {
        d.health = h;
    }
    if let Some(shared) = dashboard {
        d.publish_to(shared);
    }
    tracing::info!(feeds = d.feeds.len(), sinks = d.sinks.len(), store = %store_shown(&d.cfg), worker = %d.worker, lease_s = d.lease_ttl.num_seconds(), "daemon started");
    let progress = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(
        chrono::Utc::now().timestamp(),
    ));
    // Shared stores only: an SQLite store has one daemon, whose leases no one else takes.
    let keeper = match &d.cfg.daemon.store_url {
        Some(url) => Some(LeaseKeeper::start(
            url,
            d.worker.clone(),
            d.lease_ttl,
            std::sync::Arc::clone(&progress),
        )?),
        None => None,
    };
    while !shutdown.load(Ordering::SeqCst) {
        let now = chrono::Utc::now();
        progress.store(now.timestamp(), Ordering::SeqCst);
        // Nothing below ends the loop: a broken feed or sink is logged and retried.
        match d.tick(now) {
            Ok(t) if t.fetched > 0 || t.delivered > 0 || t.raised > 0 => {
                tracing::info!(
                    fetched = t.fetched,
                    changed = t.changed,
                    analyzed = t.analyzed,
                    analyses_total = d.stats.analyses,
                    raised = t.raised,
                    resolved = t.resolved,
                    delivered = t.delivered,
                    "round"
                );
            }
            Ok(_) => {}
            // Said once by `tick`, which also backs off.
            Err(DaemonError::Store(_)) => {}
            Err(e) => tracing::error!(error = %e, "round failed; retrying"),
        }
        if let Err(e) = d.record_stats(now) {
            // The counters are only for `status`; the next wake writes them again.
            tracing::warn!(error = %e, "daemon counters not recorded");
        }
        let wake = d.next_wake(now).unwrap_or(now + Duration::seconds(5));
        d.wait(wake, shutdown);
    }
    // Others take this worker's feeds over at once instead of when the leases run out.
    drop(keeper);
    if let Err(e) = d.release() {
        tracing::warn!(error = %e, "feed leases not given back; others take them over when they run out");
    }
    tracing::info!(
        analyses = d.stats.analyses,
        fetches = d.stats.fetches,
        unchanged = d.stats.unchanged,
        delivered = d.stats.delivered,
        "daemon stopped"
    );
    Ok(d.stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DigestSchedule;
    use chrono::{NaiveTime, Weekday};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().expect("time")
    }

    /// Monday 08:00 in Los Angeles (PST, UTC-8) is 16:00Z; any time that week gives the week
    /// before as the digest's week, up to Sunday 23:59 PDT (06:59Z, DST began on 03-08).
    #[test]
    fn the_digest_is_due_on_the_local_day_and_time_for_the_week_before() {
        let la = chrono_tz::America::Los_Angeles;
        let s = DigestSchedule::default();
        let monday = NaiveDate::from_ymd_opt(2026, 2, 23).unwrap();
        for now in [
            "2026-03-02T08:00:00Z",
            "2026-03-05T12:00:00Z",
            "2026-03-09T06:59:00Z",
        ] {
            assert_eq!(
                digest_due(la, s, t(now)),
                Some((monday, t("2026-03-02T16:00:00Z"))),
                "{now}"
            );
        }
    }

    /// Sunday 2026-03-08 02:30 does not exist in Los Angeles (clocks jump 02:00 → 03:00): the
    /// digest is due at 03:30 PDT = 10:30Z, after the gap.
    #[test]
    fn a_digest_time_in_the_dst_gap_is_due_after_it() {
        let la = chrono_tz::America::Los_Angeles;
        let s = DigestSchedule {
            day: Weekday::Sun,
            time: NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        };
        let (_, due) = digest_due(la, s, t("2026-03-08T12:00:00Z")).unwrap();
        assert_eq!(due, t("2026-03-08T10:30:00Z"));
    }
}
