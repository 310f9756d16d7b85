//! The PostgreSQL engine: the same tables and calls as [`super::sqlite`], for a store that
//! several processes share (issue 14). Synchronous connections (the `postgres` crate; the
//! choice and its numbers are in `docs/DESIGN.md`, "Store engines") checked out for each
//! call from the process's bounded pool ([`super::pool`]), which every store on the same
//! server shares (team mode: one schema per user, hundreds of users); each statement is
//! prepared once per connection.
//!
//! Where SQLite relies on its single writer, this engine relies on row locks and unique keys:
//! `raise` and `resolve` lock the alert's row (`FOR UPDATE`), and a concurrent insert of the
//! same key loses to the UNIQUE constraint (`ON CONFLICT DO NOTHING`), so an alert is raised
//! and resolved once even when two processes detect it at the same instant.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::pool::{Checkout, Conn, Pool, Prepared};
use super::{instant, message, migrations, resolution_message, FeedState, Result, StoreError};
use crate::alert::detect::from_ts;
use crate::alert::{
    AlertKey, AlertKind, AlertRecord, AlertState, Candidate, Delivery, DeliveryEvent,
    DeliveryState, DeliveryStatus, OpenAlert, SinkError, SinkName,
};
use crate::report::RecordedWeek;

/// The class of the advisory lock one analysis holds (with the schema's hash as second key):
/// "cala" in ASCII, arbitrary and fixed.
pub(super) const ANALYSIS_LOCK: i32 = 0x6361_6c61;

pub(super) struct Pg {
    /// The process's connections to this server, shared with every other store on it
    /// ([`super::pool`]); each call checks one out.
    pool: Arc<Pool>,
    /// The schema every statement runs in (team mode: the user's); `None`: the URL's own.
    schema: Option<String>,
    /// The connection this store took the analysis lock on, kept until it unlocks (the
    /// lock belongs to that session); while held, every call of this store uses it.
    pinned: RefCell<Option<Checkout>>,
}

/// A store dropped while it holds the analysis lock (a panic in an analysis, a thread that
/// ended) closes the pinned connection, and the lock with it: given back to the pool, the
/// connection would keep the lock in its session, and no worker could analyse this schema
/// again until the process ends.
impl Drop for Pg {
    fn drop(&mut self) {
        if let Some(mut c) = self.pinned.get_mut().take() {
            c.close();
        }
    }
}

/// The connection one call uses: the pinned one, or one checked out for the call.
enum ConnRef<'a> {
    Pinned(RefMut<'a, Checkout>),
    Own(Checkout),
}

impl std::ops::Deref for ConnRef<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        match self {
            ConnRef::Pinned(c) => c,
            ConnRef::Own(c) => c,
        }
    }
}

impl std::ops::DerefMut for ConnRef<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        match self {
            ConnRef::Pinned(c) => c,
            ConnRef::Own(c) => c,
        }
    }
}

impl Pg {
    /// Makes sure `schema` (team mode: the user's) exists and is migrated, on a connection
    /// of the process's pool for `url` (at most `pool_size` connections, shared by every
    /// store on that URL). `url` is a libpq-style URL (`postgresql://user@host:port/db`; its
    /// own `?options=-c%20search_path%3Dname` is the schema when `schema` is `None`).
    pub(super) fn connect(
        url: &str,
        schema: Option<&str>,
        pool_size: usize,
        shown: &str,
    ) -> Result<Pg> {
        let pool = Pool::shared(url, &super::shown_url(url), pool_size);
        if let Some(s) = schema {
            let mut c = pool.get(None)?;
            // Two processes creating it at once: one of them loses with a unique violation
            // even with IF NOT EXISTS; by then the schema is there, so a second try succeeds.
            let sql = format!("CREATE SCHEMA IF NOT EXISTS \"{s}\"");
            if c.client.batch_execute(&sql).is_err() {
                c.client.batch_execute(&sql)?;
            }
        }
        {
            let mut c = pool.get(schema)?;
            migrations::migrate_postgres(&mut c.client, shown)?;
        }
        Ok(Pg {
            pool,
            schema: schema.map(str::to_owned),
            pinned: RefCell::new(None),
        })
    }

