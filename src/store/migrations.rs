//! Versioned schema, one folder of migrations per engine: `migrations/sqlite/NNNN_name.sql`
//! and `migrations/postgres/NNNN_name.sql` at the top of the crate, where they can be read
//! without Rust around them. File N of one engine makes the same change as file N of the
//! other, so both engines have the same schema version. Append only: never edit a migration
//! that has shipped, add the next file to both folders.
//!
//! SQLite keeps the version in `PRAGMA user_version`; PostgreSQL in the one-row table
//! `calaudit_schema` (in the connection's `search_path`).

use rusqlite::Connection;

use super::{Result, StoreError};

/// The SQLite migrations in order, compiled in so the binary carries its schema.
const SQLITE: &[&str] = &[
    include_str!("../../migrations/sqlite/0001_initial.sql"),
    include_str!("../../migrations/sqlite/0002_leases.sql"),
    include_str!("../../migrations/sqlite/0003_claims.sql"),
];

/// The PostgreSQL migrations in order; the same changes as [`SQLITE`].
const POSTGRES: &[&str] = &[
    include_str!("../../migrations/postgres/0001_initial.sql"),
    include_str!("../../migrations/postgres/0002_leases.sql"),
    include_str!("../../migrations/postgres/0003_claims.sql"),
];

pub const SCHEMA_VERSION: i64 = SQLITE.len() as i64;

/// Both engines have the same number of migrations (checked at compile time).
const _: () = assert!(SQLITE.len() == POSTGRES.len());

/// An arbitrary, fixed key for `pg_advisory_xact_lock`: every calaudit migrating a
/// PostgreSQL database waits on it ("calaudit" in ASCII, hard-coded).
const PG_MIGRATION_LOCK: i64 = 0x6361_6c61_7564_6974;

/// Brings the schema up to [`SCHEMA_VERSION`] in one `BEGIN IMMEDIATE` transaction: the
/// version is read under the write lock and bumped inside the same transaction, so two
/// processes opening a fresh store at once cannot both apply a migration (the second waits,
/// then finds nothing to do), and a crash leaves the schema as it was.
pub(super) fn migrate_sqlite(conn: &Connection, shown: &str) -> Result<()> {
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
    for sql in SQLITE.iter().skip(from) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()?;
    if from < SQLITE.len() {
        tracing::info!(from, to = SCHEMA_VERSION, "state database migrated");
    }
    Ok(())
}

/// The PostgreSQL schema version (0 before the first migration).
pub(super) fn pg_version(c: &mut impl postgres::GenericClient) -> Result<i64> {
    let exists: bool = c
        .query_one("SELECT to_regclass('calaudit_schema') IS NOT NULL", &[])?
        .get(0);
    if !exists {
        return Ok(0);
    }
    let row = c.query_opt("SELECT version FROM calaudit_schema", &[])?;
    Ok(row.map_or(0, |r| r.get(0)))
}

/// Brings a PostgreSQL schema up to [`SCHEMA_VERSION`] in one transaction that first takes a
/// transaction-level advisory lock: any number of workers starting at once on a fresh
/// database apply each migration once (the others wait for the lock, then find nothing to
/// do), and a failure rolls everything back (PostgreSQL's DDL is transactional).
pub(super) fn migrate_postgres(client: &mut postgres::Client, shown: &str) -> Result<()> {
    if pg_version(client)? == SCHEMA_VERSION {
        return Ok(());
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS calaudit_schema (version BIGINT NOT NULL)")?;
    let version = pg_version(&mut tx)?;
    if version > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            path: shown.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let from = version.max(0) as usize;
    for sql in POSTGRES.iter().skip(from) {
        tx.batch_execute(sql)?;
    }
    tx.execute("DELETE FROM calaudit_schema", &[])?;
    tx.execute(
        "INSERT INTO calaudit_schema (version) VALUES ($1)",
        &[&SCHEMA_VERSION],
    )?;
    tx.commit()?;
    if from < POSTGRES.len() {
        tracing::info!(from, to = SCHEMA_VERSION, "state database migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in `migrations/<engine>/` is compiled in, in order: a file added there but
    /// not to [`SQLITE`] or [`POSTGRES`] would never run. Both folders hold the same names.
    #[test]
    fn every_migration_file_is_compiled_in_in_order() {
        let mut per_engine = Vec::new();
        for (engine, compiled) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            let dir = format!("{}/migrations/{engine}", env!("CARGO_MANIFEST_DIR"));
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .expect("migrations folder")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect();
            names.sort();
            assert_eq!(names.len(), compiled.len(), "{engine}: {names:?}");
            for (i, name) in names.iter().enumerate() {
                assert!(
                    name.starts_with(&format!("{:04}_", i + 1)),
                    "{engine}: {name}"
                );
                let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("read");
                assert_eq!(text, compiled[i], "{engine}: {name}");
            }
            per_engine.push(names);
        }
        assert_eq!(
            per_engine[0], per_engine[1],
            "sqlite and postgres migrations differ"
        );
        let stray: Vec<String> =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
                .expect("migrations folder")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".sql"))
                .collect();
        assert!(
            stray.is_empty(),
            "migrations outside an engine folder: {stray:?}"
        );
    }
}
