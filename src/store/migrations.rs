//! Versioned schema: `PRAGMA user_version` is the number of migrations applied. The SQL lives
//! in `migrations/NNNN_name.sql` at the top of the crate, where it can be read (and, later, run
//! by a second engine) without Rust around it. Append only: never edit a migration that has
//! shipped, add the next file.

use rusqlite::Connection;

use super::{Result, StoreError};

/// The migrations in order, one file each in the top-level `migrations/` folder
/// (`NNNN_name.sql`), compiled in so the binary carries its schema.
const MIGRATIONS: &[&str] = &[include_str!("../../migrations/0001_initial.sql")];

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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in `migrations/` is compiled in, in order: a file added there but not to
    /// [`MIGRATIONS`] would never run.
    #[test]
    fn every_migration_file_is_compiled_in_in_order() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("migrations folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".sql"))
            .collect();
        names.sort();
        assert_eq!(names.len(), MIGRATIONS.len(), "{names:?}");
        for (i, name) in names.iter().enumerate() {
            assert!(name.starts_with(&format!("{:04}_", i + 1)), "{name}");
            let text = std::fs::read_to_string(format!("{dir}/{name}")).expect("read");
            assert_eq!(text, MIGRATIONS[i], "{name}");
        }
    }
}
