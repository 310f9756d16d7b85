//! The daemon's state in one SQLite file: feed fetch state and last good bodies, weekly
//! history, the snapshot the next pull is compared with, alerts and their per-sink delivery
//! (the durable outbox). Times are UTC Unix seconds.
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

use rusqlite::{params, Connection, OptionalExtension};

pub use migrations::SCHEMA_VERSION;

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
    pub last_attempt: Option<i64>,
    pub last_success: Option<i64>,
    pub last_change: Option<i64>,
    pub last_error: Option<String>,
    /// Start of the current failure streak.
    pub error_since: Option<i64>,
    pub failures: i64,
    pub next_pull: i64,
}

/// One pending delivery of an alert (or of its resolution) to one sink.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub id: i64,
    pub alert_id: i64,
    pub sink: String,
    /// `open:N` or `resolved:N` (N counts re-openings).
    pub event: String,
    pub attempts: i64,
    pub payload: String,
}

#[derive(Clone, Debug)]
pub struct AlertRow {
    pub id: i64,
    pub key: String,
    pub kind: String,
    pub state: String,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
    pub relevant_until: Option<i64>,
    pub payload: String,
    /// (sink, event, state, attempts, last_error)
    pub deliveries: Vec<(String, String, String, i64, Option<String>)>,
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

