//! The accept loop: a small tokio runtime of its own, hyper's HTTP/1 connections, and the
//! limits that keep one client from affecting the others.
//!
//! Every connection is a task, not a thread, so a client that stops reading a large answer
//! holds only its own task. Bounded: header bytes (read before the token is checked), time
//! to send a request's headers (which also closes idle keep-alive connections), time to
//! answer, a connection's whole life, and the number of open connections (past it, new ones
//! wait in the kernel's backlog until one closes).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::middleware;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::sync::Semaphore;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;

use super::guard::{self, Policy};
use super::routes::{self, AppState};
use super::team::{self, Team};
use super::{ServerConfig, ServerError, SharedSnapshot, MIN_TOKEN_LEN};

/// Header bytes a request may send (hyper's smallest buffer is 8 KiB).
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// Time to send a request's headers; also how long an idle keep-alive connection stays open.
const HEADER_TIME: Duration = Duration::from_secs(10);
/// Time to produce an answer.
const ANSWER_TIME: Duration = Duration::from_secs(20);
/// A connection's whole life, however slowly its client reads.
const CONNECTION_LIFE: Duration = Duration::from_secs(120);
/// Connections open at once.
const MAX_CONNECTIONS: usize = 256;
/// How often the loop looks at the stop flag.
const STOP_POLL: Duration = Duration::from_millis(200);

/// Serves until `stop` is set. Returns the bound address through `on_bound` (useful with
/// port 0 in tests) before serving.
pub fn serve(
    cfg: &ServerConfig,
    data: SharedSnapshot,
    stop: Arc<AtomicBool>,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    match cfg.token.as_deref().map(str::trim) {
        None | Some("") if !cfg.bind.ip().is_loopback() => {
            return Err(ServerError::TokenRequired(cfg.bind))
        }
        Some(t) if t.chars().count() < MIN_TOKEN_LEN => {
            return Err(ServerError::TokenTooShort(t.chars().count()))
        }
        _ => {}
    }
    let policy = Arc::new(Policy::new(cfg.token.clone(), &cfg.hosts));
    let app = routes::router(AppState {
        data,
        health: cfg.health.clone(),
        base: String::new(),
    })
    .layer(middleware::from_fn_with_state(policy, guard::check));
    run(cfg.bind, app, stop, on_bound)
}

/// Team mode (issue 14): each user's pages under `/u/<id>/` behind their own token, the
/// admin's health and org view, nothing at the root. `cfg.token` is not used (tokens are
/// configured only as hashes, in `team`); `cfg.health` is not used either (each user has
/// their own). Serves until `stop` is set.
pub fn serve_team(
    cfg: &ServerConfig,
    team: Team,
    stop: Arc<AtomicBool>,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    // Only the Host check and the headers from the single-user guard: the tokens are the
    // team router's.
    let policy = Arc::new(Policy::new(None, &cfg.hosts));
    let app = team::router(team).layer(middleware::from_fn_with_state(policy, guard::check));
    run(cfg.bind, app, stop, on_bound)
}

/// Binds `bind`, then serves `app` (with compression and the answer time limit) on a runtime
/// of its own until `stop` is set.
fn run(
    bind: SocketAddr,
    app: Router,
    stop: Arc<AtomicBool>,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let listener = std::net::TcpListener::bind(bind)
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
        .map_err(|e| ServerError::Bind {
            addr: bind,
            reason: e.to_string(),
        })?;
    let bound = listener.local_addr().unwrap_or(bind);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("calaudit-http")
        .enable_all()
        .build()
        .map_err(ServerError::Runtime)?;
    let app = app
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            ANSWER_TIME,
        ));
    on_bound(bound);
    tracing::info!(addr = %bound, "dashboard listening");
    let result = rt.block_on(accept_loop(listener, app, stop));
    rt.shutdown_timeout(Duration::from_secs(1));
    result.map_err(|e| ServerError::Bind {
        addr: bound,
        reason: e.to_string(),
    })
}

async fn accept_loop(
    listener: std::net::TcpListener,
    app: Router,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let open = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    while !stop.load(Ordering::Relaxed) {
        let Ok(Ok(permit)) =
            tokio::time::timeout(STOP_POLL, Arc::clone(&open).acquire_owned()).await
        else {
            continue;
        };
        let stream = match tokio::time::timeout(STOP_POLL, listener.accept()).await {
            Err(_) => continue,
            Ok(Ok((stream, _))) => stream,
            Ok(Err(e)) => {
                // Out of file descriptors, or a connection reset before it was accepted.
                tracing::warn!(error = %e, "dashboard: accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIME)
                .max_buf_size(MAX_HEADER_BYTES)
                .serve_connection(TokioIo::new(stream), service);
            match tokio::time::timeout(CONNECTION_LIFE, conn).await {
                Ok(Err(e)) => tracing::debug!(error = %e, "dashboard: connection ended"),
                Err(_) => tracing::debug!("dashboard: connection closed at its time limit"),
                Ok(Ok(())) => {}
            }
            drop(permit);
        });
    }
    Ok(())
}
