//! The daemon's state: feed fetch state and last good bodies, weekly history, the snapshot
//! the next pull is compared with, alerts and their per-sink delivery (the durable outbox).
//! Times are stored as UTC Unix seconds.
//!
//! Two engines behind one [`Store`]: SQLite ([`sqlite`], one file, the default for one
//! manager) and PostgreSQL ([`pg`], `[store] url`, for a store that several processes share;
//! issue 14). Both run the same migrations (`migrations/<engine>/`), answer the same calls and
//! pass the same tests; `Store` holds one of them and forwards each call, so callers never
//! know which. The choice of PostgreSQL client is argued in `docs/DESIGN.md`.
//!
//! The alert side of the API speaks the alert domain's values, not SQL's: an [`AlertKey`], an
//! [`AlertKind`], [`SinkName`]s, instants (`DateTime<Utc>`), and it hands back [`Delivery`],
//! [`AlertRecord`] and [`OpenAlert`] (all in [`crate::alert`]). Text in a row that no calaudit
//! writes (an unknown state or kind, a payload that is not JSON) is an error, never a silent
//! default.
//!
//! Exactly-once creation is the database's job: an alert's key is UNIQUE, so detecting the
//! same violation again inserts nothing. An alert and its pending deliveries are written in one
//! transaction, so a crash between detection and delivery loses nothing; a delivery is marked
//! done only after the sink acknowledged it.
//!
//! One daemon per SQLite store: [`Store::open_exclusive`] holds an exclusive `flock(2)` on the
//! sidecar `<store>.lock` for the daemon's lifetime; it goes away when the process dies, so a
//! kill -9 leaves nothing to clean up. A new SQLite store is built under a temporary name and
//! renamed into place once migrated, so a store file is never half made. Any number of
//! daemons (workers) share a PostgreSQL store: each pulls the feeds it holds a lease on
//! ([`Store::claim_feeds`]) and sends the deliveries it claimed ([`Store::claim_delivery`]);
//! a dead worker's leases and claims run out and others take them over.
//!
//! An SQLite store that exists but is empty (0 bytes: truncated, or replaced by an empty file)
//! is refused, not silently recreated: a fresh store knows no alert, so every alert already
//! sent would be sent again. The operator decides (restore the backup, or delete the file to
//! start afresh knowingly). Random bytes, a damaged schema and a read-only file are refused at
//! start with a message that says what to do.

mod migrations;
mod pg;
mod pool;
mod sqlite;

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::alert::{
    AlertKey, AlertKind, AlertRecord, AlertState, Candidate, Delivery, DeliveryEvent, OpenAlert,
    SinkError, SinkName,
};

pub use migrations::SCHEMA_VERSION;
pub use pool::DEFAULT_SIZE as DEFAULT_POOL_SIZE;

use crate::report::RecordedWeek;

/// The key-value row holding the current week's forecast.
const CURRENT_WEEK: &str = "current_week";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the state database {path}: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot connect to the PostgreSQL store {url}: {source}; check `[store] url` and that the server is running")]
    Connect {
        /// The URL without its password.
        url: String,
        source: postgres::Error,
    },
    #[error("state database {path} has schema version {found}, newer than this calaudit ({supported}); upgrade calaudit")]
    TooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("cannot reach the PostgreSQL store {url}: {reason} (a connection failed within the last 2 s; check that the server is running)")]
    Unreachable {
        /// The URL without its password.
        url: String,
        reason: String,
    },
    #[error("no free connection to the PostgreSQL store {url} within {waited} s: all {size} of this process's are in use; raise `[store] pool_size` (and the server's max_connections to match)")]
    PoolExhausted {
        url: String,
        size: usize,
        waited: u64,
    },
    #[error("another calaudit daemon{holder} is using the state database {path} (it holds {lock}); stop it first, or give this one its own store (`[store] path` or `url`)")]
    Locked {
        path: String,
        lock: String,
        /// " (pid N)" when the holder wrote its pid, else empty.
        holder: String,
    },
    #[error("cannot lock the state database {path}: cannot open {lock}: {source}")]
    Lock {
        path: String,
        lock: String,
        source: std::io::Error,
    },
    #[error("the state database {path} is empty (0 bytes): it was truncated or replaced. A new store would send every alert already sent again, so calaudit refuses: restore it from a backup, or delete the file to start afresh knowingly")]
    Empty { path: String },
    #[error("the state database {path} is corrupt or not a calaudit state database ({reason}): restore it from a backup, or move it away to start afresh (alerts already sent would be sent again)")]
    Corrupt { path: String, reason: String },
    #[error("the state database {path} is read-only ({reason}): the daemon records every pull and delivery there; make the file and its folder writable by this user")]
    ReadOnly { path: String, reason: String },
    #[error("cannot create the state database {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error("state database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("state database (PostgreSQL): {0}")]
    Pg(#[from] postgres::Error),
    #[error("state database: column `{column}` holds a value calaudit never writes ({reason}); was the row edited by hand?")]
    Damaged { column: String, reason: String },
    #[error("state database: {0} works on SQLite stores only")]
    SqliteOnly(&'static str),
    #[error("state database: cannot encode a record: {0}")]
    Encode(#[from] serde_json::Error),
}

impl StoreError {
    /// Names what an SQLite error at open time means for the operator.
    fn at_open(e: rusqlite::Error, path: &str) -> StoreError {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::NotADatabase | C::DatabaseCorrupt) => StoreError::Corrupt {
                path: path.to_owned(),
                reason: e.to_string(),
            },
            Some(C::ReadOnly) => StoreError::ReadOnly {
                path: path.to_owned(),
                reason: e.to_string(),
            },
            _ => StoreError::Open {
                path: path.to_owned(),
                source: e,
            },
        }
    }

    /// True when writing failed for lack of room (disk full, or the file's size limit).
    pub fn is_full(&self) -> bool {
        match self {
            StoreError::Sql(e) => e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull),
            StoreError::Pg(e) => e.code() == Some(&postgres::error::SqlState::DISK_FULL),
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// A PostgreSQL store's URL (`[store] url`). It may carry a password, so `Debug` and
/// [`StoreUrl::shown`] print it without one; only [`Store::connect`] sees the whole text.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreUrl {
    url: String,
    /// Team mode: the user's schema, which every statement of the store runs in (its
    /// `search_path`) and which [`Store::connect`] creates when it is missing. `None`: the
    /// URL's own.
    schema: Option<String>,
    /// Connections this process opens to the server at most, shared by every store on the
    /// URL (`[store] pool_size`).
    pool_size: usize,
}

impl StoreUrl {
    /// Accepts `postgresql://…` and `postgres://…`; anything else is an error message that
    /// says what is expected (and does not repeat the text, which may hold a password).
    pub fn parse(url: &str) -> std::result::Result<StoreUrl, String> {
        let url = url.trim();
        let rest = url
            .strip_prefix("postgresql://")
            .or_else(|| url.strip_prefix("postgres://"));
        match rest {
            Some(r) if !r.is_empty() => Ok(StoreUrl {
                url: url.to_owned(),
                schema: None,
                pool_size: DEFAULT_POOL_SIZE,
            }),
            _ => Err("expected a PostgreSQL URL such as \"postgresql://calaudit@localhost:5432/calaudit\"".into()),
        }
    }

    /// The URL as configured (without the schema, which is set per connection).
    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The same database, every statement confined to `schema` (team mode: one schema per
    /// user, issue 14). `schema` must be a plain lowercase identifier (`calaudit_u_priya`:
    /// [`crate::config::UserId::schema`]); the URL must not carry `options` of its own (the
    /// config refuses one). Every user's store shares the process's connections to the URL.
    pub fn in_schema(&self, schema: &str) -> StoreUrl {
        StoreUrl {
            url: self.url.clone(),
            schema: Some(schema.to_owned()),
            pool_size: self.pool_size,
        }
    }

    /// At most `n` connections (at least 2) from this process to the server.
    pub fn with_pool_size(mut self, n: usize) -> StoreUrl {
        self.pool_size = n.max(2);
        self
    }

    /// The connections this process opens to the server at most.
    pub fn pool_size(&self) -> usize {
        self.pool_size
    }

    /// The schema set by [`StoreUrl::in_schema`].
    pub fn schema(&self) -> Option<&str> {
        self.schema.as_deref()
    }

    /// The URL without password and query, for messages and logs (with the schema, if any).
    pub fn shown(&self) -> String {
        match &self.schema {
            Some(s) => format!("{} (schema {s})", shown_url(&self.url)),
            None => shown_url(&self.url),
        }
    }
}

impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoreUrl({:?})", self.shown())
    }
}

