//! The SQLite engine: the store in one file, for one manager's daemon. Holds the daemon's
//! exclusive lock on `<store>.lock` (see [`super`]); the calls mirror [`super::Store`]'s.

use std::path::Path;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

use super::{instant, message, migrations, resolution_message, FeedState, Result, StoreError};
use crate::alert::detect::from_ts;
use crate::alert::{
    AlertKey, AlertKind, AlertRecord, AlertState, Candidate, Delivery, DeliveryEvent,
    DeliveryState, DeliveryStatus, OpenAlert, SinkError, SinkName,
};
use crate::report::RecordedWeek;

/// How long a statement waits for another connection's lock (the daemon's writes are short;
/// `status` and `alerts` read beside it).
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub(super) struct Sqlite {
    pub(super) conn: Connection,
    /// The open lock file of [`Sqlite::open_exclusive`]; closing it releases the lock.
    _lock: Option<std::fs::File>,
}

impl Sqlite {
    /// Opens (creating it and its folder on first run) and migrates the database, without
    /// the daemon's lock: for `status`, `alerts` and `history`, which read beside it.
    pub(super) fn open(path: &Path) -> Result<Sqlite> {
        let shown = path.display().to_string();
        if !path.exists() {
            create(path, &shown)?;
        }
        Sqlite::open_file(path, &shown, None)
    }

