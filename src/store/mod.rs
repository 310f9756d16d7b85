//! The daemon's state in one SQLite file: feed fetch state and last good bodies, weekly
//! history, the snapshot the next pull is compared with, alerts and their per-sink delivery
//! (the durable outbox). Times are stored as UTC Unix seconds.
//!
//! The alert side of the API speaks the alert domain's values, not SQLite's: an
//! [`AlertKey`], an [`AlertKind`], [`SinkName`]s, instants (`DateTime<Utc>`), and it hands
//! back [`Delivery`], [`AlertRecord`] and [`OpenAlert`] (all in [`crate::alert`]), so a second
//! engine can implement the same calls. Text in a row that no calaudit writes (an unknown
//! state or kind, a payload that is not JSON) is an error, never a silent default.
//!
//! Exactly-once creation is the database's job: an alert's key is UNIQUE, so detecting the
//! same violation again inserts nothing. An alert and its pending deliveries are written in one
//! transaction, so a crash between detection and delivery loses nothing; a delivery is marked
//! done only after the sink acknowledged it.
//!
//! One daemon per store: [`Store::open_exclusive`] holds an exclusive `flock(2)` on the sidecar
//! `<store>.lock` for the daemon's lifetime. The kernel drops it when the process dies, so a
//! kill -9 leaves nothing to clean up. A new store is built under a temporary name and renamed
//! into place once migrated, so a store file is never half made.
//!
//! A store that exists but is empty (0 bytes: truncated, or replaced by an empty file) is
//! refused, not silently recreated: a fresh store knows no alert, so every alert already sent
//! would be sent again. The operator decides (restore the backup, or delete the file to start
//! afresh knowingly). Random bytes, a damaged schema and a read-only file are refused at start
//! with a message that says what to do.

mod migrations;

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use crate::alert::detect::from_ts;
use crate::alert::{
    AlertKey, AlertKind, AlertRecord, AlertState, Candidate, Delivery, DeliveryEvent,
    DeliveryState, DeliveryStatus, OpenAlert, SinkError, SinkName,
};

