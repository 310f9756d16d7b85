//! Team mode's dashboard (issue 14, §4): one server for many users, each seeing only their
//! own.
//!
//! - `/u/<id>/…`: the single-user pages and API ([`super::routes`]), one router per user built
//!   over that user's snapshot alone, so a handler cannot reach another user's data. The
//!   user's token (checked against its configured SHA-256) opens it; anything else (no
//!   token, another user's token, an id that does not exist) gets the same 404, so the
//!   answer does not say whether an id exists.
//! - `/healthz`: without a token, only "ok" or "unhealthy" (for load balancers); with the
//!   admin token, each user's store health. Nothing else opens with the admin token except:
//! - `/org/`, `/org/api/summary`: aggregates (people share, deep work, violations, 1:1
//!   coverage) over groups of at least [`MIN_GROUP`] users, never one person's numbers.
//!
//! What it does not own: the Host check and the security headers ([`super::guard::check`],
//! layered outside), the pages themselves ([`super::html`]).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use super::guard;
use super::routes::{self, AppState, Health};
use super::snapshot::Snapshot;
use super::SharedSnapshot;
use crate::classify::Category;
use crate::config::{TokenHash, UserId};

/// The smallest group whose aggregates the org view shows.
pub const MIN_GROUP: usize = 5;

/// One user's part of the team dashboard.
pub struct UserSite {
    pub id: UserId,
    /// The org view's group, besides the whole org.
    pub group: Option<String>,
    pub token: TokenHash,
    /// The user's latest snapshot (published by their daemon).
    pub data: SharedSnapshot,
    /// The user's store health.
    pub health: Health,
}

/// Everything the team dashboard serves.
pub struct Team {
    pub users: Vec<UserSite>,
    /// The admin token's hash: health and the org view. `None`: neither opens.
    pub admin: Option<TokenHash>,
}

struct Site {
    user: UserSite,
    /// The single-user routes over this user's snapshot, mounted at `/u/<id>`.
    router: Router,
}

struct TeamState {
    sites: Vec<Site>,
    admin: Option<TokenHash>,
}

/// The same answer for an unknown id, a missing token and someone else's token.
fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found; your pages are /u/<your id>/, opened with your token (Authorization: Bearer TOKEN, or ?token=TOKEN once)\n",
    )
        .into_response()
}

pub(super) fn router(team: Team) -> Router {
    let sites = team
        .users
        .into_iter()
        .map(|user| Site {
            router: routes::router(AppState {
                data: Arc::clone(&user.data),
                health: user.health.clone(),
                base: format!("/u/{}", user.id),
            }),
            user,
        })
        .collect();
    let state = Arc::new(TeamState {
        sites,
        admin: team.admin,
    });
    Router::new()
        .route("/healthz", get(healthz))
        .route("/org/", get(org_page))
        .route("/org/api/summary", get(org_json))
        .route("/favicon.ico", get(routes::favicon))
        .route("/favicon.svg", get(routes::favicon))
        .fallback(user_area)
        .with_state(state)
}