/// `scheme://user:password@host/db?query` as `scheme://user@host/db`: what messages show.
fn shown_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split(':').next().unwrap_or("");
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    format!("{scheme}://{authority}{path}")
}

/// The engine a [`Store`] forwards to.
enum Engine {
    Sqlite(sqlite::Sqlite),
    /// Boxed: the client is several times the size of an SQLite connection.
    Postgres(Box<pg::Pg>),
}

/// Forwards a call to whichever engine the store holds.
macro_rules! forward {
    ($self:ident . $call:ident ( $($arg:expr),* )) => {
        match &$self.engine {
            Engine::Sqlite(e) => e.$call($($arg),*),
            Engine::Postgres(e) => e.$call($($arg),*),
        }
    };
}

pub struct Store {
    engine: Engine,
}

/// One worker as [`Store::workers`] lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkerStatus {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub heartbeat: DateTime<Utc>,
    /// Unexpired leases it holds.
    pub leases: u64,
    /// When the last of those leases runs out (unless renewed).
    pub leases_until: Option<DateTime<Utc>>,
    /// Deliveries it has claimed and not finished.
    pub deliveries: u64,
    /// Its counters as it last recorded them (`Stats` as JSON), when readable.
    pub stats: Option<serde_json::Value>,
}

/// A `workers` row as the engines read it (times as stored).
struct WorkerRow {
    id: String,
    started_at: i64,
    heartbeat: i64,
    leases: i64,
    leases_until: Option<i64>,
    deliveries: i64,
    stats: Option<String>,
}

/// What the daemon remembers about one feed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedState {
    pub name: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub fingerprint: Option<String>,
    pub has_body: bool,
    pub events: Option<i64>,
    pub last_attempt: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_change: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Start of the current failure streak.
    pub error_since: Option<DateTime<Utc>>,
    pub failures: i64,
    /// When the feed is due; `None` before its first pull is scheduled.
    pub next_pull: Option<DateTime<Utc>>,
}

