//! Routes: the pages, the JSON API, `/metrics` and `/healthz`. Handlers only read the
//! published [`Snapshot`]; the guard ([`super::guard`]) has already checked Host and token.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use axum::Router;
use serde_json::json;

use super::html;
use super::snapshot::Snapshot;
use super::SharedSnapshot;

/// What `/healthz` checks beyond "the server answers": the error the daemon last met on its
/// state database (set by [`crate::daemon::Daemon::tick`]), and the store itself on each
/// request: an SQLite file opened read-only with its schema read, a PostgreSQL store asked
/// its schema version. Cheap to clone; clones share the error.
#[derive(Clone, Debug, Default)]
pub struct Health {
    error: Arc<RwLock<Option<String>>>,
    store: Option<std::path::PathBuf>,
    /// A PostgreSQL store, asked one cheap query on each request.
    pg: Option<crate::store::StoreUrl>,
}

impl Health {
    /// Also checks the store file at `path` on each request.
    pub fn with_store(mut self, path: std::path::PathBuf) -> Health {
        self.store = Some(path);
        self
    }

    /// Also checks the PostgreSQL store at `url` on each request: one cheap query on a
    /// connection of the process's pool ([`crate::store::Store::check_reachable`]), so a
    /// server that is down or refuses the connection makes `/healthz` say unhealthy at once,
    /// not only after the daemon's next round failed.
    pub fn with_pg(mut self, url: crate::store::StoreUrl) -> Health {
        self.pg = Some(url);
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
        if let Some(url) = &self.pg {
            crate::store::Store::check_reachable(url).map_err(|e| e.to_string())?;
        }
        match &self.store {
            Some(p) => crate::store::Store::check_readable(p).map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}

/// What the handlers share: the latest snapshot and the health check.
#[derive(Clone)]
pub(super) struct AppState {
    pub data: SharedSnapshot,
    pub health: Health,
    /// Where these pages are mounted: empty at the root, `/u/priya` for a user of a team
    /// config. The pages' own links are absolute (`/week/…`), so they are moved under it.
    pub base: String,
}

impl AppState {
    /// A page, its links moved under [`AppState::base`].
    fn page(&self, body: String) -> Response {
        html_page(with_base(body, &self.base))
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        match self.data.read() {
            Ok(g) => Arc::clone(&g),
            Err(p) => Arc::clone(&p.into_inner()),
        }
    }
}

/// A four-colour square in the category palette.
const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 2 2\"><rect width=\"1\" height=\"1\" fill=\"#E69F00\"/><rect x=\"1\" width=\"1\" height=\"1\" fill=\"#0072B2\"/><rect y=\"1\" width=\"1\" height=\"1\" fill=\"#009E73\"/><rect x=\"1\" y=\"1\" width=\"1\" height=\"1\" fill=\"#999999\"/></svg>";

/// Every route (GET only: anything else on a known path is 405).
pub(super) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/week/{week}", get(week_page))
        .route("/charts/{file}", get(chart))
        .route(
            "/api/weeks",
            get(|s: State<AppState>| async move { Json(json!(s.snapshot().weeks)) }),
        )
        .route("/api/occurrences", get(occurrences))
        .route(
            "/api/violations",
            get(|s: State<AppState>| async move { Json(json!(s.snapshot().violations)) }),
        )
        .route(
            "/api/alerts",
            get(|s: State<AppState>| async move { Json(json!(s.snapshot().alerts)) }),
        )
        .route(
            "/api/feeds",
            get(|s: State<AppState>| async move { Json(json!(s.snapshot().feeds)) }),
        )
        .route(
            "/api/suggestions",
            get(|s: State<AppState>| async move { Json(json!(s.snapshot().suggestions)) }),
        )
        .route("/api/reports", get(reports))
        .route("/favicon.ico", get(favicon))
        .route("/favicon.svg", get(favicon))
        .route(
            "/metrics",
            get(|s: State<AppState>| async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    metrics(&s.snapshot()),
                )
            }),
        )
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(state)
}

/// `href="/…"`, `src="/…"` and `action="/…"` as `base/…`. Event text never holds these:
/// [`html::escape`] writes every `"` as `&quot;`, so only the pages' own attributes match.
fn with_base(body: String, base: &str) -> String {
    if base.is_empty() {
        return body;
    }
    let mut out = body;
    for attr in ["href=\"/", "src=\"/", "action=\"/"] {
        out = out.replace(attr, &format!("{attr}{}/", base.trim_matches('/')));
    }
    out
}

fn html_page(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response()
}

