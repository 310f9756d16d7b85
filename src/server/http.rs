//! Routes and the serving loop (tiny_http: synchronous, small, enough for one user).

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::json;

use super::html;
use super::snapshot::Snapshot;

/// The latest snapshot, replaced whole by its publisher; readers clone the `Arc`.
pub type SharedSnapshot = Arc<RwLock<Arc<Snapshot>>>;

/// What `/healthz` checks beyond "the server answers": the error the daemon last met on its
/// state database (set by [`crate::daemon::Daemon::tick`]), and the store file itself, opened
/// read-only with its schema read on each request. Cheap to clone; clones share the error.
#[derive(Clone, Debug, Default)]
pub struct Health {
    error: Arc<RwLock<Option<String>>>,
    store: Option<std::path::PathBuf>,
}

impl Health {
    /// Also checks the store file at `path` on each request.
    pub fn with_store(mut self, path: std::path::PathBuf) -> Health {
        self.store = Some(path);
        self
    }

    /// Records the store's current error (`None`: working).
    pub fn set(&self, error: Option<String>) {
        match self.error.write() {
            Ok(mut g) => *g = error,
            Err(p) => *p.into_inner() = error,
        }
    }

    /// `Err(reason)` when the store is unreadable or the daemon cannot write it.
    pub fn check(&self) -> Result<(), String> {
        let error = match self.error.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        };
        if let Some(e) = error {
            return Err(e);
        }
        match &self.store {
            Some(p) => crate::store::Store::check_readable(p).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

pub struct ServerConfig {
    pub bind: SocketAddr,
    /// Required when `bind` is not a loopback address.
    pub token: Option<String>,
    /// What `/healthz` checks (the daemon's store); the default checks nothing.
    pub health: Health,
}

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("refusing to serve the dashboard on {0} without a token: set `[server] token` (or --token), or bind to 127.0.0.1")]
    TokenRequired(SocketAddr),
    #[error("cannot listen on {addr}: {reason}")]
    Bind { addr: SocketAddr, reason: String },
}

fn is_loopback(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// Serves until `stop` is set. Returns the bound address through `on_bound` (useful with
/// port 0 in tests) before serving.
pub fn serve(
    cfg: &ServerConfig,
    data: SharedSnapshot,
    stop: Arc<AtomicBool>,
    on_bound: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    if !is_loopback(cfg.bind.ip()) && cfg.token.as_deref().is_none_or(str::is_empty) {
        return Err(ServerError::TokenRequired(cfg.bind));
    }
    let server = tiny_http::Server::http(cfg.bind).map_err(|e| ServerError::Bind {
        addr: cfg.bind,
        reason: e.to_string(),
    })?;
    let bound = server.server_addr().to_ip().unwrap_or(cfg.bind);
    on_bound(bound);
    tracing::info!(addr = %bound, "dashboard listening");
    while !stop.load(Ordering::Relaxed) {
        let req = match server.recv_timeout(Duration::from_millis(200)) {
            Ok(Some(r)) => r,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "dashboard: receive failed");
                continue;
            }
        };
        let snap = match data.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        };
        let resp = respond(&req, &snap, cfg.token.as_deref(), &cfg.health);
        if let Err(e) = req.respond(resp) {
            tracing::debug!(error = %e, "dashboard: client went away");
        }
    }
    Ok(())
}

/// A four-colour square in the category palette.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 2 2\"><rect width=\"1\" height=\"1\" fill=\"#E69F00\"/><rect x=\"1\" width=\"1\" height=\"1\" fill=\"#0072B2\"/><rect y=\"1\" width=\"1\" height=\"1\" fill=\"#009E73\"/><rect x=\"1\" y=\"1\" width=\"1\" height=\"1\" fill=\"#999999\"/></svg>";

type Resp = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn with_type(body: Vec<u8>, status: u16, ctype: &str) -> Resp {
    let mut r = tiny_http::Response::from_data(body).with_status_code(status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", ctype) {
        r = r.with_header(h);
    }
    // The page has no scripts; forbid them outright as defence in depth.
    if let Ok(h) = tiny_http::Header::from_bytes(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'none'; style-src 'unsafe-inline' 'self'",
    ) {
        r = r.with_header(h);
    }
    r
}

fn json_resp(v: serde_json::Value) -> Resp {
    with_type(v.to_string().into_bytes(), 200, "application/json")
}

/// Splits `/path?query` and reads one query parameter.
fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == name).then_some(v)
    })
}

fn authorized(req: &tiny_http::Request, query: &str, token: Option<&str>) -> bool {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return true;
    };
    let header_ok = req.headers().iter().any(|h| {
        h.field.equiv("Authorization")
            && h.value
                .as_str()
                .strip_prefix("Bearer ")
                .is_some_and(|v| v == token)
    });
    header_ok || query_param(query, "token") == Some(token)
}