impl Store {
    /// Opens (creating it and its folder on first run) and migrates an SQLite store, without
    /// the daemon's lock: for `status`, `alerts` and `history`, which read beside it.
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store {
            engine: Engine::Sqlite(sqlite::Sqlite::open(path)?),
        })
    }

    /// Opens an SQLite store for the daemon: takes the exclusive lock on `<store>.lock` first
    /// (a second daemon gets [`StoreError::Locked`]), then creates, checks and migrates it.
    /// A read-only store is refused: the daemon must write its outbox.
    pub fn open_exclusive(path: &Path) -> Result<Store> {
        Ok(Store {
            engine: Engine::Sqlite(sqlite::Sqlite::open_exclusive(path)?),
        })
    }

    /// Connects to a PostgreSQL store and migrates it (any number of processes may do so at
    /// once; any number of daemons may share it). A server that cannot be reached is
    /// [`StoreError::Connect`], naming the URL without its password.
    pub fn connect(url: &StoreUrl) -> Result<Store> {
        let pg = pg::Pg::connect(url.as_str(), url.schema(), url.pool_size, &url.shown())?;
        Ok(Store {
            engine: Engine::Postgres(Box::new(pg)),
        })
    }

    /// Checks that the PostgreSQL store at `url` answers and holds a calaudit schema (one
    /// cheap query on a connection of the process's pool, waited for at most 5 s): what
    /// `/healthz` checks on each request for a PostgreSQL store.
    pub fn check_reachable(url: &StoreUrl) -> Result<()> {
        pg::Pg::ping(url.as_str(), url.schema(), url.pool_size)
    }

    /// Opens the SQLite store at `path` read-only and reads its schema and the alerts table:
    /// what `/healthz` checks on each request. Never creates or changes the file.
    pub fn check_readable(path: &Path) -> Result<()> {
        sqlite::Sqlite::check_readable(path)
    }

    /// Which engine holds the state: "sqlite" or "postgresql".
    pub fn engine(&self) -> &'static str {
        match self.engine {
            Engine::Sqlite(_) => "sqlite",
            Engine::Postgres(_) => "postgresql",
        }
    }

    /// Caps an SQLite database at `pages` pages (`PRAGMA max_page_count`, this connection
    /// only): a write that needs more fails with SQLITE_FULL, as on a full disk. Tests use it
    /// to simulate one; returns the current page count. PostgreSQL: [`StoreError::SqliteOnly`].
    pub fn limit_pages(&self, pages: Option<u64>) -> Result<u64> {
        match &self.engine {
            Engine::Sqlite(e) => e.limit_pages(pages),
            Engine::Postgres(_) => Err(StoreError::SqliteOnly("limit_pages")),
        }
    }

    pub fn schema_version(&self) -> Result<i64> {
        forward!(self.schema_version())
    }

    pub fn feed_state(&self, name: &str) -> Result<FeedState> {
        forward!(self.feed_state(name))
    }

    /// Writes a feed's state; `body` replaces the last good copy when given. One
    /// transaction: a new fingerprint is never recorded without its body (the next pull would
    /// take the feed for unchanged and the new body would never be analysed).
    pub fn save_feed(&self, s: &FeedState, body: Option<&[u8]>) -> Result<()> {
        forward!(self.save_feed(s, body))
    }

    /// The last good body of a feed.
    pub fn feed_body(&self, name: &str) -> Result<Option<Vec<u8>>> {
        forward!(self.feed_body(name))
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        forward!(self.get(key))
    }

    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        forward!(self.set(key, value))
    }

    /// Records or refreshes a completed week (the week that just ended, which late edits and
    /// declines may still change).
    pub fn upsert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
        forward!(self.upsert_week(w, now))
    }

    /// Records a completed week unless it is already recorded (a feed that later drops old
    /// events must not overwrite what was seen then).
    pub fn insert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
        forward!(self.insert_week(w, now))
    }

    /// The recorded weeks, oldest first. A row that does not read as a week is skipped with
    /// a warning naming it (the rest of the history is still shown).
    pub fn weeks(&self) -> Result<Vec<RecordedWeek>> {
        let mut out = Vec::new();
        for (week, json) in forward!(self.week_rows())? {
            match serde_json::from_str(&json) {
                Ok(w) => out.push(w),
                Err(e) => {
                    tracing::warn!(week = %week, error = %e, "recorded week unreadable; skipped")
                }
            }
        }
        Ok(out)
    }

    /// The current week's forecast, as the last analysis made it.
    pub fn current_week(&self) -> Result<Option<RecordedWeek>> {
        match self.get(CURRENT_WEEK)? {
            None => Ok(None),
            Some(json) => match serde_json::from_str(&json) {
                Ok(w) => Ok(Some(w)),
                Err(e) => {
                    tracing::warn!(error = %e, "stored current week unreadable; shown as none");
                    Ok(None)
                }
            },
        }
    }

    pub fn set_current_week(&self, w: &RecordedWeek) -> Result<()> {
        let json = serde_json::to_string(w)?;
        self.set(CURRENT_WEEK, &json)
    }

    /// Whether an alert with this key was ever raised (open or resolved).
    pub fn has_alert(&self, key: &AlertKey) -> Result<bool> {
        forward!(self.has_alert(key))
    }

    /// Creates the alert unless its key exists (then nothing happens, unless it was resolved:
    /// then it is opened again), with one pending delivery per sink, in one transaction.
    /// Returns the alert id when something is to be delivered.
    pub fn raise(
        &mut self,
        alert: &Candidate,
        sinks: &[SinkName],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.raise(alert, sinks, now),
            Engine::Postgres(e) => e.raise(alert, sinks, now),
        }
    }

    /// Marks an open alert resolved and queues the resolution notice (its `text` replaced by
    /// `text`) for every sink; false when it was not open.
    pub fn resolve(
        &mut self,
        key: &AlertKey,
        text: &str,
        sinks: &[SinkName],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.resolve(key, text, sinks, now),
            Engine::Postgres(e) => e.resolve(key, text, sinks, now),
        }
    }

    /// Open alerts of a kind, oldest first.
    pub fn open_alerts(&self, kind: AlertKind) -> Result<Vec<OpenAlert>> {
        forward!(self.open_alerts(kind))
    }

    /// Deliveries whose time has come, oldest first. A retry scheduled more than `max_wait`
    /// ahead was scheduled before the clock jumped back: it is due now.
    pub fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        max_wait: chrono::Duration,
    ) -> Result<Vec<Delivery>> {
        forward!(self.due_deliveries(now, max_wait))
    }

    /// The earliest time a pending delivery to one of `sinks` may be tried: its retry time,
    /// or the end of another worker's claim on it, whichever is later.
    pub fn next_delivery_at(&self, sinks: &[SinkName]) -> Result<Option<DateTime<Utc>>> {
        forward!(self.next_delivery_at(sinks))
    }

    /// Claims the oldest delivery to one of `sinks` that is due (as [`Store::due_deliveries`]
    /// says) and that no worker holds, for `worker` until `now + ttl`, and returns it; `None`
    /// when there is none. Two workers never get the same delivery while a claim runs (on
    /// PostgreSQL, `FOR UPDATE SKIP LOCKED`); [`Store::mark_delivered`] and
    /// [`Store::mark_failed`] end the claim, and a dead worker's claim runs out at `ttl`, after
    /// which another worker sends it. `ttl` must be longer than one attempt can take.
    pub fn claim_delivery(
        &self,
        worker: &str,
        sinks: &[SinkName],
        now: DateTime<Utc>,
        max_wait: chrono::Duration,
        ttl: chrono::Duration,
    ) -> Result<Option<Delivery>> {
        let (n, until) = (now.timestamp(), (now + ttl).timestamp());
        forward!(self.claim_delivery(worker, sinks, n, max_wait.num_seconds(), until))
    }

    /// Records that the sink acknowledged delivery `id`.
    pub fn mark_delivered(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        forward!(self.mark_delivered(id, now))
    }

    /// Records a failed attempt of delivery `id` and when to try again.
    pub fn mark_failed(&self, id: i64, error: &SinkError, retry_at: DateTime<Utc>) -> Result<()> {
        forward!(self.mark_failed(id, error, retry_at))
    }

    /// Files the deliveries stored under each `from` name under its `to` name instead, in one
    /// transaction; returns how many moved. The daemon uses it at start to carry deliveries
    /// made under positional names (`webhook[0]`, before sinks had stable names) over to the
    /// sinks' names. A delivery whose `to` twin already exists stays as it was.
    pub fn rename_sinks(&mut self, renames: &[(SinkName, SinkName)]) -> Result<usize> {
        match &mut self.engine {
            Engine::Sqlite(e) => e.rename_sinks(renames),
            Engine::Postgres(e) => e.rename_sinks(renames),
        }
    }

    /// Alerts created or resolved at or after `since`, oldest first, with their deliveries.
    pub fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<AlertRecord>> {
        forward!(self.alerts_since(since))
    }

    /// Records that `worker` is alive at `now` (its first call registers it). Workers that
    /// share a PostgreSQL store each call it on every round; `status` lists them.
    pub fn heartbeat(&self, worker: &str, now: DateTime<Utc>) -> Result<()> {
        forward!(self.heartbeat(worker, now.timestamp()))
    }

    /// Extends `worker`'s unexpired leases on `feeds` to `now + ttl` and, while it holds
    /// fewer than `limit`, gives it leases on feeds no one holds or whose lease expired (a
    /// dead worker's, or one released). Returns every feed of `feeds` it now holds, sorted
    /// (more than `limit` when it held more already: [`Store::release_feeds`] gives some
    /// up). On PostgreSQL, feeds another worker is claiming at this instant are skipped, not
    /// waited for (`FOR UPDATE SKIP LOCKED`), so two workers never get the same feed.
    pub fn claim_feeds(
        &self,
        worker: &str,
        feeds: &[String],
        now: DateTime<Utc>,
        ttl: chrono::Duration,
        limit: usize,
    ) -> Result<Vec<String>> {
        let (now, until) = (now.timestamp(), (now + ttl).timestamp());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        forward!(self.claim_feeds(worker, feeds, now, until, limit))
    }

    /// Extends `worker`'s unexpired leases to `now + ttl`; returns how many. An expired lease
    /// is not renewed: another worker may have claimed the feed since.
    pub fn renew_leases(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        ttl: chrono::Duration,
    ) -> Result<usize> {
        forward!(self.renew_leases(worker, now.timestamp(), (now + ttl).timestamp()))
    }

    /// Gives up every lease of `worker` (a clean stop), so others claim its feeds at once.
    pub fn release_leases(&self, worker: &str) -> Result<usize> {
        forward!(self.release_leases(worker))
    }

    /// Gives up `worker`'s leases on `feeds` (a worker holding more than its share), so
    /// others claim them at once; returns how many it held.
    pub fn release_feeds(&self, worker: &str, feeds: &[String]) -> Result<usize> {
        forward!(self.release_feeds(worker, feeds))
    }

    /// Which of `feeds` `worker` holds an unexpired lease on at `now`: what a worker checks
    /// right before it starts pulls, since a lease its renewal let lapse may already be
    /// another worker's.
    pub fn leased(
        &self,
        worker: &str,
        feeds: &[String],
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        forward!(self.leased(worker, feeds, now.timestamp()))
    }

    /// Frees every feed lease and delivery claim in the store. Only for a daemon that holds
    /// an SQLite store's exclusive lock: any claim it finds is a dead process's.
    pub fn forget_claims(&self) -> Result<()> {
        forward!(self.forget_claims())
    }

    /// When each of `feeds` that has a stored state is next due (`None`: never scheduled),
    /// in one query; feeds without a state are left out (they are due now).
    pub fn feed_schedule(&self, feeds: &[String]) -> Result<Vec<(String, Option<DateTime<Utc>>)>> {
        Ok(forward!(self.feed_schedule(feeds))?
            .into_iter()
            .map(|(name, next)| (name, next.map(instant)))
            .collect())
    }

    /// The state of every feed in a failure streak (`error_since` set), by name.
    pub fn failing_feeds(&self) -> Result<Vec<FeedState>> {
        forward!(self.failing_feeds())
    }

    /// The last good body of each of `feeds` that has one, in the order of `feeds` (one
    /// query on PostgreSQL).
    pub fn feed_bodies(&self, feeds: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
        forward!(self.feed_bodies(feeds))
    }

    /// Takes the store's analysis lock unless another process holds it (then false, at
    /// once). Workers sharing a PostgreSQL store analyse one at a time, so an analysis never
    /// resolves an alert that a later one, which saw a newer body, has raised: the analysis
    /// that runs second always reads every body saved before the first one ended. SQLite has
    /// one daemon: always true. Give it back with [`Store::unlock_analysis`].
    pub fn try_lock_analysis(&self) -> Result<bool> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(true),
            Engine::Postgres(e) => e.try_lock_analysis(),
        }
    }

    pub fn unlock_analysis(&self) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(_) => Ok(()),
            Engine::Postgres(e) => e.unlock_analysis(),
        }
    }

    /// Keeps `worker`'s counters (JSON) beside its heartbeat, for `status`.
    pub fn set_worker_stats(&self, worker: &str, stats: &str) -> Result<()> {
        forward!(self.set_worker_stats(worker, stats))
    }

    /// The workers that ever beat, by id, with their last heartbeat and how many unexpired
    /// leases they hold at `now`.
    pub fn workers(&self, now: DateTime<Utc>) -> Result<Vec<WorkerStatus>> {
        Ok(forward!(self.workers(now.timestamp()))?
            .into_iter()
            .map(|w| WorkerStatus {
                id: w.id,
                started_at: instant(w.started_at),
                heartbeat: instant(w.heartbeat),
                leases: w.leases.max(0) as u64,
                leases_until: w.leases_until.map(instant),
                deliveries: w.deliveries.max(0) as u64,
                stats: w.stats.and_then(|s| serde_json::from_str(&s).ok()),
            })
            .collect())
    }

    /// Runs `sql` as is: tests write rows no calaudit would write.
    #[cfg(test)]
    fn execute_raw(&self, sql: &str) -> Result<()> {
        match &self.engine {
            Engine::Sqlite(e) => Ok(e.conn.execute_batch(sql)?),
            Engine::Postgres(e) => e.execute_raw(sql),
        }
    }
}