fn bad_request(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

/// `2026-W07`: four digits, `-W`, two digits (01–53).
fn is_week_label(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 8
        && b[..4].iter().all(u8::is_ascii_digit)
        && &b[4..6] == b"-W"
        && b[6..].iter().all(u8::is_ascii_digit)
        && matches!(s[6..].parse::<u8>(), Ok(1..=53))
}

async fn index(s: State<AppState>) -> Response {
    s.page(html::index(&s.snapshot()))
}

/// Not ok while the daemon's store is unreadable or cannot be written.
async fn healthz(s: State<AppState>) -> Response {
    let health = s.health.clone();
    // The check opens the store file: blocking work, off the async threads.
    let checked = tokio::task::spawn_blocking(move || health.check())
        .await
        .unwrap_or_else(|e| Err(format!("health check failed: {e}")));
    match checked {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("unhealthy: {}\n", crate::untrusted::shown(&e)),
        )
            .into_response(),
    }
}

async fn week_page(s: State<AppState>, Path(week): Path<String>) -> Response {
    if !is_week_label(&week) {
        return bad_request(format!(
            "not an ISO week: {:?}; weeks look like 2026-W07\n",
            crate::untrusted::shown(&week)
        ));
    }
    s.page(html::week(&s.snapshot(), &week))
}

async fn chart(s: State<AppState>, Path(file): Path<String>) -> Response {
    let snap = s.snapshot();
    let svg = file
        .strip_suffix(".svg")
        .and_then(|name| snap.charts.iter().find(|(k, _)| k.file_stem() == name));
    match svg {
        Some((_, svg)) => ([(header::CONTENT_TYPE, "image/svg+xml")], svg.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, "not found\n").into_response(),
    }
}

async fn occurrences(s: State<AppState>, q: Query<HashMap<String, String>>) -> Response {
    if let Some(unknown) = q.keys().find(|k| k.as_str() != "week") {
        return bad_request(format!(
            "unknown parameter {:?}; /api/occurrences takes week=2026-W07\n",
            crate::untrusted::shown(unknown)
        ));
    }
    let week = q.get("week").map(String::as_str);
    if let Some(w) = week.filter(|w| !is_week_label(w)) {
        return bad_request(format!(
            "not an ISO week: {:?}; weeks look like 2026-W07\n",
            crate::untrusted::shown(w)
        ));
    }
    let snap = s.snapshot();
    Json(json!(snap
        .occurrences
        .iter()
        .filter(|o| week.is_none_or(|w| o.week == w))
        .collect::<Vec<_>>()))
    .into_response()
}

/// The `calaudit reports --format json` contract, over the dashboard's window.
async fn reports(s: State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::playbook::render::reports_json(&s.snapshot().playbook),
    )
        .into_response()
}

/// The page icon: static, no data in it, so team mode serves it at the root without a token
/// (the org page and a browser's own `/favicon.ico` ask for it there).
pub(super) async fn favicon() -> Response {
    ([(header::CONTENT_TYPE, "image/svg+xml")], FAVICON).into_response()
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
            crate::report::hours::fmt(w.seconds[crate::classify::Category::DeepWork])
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `/healthz` on a PostgreSQL store asks the store itself: a schema no daemon has
    /// migrated yet is not healthy, a migrated one is, and a server that cannot be reached
    /// (nothing listens on port 1) is unhealthy at once, named without its password.
    #[test]
    fn healthz_asks_a_postgres_store_and_names_one_it_cannot_reach() {
        let Some(schema) = crate::store::testing::PgSchema::new(
            "healthz_asks_a_postgres_store_and_names_one_it_cannot_reach",
        ) else {
            return;
        };
        let health = Health::default().with_pg(schema.url());
        let e = health.check().expect_err("an empty schema");
        assert!(e.contains("no calaudit schema"), "{e}");
        crate::store::Store::connect(&schema.url()).expect("migrate");
        assert_eq!(health.check(), Ok(()));
        let down =
            crate::store::StoreUrl::parse("postgresql://ci:s3cret@127.0.0.1:1/db").expect("url");
        let e = Health::default()
            .with_pg(down)
            .check()
            .expect_err("nothing listens on port 1");
        assert!(e.contains("postgresql://ci@127.0.0.1:1/db"), "{e}");
        assert!(!e.contains("s3cret"), "{e}");
    }

    #[test]
    fn links_move_under_the_base_and_text_does_not() {
        let page =
            "<a href=\"/week/2026-W07\">x</a><img src=\"/charts/a.svg\"><p>href=&quot;/evil</p>";
        let moved = with_base(page.to_owned(), "/u/priya");
        assert_eq!(
            moved,
            "<a href=\"/u/priya/week/2026-W07\">x</a><img src=\"/u/priya/charts/a.svg\"><p>href=&quot;/evil</p>"
        );
        assert_eq!(with_base(page.to_owned(), ""), page);
    }
}
