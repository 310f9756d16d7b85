//! A bounded pool of PostgreSQL connections per process and server, shared by every
//! [`super::Store`] on that server: team mode's per-user stores (one schema each), each
//! daemon's lease renewer, `/healthz`. Issue 14 asks for hundreds of users per worker; one
//! connection per user (two, with the lease renewer) would need hundreds per process, and
//! PostgreSQL allows 100 by default. So a store holds no connection of its own: each call
//! checks one out for its duration and gives it back.
//!
//! A connection carries what the store that used it last left on it, so a checkout sets
//! what the next store needs: its `search_path` (the user's schema, or the URL's own with
//! `RESET`), unless the connection already has it. Checkouts prefer a connection already on
//! the wanted schema, because PostgreSQL parses a prepared statement again when the
//! `search_path` changed since its last use. Prepared statements stay with their
//! connection. A connection that broke (the server restarted) is dropped when it comes
//! back, and the next checkout opens a new one, so a store recovers by itself.
//!
//! Session state other than the `search_path` is never left behind, with one exception:
//! the analysis lock is a session-level advisory lock, so a store keeps the connection it
//! took the lock on ([`Pool::pin`]) until it unlocks. At most `size - 1` connections are
//! pinned at once, so short calls (lease renewals above all) always find one.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use postgres::{Client, GenericClient, NoTls, Statement};

use super::{Result, StoreError};

/// Connections per process and server when `[store] pool_size` is not given.
pub const DEFAULT_SIZE: usize = 8;

/// How long a call waits for a free connection before it fails (it is retried with the
/// daemon's store backoff).
const WAIT: Duration = Duration::from_secs(30);

/// How long a failed connection attempt is remembered: calls in that time fail at once with
/// its error instead of each trying again (`/healthz` of hundreds of users while the server
/// is down would otherwise wait for hundreds of connection attempts).
const CONNECT_FAILURE_MEMORY: Duration = Duration::from_secs(2);

/// How long a new connection may take before it fails (unless the URL says otherwise).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Statements prepared on one connection, by their SQL text.
#[derive(Default)]
pub(super) struct Prepared(HashMap<&'static str, Statement>);

impl Prepared {
    /// The statement for `sql` on the connection `c` belongs to, prepared on first use.
    pub(super) fn prep(
        &mut self,
        c: &mut impl GenericClient,
        sql: &'static str,
    ) -> Result<Statement> {
        if let Some(s) = self.0.get(sql) {
            return Ok(s.clone());
        }
        let st = c.prepare(sql)?;
        self.0.insert(sql, st.clone());
        Ok(st)
    }
}

/// One connection and what this process knows of its session.
pub(super) struct Conn {
    pub(super) client: Client,
    pub(super) prepared: Prepared,
    /// The schema its `search_path` was set to (`None`: the URL's own).
    schema: Option<String>,
}

struct State {
    idle: Vec<Conn>,
    /// Connections open: idle, checked out, or being opened.
    open: usize,
    /// Checked-out connections held by a store's analysis lock.
    pinned: usize,
    /// The last failed connection attempt: when, and its message.
    failed: Option<(Instant, String)>,
}

pub(super) struct Pool {
    url: String,
    /// The URL without its password, for messages.
    shown: String,
    size: usize,
    state: Mutex<State>,
    freed: Condvar,
}

/// A checked-out connection; back to the pool when dropped (or closed, if it broke).
pub(super) struct Checkout {
    /// Boxed: a connection is several hundred bytes, and a checkout is moved around.
    conn: Option<Box<Conn>>,
    pool: Arc<Pool>,
    pinned: bool,
}

impl std::ops::Deref for Checkout {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a checkout holds its connection until dropped")
    }
}

impl std::ops::DerefMut for Checkout {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a checkout holds its connection until dropped")
    }
}

impl Drop for Checkout {
    fn drop(&mut self) {
        let mut st = self.pool.lock();
        if self.pinned {
            st.pinned -= 1;
        }
        match self.conn.take() {
            Some(c) if !c.client.is_closed() => st.idle.push(*c),
            Some(_) => st.open -= 1,
            // Closed already ([`Checkout::close`]).
            None => {}
        }
        drop(st);
        self.pool.freed.notify_one();
    }
}