/// The message sinks get for `event` of alert `id`: the alert's payload plus its `id` (the
/// same on every retry, the webhook's `Idempotency-Key`), `alert_id` and `state`.
fn message(mut payload: serde_json::Value, id: i64, event: DeliveryEvent) -> String {
    payload["id"] = serde_json::json!(event.message_id(id));
    payload["alert_id"] = serde_json::json!(id);
    payload["state"] = serde_json::json!(event.state.as_str());
    payload.to_string()
}

/// The resolution notice of alert `id` (opened for the `opening`th time): its stored payload
/// with `text` in place of the alert's text.
fn resolution_message(payload: &str, text: &str, id: i64, opening: i64) -> (DeliveryEvent, String) {
    let mut opened: serde_json::Value = serde_json::from_str(payload).unwrap_or_else(|e| {
        tracing::warn!(alert = id, error = %e, "stored alert is not JSON; its resolution carries only the text");
        serde_json::json!({})
    });
    opened["text"] = serde_json::json!(text);
    let event = DeliveryEvent {
        state: AlertState::Resolved,
        opening,
    };
    let msg = message(opened, id, event);
    (event, msg)
}

/// A stored UTC Unix time as an instant. Stored times are written from instants, so one out
/// of chrono's range means a damaged row: it reads as the Unix epoch, with a warning.
fn instant(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or_else(|| {
        tracing::warn!(
            secs,
            "stored time out of range; read as 1970-01-01 (damaged row?)"
        );
        DateTime::UNIX_EPOCH
    })
}

#[cfg(test)]
pub(crate) mod testing {
    //! Stores for tests on both engines. The PostgreSQL one lives in a schema of its own
    //! (random name, dropped when the [`PgSchema`] goes), so tests run in parallel on one
    //! database; its URL comes from `CALAUDIT_TEST_PG`.

    use super::*;

    /// A fresh schema in the `CALAUDIT_TEST_PG` database, dropped with everything in it on
    /// drop (a panicking test too).
    pub(crate) struct PgSchema {
        pub(crate) base: String,
        pub(crate) name: String,
    }

    impl PgSchema {
        /// `None`, with a printed notice naming `test`, when `CALAUDIT_TEST_PG` is not set.
        pub(crate) fn new(test: &str) -> Option<PgSchema> {
            let Ok(base) = std::env::var("CALAUDIT_TEST_PG") else {
                // Straight to stderr: the harness captures println!, so the notice would show
                // only with --nocapture.
                use std::io::Write;
                let _ = writeln!(
                    std::io::stderr(),
                    "skipping: CALAUDIT_TEST_PG not set; the PostgreSQL half of {test} did not run"
                );
                return None;
            };
            static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let name = format!(
                "t_{}_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.subsec_nanos())
            );
            let mut c = postgres::Client::connect(&base, postgres::NoTls)
                .expect("connect to CALAUDIT_TEST_PG");
            c.batch_execute(&format!("CREATE SCHEMA {name}"))
                .expect("create schema");
            Some(PgSchema { base, name })
        }

        /// The store URL whose statements run in this schema (on the process's one pool for
        /// `CALAUDIT_TEST_PG`, shared by every test, as team mode shares it between users).
        pub(crate) fn url(&self) -> StoreUrl {
            StoreUrl::parse(&self.base)
                .expect("CALAUDIT_TEST_PG is a postgresql:// URL")
                .in_schema(&self.name)
        }
    }

    impl Drop for PgSchema {
        fn drop(&mut self) {
            if let Ok(mut c) = postgres::Client::connect(&self.base, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA {} CASCADE", self.name));
            }
        }
    }

    /// Where a test's store lives; [`Place::open`] opens it (again).
    pub(crate) enum Place {
        Sqlite(std::path::PathBuf),
        Postgres(PgSchema),
    }

    impl Place {
        pub(crate) fn open(&self) -> Store {
            match self {
                Place::Sqlite(p) => Store::open(p).expect("open sqlite store"),
                Place::Postgres(s) => Store::connect(&s.url()).expect("connect postgres store"),
            }
        }
    }

    impl Drop for Place {
        fn drop(&mut self) {
            if let Place::Sqlite(p) = self {
                for ext in ["", "-wal", "-shm", ".lock"] {
                    let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
                }
            }
        }
    }