    /// Opens the store for the daemon: takes the exclusive lock on `<store>.lock` first (a
    /// second daemon gets [`StoreError::Locked`]), then creates, checks and migrates it.
    /// A read-only store is refused: the daemon must write its outbox.
    pub(super) fn open_exclusive(path: &Path) -> Result<Sqlite> {
        let shown = path.display().to_string();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let lock = lock(path, &shown)?;
        if !path.exists() {
            create(path, &shown)?;
        }
        let store = Sqlite::open_file(path, &shown, Some(lock))?;
        if store.conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::ReadOnly {
                path: shown,
                reason: "the file cannot be written".into(),
            });
        }
        Ok(store)
    }

    fn open_file(path: &Path, shown: &str, lock: Option<std::fs::File>) -> Result<Sqlite> {
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
            migrations::migrate_sqlite(&conn, shown)
        };
        more().map_err(|e| match e {
            StoreError::Sql(e) => StoreError::at_open(e, shown),
            e => e,
        })?;
        Ok(Sqlite { conn, _lock: lock })
    }

    /// Opens `path` read-only and reads its schema and the alerts table: what `/healthz`
    /// checks on each request. Never creates or changes the file.
    pub(super) fn check_readable(path: &Path) -> Result<()> {
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
    pub(super) fn limit_pages(&self, pages: Option<u64>) -> Result<u64> {
        let max = pages.unwrap_or(u64::from(u32::MAX - 1));
        self.conn
            .query_row(&format!("PRAGMA max_page_count = {max}"), [], |r| {
                r.get::<_, i64>(0)
            })?;
        let count: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        Ok(count.max(0) as u64)
    }

    pub(super) fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    pub(super) fn feed_state(&self, name: &str) -> Result<FeedState> {
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
    pub(super) fn save_feed(&self, s: &FeedState, body: Option<&[u8]>) -> Result<()> {
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
    pub(super) fn feed_body(&self, name: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row("SELECT body FROM feed_state WHERE name = ?1", [name], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .optional()?
            .flatten())
    }

    pub(super) fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM kv WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub(super) fn set(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO kv (key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    /// Records or refreshes a completed week (the week that just ended, which late edits and
    /// declines may still change).
    pub(super) fn upsert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
        self.write_week(w, now, "DO UPDATE SET json = ?3, updated_at = ?4")
    }

    /// Records a completed week unless it is already recorded (a feed that later drops old
    /// events must not overwrite what was seen then).
    pub(super) fn insert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
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

    /// The recorded weeks as stored (week, JSON), oldest first.
    pub(super) fn week_rows(&self) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT week, json FROM week_history ORDER BY week_start")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Whether an alert with this key was ever raised (open or resolved).
    pub(super) fn has_alert(&self, key: &AlertKey) -> Result<bool> {
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
    pub(super) fn raise(
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
    pub(super) fn resolve(
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
        let (event, msg) = resolution_message(&payload, text, id, opening);
        queue_deliveries(&tx, id, event, &msg, sinks, now)?;
        tx.commit()?;
        Ok(true)
    }

    /// Open alerts of a kind, oldest first.
    pub(super) fn open_alerts(&self, kind: AlertKind) -> Result<Vec<OpenAlert>> {
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
    pub(super) fn due_deliveries(
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

    /// The earliest time a pending delivery to one of `sinks` may be tried: its retry time,
    /// or the end of another worker's claim on it.
    pub(super) fn next_delivery_at(&self, sinks: &[SinkName]) -> Result<Option<DateTime<Utc>>> {
        let mut st = self.conn.prepare_cached(
            "SELECT MIN(MAX(next_attempt, claimed_until)) FROM deliveries
             WHERE state = ?1 AND sink = ?2",
        )?;
        let mut best: Option<i64> = None;
        for sink in sinks {
            let t: Option<i64> = st.query_row(
                params![DeliveryState::Pending.as_str(), sink.as_str()],
                |r| r.get(0),
            )?;
            best = match (best, t) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
        Ok(best.map(instant))
    }

    /// Claims the oldest due delivery to one of `sinks` that no one else holds (see
    /// [`super::Store::claim_delivery`]). One writer: the select and the update are one
    /// `BEGIN IMMEDIATE` transaction.
    pub(super) fn claim_delivery(
        &self,
        worker: &str,
        sinks: &[SinkName],
        now: i64,
        max_wait: i64,
        until: i64,
    ) -> Result<Option<Delivery>> {
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let found = {
            let mut st = tx.prepare_cached(
                "SELECT id, alert_id, sink, event, attempts, payload FROM deliveries
                 WHERE state = ?3 AND (next_attempt <= ?1 OR next_attempt > ?1 + ?2)
                     AND claimed_until <= ?1
                 ORDER BY id",
            )?;
            let rows = st.query_map(
                params![now, max_wait, DeliveryState::Pending.as_str()],
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
            let mut found = None;
            for d in rows {
                let d = d?;
                if sinks.contains(&d.sink) {
                    found = Some(d);
                    break;
                }
            }
            found
        };
        if let Some(d) = &found {
            tx.execute(
                "UPDATE deliveries SET claimed_by = ?2, claimed_until = ?3 WHERE id = ?1",
                params![d.id, worker, until],
            )?;
        }
        tx.commit()?;
        Ok(found)
    }

    /// Records that the sink acknowledged delivery `id`.
    pub(super) fn mark_delivered(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET state = ?3, delivered_at = ?2, attempts = attempts + 1,
                 last_error = NULL, claimed_by = NULL, claimed_until = 0 WHERE id = ?1",
            params![id, now.timestamp(), DeliveryState::Delivered.as_str()],
        )?;
        Ok(())
    }

    /// Records a failed attempt of delivery `id` and when to try again.
    pub(super) fn mark_failed(
        &self,
        id: i64,
        error: &SinkError,
        retry_at: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3,
                 claimed_by = NULL, claimed_until = 0 WHERE id = ?1",
            params![id, error.to_string(), retry_at.timestamp()],
        )?;
        Ok(())
    }

    /// Files the deliveries stored under each `from` name under its `to` name instead, in one
    /// transaction; returns how many moved. The daemon uses it at start to carry deliveries
    /// made under positional names (`webhook[0]`, before sinks had stable names) over to the
    /// sinks' names. A delivery whose `to` twin already exists stays as it was.
    pub(super) fn rename_sinks(&mut self, renames: &[(SinkName, SinkName)]) -> Result<usize> {
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

    pub(super) fn heartbeat(&self, worker: &str, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO workers (id, started_at, heartbeat) VALUES (?1, ?2, ?2)
             ON CONFLICT(id) DO UPDATE SET heartbeat = ?2",
            params![worker, now],
        )?;
        Ok(())
    }

    /// As the PostgreSQL engine's, in one `BEGIN IMMEDIATE` transaction (SQLite has one
    /// writer, so nothing needs skipping).
    pub(super) fn claim_feeds(
        &self,
        worker: &str,
        feeds: &[String],
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<String>> {
        let tx = rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?;
        let mut names: Vec<&String> = feeds.iter().collect();
        names.sort();
        names.dedup();
        let mut held = std::collections::BTreeSet::new();
        {
            let mut insert = tx.prepare("INSERT OR IGNORE INTO feed_leases (feed) VALUES (?1)")?;
            let mut renew = tx.prepare(
                "UPDATE feed_leases SET expires_at = ?3 WHERE feed = ?1 AND worker = ?2
                 AND expires_at > ?4",
            )?;
            let mut take = tx.prepare(
                "UPDATE feed_leases SET worker = ?2, expires_at = ?3 WHERE feed = ?1
                 AND expires_at <= ?4",
            )?;
            for feed in &names {
                insert.execute([feed])?;
                if renew.execute(params![feed, worker, until, now])? > 0 {
                    held.insert((*feed).clone());
                }
            }
            for feed in &names {
                if held.len() as i64 >= limit {
                    break;
                }
                if !held.contains(*feed) && take.execute(params![feed, worker, until, now])? > 0 {
                    held.insert((*feed).clone());
                }
            }
        }
        tx.commit()?;
        Ok(held.into_iter().collect())
    }

    pub(super) fn release_feeds(&self, worker: &str, feeds: &[String]) -> Result<usize> {
        let tx = self.conn.unchecked_transaction()?;
        let mut n = 0;
        {
            let mut st = tx.prepare(
                "UPDATE feed_leases SET worker = NULL, expires_at = 0 WHERE worker = ?1 AND feed = ?2",
            )?;
            for f in feeds {
                n += st.execute(params![worker, f])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    pub(super) fn leased(&self, worker: &str, feeds: &[String], now: i64) -> Result<Vec<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT feed FROM feed_leases WHERE worker = ?1 AND feed = ?2 AND expires_at > ?3",
        )?;
        let mut out = Vec::new();
        for f in feeds {
            if st.exists(params![worker, f, now])? {
                out.push(f.clone());
            }
        }
        Ok(out)
    }

    /// Frees every feed lease and delivery claim: they belong to processes that are gone.
    pub(super) fn forget_claims(&self) -> Result<()> {
        self.conn.execute_batch(
            "UPDATE feed_leases SET worker = NULL, expires_at = 0 WHERE worker IS NOT NULL;
             UPDATE deliveries SET claimed_by = NULL, claimed_until = 0 WHERE claimed_by IS NOT NULL;",
        )?;
        Ok(())
    }

    pub(super) fn feed_schedule(&self, feeds: &[String]) -> Result<Vec<(String, Option<i64>)>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT next_pull FROM feed_state WHERE name = ?1")?;
        let mut out = Vec::with_capacity(feeds.len());
        for f in feeds {
            let next: Option<i64> = st.query_row([f], |r| r.get(0)).optional()?;
            if let Some(n) = next {
                out.push((f.clone(), Some(n).filter(|n| *n > 0)));
            }
        }
        Ok(out)
    }

    pub(super) fn failing_feeds(&self) -> Result<Vec<FeedState>> {
        let names: Vec<String> = {
            let mut st = self.conn.prepare(
                "SELECT name FROM feed_state WHERE error_since IS NOT NULL ORDER BY name",
            )?;
            let rows = st.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        names.iter().map(|n| self.feed_state(n)).collect()
    }

    pub(super) fn feed_bodies(&self, feeds: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
        let mut out = Vec::new();
        for f in feeds {
            if let Some(b) = self.feed_body(f)? {
                out.push((f.clone(), b));
            }
        }
        Ok(out)
    }

    pub(super) fn set_worker_stats(&self, worker: &str, stats: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE workers SET stats = ?2 WHERE id = ?1",
            params![worker, stats],
        )?;
        Ok(())
    }

    pub(super) fn renew_leases(&self, worker: &str, now: i64, until: i64) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE feed_leases SET expires_at = ?3 WHERE worker = ?1 AND expires_at > ?2",
            params![worker, now, until],
        )?)
    }

    pub(super) fn release_leases(&self, worker: &str) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE feed_leases SET worker = NULL, expires_at = 0 WHERE worker = ?1",
            [worker],
        )?)
    }

    pub(super) fn workers(&self, now: i64) -> Result<Vec<super::WorkerRow>> {
        let mut st = self.conn.prepare(
            "SELECT w.id, w.started_at, w.heartbeat,
                    (SELECT count(*) FROM feed_leases l WHERE l.worker = w.id AND l.expires_at > ?1),
                    (SELECT max(expires_at) FROM feed_leases l WHERE l.worker = w.id AND l.expires_at > ?1),
                    (SELECT count(*) FROM deliveries d WHERE d.claimed_by = w.id AND d.claimed_until > ?1),
                    w.stats
             FROM workers w ORDER BY w.id",
        )?;
        let rows = st.query_map([now], |r| {
            Ok(super::WorkerRow {
                id: r.get(0)?,
                started_at: r.get(1)?,
                heartbeat: r.get(2)?,
                leases: r.get(3)?,
                leases_until: r.get(4)?,
                deliveries: r.get(5)?,
                stats: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Alerts created or resolved at or after `since`, oldest first, with their deliveries.
    pub(super) fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<AlertRecord>> {
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
        migrations::migrate_sqlite(&conn, shown)?;
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