    pub fn feed_states(&self) -> Result<Vec<FeedState>> {
        let mut st = self.conn.prepare(
            "SELECT name, etag, last_modified, fingerprint, body IS NOT NULL, events, last_attempt,
                    last_success, last_change, last_error, error_since, failures, next_pull
             FROM feed_state ORDER BY name",
        )?;
        let rows = st.query_map([], feed_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
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
                s.last_attempt,
                s.last_success,
                s.last_change,
                s.last_error,
                s.error_since,
                s.failures,
                s.next_pull
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

    /// Records (or refreshes) a completed week; rows stay when a feed later drops old events.
    pub fn upsert_week(&self, week: &str, week_start: &str, json: &str, now: i64) -> Result<()> {
        self.conn.execute(
            "INSERT INTO week_history (week, week_start, json, updated_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(week) DO UPDATE SET json = ?3, updated_at = ?4",
            params![week, week_start, json, now],
        )?;
        Ok(())
    }

    /// (week, json), oldest first.
    pub fn weeks(&self) -> Result<Vec<(String, String)>> {
        let mut st = self
            .conn
            .prepare("SELECT week, json FROM week_history ORDER BY week_start")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Creates the alert unless its key exists (then nothing happens, unless it was resolved:
    /// then it is opened again), with one pending delivery per sink, in one transaction.
    /// Returns the alert id when something is to be delivered.
    pub fn raise(
        &mut self,
        key: &str,
        kind: &str,
        payload: &serde_json::Value,
        relevant_until: Option<i64>,
        sinks: &[String],
        now: i64,
    ) -> Result<Option<i64>> {
        let tx = self.conn.transaction()?;
        let existing: Option<(i64, String, i64)> = tx
            .query_row(
                "SELECT id, state, opened FROM alerts WHERE key = ?1",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let (id, n) = match existing {
            Some((_, state, _)) if state == "open" => return Ok(None),
            Some((id, _, opened)) => {
                tx.execute(
                    "UPDATE alerts SET state = 'open', opened = ?2, resolved_at = NULL, payload = ?3,
                         relevant_until = ?4 WHERE id = ?1",
                    params![id, opened + 1, payload.to_string(), relevant_until],
                )?;
                (id, opened + 1)
            }
            None => {
                tx.execute(
                    "INSERT INTO alerts (key, kind, state, created_at, opened, relevant_until, payload)
                     VALUES (?1, ?2, 'open', ?3, 1, ?4, ?5)",
                    params![key, kind, now, relevant_until, payload.to_string()],
                )?;
                (tx.last_insert_rowid(), 1)
            }
        };
        let mut msg = payload.clone();
        msg["id"] = serde_json::json!(format!("{id}-open-{n}"));
        msg["alert_id"] = serde_json::json!(id);
        msg["state"] = serde_json::json!("open");
        for sink in sinks {
            tx.execute(
                "INSERT OR IGNORE INTO deliveries (alert_id, sink, event, state, attempts, next_attempt, payload)
                 VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5)",
                params![id, sink, format!("open:{n}"), now, msg.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(Some(id))
    }

    /// Marks an open alert resolved and queues the resolution notice; false when it was not open.
    pub fn resolve(&mut self, key: &str, text: &str, sinks: &[String], now: i64) -> Result<bool> {
        let tx = self.conn.transaction()?;
        let row: Option<(i64, i64, String)> = tx
            .query_row(
                "SELECT id, opened, payload FROM alerts WHERE key = ?1 AND state = 'open'",
                [key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((id, n, payload)) = row else {
            return Ok(false);
        };
        tx.execute(
            "UPDATE alerts SET state = 'resolved', resolved_at = ?2 WHERE id = ?1",
            params![id, now],
        )?;
        let mut msg: serde_json::Value =
            serde_json::from_str(&payload).unwrap_or_else(|_| serde_json::json!({}));
        msg["id"] = serde_json::json!(format!("{id}-resolved-{n}"));
        msg["alert_id"] = serde_json::json!(id);
        msg["state"] = serde_json::json!("resolved");
        msg["text"] = serde_json::json!(text);
        for sink in sinks {
            tx.execute(
                "INSERT OR IGNORE INTO deliveries (alert_id, sink, event, state, attempts, next_attempt, payload)
                 VALUES (?1, ?2, ?3, 'pending', 0, ?4, ?5)",
                params![id, sink, format!("resolved:{n}"), now, msg.to_string()],
            )?;
        }
        tx.commit()?;
        Ok(true)
    }

    /// Open alerts of a kind: (key, payload, relevant_until).
    pub fn open_alerts(&self, kind: &str) -> Result<Vec<(String, String, Option<i64>)>> {
        let mut st = self.conn.prepare(
            "SELECT key, payload, relevant_until FROM alerts WHERE kind = ?1 AND state = 'open' ORDER BY id",
        )?;
        let rows = st.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Deliveries whose time has come, oldest first. A retry scheduled more than `max_wait`
    /// seconds ahead was scheduled before the clock jumped back: it is due now.
    pub fn due_deliveries(&self, now: i64, max_wait: i64) -> Result<Vec<Delivery>> {
        let mut st = self.conn.prepare(
            "SELECT id, alert_id, sink, event, attempts, payload FROM deliveries
             WHERE state = 'pending' AND (next_attempt <= ?1 OR next_attempt > ?1 + ?2)
             ORDER BY id",
        )?;
        let rows = st.query_map([now, max_wait], |r| {
            Ok(Delivery {
                id: r.get(0)?,
                alert_id: r.get(1)?,
                sink: r.get(2)?,
                event: r.get(3)?,
                attempts: r.get(4)?,
                payload: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The earliest retry time of a pending delivery.
    pub fn next_delivery_at(&self) -> Result<Option<i64>> {
        Ok(self.conn.query_row(
            "SELECT MIN(next_attempt) FROM deliveries WHERE state = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn mark_delivered(&self, id: i64, now: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET state = 'delivered', delivered_at = ?2, attempts = attempts + 1,
                 last_error = NULL WHERE id = ?1",
            params![id, now],
        )?;
        Ok(())
    }

    pub fn mark_failed(&self, id: i64, error: &str, next_attempt: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ?2, next_attempt = ?3
             WHERE id = ?1",
            params![id, error, next_attempt],
        )?;
        Ok(())
    }

    /// Alerts created or resolved at or after `since`, oldest first, with their deliveries.
    pub fn alerts_since(&self, since: i64) -> Result<Vec<AlertRow>> {
        let mut st = self.conn.prepare(
            "SELECT id, key, kind, state, created_at, resolved_at, relevant_until, payload FROM alerts
             WHERE created_at >= ?1 OR resolved_at >= ?1 ORDER BY id",
        )?;
        let mut out: Vec<AlertRow> = st
            .query_map([since], |r| {
                Ok(AlertRow {
                    id: r.get(0)?,
                    key: r.get(1)?,
                    kind: r.get(2)?,
                    state: r.get(3)?,
                    created_at: r.get(4)?,
                    resolved_at: r.get(5)?,
                    relevant_until: r.get(6)?,
                    payload: r.get(7)?,
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
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
        }
        Ok(out)
    }
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
        last_attempt: r.get(6)?,
        last_success: r.get(7)?,
        last_change: r.get(8)?,
        last_error: r.get(9)?,
        error_since: r.get(10)?,
        failures: r.get(11)?,
        next_pull: r.get(12)?,
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

    #[test]
    fn alerts_are_created_once_and_reopened_after_resolution() {
        let path = tmp("once.db");
        let mut s = Store::open(&path).unwrap();
        assert_eq!(s.schema_version().unwrap(), SCHEMA_VERSION);
        let sinks = vec!["log".to_string(), "webhook[0]".to_string()];
        let p = serde_json::json!({"kind": "no_fly", "text": "x"});
        assert!(s
            .raise("k", "no_fly", &p, None, &sinks, 10)
            .unwrap()
            .is_some());
        assert!(s
            .raise("k", "no_fly", &p, None, &sinks, 11)
            .unwrap()
            .is_none());
        drop(s);
        let mut s = Store::open(&path).unwrap();
        assert!(s
            .raise("k", "no_fly", &p, None, &sinks, 12)
            .unwrap()
            .is_none());
        assert_eq!(s.due_deliveries(12, 1000).unwrap().len(), 2);
        assert!(s.resolve("k", "gone", &sinks, 13).unwrap());
        assert!(!s.resolve("k", "gone", &sinks, 14).unwrap());
        assert_eq!(s.due_deliveries(14, 1000).unwrap().len(), 4);
        assert!(s
            .raise("k", "no_fly", &p, None, &sinks, 15)
            .unwrap()
            .is_some());
        let d = s.due_deliveries(15, 1000).unwrap();
        assert_eq!(d.len(), 6);
        s.mark_delivered(d[0].id, 16).unwrap();
        s.mark_failed(d[1].id, "down", 100).unwrap();
        assert_eq!(s.due_deliveries(16, 1000).unwrap().len(), 4);
        assert_eq!(s.next_delivery_at().unwrap(), Some(13));
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