    /// A fresh SQLite store, and a fresh PostgreSQL one when `CALAUDIT_TEST_PG` is set.
    pub(crate) fn places(test: &str) -> Vec<Place> {
        let path =
            std::env::temp_dir().join(format!("calaudit-store-{}-{test}.db", std::process::id()));
        for ext in ["", "-wal", "-shm", ".lock"] {
            let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
        }
        let mut out = vec![Place::Sqlite(path)];
        out.extend(PgSchema::new(test).map(Place::Postgres));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{places, PgSchema, Place};
    use super::*;
    use crate::alert::{DeliveryState, SinkError};

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).unwrap()
    }

    fn candidate(key: &str) -> Candidate {
        Candidate {
            key: AlertKey::target_missed(key),
            kind: AlertKind::TargetMissed,
            payload: serde_json::json!({"kind": "people_target_missed", "text": "x"}),
            relevant_until: None,
        }
    }

    /// A recorded week written by a newer or broken version is skipped, not fatal: the rest
    /// of the history still reads; the current week's garbage reads as none.
    #[test]
    fn an_unreadable_recorded_week_is_skipped() {
        for place in places("weeks") {
            let s = place.open();
            let good = r#"{"week":"2026-W03","week_start":"2026-01-12","busy_minutes":60,
            "minutes":{"people":60},"people_target":0.3}"#;
            let rec: RecordedWeek = serde_json::from_str(good).unwrap();
            s.upsert_week(&rec, at(1_770_000_000)).unwrap();
            s.execute_raw(
                r#"INSERT INTO week_history (week, week_start, json, updated_at) VALUES
                   ('2026-W04', '2026-01-19', 'not json', 0),
                   ('2026-W05', '2026-01-26', '{"week":"2026-W05","week_start":"26/01/2026"}', 0),
                   ('2026-W06', '2026-02-02', '{"week":"2026-W06","week_start":"2026-02-02","minutes":{"people":1e300},"people_target":0.3}', 0)"#,
            )
            .unwrap();
            let weeks = s.weeks().unwrap();
            assert_eq!(weeks.len(), 1, "{}", s.engine());
            assert_eq!(weeks[0].summary.week, "2026-W03");
            assert_eq!(weeks[0].summary.busy_seconds, 3600);
            s.set(CURRENT_WEEK, "{").unwrap();
            assert_eq!(s.current_week().unwrap(), None);
        }
    }

    #[test]
    fn alerts_are_created_once_and_reopened_after_resolution() {
        for place in places("once") {
            let mut s = place.open();
            let engine = s.engine();
            assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
            let sinks = vec![SinkName::log(), SinkName::parse("hook").unwrap()];
            let c = candidate("k");
            let wait = chrono::Duration::seconds(1000);
            assert!(s.raise(&c, &sinks, at(10)).unwrap().is_some());
            assert!(s.raise(&c, &sinks, at(11)).unwrap().is_none());
            drop(s);
            let mut s = place.open();
            assert!(s.raise(&c, &sinks, at(12)).unwrap().is_none());
            assert_eq!(s.due_deliveries(at(12), wait).unwrap().len(), 2);
            assert!(s.resolve(&c.key, "gone", &sinks, at(13)).unwrap());
            assert!(!s.resolve(&c.key, "gone", &sinks, at(14)).unwrap());
            assert_eq!(s.due_deliveries(at(14), wait).unwrap().len(), 4);
            assert!(s.raise(&c, &sinks, at(15)).unwrap().is_some());
            let d = s.due_deliveries(at(15), wait).unwrap();
            assert_eq!(d.len(), 6, "{engine}");
            let events: Vec<String> = d.iter().map(|d| d.event.to_string()).collect();
            assert_eq!(
                events,
                [
                    "open:1",
                    "open:1",
                    "resolved:1",
                    "resolved:1",
                    "open:2",
                    "open:2"
                ],
                "{engine}"
            );
            let last: serde_json::Value = serde_json::from_str(&d[5].payload).unwrap();
            assert_eq!(
                (last["id"].as_str(), last["state"].as_str()),
                (Some("1-open-2"), Some("open"))
            );
            let resolved: serde_json::Value = serde_json::from_str(&d[2].payload).unwrap();
            assert_eq!(resolved["text"], "gone", "{engine}");
            s.mark_delivered(d[0].id, at(16)).unwrap();
            s.mark_failed(d[1].id, &SinkError::EmptyCommand, at(100))
                .unwrap();
            assert_eq!(s.due_deliveries(at(16), wait).unwrap().len(), 4);
            assert_eq!(s.next_delivery_at(&sinks).unwrap(), Some(at(13)));

            let rows = s.alerts_since(at(0)).unwrap();
            assert_eq!(rows.len(), 1);
            let a = &rows[0];
            assert_eq!(
                (a.kind, a.state, a.created_at),
                (AlertKind::TargetMissed, AlertState::Open, at(10))
            );
            assert_eq!(a.key, c.key);
            assert_eq!(a.deliveries[0].state, DeliveryState::Delivered);
            assert_eq!(a.deliveries[1].last_error.as_deref(), Some("empty command"));
            assert_eq!(a.deliveries[1].sink.as_str(), "hook");
            assert!(s.has_alert(&c.key).unwrap());
            assert!(!s.has_alert(&candidate("other").key).unwrap());
            let open = s.open_alerts(AlertKind::TargetMissed).unwrap();
            assert_eq!(open.len(), 1);
            assert_eq!(open[0].payload["text"], "x");
        }
    }

    /// Deliveries filed under a positional name move to the sink's stable name; one whose
    /// twin already exists under the new name is left alone (the UNIQUE key holds).
    #[test]
    fn positional_sink_names_are_renamed_once() {
        for place in places("rename") {
            let mut s = place.open();
            let old = SinkName::positional("webhook", 0);
            let new = SinkName::parse("team-chat").unwrap();
            s.raise(&candidate("a"), std::slice::from_ref(&old), at(1))
                .unwrap();
            s.raise(&candidate("b"), &[old.clone(), new.clone()], at(1))
                .unwrap();
            let renames = [(old.clone(), new.clone())];
            assert_eq!(s.rename_sinks(&renames).unwrap(), 1, "{}", s.engine());
            assert_eq!(s.rename_sinks(&renames).unwrap(), 0);
            let sinks: Vec<String> = s
                .due_deliveries(at(2), chrono::Duration::seconds(10))
                .unwrap()
                .iter()
                .map(|d| d.sink.to_string())
                .collect();
            assert_eq!(
                sinks,
                ["team-chat", "webhook[0]", "team-chat"],
                "{}",
                s.engine()
            );
        }
    }

    /// A feed's state and body round-trip; a state saved without a body keeps the old body;
    /// a feed never saved reads as its name and defaults.
    #[test]
    fn feed_state_and_body_round_trip() {
        for place in places("feeds") {
            let s = place.open();
            assert_eq!(
                s.feed_state("work").unwrap(),
                FeedState {
                    name: "work".into(),
                    ..FeedState::default()
                }
            );
            assert_eq!(s.feed_body("work").unwrap(), None);
            let st = FeedState {
                name: "work".into(),
                etag: Some("\"e1\"".into()),
                last_modified: Some("Tue, 03 Mar 2026 10:00:00 GMT".into()),
                fingerprint: Some("f1".into()),
                has_body: true,
                events: Some(42),
                last_attempt: Some(at(100)),
                last_success: Some(at(100)),
                last_change: Some(at(90)),
                last_error: None,
                error_since: None,
                failures: 0,
                next_pull: Some(at(400)),
            };
            s.save_feed(&st, Some(b"BEGIN:VCALENDAR\x00\xff")).unwrap();
            assert_eq!(s.feed_state("work").unwrap(), st, "{}", s.engine());
            let failed = FeedState {
                last_attempt: Some(at(500)),
                last_error: Some("timed out".into()),
                error_since: Some(at(500)),
                failures: 1,
                ..st.clone()
            };
            s.save_feed(&failed, None).unwrap();
            assert_eq!(s.feed_state("work").unwrap(), failed);
            assert_eq!(
                s.feed_body("work").unwrap().as_deref(),
                Some(&b"BEGIN:VCALENDAR\x00\xff"[..])
            );
            s.set("k", "v1").unwrap();
            s.set("k", "v2").unwrap();
            assert_eq!(s.get("k").unwrap().as_deref(), Some("v2"));
            assert_eq!(s.get("missing").unwrap(), None);
        }
    }

    /// `insert_week` keeps what was recorded first; `upsert_week` replaces it; weeks read
    /// oldest first.
    #[test]
    fn weeks_are_inserted_once_or_upserted() {
        let week = |w: &str, start: &str, minutes: i64| -> RecordedWeek {
            serde_json::from_str(&format!(
                r#"{{"week":"{w}","week_start":"{start}","busy_minutes":{minutes},
                   "minutes":{{"people":{minutes}}},"people_target":0.3}}"#
            ))
            .unwrap()
        };
        for place in places("weekly") {
            let s = place.open();
            s.insert_week(&week("2026-W10", "2026-03-02", 60), at(1))
                .unwrap();
            s.insert_week(&week("2026-W09", "2026-02-23", 30), at(1))
                .unwrap();
            s.insert_week(&week("2026-W10", "2026-03-02", 120), at(2))
                .unwrap();
            let got: Vec<(String, i64)> = s
                .weeks()
                .unwrap()
                .into_iter()
                .map(|w| (w.summary.week, w.summary.busy_seconds))
                .collect();
            assert_eq!(
                got,
                [("2026-W09".into(), 1800), ("2026-W10".into(), 3600)],
                "{}",
                s.engine()
            );
            s.upsert_week(&week("2026-W10", "2026-03-02", 120), at(3))
                .unwrap();
            assert_eq!(s.weeks().unwrap()[1].summary.busy_seconds, 7200);
            s.set_current_week(&week("2026-W11", "2026-03-09", 10))
                .unwrap();
            assert_eq!(
                s.current_week().unwrap().map(|w| w.summary.week),
                Some("2026-W11".into())
            );
        }
    }

    /// A row with a state calaudit never writes is an error naming the problem, on both
    /// engines, not a silent default.
    #[test]
    fn an_unknown_alert_state_is_an_error() {
        for place in places("damaged") {
            let mut s = place.open();
            s.raise(&candidate("a"), &[SinkName::log()], at(1)).unwrap();
            s.execute_raw("UPDATE alerts SET state = 'exploded'")
                .unwrap();
            let err = s.alerts_since(at(0)).unwrap_err().to_string();
            assert!(err.contains("exploded"), "{}: {err}", s.engine());
        }
    }

    /// Leases: a free feed goes to the first claimant, a held one is not given to another
    /// until its lease expires, renewing keeps it, releasing frees it; `workers` counts them.
    #[test]
    fn feed_leases_are_claimed_renewed_expired_and_released() {
        let ttl = chrono::Duration::seconds(600);
        let feeds: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        for place in places("leases") {
            let s = place.open();
            let engine = s.engine();
            s.heartbeat("w1", at(100)).unwrap();
            s.heartbeat("w2", at(100)).unwrap();
            assert_eq!(
                s.claim_feeds("w1", &feeds, at(100), ttl, 2).unwrap(),
                ["a", "b"],
                "{engine}"
            );
            assert_eq!(
                s.claim_feeds("w2", &feeds, at(101), ttl, 10).unwrap(),
                ["c"],
                "{engine}"
            );
            // Claiming again keeps what one holds and takes nothing of the other's.
            assert_eq!(
                s.claim_feeds("w1", &feeds, at(102), ttl, 10).unwrap(),
                ["a", "b"]
            );
            assert_eq!(s.renew_leases("w2", at(500), ttl).unwrap(), 1);
            // w1 stops beating: at 702 its leases (until 702) expired; w2 renewed to 1100.
            assert_eq!(s.renew_leases("w1", at(702), ttl).unwrap(), 0, "{engine}");
            assert_eq!(
                s.claim_feeds("w2", &feeds, at(702), ttl, 10).unwrap(),
                ["a", "b", "c"]
            );
            s.heartbeat("w2", at(702)).unwrap();
            let w = s.workers(at(702)).unwrap();
            assert_eq!(
                w.iter()
                    .map(|w| (w.id.as_str(), w.leases, w.heartbeat))
                    .collect::<Vec<_>>(),
                [("w1", 0, at(100)), ("w2", 3, at(702))],
                "{engine}"
            );
            assert_eq!(s.release_leases("w2").unwrap(), 3);
            assert_eq!(
                s.claim_feeds("w1", &feeds, at(703), ttl, 10).unwrap(),
                ["a", "b", "c"]
            );
        }
    }

    /// A worker holding more than its share gives some feeds up; another claims them at once.
    /// A lease's schedule is the feed's, so the batch read says when each is due.
    #[test]
    fn released_feeds_go_to_the_next_claimant() {
        let ttl = chrono::Duration::seconds(60);
        let feeds: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
        for place in places("release") {
            let s = place.open();
            let engine = s.engine();
            assert_eq!(s.claim_feeds("w1", &feeds, at(10), ttl, 4).unwrap(), feeds);
            // Over its share of 2: it keeps what it holds until it releases.
            assert_eq!(s.claim_feeds("w1", &feeds, at(11), ttl, 2).unwrap(), feeds);
            let give = ["c".to_owned(), "d".to_owned(), "x".to_owned()];
            assert_eq!(s.release_feeds("w1", &give).unwrap(), 2, "{engine}");
            assert_eq!(
                s.claim_feeds("w2", &feeds, at(12), ttl, 2).unwrap(),
                ["c", "d"],
                "{engine}"
            );
            assert_eq!(
                s.claim_feeds("w1", &feeds, at(13), ttl, 2).unwrap(),
                ["a", "b"]
            );
            // What each holds right now; nothing once the lease has run out (w2 claimed at 12).
            assert_eq!(
                s.leased("w1", &feeds, at(13)).unwrap(),
                ["a", "b"],
                "{engine}"
            );
            assert_eq!(
                s.leased("w2", &feeds, at(13)).unwrap(),
                ["c", "d"],
                "{engine}"
            );
            assert!(
                s.leased("w2", &feeds, at(72)).unwrap().is_empty(),
                "{engine}"
            );
            s.save_feed(
                &FeedState {
                    name: "b".into(),
                    next_pull: Some(at(300)),
                    ..FeedState::default()
                },
                Some(b"BEGIN:VCALENDAR"),
            )
            .unwrap();
            assert_eq!(
                s.feed_schedule(&feeds).unwrap(),
                [("b".to_owned(), Some(at(300)))],
                "{engine}"
            );
            assert_eq!(
                s.feed_bodies(&feeds).unwrap(),
                [("b".to_owned(), b"BEGIN:VCALENDAR".to_vec())]
            );
            // A clean stop of an exclusive store's daemon: everything is free again.
            s.forget_claims().unwrap();
            assert_eq!(s.claim_feeds("w3", &feeds, at(14), ttl, 4).unwrap(), feeds);
        }
    }

    /// A claimed delivery goes to no one else until it is marked or its claim runs out (a
    /// dead worker's); a sink the worker does not have is never claimed; the next wake-up
    /// waits for the claim.
    #[test]
    fn a_claimed_delivery_is_sent_by_one_worker_and_retried_after_its_claim() {
        let wait = chrono::Duration::seconds(1000);
        let ttl = chrono::Duration::seconds(60);
        let log = SinkName::log();
        let hook = SinkName::parse("hook").unwrap();
        let both = [log.clone(), hook.clone()];
        for place in places("claims") {
            let mut s = place.open();
            let engine = s.engine();
            s.raise(&candidate("k"), &both, at(10)).unwrap();
            let d1 = s
                .claim_delivery("w1", &both, at(10), wait, ttl)
                .unwrap()
                .unwrap();
            let d2 = s
                .claim_delivery("w2", &both, at(10), wait, ttl)
                .unwrap()
                .unwrap();
            assert_ne!(d1.id, d2.id, "{engine}");
            assert_eq!(
                s.claim_delivery("w3", &both, at(11), wait, ttl).unwrap(),
                None
            );
            let w: Vec<(String, u64)> = s
                .workers(at(11))
                .unwrap()
                .into_iter()
                .map(|w| (w.id, w.deliveries))
                .collect();
            assert!(w.is_empty(), "no heartbeat, no worker row: {w:?}");
            s.mark_delivered(d2.id, at(12)).unwrap();
            // w1 died holding d1: nothing is due before its claim runs out at 70.
            assert_eq!(s.next_delivery_at(&both).unwrap(), Some(at(70)), "{engine}");
            assert_eq!(
                s.claim_delivery("w3", &both, at(69), wait, ttl).unwrap(),
                None
            );
            let again = s
                .claim_delivery("w3", &both, at(70), wait, ttl)
                .unwrap()
                .unwrap();
            assert_eq!(again.id, d1.id, "{engine}");
            s.mark_failed(again.id, &SinkError::EmptyCommand, at(200))
                .unwrap();
            // Failed: free again, at its retry time, only for a worker that has the sink.
            let other = [SinkName::parse("other").unwrap()];
            assert_eq!(
                s.claim_delivery("w3", &other, at(300), wait, ttl).unwrap(),
                None
            );
            assert_eq!(s.next_delivery_at(&other).unwrap(), None);
            assert_eq!(
                s.claim_delivery("w3", &both, at(199), wait, ttl).unwrap(),
                None
            );
            let last = s
                .claim_delivery("w3", &both, at(200), wait, ttl)
                .unwrap()
                .unwrap();
            assert_eq!((last.id, last.attempts), (d1.id, 1), "{engine}");
        }
    }

    /// PostgreSQL: workers claiming deliveries at the same time each get different ones, and
    /// every delivery is claimed exactly once.
    #[test]
    fn postgres_workers_claim_each_delivery_once() {
        let Some(schema) = PgSchema::new("postgres_workers_claim_each_delivery_once") else {
            return;
        };
        let url = schema.url();
        let sinks = [SinkName::log(), SinkName::parse("hook").unwrap()];
        {
            let mut s = Store::connect(&url).unwrap();
            for i in 0..100 {
                s.raise(&candidate(&format!("k{i}")), &sinks, at(5))
                    .unwrap();
            }
        }
        let barrier = std::sync::Barrier::new(4);
        let got: Vec<Vec<i64>> = std::thread::scope(|sc| {
            let handles: Vec<_> = (0..4)
                .map(|w| {
                    let (url, sinks, barrier) = (&url, &sinks, &barrier);
                    sc.spawn(move || {
                        let st = Store::connect(url).unwrap();
                        barrier.wait();
                        let mut mine = Vec::new();
                        let (wait, ttl) =
                            (chrono::Duration::seconds(10), chrono::Duration::seconds(60));
                        while let Some(d) = st
                            .claim_delivery(&format!("w{w}"), sinks, at(6), wait, ttl)
                            .unwrap()
                        {
                            mine.push(d.id);
                        }
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("claimer"))
                .collect()
        });
        let mut all: Vec<i64> = got.iter().flatten().copied().collect();
        all.sort_unstable();
        let total = all.len();
        all.dedup();
        assert_eq!(all.len(), total, "a delivery was claimed twice");
        assert_eq!(
            total,
            200,
            "{:?}",
            got.iter().map(Vec::len).collect::<Vec<_>>()
        );
    }

    /// PostgreSQL: workers claiming the same feeds at the same instant never share one, and
    /// together they hold them all.
    #[test]
    fn postgres_workers_claiming_at_once_never_share_a_feed() {
        let Some(schema) = PgSchema::new("postgres_workers_claiming_at_once") else {
            return;
        };
        let url = schema.url();
        let feeds: Vec<String> = (0..300).map(|i| format!("feed-{i:03}")).collect();
        Store::connect(&url).unwrap();
        let barrier = std::sync::Barrier::new(4);
        let claimed: Vec<Vec<String>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|w| {
                    let (url, feeds, barrier) = (&url, &feeds, &barrier);
                    s.spawn(move || {
                        let st = Store::connect(url).unwrap();
                        barrier.wait();
                        let mut mine = Vec::new();
                        // In small batches, as a worker filling up to its share would.
                        for _ in 0..20 {
                            let got = st
                                .claim_feeds(
                                    &format!("w{w}"),
                                    feeds,
                                    at(10),
                                    chrono::Duration::seconds(60),
                                    10,
                                )
                                .unwrap();
                            mine = got;
                            if mine.len() >= 10 {
                                break;
                            }
                        }
                        let more = st
                            .claim_feeds(
                                &format!("w{w}"),
                                feeds,
                                at(10),
                                chrono::Duration::seconds(60),
                                300,
                            )
                            .unwrap();
                        mine.extend(more);
                        mine.sort();
                        mine.dedup();
                        mine
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("claimer"))
                .collect()
        });
        let mut all: Vec<&String> = claimed.iter().flatten().collect();
        let total = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), total, "a feed was claimed by two workers");
        assert_eq!(
            total,
            feeds.len(),
            "{:?}",
            claimed.iter().map(Vec::len).collect::<Vec<_>>()
        );
    }

    /// Issue 12, item 5: two processes starting on a fresh store raced on the migration and
    /// one died with "table feed_state already exists".
    #[test]
    fn a_fresh_store_opened_by_many_at_once_is_migrated_once() {
        for round in 0..10 {
            let path = std::env::temp_dir().join(format!(
                "calaudit-store-{}-race-{round}.db",
                std::process::id()
            ));
            let place = Place::Sqlite(path.clone());
            let barrier = std::sync::Barrier::new(6);
            let errors: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..6)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            Store::open(&path).err().map(|e| e.to_string())
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .filter_map(|h| h.join().expect("opener thread"))
                    .collect()
            });
            assert!(errors.is_empty(), "round {round}: {errors:?}");
            assert_eq!(place.open().schema_version().unwrap(), SCHEMA_VERSION);
        }
    }

    /// PostgreSQL: workers starting at once on a fresh database migrate it once (the
    /// advisory lock), and the same alert raised by all of them at the same instant is
    /// created once, with one delivery per sink.
    #[test]
    fn postgres_workers_starting_at_once_migrate_and_raise_once() {
        for round in 0..3 {
            let Some(schema) = PgSchema::new("postgres_workers_starting_at_once") else {
                return;
            };
            let url = schema.url();
            let barrier = std::sync::Barrier::new(6);
            let results: Vec<std::result::Result<Option<i64>, String>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..6)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            let mut st = Store::connect(&url).map_err(|e| e.to_string())?;
                            st.raise(&candidate("same"), &[SinkName::log()], at(5))
                                .map_err(|e| e.to_string())
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("worker thread"))
                    .collect()
            });
            let raised = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
            assert!(
                results.iter().all(std::result::Result::is_ok),
                "round {round}: {results:?}"
            );
            assert_eq!(raised, 1, "round {round}: {results:?}");
            let s = Store::connect(&url).unwrap();
            assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
            assert_eq!(
                s.due_deliveries(at(5), chrono::Duration::seconds(10))
                    .unwrap()
                    .len(),
                1
            );
        }
    }

    /// Team mode (issue 14): each user's store is a schema of its own, created on first
    /// connect; what one schema holds the other does not see, and each has its own daemon.
    #[test]
    fn user_schemas_are_created_on_connect_and_kept_apart() {
        let Some(probe) = PgSchema::new("user_schemas_are_created_on_connect_and_kept_apart")
        else {
            return;
        };
        let base = StoreUrl::parse(&probe.base).unwrap();
        // Named after the probe's (random) schema, so parallel runs do not meet.
        let names = [format!("{}_ua", probe.name), format!("{}_ub", probe.name)];
        let _cleanup = DropSchemas(probe.base.clone(), names.to_vec());
        let (a_url, b_url) = (base.in_schema(&names[0]), base.in_schema(&names[1]));
        assert_eq!(a_url.schema(), Some(names[0].as_str()));
        assert!(a_url.shown().ends_with(&format!("(schema {})", names[0])));
        let a = Store::connect(&a_url).unwrap();
        let b = Store::connect(&b_url).expect("another user's schema");
        a.set("who", "a").unwrap();
        a.save_feed(
            &FeedState {
                name: "work".into(),
                events: Some(7),
                ..FeedState::default()
            },
            Some(b"BEGIN:VCALENDAR"),
        )
        .unwrap();
        assert_eq!(b.get("who").unwrap(), None);
        assert_eq!(b.feed_body("work").unwrap(), None);
        assert_eq!(b.feed_state("work").unwrap().events, None);
        assert_eq!(a.feed_state("work").unwrap().events, Some(7));
        drop(a);
        let again = Store::connect(&a_url).expect("the schema exists now");
        assert_eq!(again.get("who").unwrap().as_deref(), Some("a"));
    }

    /// Drops the schemas `.1` on the server at URL `.0` when the test ends, passed or not.
    struct DropSchemas(String, Vec<String>);

    impl Drop for DropSchemas {
        fn drop(&mut self) {
            if let Ok(mut c) = postgres::Client::connect(&self.0, postgres::NoTls) {
                for n in &self.1 {
                    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {n} CASCADE"));
                }
            }
        }
    }

    /// Issue 14: hundreds of users per worker must not mean hundreds of connections. Twelve
    /// users' stores on a pool of 3, used at once from twelve threads: each reads back only
    /// its own data, and the server never sees more than 3 connections from the pool (its
    /// own `application_name`, so other tests' connections are not counted). Two stores hold
    /// the analysis lock meanwhile: their connections stay pinned and the ten others share
    /// the last one, which a third lock may not take.
    #[test]
    fn many_user_stores_share_a_bounded_pool() {
        let Some(probe) = PgSchema::new("many_user_stores_share_a_bounded_pool") else {
            return;
        };
        let app = format!("calaudit_{}", probe.name);
        let sep = if probe.base.contains('?') { '&' } else { '?' };
        let base = StoreUrl::parse(&format!("{}{sep}application_name={app}", probe.base))
            .unwrap()
            .with_pool_size(3);
        let names: Vec<String> = (0..12).map(|i| format!("{}_p{i}", probe.name)).collect();
        let _cleanup = DropSchemas(probe.base.clone(), names.clone());
        let open_now = |c: &mut postgres::Client| -> i64 {
            c.query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&app],
            )
            .unwrap()
            .get(0)
        };
        let mut admin = postgres::Client::connect(&probe.base, postgres::NoTls).unwrap();
        let stores: Vec<Store> = names
            .iter()
            .map(|n| Store::connect(&base.in_schema(n)).unwrap())
            .collect();
        assert!(stores[0].try_lock_analysis().unwrap());
        assert!(stores[1].try_lock_analysis().unwrap());
        assert!(
            !stores[2].try_lock_analysis().unwrap(),
            "a pool of 3 pins 2 at most; the last one stays for short calls"
        );
        let done = std::sync::atomic::AtomicBool::new(false);
        let (most, stores) = std::thread::scope(|scope| {
            let sampler = scope.spawn(|| {
                let mut most = 0;
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    most = most.max(open_now(&mut admin));
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                most
            });
            // Each store moves to a thread of its own and back (a store is used by one
            // thread at a time).
            let users: Vec<_> = stores
                .into_iter()
                .zip(&names)
                .map(|(s, n)| {
                    scope.spawn(move || {
                        for k in 0..15 {
                            let v = format!("{n}-{k}");
                            s.set("who", &v).unwrap();
                            s.save_feed(
                                &FeedState {
                                    name: "work".into(),
                                    events: Some(k),
                                    ..FeedState::default()
                                },
                                Some(v.as_bytes()),
                            )
                            .unwrap();
                            assert_eq!(s.get("who").unwrap().as_deref(), Some(v.as_str()));
                            assert_eq!(s.feed_body("work").unwrap().as_deref(), Some(v.as_bytes()));
                        }
                        s
                    })
                })
                .collect();
            let stores: Vec<Store> = users
                .into_iter()
                .map(|u| u.join().expect("a user's thread"))
                .collect();
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            (sampler.join().expect("the sampler"), stores)
        });
        stores[0].unlock_analysis().unwrap();
        assert!(
            stores[2].try_lock_analysis().unwrap(),
            "a pin is free again"
        );
        stores[1].unlock_analysis().unwrap();
        stores[2].unlock_analysis().unwrap();
        for (s, n) in stores.iter().zip(&names) {
            assert_eq!(s.get("who").unwrap(), Some(format!("{n}-14")));
            assert_eq!(s.feed_state("work").unwrap().events, Some(14));
        }
        // A store dropped while locked takes the lock with it, not into the pool: another
        // session (not the pool's) can take it at once.
        let holder = Store::connect(&base.in_schema(&names[3])).unwrap();
        assert!(holder.try_lock_analysis().unwrap());
        drop(holder);
        // The server ends a closed session's locks as its backend exits, shortly after.
        let lock = "SELECT pg_try_advisory_lock($1, hashtext($2))";
        let mut free = false;
        for _ in 0..50 {
            free = admin
                .query_one(lock, &[&pg::ANALYSIS_LOCK, &names[3]])
                .unwrap()
                .get(0);
            if free {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(free, "the analysis lock stayed in a pooled session");
        admin
            .execute(
                "SELECT pg_advisory_unlock($1, hashtext($2))",
                &[&pg::ANALYSIS_LOCK, &names[3]],
            )
            .unwrap();
        assert!(most >= 1, "the sampler saw the pool's connections");
        assert!(most <= 3, "{most} connections from a pool of 3");
        assert!(open_now(&mut admin) <= 3);
    }

    /// The password never shows: not in `Debug`, not in a connection error.
    #[test]
    fn a_store_url_never_shows_its_password() {
        let url = StoreUrl::parse("postgresql://ci:s3cret@127.0.0.1:1/db?sslmode=disable").unwrap();
        assert_eq!(url.shown(), "postgresql://ci@127.0.0.1:1/db");
        assert!(!format!("{url:?}").contains("s3cret"));
        let err = Store::connect(&url)
            .err()
            .expect("nothing listens on port 1");
        let text = err.to_string();
        assert!(text.contains("postgresql://ci@127.0.0.1:1/db"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        assert!(StoreUrl::parse("mysql://x").is_err());
        assert!(StoreUrl::parse("postgresql://").is_err());
    }
}
