//! The playbook's alerts (issue 10, part 3): each [`Episode`] as a [`Candidate`] whose key
//! names the episode (the report and the fact that identifies it), so the store's UNIQUE key
//! makes each episode exactly one alert, and a new episode a new one. Pure, like [`super::detect`].

use chrono::{DateTime, Utc};
use serde_json::json;

use super::detect::{rid_str, ts};
use super::key::{AlertKey, AlertKind};
use super::Candidate;
use crate::playbook::episodes::{Change, Episode};
use crate::playbook::Roster;
use crate::time::utc_rfc3339 as iso;

/// `Tue 8 Dec 10:00` in the user's zone.
fn local(tz: chrono_tz::Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%a %-d %b %H:%M").to_string()
}

fn day(tz: chrono_tz::Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d").to_string()
}

/// One candidate per episode. Playbook alerts are never resolved: the episode's key changes
/// when it ends (a 1:1 held, a career talk had), and the next one is a new alert.
pub fn candidates(episodes: &[Episode], roster: &Roster<'_>, tz: chrono_tz::Tz) -> Vec<Candidate> {
    let name = |r: usize| roster.reports.get(r).map_or("", |r| r.name.as_str());
    let mut out: Vec<Candidate> = episodes
        .iter()
        .map(|e| match e {
            Episode::Overdue {
                report,
                last_held,
                days_since,
            } => {
                let who = name(*report);
                let cadence = roster.reports[*report].cadence_days;
                let text = match (last_held, days_since) {
                    (Some(t), Some(d)) => format!(
                        "1:1 with {who} overdue: last held {} ({d} days ago; cadence {cadence} days)",
                        day(tz, *t)
                    ),
                    _ => format!("1:1 with {who} overdue: none held yet (cadence {cadence} days)"),
                };
                Candidate {
                    key: AlertKey::one_on_one_overdue(who, last_held.map(ts)),
                    kind: AlertKind::OneOnOneOverdue,
                    relevant_until: None,
                    payload: json!({
                        "kind": AlertKind::OneOnOneOverdue.as_str(),
                        "text": text,
                        "report": who,
                        "last_held": last_held.map(iso),
                        "days_since_last": days_since,
                        "cadence_days": cadence,
                    }),
                }
            }
            Episode::CareerOverdue { report, last } => {
                let who = name(*report);
                let every = roster.reports[*report].career_days;
                let text = match last {
                    Some(t) => format!(
                        "Career conversation with {who} overdue: last on {} (every {every} days)",
                        day(tz, *t)
                    ),
                    None => format!(
                        "Career conversation with {who} overdue: none yet (every {every} days)"
                    ),
                };
                Candidate {
                    key: AlertKey::career_overdue(who, last.map(ts)),
                    kind: AlertKind::CareerOverdue,
                    relevant_until: None,
                    payload: json!({
                        "kind": AlertKind::CareerOverdue.as_str(),
                        "text": text,
                        "report": who,
                        "career_last": last.map(|t| day(tz, t)),
                        "career_days": every,
                    }),
                }
            }
            Episode::Changed {
                report,
                feed,
                uid,
                recurrence_id,
                start,
                end,
                summary,
                change,
            } => {
                let who = name(*report);
                let what = match change {
                    Change::Cancelled => "cancelled".to_owned(),
                    Change::Declined => "declined by you".to_owned(),
                    Change::DeclinedByReport => format!("declined by {who}"),
                    Change::Group => "turned into a group meeting".to_owned(),
                };
                let rid = rid_str(*recurrence_id);
                Candidate {
                    key: AlertKey::one_on_one_changed(who, feed, uid, &rid, change.as_str()),
                    kind: AlertKind::OneOnOneChanged,
                    relevant_until: Some(*end),
                    payload: json!({
                        "kind": AlertKind::OneOnOneChanged.as_str(),
                        "text": format!("Upcoming 1:1 with {who} {what}: '{summary}' {}", local(tz, *start)),
                        "report": who,
                        "change": change.as_str(),
                        "feed": feed,
                        "event": {
                            "uid": uid,
                            "recurrence_id": recurrence_id.map(|r| rid_str(Some(r))),
                            "summary": summary,
                            "start": iso(*start),
                            "end": iso(*end),
                        },
                    }),
                }
            }
            Episode::Crutch {
                report,
                first,
                second,
            } => {
                let who = name(*report);
                Candidate {
                    key: AlertKey::technical_crutch(who, ts(second.start)),
                    kind: AlertKind::TechnicalCrutch,
                    relevant_until: None,
                    payload: json!({
                        "kind": AlertKind::TechnicalCrutch.as_str(),
                        "text": format!(
                            "Technical crutch: the last two 1:1s with {who} were technical reviews ('{}' {}, '{}' {})",
                            first.summary, day(tz, first.start), second.summary, day(tz, second.start)
                        ),
                        "report": who,
                        "one_on_ones": [
                            {"summary": first.summary, "start": iso(first.start)},
                            {"summary": second.summary, "start": iso(second.start)},
                        ],
                    }),
                }
            }
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}
