//! Versioned schema: `PRAGMA user_version` is the number of migrations applied. Append only:
//! never edit a migration that has shipped, add the next one.

use rusqlite::Connection;

use super::{Result, StoreError};

const MIGRATIONS: &[&str] = &[
    // 1: feed state, history, snapshot, alerts and the outbox.
    "CREATE TABLE feed_state (
         name TEXT PRIMARY KEY,
         etag TEXT,
         last_modified TEXT,
         fingerprint TEXT,
         body BLOB,
         events INTEGER,
         last_attempt INTEGER,
         last_success INTEGER,
         last_change INTEGER,
         last_error TEXT,
         error_since INTEGER,
         failures INTEGER NOT NULL DEFAULT 0,
         next_pull INTEGER NOT NULL DEFAULT 0
     );
     CREATE TABLE week_history (
         week TEXT PRIMARY KEY,
         week_start TEXT NOT NULL,
         json TEXT NOT NULL,
         updated_at INTEGER NOT NULL
     );
     CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
     CREATE TABLE alerts (
         id INTEGER PRIMARY KEY,
         key TEXT NOT NULL UNIQUE,
         kind TEXT NOT NULL,
         state TEXT NOT NULL,
         created_at INTEGER NOT NULL,
         resolved_at INTEGER,
         opened INTEGER NOT NULL DEFAULT 1,
         relevant_until INTEGER,
         payload TEXT NOT NULL
     );
     CREATE TABLE deliveries (
         id INTEGER PRIMARY KEY,
         alert_id INTEGER NOT NULL REFERENCES alerts(id),
         sink TEXT NOT NULL,
         event TEXT NOT NULL,
         state TEXT NOT NULL,
         attempts INTEGER NOT NULL DEFAULT 0,
         next_attempt INTEGER NOT NULL,
         last_error TEXT,
         delivered_at INTEGER,
         payload TEXT NOT NULL,
         UNIQUE (alert_id, sink, event)
     );
     CREATE INDEX deliveries_pending ON deliveries (state, next_attempt);",
];

pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to [`SCHEMA_VERSION`] in one `BEGIN IMMEDIATE` transaction: the
/// version is read under the write lock and bumped inside the same transaction, so two
/// processes opening a fresh store at once cannot both apply a migration (the second waits,
/// then finds nothing to do), and a crash leaves the schema as it was.
pub(super) fn migrate(conn: &Connection, shown: &str) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version == SCHEMA_VERSION {
        return Ok(());
    }
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: shown.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let from = version.max(0) as usize;
    for sql in MIGRATIONS.iter().skip(from) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    if from < MIGRATIONS.len() {
        tracing::info!(from, to = SCHEMA_VERSION, "state database migrated");
    }
    Ok(())
}