impl Pool {
    /// The pool for `url` in this process, made with `size` connections at most by its first
    /// caller (every store of one config asks with the same size).
    pub(super) fn shared(url: &str, shown: &str, size: usize) -> Arc<Pool> {
        static POOLS: OnceLock<Mutex<HashMap<String, Arc<Pool>>>> = OnceLock::new();
        let pools = POOLS.get_or_init(Mutex::default);
        let mut pools = match pools.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        Arc::clone(pools.entry(url.to_owned()).or_insert_with(|| {
            Arc::new(Pool {
                url: url.to_owned(),
                shown: shown.to_owned(),
                size: size.max(2),
                state: Mutex::new(State {
                    idle: Vec::new(),
                    open: 0,
                    pinned: 0,
                    failed: None,
                }),
                freed: Condvar::new(),
            })
        }))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// A connection with its `search_path` on `schema` (`None`: the URL's own), waiting up
    /// to 30 s for one to be free. Fails when the server cannot be reached (or could not be
    /// within the last 2 s) or no connection came free in time.
    pub(super) fn get(self: &Arc<Self>, schema: Option<&str>) -> Result<Checkout> {
        self.checkout(schema, false, WAIT)
    }

    /// As [`Pool::get`], waiting at most `wait` for a free connection.
    pub(super) fn get_within(
        self: &Arc<Self>,
        schema: Option<&str>,
        wait: Duration,
    ) -> Result<Checkout> {
        self.checkout(schema, false, wait)
    }

    /// As [`Pool::get`], for a connection the caller keeps across calls (a session lock);
    /// `None` when `size - 1` are pinned already.
    pub(super) fn pin(self: &Arc<Self>, schema: Option<&str>) -> Result<Option<Checkout>> {
        {
            let mut st = self.lock();
            if st.pinned + 1 >= self.size {
                return Ok(None);
            }
            st.pinned += 1;
        }
        match self.checkout(schema, true, WAIT) {
            Ok(c) => Ok(Some(c)),
            Err(e) => {
                self.lock().pinned -= 1;
                Err(e)
            }
        }
    }

    fn checkout(
        self: &Arc<Self>,
        schema: Option<&str>,
        pinned: bool,
        wait: Duration,
    ) -> Result<Checkout> {
        let deadline = Instant::now() + wait;
        let mut st = self.lock();
        let found = loop {
            let same = st.idle.iter().rposition(|c| c.schema.as_deref() == schema);
            if let Some(i) = same {
                break Some(st.idle.swap_remove(i));
            }
            if let Some(c) = st.idle.pop() {
                break Some(c);
            }
            if st.open < self.size {
                if let Some((at, e)) = &st.failed {
                    if at.elapsed() < CONNECT_FAILURE_MEMORY {
                        return Err(StoreError::Unreachable {
                            url: self.shown.clone(),
                            reason: e.clone(),
                        });
                    }
                }
                st.open += 1;
                break None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(StoreError::PoolExhausted {
                    url: self.shown.clone(),
                    size: self.size,
                    waited: wait.as_secs(),
                });
            }
            st = match self.freed.wait_timeout(st, left) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        };
        drop(st);
        let conn = match found {
            Some(c) => Box::new(c),
            None => match self.connect() {
                Ok(c) => c,
                Err(e) => {
                    let mut st = self.lock();
                    st.open -= 1;
                    st.failed = Some((Instant::now(), e.to_string()));
                    drop(st);
                    self.freed.notify_one();
                    return Err(StoreError::Connect {
                        url: self.shown.clone(),
                        source: e,
                    });
                }
            },
        };
        let mut out = Checkout {
            conn: Some(conn),
            pool: Arc::clone(self),
            pinned,
        };
        if out.schema.as_deref() != schema {
            let sql = match schema {
                // A plain lowercase identifier (`UserId::schema`), quoted all the same.
                Some(s) => format!("SET search_path TO \"{s}\""),
                None => "RESET search_path".to_owned(),
            };
            // On failure the checkout is dropped: a broken connection is closed, not reused.
            out.client.batch_execute(&sql)?;
            out.schema = schema.map(str::to_owned);
        }
        Ok(out)
    }

    fn connect(&self) -> std::result::Result<Box<Conn>, postgres::Error> {
        let mut config: postgres::Config = self.url.parse()?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let client = config.connect(NoTls)?;
        {
            let mut st = self.lock();
            st.failed = None;
        }
        Ok(Box::new(Conn {
            client,
            prepared: Prepared::default(),
            schema: None,
        }))
    }
}

impl Conn {
    /// The client and its prepared statements, borrowed together (a transaction borrows the
    /// client while statements are prepared on it).
    pub(super) fn parts(&mut self) -> (&mut Client, &mut Prepared) {
        (&mut self.client, &mut self.prepared)
    }
}

impl Checkout {
    /// Closes the connection instead of giving it back (its session holds something the
    /// next user must not inherit).
    pub(super) fn close(&mut self) {
        if let Some(c) = self.conn.take() {
            drop(c);
            let mut st = self.pool.lock();
            st.open -= 1;
            if self.pinned {
                st.pinned -= 1;
                self.pinned = false;
            }
            drop(st);
            self.pool.freed.notify_one();
        }
    }
}
