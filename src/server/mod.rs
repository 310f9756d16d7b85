//! The local dashboard: an HTTP server over a [`Snapshot`] of the latest analysis.
//!
//! It never fetches or analyses anything itself: whoever owns the data (the `serve` command,
//! or the daemon after each refresh) publishes a new [`Snapshot`] and requests read it.
//!
//! - [`listen`]: the tokio runtime and the accept loop (hyper, with bounded header size, idle
//!   time, request time and connection count, so one client cannot stall the others).
//! - [`guard`]: what every request passes first: the Host check (against DNS rebinding), the
//!   token, and the security headers on every answer.
//! - [`routes`]: the pages, the JSON API, `/metrics` and `/healthz`.
//! - [`html`]: the pages; every piece of event text is HTML-escaped ([`html::escape`]).
//! - [`team`]: team mode (issue 14): each user's pages under `/u/<id>/` behind their own
//!   token, the admin's `/healthz` and the org view (`/org/`, aggregates of 5 users or more).

mod guard;
mod html;
mod listen;
mod routes;
mod snapshot;
mod team;

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

pub use listen::{serve, serve_team};
pub use routes::Health;
pub use snapshot::{AlertView, FeedView, OccurrenceView, Snapshot, ViolationView};
pub use team::{org_summary, GroupSummary, Team, UserSite, MIN_GROUP};

/// The latest snapshot, replaced whole by its publisher; readers clone the `Arc`.
pub type SharedSnapshot = Arc<RwLock<Arc<Snapshot>>>;

/// Tokens shorter than this are refused: the token is all that guards a calendar off loopback.
pub const MIN_TOKEN_LEN: usize = 16;

pub struct ServerConfig {
    pub bind: SocketAddr,
    /// Required when `bind` is not a loopback address.
    pub token: Option<String>,
    /// Host names (besides loopback names and IP literals) the dashboard answers to: the name
    /// it is reached by when bound off loopback (`[server] hosts`).
    pub hosts: Vec<String>,
    /// What `/healthz` checks (the daemon's store); the default checks nothing.
    pub health: Health,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("refusing to serve the dashboard on {0} without a token: set `[server] token` (or --token), or bind to 127.0.0.1")]
    TokenRequired(SocketAddr),
    #[error("the dashboard token is too short ({0} characters): use at least {MIN_TOKEN_LEN} random characters, e.g. the output of `openssl rand -hex 16`")]
    TokenTooShort(usize),
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
    #[error("cannot start the dashboard's runtime: {0}")]
    Runtime(std::io::Error),
}