/// `/u/<id>/…`: the user's own router, when the request carries that user's token.
async fn user_area(State(team): State<Arc<TeamState>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix("/u/") else {
        return not_found();
    };
    let (id, tail) = match rest.split_once('/') {
        Some((id, tail)) => (id, tail),
        None => {
            // `/u/priya` → `/u/priya/`, for any well-formed id (so existence is not told).
            if UserId::parse(rest).is_err() {
                return not_found();
            }
            let query = req
                .uri()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default();
            return Redirect::to(&format!("/u/{rest}/{query}")).into_response();
        }
    };
    let site = team.sites.iter().find(|s| s.user.id.as_str() == id);
    let Some(via_query) = guard::authorized_by_hash(site.map(|s| &s.user.token), &req) else {
        return not_found();
    };
    let Some(site) = site else {
        return not_found();
    };
    let cookie = via_query
        .then(|| guard::token_cookie(&req, &format!("/u/{id}/")))
        .flatten();
    let inner = match req.uri().query() {
        Some(q) => format!("/{tail}?{q}"),
        None => format!("/{tail}"),
    };
    let (mut parts, body) = req.into_parts();
    parts.uri = match inner.parse::<Uri>() {
        Ok(u) => u,
        Err(_) => return not_found(),
    };
    let mut router = site.router.clone();
    let mut resp = match tower::Service::call(&mut router, Request::from_parts(parts, body)).await {
        Ok(r) => r,
        Err(never) => match never {},
    };
    if let Some(c) = cookie {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp
}

/// Whether `req` carries the admin token; `Some(true)` when it came as `?token=`.
fn admin(team: &TeamState, req: &Request) -> Option<bool> {
    // Without an admin token configured, a token is still hashed: the same work either way.
    guard::authorized_by_hash(team.admin.as_ref(), req).filter(|_| team.admin.is_some())
}

/// Without the admin token: "ok" or "unhealthy" only. With it: each user's store health.
async fn healthz(State(team): State<Arc<TeamState>>, req: Request) -> Response {
    let is_admin = admin(&team, &req).is_some();
    let checks: Vec<(String, Health)> = team
        .sites
        .iter()
        .map(|s| (s.user.id.to_string(), s.user.health.clone()))
        .collect();
    // The checks open store files: blocking work, off the async threads.
    let results = tokio::task::spawn_blocking(move || {
        checks
            .into_iter()
            .map(|(id, h)| (id, h.check()))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let ok = results.iter().all(|(_, r)| r.is_ok());
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let mut body = String::from(if ok { "ok\n" } else { "unhealthy\n" });
    if is_admin {
        for (id, r) in &results {
            match r {
                Ok(()) => body.push_str(&format!("{id}: ok\n")),
                Err(e) => body.push_str(&format!(
                    "{id}: unhealthy: {}\n",
                    crate::untrusted::shown(e)
                )),
            }
        }
    }
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The admin's answer, or the same 404 as everything else; sets the cookie for `/org/`
/// when the token came as `?token=`.
fn org_answer(
    team: &TeamState,
    req: &Request,
    answer: impl FnOnce(OrgSummary) -> Response,
) -> Response {
    let Some(via_query) = admin(team, req) else {
        return not_found();
    };
    let snaps: Vec<(Option<String>, Arc<Snapshot>)> = team
        .sites
        .iter()
        .map(|s| {
            let snap = match s.user.data.read() {
                Ok(g) => Arc::clone(&g),
                Err(p) => Arc::clone(&p.into_inner()),
            };
            (s.user.group.clone(), snap)
        })
        .collect();
    let members: Vec<(Option<&str>, &Snapshot)> =
        snaps.iter().map(|(g, s)| (g.as_deref(), &**s)).collect();
    let mut resp = answer(org_summary(&members));
    if via_query {
        if let Some(c) = guard::token_cookie(req, "/org/") {
            resp.headers_mut().append(header::SET_COOKIE, c);
        }
    }
    resp
}

async fn org_json(State(team): State<Arc<TeamState>>, req: Request) -> Response {
    org_answer(&team, &req, |s| Json(s).into_response())
}

async fn org_page(State(team): State<Arc<TeamState>>, req: Request) -> Response {
    org_answer(&team, &req, |s| {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            org_html(&s),
        )
            .into_response()
    })
}

/// The org view: the whole org and each group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OrgSummary {
    /// [`MIN_GROUP`]: the smallest group shown.
    pub min_group: usize,
    pub everyone: GroupSummary,
    /// Named groups (`group = "…"` in the users' tables), by name.
    pub groups: Vec<GroupSummary>,
}

/// One group's aggregates; every figure is over at least [`MIN_GROUP`] users, or absent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupSummary {
    pub group: String,
    /// Users with a completed week; `None` when the group is not shown.
    pub users: Option<usize>,
    /// Why nothing is shown ("too few users to show"); `None` when shown.
    pub note: Option<String>,
    /// Mean people share of each user's latest complete week.
    pub people_share: Option<f64>,
    /// Mean deep-work hours of that week.
    pub deep_work_hours: Option<f64>,
    /// Mean protected-time violations of that week.
    pub violations: Option<f64>,
    /// Direct reports whose 1:1 is not overdue, over all direct reports of the group's users
    /// who have any.
    pub one_on_one_coverage: Option<f64>,
}

const TOO_FEW: &str = "too few users to show";

/// Aggregates per group of users (`(group, snapshot)` per user). A user counts once they
/// have a completed week. A group of fewer than [`MIN_GROUP`] such users shows nothing, and
/// neither does a figure fewer than [`MIN_GROUP`] of its users contribute to. The whole org
/// minus the groups shown must not be 1 to 4 people either (else the difference of two
/// shown numbers would be theirs): the smallest shown groups are hidden until it is not.
pub fn org_summary(members: &[(Option<&str>, &Snapshot)]) -> OrgSummary {
    let with_data: Vec<(Option<&str>, &Snapshot)> = members
        .iter()
        .filter(|(_, s)| s.latest_complete_week().is_some())
        .copied()
        .collect();
    let mut names: Vec<&str> = with_data.iter().filter_map(|(g, _)| *g).collect();
    names.sort_unstable();
    names.dedup();
    let size = |name: &str| with_data.iter().filter(|(g, _)| *g == Some(name)).count();
    let mut shown: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| size(n) >= MIN_GROUP)
        .collect();
    loop {
        let covered: usize = shown.iter().map(|n| size(n)).sum();
        let rest = with_data.len() - covered;
        if shown.is_empty() || !(1..MIN_GROUP).contains(&rest) {
            break;
        }
        if let Some(smallest) = shown.iter().copied().min_by_key(|n| (size(n), *n)) {
            shown.retain(|n| *n != smallest);
        }
    }
    let group = |name: &str, snaps: Vec<&Snapshot>, show: bool| {
        if !show || snaps.len() < MIN_GROUP {
            return GroupSummary {
                group: name.to_owned(),
                users: None,
                note: Some(TOO_FEW.to_owned()),
                people_share: None,
                deep_work_hours: None,
                violations: None,
                one_on_one_coverage: None,
            };
        }
        let weeks: Vec<_> = snaps
            .iter()
            .filter_map(|s| s.latest_complete_week())
            .collect();
        let mean = |xs: Vec<f64>| {
            (xs.len() >= MIN_GROUP).then(|| xs.iter().sum::<f64>() / xs.len() as f64)
        };
        let with_reports: Vec<&&Snapshot> = snaps
            .iter()
            .filter(|s| !s.playbook.reports.is_empty())
            .collect();
        let coverage = (with_reports.len() >= MIN_GROUP).then(|| {
            let all: Vec<bool> = with_reports
                .iter()
                .flat_map(|s| s.playbook.reports.iter().map(|r| !r.overdue))
                .collect();
            all.iter().filter(|ok| **ok).count() as f64 / all.len() as f64
        });
        GroupSummary {
            group: name.to_owned(),
            users: Some(snaps.len()),
            note: None,
            people_share: mean(weeks.iter().filter_map(|w| w.people_share).collect()),
            // Hours by the one rounding rule (report::hours), like every other output.
            deep_work_hours: mean(
                weeks
                    .iter()
                    .map(|w| w.seconds[Category::DeepWork] as f64 / 3600.0)
                    .collect(),
            )
            .map(crate::report::hours::round_f64),
            violations: mean(
                weeks
                    .iter()
                    .map(|w| f64::from(w.no_fly_violations))
                    .collect(),
            ),
            one_on_one_coverage: coverage,
        }
    };
    let all: Vec<&Snapshot> = with_data.iter().map(|(_, s)| *s).collect();
    OrgSummary {
        min_group: MIN_GROUP,
        everyone: group("everyone", all, true),
        groups: names
            .iter()
            .map(|n| {
                let snaps = with_data
                    .iter()
                    .filter(|(g, _)| *g == Some(*n))
                    .map(|(_, s)| *s)
                    .collect();
                group(n, snaps, shown.contains(n))
            })
            .collect(),
    }
}