pub use migrations::SCHEMA_VERSION;

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
    #[error("state database {path} has schema version {found}, newer than this calaudit ({supported}); upgrade calaudit")]
    TooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error("another calaudit daemon{holder} is using the state database {path} (it holds {lock}); stop it first, or give this one its own `[store] path`")]
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
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How long a statement waits for another connection's lock (the daemon's writes are short;
/// `status` and `alerts` read beside it).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub struct Store {
    conn: Connection,
    /// The open lock file of [`Store::open_exclusive`]; closing it releases the lock.
    _lock: Option<std::fs::File>,
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
    /// Opens (creating it and its folder on first run) and migrates the database, without
    /// the daemon's lock: for `status`, `alerts` and `history`, which read beside it.
    pub fn open(path: &Path) -> Result<Store> {
        let shown = path.display().to_string();
        if !path.exists() {
            create(path, &shown)?;
        }
        Store::open_file(path, &shown, None)
    }

    /// Opens the store for the daemon: takes the exclusive lock on `<store>.lock` first (a
    /// second daemon gets [`StoreError::Locked`]), then creates, checks and migrates it.
    /// A read-only store is refused: the daemon must write its outbox.
    pub fn open_exclusive(path: &Path) -> Result<Store> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let lock = lock(path, &shown)?;
        if !path.exists() {
            create(path, &shown)?;
        }
        let store = Store::open_file(path, &shown, Some(lock))?;
        if store.conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::ReadOnly {
                path: shown,
                reason: "the file cannot be written".into(),
            });
        }
        Ok(store)
    }

    fn open_file(path: &Path, shown: &str, lock: Option<std::fs::File>) -> Result<Store> {
        if std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            return Err(StoreError::Empty {
                path: shown.to_owned(),
            });
        }
        let conn = Connection::open(path).map_err(|e| StoreError::at_open(e, shown))?;
        let setup = || -> rusqlite::Result<()> {
            conn.busy_timeout(BUSY_TIMEOUT)?;
            // Reads the schema: random bytes or a damaged first page fail here.
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })?;
            Ok(())
        };
        setup().map_err(|e| StoreError::at_open(e, shown))?;
        let more = || -> Result<()> {
            enable_wal(&conn)?;
            conn.pragma_update(None, "synchronous", "FULL")?;
            migrations::migrate(&conn, shown)
        };
        more().map_err(|e| match e {
            StoreError::Sql(e) => StoreError::at_open(e, shown),
            e => e,
        })?;
        Ok(Store { conn, _lock: lock })
    }

    /// Opens `path` read-only and reads its schema and the alerts table: what `/healthz`
    /// checks on each request. Never creates or changes the file.
    pub fn check_readable(path: &Path) -> Result<()> {
        let shown = path.display().to_string();
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| StoreError::at_open(e, &shown))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.query_row("SELECT count(*) FROM alerts", [], |r| r.get::<_, i64>(0))
            .map_err(|e| StoreError::at_open(e, &shown))?;
        Ok(())
    }

    /// Caps the database at `pages` pages (`PRAGMA max_page_count`, this connection only):
    /// a write that needs more fails with SQLITE_FULL, as on a full disk. Tests use it to
    /// simulate one; returns the current page count.
    pub fn limit_pages(&self, pages: Option<u64>) -> Result<u64> {
        let max = pages.unwrap_or(u64::from(u32::MAX - 1));
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {max}"), [], |r| {
                r.get::<_, i64>(0)
            })?;
        let count: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        Ok(count.max(0) as u64)
    }

    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub fn feed_state(&self, name: &str) -> Result<FeedState> {
        let row = self
            .conn
            .query_row(
                "SELECT name, etag, last_modified, fingerprint, body IS NOT NULL, events, last_attempt,
                        last_success, last_change, last_error, error_since, failures, next_pull
                 FROM feed_state WHERE name = ?1",
                [name],
                feed_row,
            )
            .optional()?;
        Ok(row.unwrap_or_else(|| FeedState {
            name: name.to_owned(),
            ..FeedState::default()
        }))
    }

    /// Writes a feed's state; `body` replaces the last good copy when given. One
    /// transaction: a new fingerprint is never recorded without its body (the next pull would
    /// take the feed for unchanged and the new body would never be analysed).
    pub fn save_feed(&self, s: &FeedState, body: Option<&[u8]>) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT INTO feed_state (name, etag, last_modified, fingerprint, events, last_attempt,
                 last_success, last_change, last_error, error_since, failures, next_pull)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(name) DO UPDATE SET etag = ?2, last_modified = ?3, fingerprint = ?4,
                 events = ?5, last_attempt = ?6, last_success = ?7, last_change = ?8,
                 last_error = ?9, error_since = ?10, failures = ?11, next_pull = ?12",
            params![
                s.name,
                s.etag,
                s.last_modified,
                s.fingerprint,
                s.events,
                s.last_attempt.map(|t| t.timestamp()),
                s.last_success.map(|t| t.timestamp()),
                s.last_change.map(|t| t.timestamp()),
                s.last_error,
                s.error_since.map(|t| t.timestamp()),
                s.failures,
                s.next_pull.map_or(0, |t| t.timestamp())
            ],
        )?;
        if let Some(b) = body {
            tx.execute(
                "UPDATE feed_state SET body = ?2 WHERE name = ?1",
                params![s.name, b],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The last good body of a feed.
    pub fn feed_body(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row("SELECT body FROM feed_state WHERE name = ?1", [name], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .optional()?
            .flatten())
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub fn set(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    /// Records or refreshes a completed week (the week that just ended, which late edits and
    /// declines may still change).
    pub fn upsert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
        self.write_week(w, now, "DO UPDATE SET json = ?3, updated_at = ?4")
    }

    /// Records a completed week unless it is already recorded (a feed that later drops old
    /// events must not overwrite what was seen then).
    pub fn insert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
        self.write_week(w, now, "DO NOTHING")
    }

    fn write_week(&self, w: &RecordedWeek, now: DateTime<Utc>, on_conflict: &str) -> Result<()> {
        let json = serde_json::to_string(w)?;
        self.conn.execute(
            &format!(
                "INSERT INTO week_history (week, week_start, json, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(week) {on_conflict}"
            ),
            params![
                w.summary.week,
                w.summary.week_start.to_string(),
                json,
                now.timestamp()
            ],
        )?;
        Ok(())
    }

    /// The recorded weeks, oldest first. A row that does not read as a week is skipped with
    /// a warning naming it (the rest of the history is still shown).
    pub fn weeks(&self) -> Result<Vec<RecordedWeek>> {
        let mut st = self
            .conn
            .prepare("SELECT week, json FROM week_history ORDER BY week_start")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (week, json) = row?;
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
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM alerts WHERE key = ?1",
                [key.as_str()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
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
        let now = now.timestamp();
        let relevant_until = alert.relevant_until.map(|t| t.timestamp());
        let payload = alert.payload.to_string();
        let tx = self.conn.transaction()?;
        let existing: Option<(i64, String, i64)> = tx
            .query_row(
                "SELECT id, state, opened FROM alerts WHERE key = ?1",
                [alert.key.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (id, opening) = match existing {
            Some((_, state, _)) if AlertState::parse(&state) == Some(AlertState::Open) => {
                return Ok(None)
            }
            Some((id, _, opened)) => {
                tx.execute(
                    "UPDATE alerts SET state = ?5, opened = ?2, resolved_at = NULL, payload = ?3,
                         relevant_until = ?4 WHERE id = ?1",
                    params![
                        id,
                        opened + 1,
                        payload,
                        relevant_until,
                        AlertState::Open.as_str()
                    ],
                )?;
                (id, opened + 1)
            }
            None => {
                tx.execute(
                    "INSERT INTO alerts (key, kind, state, created_at, opened, relevant_until, payload)
                     VALUES (?1, ?2, ?6, ?3, 1, ?4, ?5)",
                    params![
                        alert.key.as_str(),
                        alert.kind.as_str(),
                        now,
                        relevant_until,
                        payload,
                        AlertState::Open.as_str()
                    ],
                )?;
                (tx.last_insert_rowid(), 1)
            }
        };
        let event = DeliveryEvent {
            state: AlertState::Open,
            opening,
        };
        let msg = message(alert.payload.clone(), id, event);
        queue_deliveries(&tx, id, event, &msg, sinks, now)?;
        tx.commit()?;
        Ok(Some(id))
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
        let now = now.timestamp();
        let tx = self.conn.transaction()?;
        let row: Option<(i64, i64, String)> = tx
            .query_row(
                "SELECT id, opened, payload FROM alerts WHERE key = ?1 AND state = ?2",
                params![key.as_str(), AlertState::Open.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((id, opening, payload)) = row else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE alerts SET state = ?3, resolved_at = ?2 WHERE id = ?1",
            params![id, now, AlertState::Resolved.as_str()],
        )?;
        let mut opened: serde_json::Value = serde_json::from_str(&payload).unwrap_or_else(|e| {
            tracing::warn!(alert = id, error = %e, "stored alert is not JSON; its resolution carries only the text");
            serde_json::json!({})
        });
        opened["text"] = serde_json::json!(text);
        let event = DeliveryEvent {
            state: AlertState::Resolved,
            opening,
        };
        let msg = message(opened, id, event);
        queue_deliveries(&tx, id, event, &msg, sinks, now)?;
        tx.commit()?;
        Ok(true)
    }

    /// Open alerts of a kind, oldest first.
    pub fn open_alerts(&self, kind: AlertKind) -> Result<Vec<OpenAlert>> {
        let mut st = self.conn.prepare(
            "SELECT key, payload, relevant_until FROM alerts WHERE kind = ?1 AND state = ?2
             ORDER BY id",
        )?;
        let rows = st.query_map(params![kind.as_str(), AlertState::Open.as_str()], |r| {
            Ok(OpenAlert {
                key: AlertKey::from_stored(r.get(0)?),
                payload: json_column(r, 1)?,
                relevant_until: r.get::<_, Option<i64>>(2)?.map(instant),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deliveries whose time has come, oldest first. A retry scheduled more than `max_wait`
    /// ahead was scheduled before the clock jumped back: it is due now.
    pub fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        max_wait: chrono::Duration,
    ) -> Result<Vec<Delivery>> {
        let mut st = self.conn.prepare(
            "SELECT id, alert_id, sink, event, attempts, payload FROM deliveries
             WHERE state = ?3 AND (next_attempt <= ?1 OR next_attempt > ?1 + ?2)
             ORDER BY id",
        )?;
        let rows = st.query_map(
            params![
                now.timestamp(),
                max_wait.num_seconds(),
                DeliveryState::Pending.as_str()
            ],
            |r| {
                Ok(Delivery {
                    id: r.get(0)?,
                    alert_id: r.get(1)?,
                    sink: SinkName::from_stored(r.get(2)?),
                    event: event_column(r, 3)?,
                    attempts: r.get(4)?,
                    payload: r.get(5)?,
                })
            },
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The earliest retry time of a pending delivery.
    pub fn next_delivery_at(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<i64> = self.conn.query_row(
            "SELECT MIN(next_attempt) FROM deliveries WHERE state = ?1",
            [DeliveryState::Pending.as_str()],
            |r| r.get(0),
        )?;
        Ok(t.map(instant))
    }

    /// Records that the sink acknowledged delivery `id`.
    pub fn mark_delivered(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET state = ?3, delivered_at = ?2, attempts = attempts + 1,
                 last_error = NULL WHERE id = ?1",
            params![id, now.timestamp(), DeliveryState::Delivered.as_str()],
        )?;
        Ok(())
    }

    /// Records a failed attempt of delivery `id` and when to try again.
    pub fn mark_failed(&self, id: i64, error: &SinkError, retry_at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3
             WHERE id = ?1",
            params![id, error.to_string(), retry_at.timestamp()],
        )?;
        Ok(())
    }

    /// Files the deliveries stored under each `from` name under its `to` name instead, in one
    /// transaction; returns how many moved. The daemon uses it at start to carry deliveries
    /// made under positional names (`webhook[0]`, before sinks had stable names) over to the
    /// sinks' names. A delivery whose `to` twin already exists stays as it was.
    pub fn rename_sinks(&mut self, renames: &[(SinkName, SinkName)]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut moved = 0;
        for (from, to) in renames.iter().filter(|(f, t)| f != t) {
            moved += tx.execute(
                "UPDATE OR IGNORE deliveries SET sink = ?2 WHERE sink = ?1",
                params![from.as_str(), to.as_str()],
            )?;
        }
        tx.commit()?;
        Ok(moved)
    }

    /// Alerts created or resolved at or after `since`, oldest first, with their deliveries.
    pub fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<AlertRecord>> {
        let mut st = self.conn.prepare(
            "SELECT id, key, kind, state, created_at, resolved_at, relevant_until, payload FROM alerts
             WHERE created_at >= ?1 OR resolved_at >= ?1 ORDER BY id",
        )?;
        let mut out: Vec<AlertRecord> = st
            .query_map([since.timestamp()], |r| {
                Ok(AlertRecord {
                    id: r.get(0)?,
                    key: AlertKey::from_stored(r.get(1)?),
                    kind: parsed_column(r, 2, AlertKind::parse)?,
                    state: parsed_column(r, 3, AlertState::parse)?,
                    created_at: instant(r.get(4)?),
                    resolved_at: r.get::<_, Option<i64>>(5)?.map(instant),
                    relevant_until: r.get::<_, Option<i64>>(6)?.map(instant),
                    payload: json_column(r, 7)?,
                    deliveries: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let mut st = self.conn.prepare(
            "SELECT sink, event, state, attempts, last_error FROM deliveries WHERE alert_id = ?1 ORDER BY id",
        )?;
        for a in &mut out {
            a.deliveries = st
                .query_map([a.id], |r| {
                    Ok(DeliveryStatus {
                        sink: SinkName::from_stored(r.get(0)?),
                        event: event_column(r, 1)?,
                        state: parsed_column(r, 2, DeliveryState::parse)?,
                        attempts: r.get(3)?,
                        last_error: r.get(4)?,
                    })
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(out)
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

/// One pending delivery of `msg` per sink; a sink that already has this event keeps it.
fn queue_deliveries(
    tx: &rusqlite::Transaction<'_>,
    alert_id: i64,
    event: DeliveryEvent,
    msg: &str,
    sinks: &[SinkName],
    now: i64,
) -> Result<()> {
    let mut st = tx.prepare_cached(
        "INSERT OR IGNORE INTO deliveries (alert_id, sink, event, state, attempts, next_attempt, payload)
         VALUES (?1, ?2, ?3, ?6, 0, ?4, ?5)",
    )?;
    for sink in sinks {
        st.execute(params![
            alert_id,
            sink.as_str(),
            event.to_string(),
            now,
            msg,
            DeliveryState::Pending.as_str()
        ])?;
    }
    Ok(())
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

/// Column `i` read as text and parsed by `parse`; text it does not know is a conversion error
/// naming the text (a row written by something else than calaudit).
fn parsed_column<T>(
    r: &rusqlite::Row<'_>,
    i: usize,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unknown value {text:?}").into(),
        )
    })
}

fn event_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DeliveryEvent> {
    parsed_column(r, i, DeliveryEvent::parse)
}

/// Column `i` as JSON (alert payloads are written from JSON values, so text that does not
/// parse is a damaged row and an error, not an empty payload).
fn json_column(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<serde_json::Value> {
    let text: String = r.get(i)?;
    serde_json::from_str(&text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into())
    })
}

/// Takes the daemon's lock: an exclusive, non-blocking `flock(2)` on `<store>.lock`, held as
/// long as the returned file is open. The holder's pid is written into the file for the
/// message a second daemon prints.
fn lock(path: &Path, shown: &str) -> Result<std::fs::File> {
    use std::io::{Read, Seek, Write};
    use std::os::fd::AsRawFd;
    let lock_path = format!("{}.lock", path.display());
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        // flock needs no write access: a lock file made by another user still locks.
        .or_else(|_| std::fs::File::open(&lock_path))
        .map_err(|source| StoreError::Lock {
            path: shown.to_owned(),
            lock: lock_path.clone(),
            source,
        })?;
    // SAFETY: flock on a file descriptor this function owns; no memory is passed.
    let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        if err.kind() != std::io::ErrorKind::WouldBlock {
            return Err(StoreError::Lock {
                path: shown.to_owned(),
                lock: lock_path,
                source: err,
            });
        }
        let mut pid = String::new();
        let _ = f.read_to_string(&mut pid);
        let pid = pid.trim();
        return Err(StoreError::Locked {
            path: shown.to_owned(),
            lock: lock_path,
            holder: if !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()) {
                format!(" (pid {pid})")
            } else {
                String::new()
            },
        });
    }
    // Best effort: the pid is only for the message.
    let _ = f
        .set_len(0)
        .and_then(|()| f.rewind())
        .and_then(|()| write!(f, "{}", std::process::id()));
    Ok(f)
}

/// Builds a new store under a temporary name (`<store>.new-…`), migrated and closed (so its
/// write-ahead log is folded in), then links it into place: a crash leaves either no store
/// or a whole one, never an empty file that [`Store::open`] would refuse.
fn create(path: &Path, shown: &str) -> Result<()> {
    let create_err = |source| StoreError::Create {
        path: shown.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(create_err)?;
    }
    // Unique per process and thread: two readers creating at once each build their own.
    let tmp = std::path::PathBuf::from(format!(
        "{}.new-{}-{:?}",
        path.display(),
        std::process::id(),
        std::thread::current().id()
    ));
    let remove_tmp = || {
        for ext in ["", "-wal", "-shm", "-journal"] {
            let _ = std::fs::remove_file(format!("{}{ext}", tmp.display()));
        }
    };
    remove_tmp();
    let built = (|| -> Result<()> {
        let conn = Connection::open(&tmp)?;
        enable_wal(&conn)?;
        migrations::migrate(&conn, shown)?;
        conn.close().map_err(|(_, e)| e)?;
        std::fs::File::open(&tmp)
            .and_then(|f| f.sync_all())
            .map_err(create_err)?;
        // A hard link never replaces: when another opener finished first, theirs is kept.
        match std::fs::hard_link(&tmp, path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => return Err(create_err(e)),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        Ok(())
    })();
    remove_tmp();
    built
}

/// Switches to write-ahead logging (readers never wait for the daemon). Changing the journal
/// mode of a fresh file takes an exclusive lock without SQLite's busy handler, so a second
/// process opening the file at that instant gets SQLITE_BUSY: retried for as long as the busy
/// timeout would have waited.
fn enable_wal(conn: &Connection) -> Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Ok(()) => return Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn feed_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<FeedState> {
    Ok(FeedState {
        name: r.get(0)?,
        etag: r.get(1)?,
        last_modified: r.get(2)?,
        fingerprint: r.get(3)?,
        has_body: r.get(4)?,
        events: r.get(5)?,
        last_attempt: r.get::<_, Option<i64>>(6)?.map(from_ts),
        last_success: r.get::<_, Option<i64>>(7)?.map(from_ts),
        last_change: r.get::<_, Option<i64>>(8)?.map(from_ts),
        last_error: r.get(9)?,
        error_since: r.get::<_, Option<i64>>(10)?.map(from_ts),
        failures: r.get(11)?,
        // 0: never scheduled (the column is NOT NULL).
        next_pull: Some(r.get::<_, i64>(12)?).filter(|n| *n > 0).map(from_ts),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("calaudit-store-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&p);
        p
    }

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
        let path = tmp("weeks.db");
        let s = Store::open(&path).unwrap();
        let good = r#"{"week":"2026-W03","week_start":"2026-01-12","busy_minutes":60,
            "minutes":{"people":60},"people_target":0.3}"#;
        let rec: RecordedWeek = serde_json::from_str(good).unwrap();
        s.upsert_week(&rec, at(1_770_000_000)).unwrap();
        for (week, start, json) in [
            ("2026-W04", "2026-01-19", "not json"),
            (
                "2026-W05",
                "2026-01-26",
                r#"{"week":"2026-W05","week_start":"26/01/2026"}"#,
            ),
            (
                "2026-W06",
                "2026-02-02",
                r#"{"week":"2026-W06","week_start":"2026-02-02","minutes":{"people":1e300},"people_target":0.3}"#,
            ),
        ] {
            s.conn
                .execute(
                    "INSERT INTO week_history (week, week_start, json, updated_at) VALUES (?1, ?2, ?3, 0)",
                    params![week, start, json],
                )
                .unwrap();
        }
        let weeks = s.weeks().unwrap();
        assert_eq!(weeks.len(), 1);
        assert_eq!(weeks[0].summary.week, "2026-W03");
        assert_eq!(weeks[0].summary.busy_seconds, 3600);
        s.set(CURRENT_WEEK, "{").unwrap();
        assert_eq!(s.current_week().unwrap(), None);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn alerts_are_created_once_and_reopened_after_resolution() {
        let path = tmp("once.db");
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let sinks = vec![SinkName::log(), SinkName::parse("hook").unwrap()];
        let c = candidate("k");
        let wait = chrono::Duration::seconds(1000);
        assert!(s.raise(&c, &sinks, at(10)).unwrap().is_some());
        assert!(s.raise(&c, &sinks, at(11)).unwrap().is_none());
        drop(s);
        let mut s = Store::open(&path).unwrap();
        assert!(s.raise(&c, &sinks, at(12)).unwrap().is_none());
        assert_eq!(s.due_deliveries(at(12), wait).unwrap().len(), 2);
        assert!(s.resolve(&c.key, "gone", &sinks, at(13)).unwrap());
        assert!(!s.resolve(&c.key, "gone", &sinks, at(14)).unwrap());
        assert_eq!(s.due_deliveries(at(14), wait).unwrap().len(), 4);
        assert!(s.raise(&c, &sinks, at(15)).unwrap().is_some());
        let d = s.due_deliveries(at(15), wait).unwrap();
        assert_eq!(d.len(), 6);
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
            ]
        );
        let last: serde_json::Value = serde_json::from_str(&d[5].payload).unwrap();
        assert_eq!(
            (last["id"].as_str(), last["state"].as_str()),
            (Some("1-open-2"), Some("open"))
        );
        s.mark_delivered(d[0].id, at(16)).unwrap();
        s.mark_failed(d[1].id, &SinkError::EmptyCommand, at(100))
            .unwrap();
        assert_eq!(s.due_deliveries(at(16), wait).unwrap().len(), 4);
        assert_eq!(s.next_delivery_at().unwrap(), Some(at(13)));

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
        let open = s.open_alerts(AlertKind::TargetMissed).unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(open[0].payload["text"], "x");
        let _ = std::fs::remove_file(&path);
    }

    /// Deliveries filed under a positional name move to the sink's stable name; one whose
    /// twin already exists under the new name is left alone (the UNIQUE key holds).
    #[test]
    fn positional_sink_names_are_renamed_once() {
        let path = tmp("rename.db");
        let mut s = Store::open(&path).unwrap();
        let old = SinkName::positional("webhook", 0);
        let new = SinkName::parse("team-chat").unwrap();
        s.raise(&candidate("a"), std::slice::from_ref(&old), at(1))
            .unwrap();
        s.raise(&candidate("b"), &[old.clone(), new.clone()], at(1))
            .unwrap();
        let renames = [(old.clone(), new.clone())];
        assert_eq!(s.rename_sinks(&renames).unwrap(), 1);
        assert_eq!(s.rename_sinks(&renames).unwrap(), 0);
        let sinks: Vec<String> = s
            .due_deliveries(at(2), chrono::Duration::seconds(10))
            .unwrap()
            .iter()
            .map(|d| d.sink.to_string())
            .collect();
        assert_eq!(sinks, ["team-chat", "webhook[0]", "team-chat"]);
        let _ = std::fs::remove_file(&path);
    }

    /// Issue 12, item 5: two processes starting on a fresh store raced on the migration and
    /// one died with "table feed_state already exists".
    #[test]
    fn a_fresh_store_opened_by_many_at_once_is_migrated_once() {
        for round in 0..10 {
            let path = tmp(&format!("race-{round}.db"));
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
            let s = Store::open(&path).unwrap();
            assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
            drop(s);
            for ext in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
            }
        }
    }
}