    /// One cheap query (the schema's version row) on a connection of the pool for `url`,
    /// waited for at most 5 s. A connection found broken (the server restarted since it
    /// was last used) is closed and the query tried once more on a new one, so only a
    /// server that is down now fails.
    pub(super) fn ping(url: &str, schema: Option<&str>, pool_size: usize) -> Result<()> {
        let pool = Pool::shared(url, &super::shown_url(url), pool_size);
        let wait = std::time::Duration::from_secs(5);
        // The query's result, and whether it failed on a connection that broke.
        let once = || -> (Result<()>, bool) {
            let mut c = match pool.get_within(schema, wait) {
                Ok(c) => c,
                Err(e) => return (Err(e), false),
            };
            match migrations::pg_version(&mut c.client) {
                Ok(v) if v > 0 => (Ok(()), false),
                Ok(_) => (
                    Err(StoreError::Damaged {
                        column: "calaudit_schema.version".into(),
                        reason: "no calaudit schema here: has a daemon started on this store?"
                            .into(),
                    }),
                    false,
                ),
                Err(e) => (Err(e), c.client.is_closed()),
            }
        };
        match once() {
            (Err(_), true) => once().0,
            (res, _) => res,
        }
    }

    /// The connection for one call: the pinned one while this store holds the analysis
    /// lock, else one from the pool (back when the returned value is dropped).
    fn conn(&self) -> Result<ConnRef<'_>> {
        match RefMut::filter_map(self.pinned.borrow_mut(), Option::as_mut) {
            Ok(c) => Ok(ConnRef::Pinned(c)),
            Err(_) => Ok(ConnRef::Own(self.pool.get(self.schema.as_deref())?)),
        }
    }

    fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<Vec<postgres::Row>> {
        let mut c = self.conn()?;
        let (client, prepared) = c.parts();
        let st = prepared.prep(client, sql)?;
        Ok(client.query(&st, params)?)
    }

    fn execute(
        &self,
        sql: &'static str,
        params: &[&(dyn postgres::types::ToSql + Sync)],
    ) -> Result<u64> {
        let mut c = self.conn()?;
        let (client, prepared) = c.parts();
        let st = prepared.prep(client, sql)?;
        Ok(client.execute(&st, params)?)
    }

    pub(super) fn schema_version(&self) -> Result<i64> {
        migrations::pg_version(&mut self.conn()?.client)
    }

    pub(super) fn feed_state(&self, name: &str) -> Result<FeedState> {
        let rows = self.query(
            "SELECT name, etag, last_modified, fingerprint, body IS NOT NULL, events, last_attempt,
                    last_success, last_change, last_error, error_since, failures, next_pull
             FROM feed_state WHERE name = $1",
            &[&name],
        )?;
        Ok(match rows.first() {
            Some(r) => FeedState {
                name: r.try_get(0)?,
                etag: r.try_get(1)?,
                last_modified: r.try_get(2)?,
                fingerprint: r.try_get(3)?,
                has_body: r.try_get(4)?,
                events: r.try_get(5)?,
                last_attempt: r.try_get::<_, Option<i64>>(6)?.map(from_ts),
                last_success: r.try_get::<_, Option<i64>>(7)?.map(from_ts),
                last_change: r.try_get::<_, Option<i64>>(8)?.map(from_ts),
                last_error: r.try_get(9)?,
                error_since: r.try_get::<_, Option<i64>>(10)?.map(from_ts),
                failures: r.try_get(11)?,
                // 0: never scheduled (the column is NOT NULL).
                next_pull: Some(r.try_get::<_, i64>(12)?)
                    .filter(|n| *n > 0)
                    .map(from_ts),
            },
            None => FeedState {
                name: name.to_owned(),
                ..FeedState::default()
            },
        })
    }

    pub(super) fn save_feed(&self, s: &FeedState, body: Option<&[u8]>) -> Result<()> {
        let mut c = self.conn()?;
        let (client, prepared) = c.parts();
        let mut tx = client.transaction()?;
        let st = prepared.prep(
            &mut tx,
            "INSERT INTO feed_state (name, etag, last_modified, fingerprint, events, last_attempt,
                 last_success, last_change, last_error, error_since, failures, next_pull)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (name) DO UPDATE SET etag = $2, last_modified = $3, fingerprint = $4,
                 events = $5, last_attempt = $6, last_success = $7, last_change = $8,
                 last_error = $9, error_since = $10, failures = $11, next_pull = $12",
        )?;
        tx.execute(
            &st,
            &[
                &s.name,
                &s.etag,
                &s.last_modified,
                &s.fingerprint,
                &s.events,
                &s.last_attempt.map(|t| t.timestamp()),
                &s.last_success.map(|t| t.timestamp()),
                &s.last_change.map(|t| t.timestamp()),
                &s.last_error,
                &s.error_since.map(|t| t.timestamp()),
                &s.failures,
                &s.next_pull.map_or(0, |t| t.timestamp()),
            ],
        )?;
        if let Some(b) = body {
            let st = prepared.prep(&mut tx, "UPDATE feed_state SET body = $2 WHERE name = $1")?;
            tx.execute(&st, &[&s.name, &b])?;
        }
        tx.commit()?;
        Ok(())
    }

    pub(super) fn feed_body(&self, name: &str) -> Result<Option<Vec<u8>>> {
        let rows = self.query("SELECT body FROM feed_state WHERE name = $1", &[&name])?;
        match rows.first() {
            Some(r) => Ok(r.try_get(0)?),
            None => Ok(None),
        }
    }

    pub(super) fn get(&self, key: &str) -> Result<Option<String>> {
        let rows = self.query("SELECT value FROM kv WHERE key = $1", &[&key])?;
        match rows.first() {
            Some(r) => Ok(Some(r.try_get(0)?)),
            None => Ok(None),
        }
    }

    pub(super) fn set(&self, key: &str, value: &str) -> Result<()> {
        self.execute(
            "INSERT INTO kv (key, value) VALUES ($1, $2)
             ON CONFLICT (key) DO UPDATE SET value = $2",
            &[&key, &value],
        )?;
        Ok(())
    }

    pub(super) fn upsert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
        self.write_week(
            w,
            now,
            "INSERT INTO week_history (week, week_start, json, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (week) DO UPDATE SET json = $3, updated_at = $4",
        )
    }

    pub(super) fn insert_week(&self, w: &RecordedWeek, now: DateTime<Utc>) -> Result<()> {
        self.write_week(
            w,
            now,
            "INSERT INTO week_history (week, week_start, json, updated_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (week) DO NOTHING",
        )
    }

    fn write_week(&self, w: &RecordedWeek, now: DateTime<Utc>, sql: &'static str) -> Result<()> {
        let json = serde_json::to_string(w)?;
        self.execute(
            sql,
            &[
                &w.summary.week,
                &w.summary.week_start.to_string(),
                &json,
                &now.timestamp(),
            ],
        )?;
        Ok(())
    }

    pub(super) fn week_rows(&self) -> Result<Vec<(String, String)>> {
        self.query(
            "SELECT week, json FROM week_history ORDER BY week_start",
            &[],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect()
    }

    pub(super) fn has_alert(&self, key: &AlertKey) -> Result<bool> {
        Ok(!self
            .query("SELECT 1 FROM alerts WHERE key = $1", &[&key.as_str()])?
            .is_empty())
    }

    pub(super) fn raise(
        &self,
        alert: &Candidate,
        sinks: &[SinkName],
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let now = now.timestamp();
        let relevant_until = alert.relevant_until.map(|t| t.timestamp());
        let payload = alert.payload.to_string();
        let mut c = self.conn()?;
        let (client, prepared) = c.parts();
        let mut tx = client.transaction()?;
        let st = prepared.prep(
            &mut tx,
            "SELECT id, state, opened FROM alerts WHERE key = $1 FOR UPDATE",
        )?;
        let existing = tx.query_opt(&st, &[&alert.key.as_str()])?;
        let (id, opening) = match existing {
            Some(r) if AlertState::parse(r.try_get(1)?) == Some(AlertState::Open) => {
                return Ok(None)
            }
            Some(r) => {
                let (id, opened): (i64, i64) = (r.try_get(0)?, r.try_get(2)?);
                let st = prepared.prep(
                    &mut tx,
                    "UPDATE alerts SET state = $5, opened = $2, resolved_at = NULL, payload = $3,
                         relevant_until = $4 WHERE id = $1",
                )?;
                tx.execute(
                    &st,
                    &[
                        &id,
                        &(opened + 1),
                        &payload,
                        &relevant_until,
                        &AlertState::Open.as_str(),
                    ],
                )?;
                (id, opened + 1)
            }
            None => {
                let st = prepared.prep(
                    &mut tx,
                    "INSERT INTO alerts (key, kind, state, created_at, opened, relevant_until, payload)
                     VALUES ($1, $2, $6, $3, 1, $4, $5)
                     ON CONFLICT (key) DO NOTHING RETURNING id",
                )?;
                let row = tx.query_opt(
                    &st,
                    &[
                        &alert.key.as_str(),
                        &alert.kind.as_str(),
                        &now,
                        &relevant_until,
                        &payload,
                        &AlertState::Open.as_str(),
                    ],
                )?;
                // None: another process inserted this key since our SELECT; it raised it.
                let Some(row) = row else { return Ok(None) };
                (row.try_get(0)?, 1)
            }
        };
        let event = DeliveryEvent {
            state: AlertState::Open,
            opening,
        };
        let msg = message(alert.payload.clone(), id, event);
        Self::queue_deliveries(&mut tx, prepared, id, event, &msg, sinks, now)?;
        tx.commit()?;
        Ok(Some(id))
    }

    pub(super) fn resolve(
        &self,
        key: &AlertKey,
        text: &str,
        sinks: &[SinkName],
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let now = now.timestamp();
        let mut c = self.conn()?;
        let (client, prepared) = c.parts();
        let mut tx = client.transaction()?;
        let st = prepared.prep(
            &mut tx,
            "SELECT id, opened, payload FROM alerts WHERE key = $1 AND state = $2 FOR UPDATE",
        )?;
        let Some(row) = tx.query_opt(&st, &[&key.as_str(), &AlertState::Open.as_str()])? else {
            return Ok(false);
        };
        let (id, opening, payload): (i64, i64, String) =
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
        let st = prepared.prep(
            &mut tx,
            "UPDATE alerts SET state = $3, resolved_at = $2 WHERE id = $1",
        )?;
        tx.execute(&st, &[&id, &now, &AlertState::Resolved.as_str()])?;
        let (event, msg) = resolution_message(&payload, text, id, opening);
        Self::queue_deliveries(&mut tx, prepared, id, event, &msg, sinks, now)?;
        tx.commit()?;
        Ok(true)
    }

    fn queue_deliveries(
        tx: &mut postgres::Transaction<'_>,
        prepared: &mut Prepared,
        alert_id: i64,
        event: DeliveryEvent,
        msg: &str,
        sinks: &[SinkName],
        now: i64,
    ) -> Result<()> {
        let st = prepared.prep(
            tx,
            "INSERT INTO deliveries (alert_id, sink, event, state, attempts, next_attempt, payload)
             VALUES ($1, $2, $3, $6, 0, $4, $5) ON CONFLICT DO NOTHING",
        )?;
        let event = event.to_string();
        for sink in sinks {
            tx.execute(
                &st,
                &[
                    &alert_id,
                    &sink.as_str(),
                    &event,
                    &now,
                    &msg,
                    &DeliveryState::Pending.as_str(),
                ],
            )?;
        }
        Ok(())
    }

    pub(super) fn open_alerts(&self, kind: AlertKind) -> Result<Vec<OpenAlert>> {
        self.query(
            "SELECT key, payload, relevant_until FROM alerts WHERE kind = $1 AND state = $2
             ORDER BY id",
            &[&kind.as_str(), &AlertState::Open.as_str()],
        )?
        .iter()
        .map(|r| {
            Ok(OpenAlert {
                key: AlertKey::from_stored(r.try_get(0)?),
                payload: json_column(r, 1)?,
                relevant_until: r.try_get::<_, Option<i64>>(2)?.map(instant),
            })
        })
        .collect()
    }

    pub(super) fn due_deliveries(
        &self,
        now: DateTime<Utc>,
        max_wait: chrono::Duration,
    ) -> Result<Vec<Delivery>> {
        self.query(
            "SELECT id, alert_id, sink, event, attempts, payload FROM deliveries
             WHERE state = $3 AND (next_attempt <= $1 OR next_attempt > $1 + $2)
             ORDER BY id",
            &[
                &now.timestamp(),
                &max_wait.num_seconds(),
                &DeliveryState::Pending.as_str(),
            ],
        )?
        .iter()
        .map(|r| {
            Ok(Delivery {
                id: r.try_get(0)?,
                alert_id: r.try_get(1)?,
                sink: SinkName::from_stored(r.try_get(2)?),
                event: parsed_column(r, 3, DeliveryEvent::parse)?,
                attempts: r.try_get(4)?,
                payload: r.try_get(5)?,
            })
        })
        .collect()
    }

    pub(super) fn next_delivery_at(&self, sinks: &[SinkName]) -> Result<Option<DateTime<Utc>>> {
        let sinks: Vec<&str> = sinks.iter().map(SinkName::as_str).collect();
        let rows = self.query(
            "SELECT MIN(GREATEST(next_attempt, claimed_until)) FROM deliveries
             WHERE state = $1 AND sink = ANY($2)",
            &[&DeliveryState::Pending.as_str(), &sinks],
        )?;
        let t: Option<i64> = match rows.first() {
            Some(r) => r.try_get(0)?,
            None => None,
        };
        Ok(t.map(instant))
    }

    /// One statement: the oldest due, unclaimed delivery to one of `sinks` is locked with
    /// SKIP LOCKED (a row another worker is claiming is passed over) and claimed until
    /// `until`; the lock re-checks the claim, so a delivery claimed and committed by another
    /// worker since this statement's snapshot is not taken twice.
    pub(super) fn claim_delivery(
        &self,
        worker: &str,
        sinks: &[SinkName],
        now: i64,
        max_wait: i64,
        until: i64,
    ) -> Result<Option<Delivery>> {
        let sinks: Vec<&str> = sinks.iter().map(SinkName::as_str).collect();
        let rows = self.query(
            "UPDATE deliveries SET claimed_by = $1, claimed_until = $4 WHERE id = (
                 SELECT id FROM deliveries
                 WHERE state = $6 AND (next_attempt <= $2 OR next_attempt > $2 + $3)
                     AND claimed_until <= $2 AND sink = ANY($5)
                 ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
             RETURNING id, alert_id, sink, event, attempts, payload",
            &[
                &worker,
                &now,
                &max_wait,
                &until,
                &sinks,
                &DeliveryState::Pending.as_str(),
            ],
        )?;
        rows.first()
            .map(|r| {
                Ok(Delivery {
                    id: r.try_get(0)?,
                    alert_id: r.try_get(1)?,
                    sink: SinkName::from_stored(r.try_get(2)?),
                    event: parsed_column(r, 3, DeliveryEvent::parse)?,
                    attempts: r.try_get(4)?,
                    payload: r.try_get(5)?,
                })
            })
            .transpose()
    }

    pub(super) fn mark_delivered(&self, id: i64, now: DateTime<Utc>) -> Result<()> {
        self.execute(
            "UPDATE deliveries SET state = $3, delivered_at = $2, attempts = attempts + 1,
                 last_error = NULL, claimed_by = NULL, claimed_until = 0 WHERE id = $1",
            &[&id, &now.timestamp(), &DeliveryState::Delivered.as_str()],
        )?;
        Ok(())
    }

    pub(super) fn mark_failed(
        &self,
        id: i64,
        error: &SinkError,
        retry_at: DateTime<Utc>,
    ) -> Result<()> {
        self.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = $2, next_attempt = $3,
                 claimed_by = NULL, claimed_until = 0 WHERE id = $1",
            &[&id, &error.to_string(), &retry_at.timestamp()],
        )?;
        Ok(())
    }

    /// As SQLite's `UPDATE OR IGNORE`: a delivery whose `to` twin exists is left alone.
    pub(super) fn rename_sinks(&self, renames: &[(SinkName, SinkName)]) -> Result<usize> {
        let mut c = self.conn()?;
        let (client, prepared) = c.parts();
        let mut tx = client.transaction()?;
        let st = prepared.prep(
            &mut tx,
            "UPDATE deliveries d SET sink = $2 WHERE d.sink = $1 AND NOT EXISTS (
                 SELECT 1 FROM deliveries t
                 WHERE t.alert_id = d.alert_id AND t.event = d.event AND t.sink = $2)",
        )?;
        let mut moved = 0;
        for (from, to) in renames.iter().filter(|(f, t)| f != t) {
            moved += tx.execute(&st, &[&from.as_str(), &to.as_str()])?;
        }
        tx.commit()?;
        Ok(moved as usize)
    }

    pub(super) fn alerts_since(&self, since: DateTime<Utc>) -> Result<Vec<AlertRecord>> {
        let mut out: Vec<AlertRecord> = self
            .query(
                "SELECT id, key, kind, state, created_at, resolved_at, relevant_until, payload
                 FROM alerts WHERE created_at >= $1 OR resolved_at >= $1 ORDER BY id",
                &[&since.timestamp()],
            )?
            .iter()
            .map(|r| {
                Ok(AlertRecord {
                    id: r.try_get(0)?,
                    key: AlertKey::from_stored(r.try_get(1)?),
                    kind: parsed_column(r, 2, AlertKind::parse)?,
                    state: parsed_column(r, 3, AlertState::parse)?,
                    created_at: instant(r.try_get(4)?),
                    resolved_at: r.try_get::<_, Option<i64>>(5)?.map(instant),
                    relevant_until: r.try_get::<_, Option<i64>>(6)?.map(instant),
                    payload: json_column(r, 7)?,
                    deliveries: Vec::new(),
                })
            })
            .collect::<Result<_>>()?;
        for a in &mut out {
            a.deliveries = self
                .query(
                    "SELECT sink, event, state, attempts, last_error FROM deliveries
                     WHERE alert_id = $1 ORDER BY id",
                    &[&a.id],
                )?
                .iter()
                .map(|r| {
                    Ok(DeliveryStatus {
                        sink: SinkName::from_stored(r.try_get(0)?),
                        event: parsed_column(r, 1, DeliveryEvent::parse)?,
                        state: parsed_column(r, 2, DeliveryState::parse)?,
                        attempts: r.try_get(3)?,
                        last_error: r.try_get(4)?,
                    })
                })
                .collect::<Result<_>>()?;
        }
        Ok(out)
    }

    pub(super) fn heartbeat(&self, worker: &str, now: i64) -> Result<()> {
        self.execute(
            "INSERT INTO workers (id, started_at, heartbeat) VALUES ($1, $2, $2)
             ON CONFLICT (id) DO UPDATE SET heartbeat = $2",
            &[&worker, &now],
        )?;
        Ok(())
    }

    /// One transaction: every feed gets a lease row; `worker`'s unexpired leases on `feeds`
    /// are extended; then free or expired rows, up to `limit` held in all, are locked with
    /// SKIP LOCKED (rows another worker is claiming right now are passed over, not waited
    /// for) and given to `worker`. The lock re-checks the row's expiry, so a row claimed and
    /// committed by another worker since this statement's snapshot is not taken.
    pub(super) fn claim_feeds(
        &self,
        worker: &str,
        feeds: &[String],
        now: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<String>> {
        let mut c = self.conn()?;
        let (client, prepared) = c.parts();
        let mut tx = client.transaction()?;
        let st = prepared.prep(
            &mut tx,
            "INSERT INTO feed_leases (feed)
             SELECT f FROM unnest($1::text[]) AS f
             WHERE NOT EXISTS (SELECT 1 FROM feed_leases l WHERE l.feed = f)
             ON CONFLICT DO NOTHING",
        )?;
        tx.execute(&st, &[&feeds])?;
        let st = prepared.prep(
            &mut tx,
            "UPDATE feed_leases SET expires_at = $3
             WHERE worker = $1 AND expires_at > $2 AND feed = ANY($4)
             RETURNING feed",
        )?;
        let mut out: Vec<String> = tx
            .query(&st, &[&worker, &now, &until, &feeds])?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        let want = limit - out.len() as i64;
        if want > 0 {
            let st = prepared.prep(
                &mut tx,
                "WITH free AS (
                     SELECT feed FROM feed_leases
                     WHERE feed = ANY($4) AND expires_at <= $2
                     ORDER BY feed LIMIT $5 FOR UPDATE SKIP LOCKED)
                 UPDATE feed_leases l SET worker = $1, expires_at = $3 FROM free
                 WHERE l.feed = free.feed
                 RETURNING l.feed",
            )?;
            for r in tx.query(&st, &[&worker, &now, &until, &feeds, &want])? {
                out.push(r.try_get(0)?);
            }
        }
        tx.commit()?;
        out.sort();
        Ok(out)
    }

    pub(super) fn release_feeds(&self, worker: &str, feeds: &[String]) -> Result<usize> {
        Ok(self.execute(
            "UPDATE feed_leases SET worker = NULL, expires_at = 0
             WHERE worker = $1 AND feed = ANY($2)",
            &[&worker, &feeds],
        )? as usize)
    }

    pub(super) fn leased(&self, worker: &str, feeds: &[String], now: i64) -> Result<Vec<String>> {
        self.query(
            "SELECT feed FROM feed_leases WHERE worker = $1 AND feed = ANY($2) AND expires_at > $3
             ORDER BY feed",
            &[&worker, &feeds, &now],
        )?
        .iter()
        .map(|r| Ok(r.try_get(0)?))
        .collect()
    }

    pub(super) fn forget_claims(&self) -> Result<()> {
        self.conn()?.client.batch_execute(
            "UPDATE feed_leases SET worker = NULL, expires_at = 0 WHERE worker IS NOT NULL;
             UPDATE deliveries SET claimed_by = NULL, claimed_until = 0 WHERE claimed_by IS NOT NULL;",
        )?;
        Ok(())
    }

    pub(super) fn feed_schedule(&self, feeds: &[String]) -> Result<Vec<(String, Option<i64>)>> {
        self.query(
            "SELECT name, next_pull FROM feed_state WHERE name = ANY($1)",
            &[&feeds],
        )?
        .iter()
        .map(|r| {
            let next: i64 = r.try_get(1)?;
            Ok((r.try_get(0)?, Some(next).filter(|n| *n > 0)))
        })
        .collect()
    }

    pub(super) fn failing_feeds(&self) -> Result<Vec<FeedState>> {
        let names: Vec<String> = self
            .query(
                "SELECT name FROM feed_state WHERE error_since IS NOT NULL ORDER BY name",
                &[],
            )?
            .iter()
            .map(|r| r.try_get(0))
            .collect::<std::result::Result<_, _>>()?;
        names.iter().map(|n| self.feed_state(n)).collect()
    }

    pub(super) fn feed_bodies(&self, feeds: &[String]) -> Result<Vec<(String, Vec<u8>)>> {
        let mut rows: Vec<(String, Vec<u8>)> = self
            .query(
                "SELECT name, body FROM feed_state WHERE name = ANY($1) AND body IS NOT NULL",
                &[&feeds],
            )?
            .iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect::<Result<_>>()?;
        // In the order asked for (the analysis merges feeds in config order).
        let order: HashMap<&str, usize> = feeds
            .iter()
            .enumerate()
            .map(|(i, f)| (f.as_str(), i))
            .collect();
        rows.sort_by_key(|(name, _)| order.get(name.as_str()).copied());
        Ok(rows)
    }

    /// `pg_try_advisory_lock` on (a fixed class, this schema's name): one analysis at a time
    /// per store namespace, so a store with one schema per user serialises only that user's.
    /// The lock belongs to the connection's session, so the store keeps that connection
    /// (pinned) until [`Pg::unlock_analysis`]. `false` also when the pool has no connection
    /// left to pin (all but one are: the analysis waits for the next round).
    pub(super) fn try_lock_analysis(&self) -> Result<bool> {
        if self.pinned.borrow().is_some() {
            return Ok(true);
        }
        let Some(mut c) = self.pool.pin(self.schema.as_deref())? else {
            return Ok(false);
        };
        let (client, prepared) = c.parts();
        let st = prepared.prep(
            client,
            "SELECT pg_try_advisory_lock($1, hashtext(current_schema()))",
        )?;
        let locked: bool = client.query_one(&st, &[&ANALYSIS_LOCK])?.try_get(0)?;
        if locked {
            *self.pinned.borrow_mut() = Some(c);
        }
        Ok(locked)
    }

    /// Ends the analysis lock and gives the pinned connection back to the pool. Should the
    /// unlock fail, the connection is closed (and the lock with it) rather than reused.
    pub(super) fn unlock_analysis(&self) -> Result<()> {
        let Some(mut c) = self.pinned.borrow_mut().take() else {
            return Ok(());
        };
        let (client, prepared) = c.parts();
        let res = prepared
            .prep(
                client,
                "SELECT pg_advisory_unlock($1, hashtext(current_schema()))",
            )
            .and_then(|st| Ok(client.query(&st, &[&ANALYSIS_LOCK])?));
        if res.is_err() {
            c.close();
        }
        res.map(|_| ())
    }

    pub(super) fn set_worker_stats(&self, worker: &str, stats: &str) -> Result<()> {
        self.execute(
            "UPDATE workers SET stats = $2 WHERE id = $1",
            &[&worker, &stats],
        )?;
        Ok(())
    }

    pub(super) fn renew_leases(&self, worker: &str, now: i64, until: i64) -> Result<usize> {
        Ok(self.execute(
            "UPDATE feed_leases SET expires_at = $3 WHERE worker = $1 AND expires_at > $2",
            &[&worker, &now, &until],
        )? as usize)
    }

    pub(super) fn release_leases(&self, worker: &str) -> Result<usize> {
        Ok(self.execute(
            "UPDATE feed_leases SET worker = NULL, expires_at = 0 WHERE worker = $1",
            &[&worker],
        )? as usize)
    }

    pub(super) fn workers(&self, now: i64) -> Result<Vec<super::WorkerRow>> {
        self.query(
            "SELECT w.id, w.started_at, w.heartbeat,
                    (SELECT count(*) FROM feed_leases l WHERE l.worker = w.id AND l.expires_at > $1),
                    (SELECT max(expires_at) FROM feed_leases l
                     WHERE l.worker = w.id AND l.expires_at > $1),
                    (SELECT count(*) FROM deliveries d
                     WHERE d.claimed_by = w.id AND d.claimed_until > $1),
                    w.stats
             FROM workers w ORDER BY w.id",
            &[&now],
        )?
        .iter()
        .map(|r| {
            Ok(super::WorkerRow {
                id: r.try_get(0)?,
                started_at: r.try_get(1)?,
                heartbeat: r.try_get(2)?,
                leases: r.try_get(3)?,
                leases_until: r.try_get(4)?,
                deliveries: r.try_get(5)?,
                stats: r.try_get(6)?,
            })
        })
        .collect()
    }

    /// Runs `sql` as is: tests write rows no calaudit would write.
    #[cfg(test)]
    pub(super) fn execute_raw(&self, sql: &str) -> Result<()> {
        Ok(self.conn()?.client.batch_execute(sql)?)
    }
}

/// Column `i` read as text and parsed by `parse`; text it does not know is an error naming
/// the column and the text (a row written by something else than calaudit).
fn parsed_column<T>(r: &postgres::Row, i: usize, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
    let text: String = r.try_get(i)?;
    parse(&text).ok_or_else(|| StoreError::Damaged {
        column: r.columns()[i].name().to_owned(),
        reason: format!("unknown value {text:?}"),
    })
}

/// Column `i` as JSON (see the SQLite engine's `json_column`).
fn json_column(r: &postgres::Row, i: usize) -> Result<serde_json::Value> {
    let text: String = r.try_get(i)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Damaged {
        column: r.columns()[i].name().to_owned(),
        reason: e.to_string(),
    })
}