fn org_html(s: &OrgSummary) -> String {
    use super::html::escape;
    let pct = |x: Option<f64>| x.map_or("–".to_owned(), |x| format!("{:.0}%", x * 100.0));
    let num = |x: Option<f64>| x.map_or("–".to_owned(), |x| format!("{x:.1}"));
    let mut rows = String::new();
    for g in std::iter::once(&s.everyone).chain(&s.groups) {
        match &g.note {
            Some(note) => rows.push_str(&format!(
                "<tr><td>{}</td><td colspan=\"5\">{}</td></tr>",
                escape(&g.group),
                escape(note)
            )),
            None => rows.push_str(&format!(
                "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                escape(&g.group),
                g.users.unwrap_or(0),
                pct(g.people_share),
                num(g.deep_work_hours),
                num(g.violations),
                pct(g.one_on_one_coverage),
            )),
        }
    }
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>calaudit: org view</title>\
         <style>body{{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1000px;color:#222}}table{{border-collapse:collapse;width:100%}}th,td{{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:left}}td.n{{text-align:right}}</style></head><body>\
         <h1>Org view</h1><p>Means over each user's latest complete week, for groups of at least {} users with data; never one person's numbers.</p>\
         <table><tr><th>group</th><th>users</th><th>people share</th><th>deep work (h)</th><th>violations</th><th>1:1 coverage</th></tr>{rows}</table></body></html>",
        s.min_group
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::WeekSummary;

    /// A user whose latest complete week (2026-W03) had `share` people share, `deep` hours of
    /// deep work and `violations`, and `reports` direct reports of whom `overdue` are overdue.
    fn user(share: f64, deep: f64, violations: u32, reports: usize, overdue: usize) -> Snapshot {
        let now: chrono::DateTime<chrono::Utc> = "2026-01-21T12:00:00Z".parse().unwrap();
        let mut s = Snapshot::empty(chrono_tz::UTC, now);
        // The store's row format: every field but these has a default.
        let week: WeekSummary = serde_json::from_value(serde_json::json!({
            "week": "2026-W03",
            "week_start": "2026-01-12",
            "minutes": { "deep_work": deep * 60.0 },
            "working_hours": 40.0,
            "people_share": share,
            "no_fly_violations": violations,
        }))
        .unwrap();
        s.weeks.push(week);
        for i in 0..reports {
            s.playbook.reports.push(crate::playbook::ReportStatus {
                name: format!("r{i}"),
                emails: Vec::new(),
                cadence_days: 7,
                held: 0,
                last_held: None,
                days_since_last: None,
                overdue: i < overdue,
                cancelled: 0,
                declined: 0,
                minutes: 0,
                technical: 0,
                status: 0,
                career_last: None,
                career_overdue: false,
                next: None,
                one_on_ones: Vec::new(),
            });
        }
        s
    }

    fn close(a: Option<f64>, b: f64) -> bool {
        a.is_some_and(|a| (a - b).abs() < 1e-9)
    }

    #[test]
    fn four_users_show_nothing_and_five_show_means() {
        let snaps: Vec<Snapshot> = (0..5)
            .map(|i| {
                user(
                    0.1 * f64::from(i + 1),
                    f64::from(i),
                    i,
                    2,
                    usize::from(i == 0),
                )
            })
            .collect();
        let four: Vec<(Option<&str>, &Snapshot)> = snaps[..4].iter().map(|s| (None, s)).collect();
        let s = org_summary(&four);
        assert_eq!(s.everyone.note.as_deref(), Some(TOO_FEW));
        assert_eq!(s.everyone.users, None);
        assert_eq!(
            (
                s.everyone.people_share,
                s.everyone.deep_work_hours,
                s.everyone.violations
            ),
            (None, None, None)
        );
        assert_eq!(s.everyone.one_on_one_coverage, None);

        let five: Vec<(Option<&str>, &Snapshot)> = snaps.iter().map(|s| (None, s)).collect();
        let s = org_summary(&five);
        assert_eq!(s.everyone.users, Some(5));
        assert!(close(s.everyone.people_share, 0.3), "{s:?}");
        assert!(close(s.everyone.deep_work_hours, 2.0), "{s:?}");
        assert!(close(s.everyone.violations, 2.0), "{s:?}");
        // 10 reports, one overdue.
        assert!(close(s.everyone.one_on_one_coverage, 0.9), "{s:?}");
    }

    #[test]
    fn a_user_without_a_complete_week_does_not_count_toward_five() {
        let mut snaps: Vec<Snapshot> = (0..5).map(|_| user(0.3, 1.0, 0, 0, 0)).collect();
        snaps[4].weeks.clear();
        let members: Vec<(Option<&str>, &Snapshot)> = snaps.iter().map(|s| (None, s)).collect();
        let s = org_summary(&members);
        assert_eq!(s.everyone.note.as_deref(), Some(TOO_FEW));
        // Five with weeks but fewer than five with reports: no 1:1 coverage.
        snaps[4] = user(0.3, 1.0, 0, 3, 0);
        let members: Vec<(Option<&str>, &Snapshot)> = snaps.iter().map(|s| (None, s)).collect();
        let s = org_summary(&members);
        assert_eq!(s.everyone.users, Some(5));
        assert_eq!(s.everyone.one_on_one_coverage, None);
    }

    #[test]
    fn groups_below_five_and_small_remainders_are_hidden() {
        let snaps: Vec<Snapshot> = (0..12)
            .map(|i| user(0.01 * f64::from(i), 1.0, 0, 0, 0))
            .collect();
        // platform 6, infra 5, one user in no group: everyone minus both groups would be
        // that one person, so the smaller group is hidden.
        let group = |i: usize| match i {
            0..=5 => Some("platform"),
            6..=10 => Some("infra"),
            _ => None,
        };
        let members: Vec<(Option<&str>, &Snapshot)> = snaps
            .iter()
            .enumerate()
            .map(|(i, s)| (group(i), s))
            .collect();
        let s = org_summary(&members);
        assert_eq!(s.everyone.users, Some(12));
        let by: Vec<(&str, Option<usize>)> = s
            .groups
            .iter()
            .map(|g| (g.group.as_str(), g.users))
            .collect();
        assert_eq!(by, [("infra", None), ("platform", Some(6))]);
        assert_eq!(s.groups[0].note.as_deref(), Some(TOO_FEW));
        assert_eq!(s.groups[0].people_share, None);

        // Everyone in the two groups: both shown, and a group of 4 never is.
        let members: Vec<(Option<&str>, &Snapshot)> = snaps
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    Some(if i < 6 {
                        "a"
                    } else if i < 8 {
                        "b"
                    } else {
                        "c"
                    }),
                    s,
                )
            })
            .collect();
        let s = org_summary(&members);
        let by: Vec<(&str, Option<usize>)> = s
            .groups
            .iter()
            .map(|g| (g.group.as_str(), g.users))
            .collect();
        // a 6, b 2, c 4: b and c hidden; everyone minus a is 6 people, so a stays.
        assert_eq!(by, [("a", Some(6)), ("b", None), ("c", None)]);
    }

    #[test]
    fn the_org_page_escapes_group_names() {
        let snaps: Vec<Snapshot> = (0..5).map(|_| user(0.3, 1.0, 0, 0, 0)).collect();
        let members: Vec<(Option<&str>, &Snapshot)> =
            snaps.iter().map(|s| (Some("<b>ops</b>"), s)).collect();
        let page = org_html(&org_summary(&members));
        assert!(page.contains("&lt;b&gt;ops&lt;/b&gt;"), "{page}");
        assert!(!page.contains("<b>ops"), "{page}");
    }
}