fn respond(
    req: &tiny_http::Request,
    snap: &Snapshot,
    token: Option<&str>,
    health: &Health,
) -> Resp {
    let url = req.url().to_owned();
    let (path, query) = url.split_once('?').unwrap_or((url.as_str(), ""));
    if path == "/healthz" {
        // Not ok while the daemon's store is unreadable or cannot be written.
        return match health.check() {
            Ok(()) => with_type(b"ok\n".to_vec(), 200, "text/plain"),
            Err(e) => with_type(
                format!("unhealthy: {}\n", crate::untrusted::shown(&e)).into_bytes(),
                503,
                "text/plain",
            ),
        };
    }
    if !authorized(req, query, token) {
        return with_type(
            b"a token is required: Authorization: Bearer TOKEN\n".to_vec(),
            401,
            "text/plain",
        );
    }
    if *req.method() != tiny_http::Method::Get {
        return with_type(b"only GET\n".to_vec(), 405, "text/plain");
    }
    match path {
        "/" => with_type(
            html::index(snap).into_bytes(),
            200,
            "text/html; charset=utf-8",
        ),
        "/api/weeks" => json_resp(json!(snap.weeks)),
        "/api/occurrences" => {
            let week = query_param(query, "week");
            json_resp(json!(snap
                .occurrences
                .iter()
                .filter(|o| week.is_none_or(|w| o.week == w))
                .collect::<Vec<_>>()))
        }
        "/api/violations" => json_resp(json!(snap.violations)),
        "/api/alerts" => json_resp(json!(snap.alerts)),
        "/api/feeds" => json_resp(json!(snap.feeds)),
        "/api/suggestions" => json_resp(json!(snap.suggestions)),
        // The `calaudit reports --format json` contract, over the dashboard's window.
        "/api/reports" => with_type(
            crate::playbook::render::reports_json(&snap.playbook).into_bytes(),
            200,
            "application/json",
        ),
        "/favicon.ico" | "/favicon.svg" => {
            with_type(FAVICON.as_bytes().to_vec(), 200, "image/svg+xml")
        }
        "/metrics" => with_type(metrics(snap).into_bytes(), 200, "text/plain; version=0.0.4"),
        _ => {
            if let Some(week) = path.strip_prefix("/week/") {
                return with_type(
                    html::week(snap, week).into_bytes(),
                    200,
                    "text/html; charset=utf-8",
                );
            }
            if let Some(name) = path
                .strip_prefix("/charts/")
                .and_then(|n| n.strip_suffix(".svg"))
            {
                if let Some((_, svg)) = snap.charts.iter().find(|(k, _)| k.file_stem() == name) {
                    return with_type(svg.clone().into_bytes(), 200, "image/svg+xml");
                }
            }
            with_type(b"not found\n".to_vec(), 404, "text/plain")
        }
    }
}

/// Prometheus label values escape `\`, `"` and newlines.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn metrics(snap: &Snapshot) -> String {
    let mut m = String::new();
    if let Some(w) = snap.current_week() {
        m.push_str("# HELP calaudit_people_share People time / working hours, current week.\n# TYPE calaudit_people_share gauge\n");
        m.push_str(&format!(
            "calaudit_people_share{{week=\"{}\"}} {}\n",
            label(&w.week),
            w.people_share.unwrap_or(0.0)
        ));
        m.push_str("# HELP calaudit_people_target People-share target.\n# TYPE calaudit_people_target gauge\n");
        m.push_str(&format!("calaudit_people_target {}\n", snap.people_target));
        m.push_str("# HELP calaudit_deep_work_hours Deep-work hours, current week.\n# TYPE calaudit_deep_work_hours gauge\n");
        m.push_str(&format!(
            "calaudit_deep_work_hours{{week=\"{}\"}} {}\n",
            label(&w.week),
            w.seconds[crate::classify::Category::DeepWork] as f64 / 3600.0
        ));
        m.push_str("# HELP calaudit_no_fly_violations Meetings that broke protected time, current week.\n# TYPE calaudit_no_fly_violations gauge\n");
        m.push_str(&format!(
            "calaudit_no_fly_violations{{week=\"{}\"}} {}\n",
            label(&w.week),
            w.no_fly_violations
        ));
    }
    m.push_str("# HELP calaudit_feed_last_success_timestamp_seconds Last successful fetch of each feed.\n# TYPE calaudit_feed_last_success_timestamp_seconds gauge\n");
    for f in &snap.feeds {
        if let Some(t) = f.last_success_unix {
            m.push_str(&format!(
                "calaudit_feed_last_success_timestamp_seconds{{feed=\"{}\"}} {t}\n",
                label(&f.name)
            ));
        }
    }
    m.push_str("# HELP calaudit_feed_fetch_errors_total Failed fetches of each feed.\n# TYPE calaudit_feed_fetch_errors_total counter\n");
    for f in &snap.feeds {
        m.push_str(&format!(
            "calaudit_feed_fetch_errors_total{{feed=\"{}\"}} {}\n",
            label(&f.name),
            f.fetch_errors
        ));
    }
    m
}
