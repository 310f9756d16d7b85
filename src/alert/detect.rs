//! Alert detection: pure functions with stable keys.
//!
//! A key names what the alert is about, so seeing the same thing again yields the same key (and
//! the store creates nothing), and a changed thing yields a new key: a violating meeting moved to
//! another violating time is a new alert, and the old key, no longer seen, is resolved.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::key::{AlertKey, AlertKind};
use crate::classify::Category;
use crate::config::Config;
use crate::ics::expand::RecurrenceId;
use crate::pipeline::Analysis;
use crate::report::nofly::{NoFlyWindow, ProtectedSource, Violation};
use crate::report::{Report, WeekSummary};
use crate::store::FeedState;
use crate::time::utc_rfc3339 as iso;

/// An alert to raise (the store decides whether it is new).
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub key: AlertKey,
    pub kind: AlertKind,
    /// What the sinks receive (the store adds `id`, `alert_id` and `state`).
    pub payload: serde_json::Value,
    /// After this instant the alert is about the past and is not resolved any more.
    pub relevant_until: Option<DateTime<Utc>>,
}

/// A protected deep-work block as remembered between two pulls.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    pub feed: String,
    pub uid: String,
    /// The recurrence id, or "" for a single event.
    pub rid: String,
    pub start: i64,
    pub end: i64,
    pub summary: String,
}

pub fn ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// A UTC Unix time (seconds) as an instant. Out of chrono's range (some ±262,000 years,
/// which no time we store reaches) it is the Unix epoch, with a warning.
pub fn from_ts(t: i64) -> DateTime<Utc> {
    match DateTime::from_timestamp(t, 0) {
        Some(d) => d,
        None => {
            tracing::warn!(secs = t, "time out of range; read as 1970-01-01");
            DateTime::UNIX_EPOCH
        }
    }
}

/// A recurrence id as alert keys spell it (`20260303T103000Z`, `20260303`; "" for none).
pub fn rid_str(r: Option<RecurrenceId>) -> String {
    match r {
        None => String::new(),
        Some(RecurrenceId::Date(d)) => d.format("%Y%m%d").to_string(),
        Some(RecurrenceId::Utc(t)) => t.format("%Y%m%dT%H%M%SZ").to_string(),
    }
}

/// `Tue 10:30–11:00` in the user's zone.
pub(crate) fn span_local(tz: chrono_tz::Tz, s: DateTime<Utc>, e: DateTime<Utc>) -> String {
    let (ls, le) = (s.with_timezone(&tz), e.with_timezone(&tz));
    if ls.date_naive() == le.date_naive() {
        format!("{}–{}", ls.format("%a %-d %b %H:%M"), le.format("%H:%M"))
    } else {
        format!("{}–{}", ls.format("%a %-d %b %H:%M"), le.format("%a %H:%M"))
    }
}

pub(crate) fn window_label(w: &NoFlyWindow) -> String {
    let days: Vec<String> = w.days.iter().map(|d| d.to_string()).collect();
    format!(
        "{} {}–{}",
        days.join("/"),
        w.start.format("%H:%M"),
        w.end.format("%H:%M")
    )
}

/// What a protected interval is, for people: its source name (`no_fly_window`,
/// `deep_work_block`) and a label (`Tue/Thu 09:00–12:00`, `deep-work block 'Focus' Tue …`).
fn protected_label(a: &Analysis, cfg: &Config, source: &ProtectedSource) -> (&'static str, String) {
    match source {
        ProtectedSource::Window(i) => (
            "no_fly_window",
            cfg.no_fly.get(*i).map(window_label).unwrap_or_default(),
        ),
        ProtectedSource::Block(r) => {
            let b = &a.rows[*r];
            let s = a.event(b).summary.clone().unwrap_or_default();
            (
                "deep_work_block",
                format!(
                    "deep-work block '{s}' {}",
                    span_local(cfg.tz, b.occ.start, b.occ.end)
                ),
            )
        }
    }
}

/// Upcoming meetings (ending after `now`, starting before `horizon`) that break protected time:
/// one alert per meeting occurrence, naming every block it breaks.
///
/// The key names the earliest protected interval broken, as each interval's own alert did
/// before a meeting's blocks were grouped (issue 11 item 3): a store's open alert for a
/// meeting keeps its key and is not raised again. The later intervals' old alerts are
/// [`merged_into`] the meeting's one alert.
pub fn no_fly(
    a: &Analysis,
    violations: &[Violation],
    cfg: &Config,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Vec<Candidate> {
    let tz = cfg.tz;
    let mut out = Vec::new();
    for v in violations {
        let row = &a.rows[v.meeting];
        let (ms, me) = (row.occ.start, row.occ.end);
        if me <= now || ms >= horizon || v.breaks.is_empty() {
            continue;
        }
        let ev = a.event(row);
        let feed = &a.feeds[row.feed as usize];
        let summary = ev.summary.clone().unwrap_or_default();
        let broken: Vec<(&'static str, String, &crate::report::nofly::Break)> = v
            .breaks
            .iter()
            .map(|b| {
                let (source, label) = protected_label(a, cfg, &b.protected.source);
                (source, label, b)
            })
            .collect();
        let labels: Vec<&str> = broken.iter().map(|(_, l, _)| l.as_str()).collect();
        let minutes = (v.overlap_seconds() + 59) / 60;
        let text = format!(
            "No-fly zone broken: '{summary}' {} overlaps {} by {minutes} min",
            span_local(tz, ms, me),
            labels.join(" and ")
        );
        let first = v.first();
        let key = AlertKey::no_fly(
            feed,
            &ev.uid,
            &rid_str(row.occ.recurrence_id),
            ts(first.start),
            ts(ms),
            ts(me),
        );
        let (source, label, _) = &broken[0];
        out.push(Candidate {
            key,
            kind: AlertKind::NoFly,
            relevant_until: Some(me),
            payload: json!({
                "kind": AlertKind::NoFly.as_str(),
                "text": text,
                "feed": feed,
                "event": {
                    "uid": ev.uid,
                    "recurrence_id": row.occ.recurrence_id.map(|r| rid_str(Some(r))),
                    "summary": summary,
                    "start": iso(ms),
                    "end": iso(me),
                },
                // The earliest block, as before grouping; `broken` lists them all.
                "protected": {
                    "start": iso(first.start),
                    "end": iso(first.end),
                    "source": source,
                    "label": label,
                },
                "broken": broken.iter().map(|(source, label, b)| json!({
                    "start": iso(b.protected.start),
                    "end": iso(b.protected.end),
                    "source": source,
                    "label": label,
                    "overlap_minutes": ((b.overlap_end - b.overlap_start).num_seconds() + 59) / 60,
                })).collect::<Vec<_>>(),
                "overlap_minutes": minutes,
            }),
        });
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

/// When `open` is a no-fly alert for a meeting occurrence that has a current alert under
/// another key (`current`), that key: the open one was raised for a later block of the same
/// meeting, before one meeting became one alert (issue 11 item 3). The daemon resolves it as
/// merged rather than as "moved, cancelled or declined", and raises nothing new.
pub fn merged_into<'a>(
    open: &AlertKey,
    current: impl IntoIterator<Item = &'a AlertKey>,
) -> Option<&'a AlertKey> {
    let meeting = open.no_fly_meeting()?;
    current
        .into_iter()
        .find(|k| *k != open && k.no_fly_meeting() == Some(meeting.clone()))
}

/// Counted deep-work blocks that end after `now` and start before `horizon`.
pub fn blocks(a: &Analysis, now: DateTime<Utc>, horizon: DateTime<Utc>) -> Vec<Block> {
    let mut out: Vec<Block> = a
        .rows
        .iter()
        .filter(|r| {
            r.excluded.is_none()
                && r.category == Category::DeepWork
                && !r.occ.is_allday()
                && r.occ.end > now
                && r.occ.start < horizon
        })
        .map(|r| {
            let ev = a.event(r);
            Block {
                feed: a.feeds[r.feed as usize].clone(),
                uid: ev.uid.clone(),
                rid: rid_str(r.occ.recurrence_id),
                start: ts(r.occ.start),
                end: ts(r.occ.end),
                summary: ev.summary.clone().unwrap_or_default(),
            }
        })
        .collect();
    out.sort_by(|a, b| (a.start, &a.uid).cmp(&(b.start, &b.uid)));
    out
}

/// Blocks of the previous snapshot (still ahead of `now`) that are gone, moved or shorter now.
/// Only feeds in `present` are compared: a feed without data proves nothing.
pub fn block_changes(
    prev: &[Block],
    cur: &[Block],
    present: &HashSet<String>,
    tz: chrono_tz::Tz,
    now: i64,
) -> Vec<Candidate> {
    let mut by_id: HashMap<(&str, &str, &str), Vec<&Block>> = HashMap::new();
    for b in cur {
        by_id.entry((&b.feed, &b.uid, &b.rid)).or_default().push(b);
    }
    let mut out = Vec::new();
    for p in prev {
        if p.end <= now || !present.contains(&p.feed) {
            continue;
        }
        let now_blocks = by_id
            .get(&(p.feed.as_str(), p.uid.as_str(), p.rid.as_str()))
            .cloned()
            .unwrap_or_default();
        if now_blocks
            .iter()
            .any(|c| c.start == p.start && c.end == p.end)
        {
            continue;
        }
        // A single event keeps its identity (uid) when moved; pick the nearest.
        let c = now_blocks
            .iter()
            .min_by_key(|c| (c.start - p.start).abs())
            .copied();
        let old = span_local(tz, from_ts(p.start), from_ts(p.end));
        let (change, text, new) = match c {
            None => (
                "deleted",
                format!("Deep-work block deleted: '{}' {old}", p.summary),
                None,
            ),
            Some(c) if c.start == p.start && c.end < p.end => (
                "shortened",
                format!(
                    "Deep-work block shortened: '{}' {old} now ends {} ({} min lost)",
                    p.summary,
                    from_ts(c.end).with_timezone(&tz).format("%H:%M"),
                    (p.end - c.end) / 60
                ),
                Some(c),
            ),
            Some(c) if c.start == p.start || (c.end - c.start) >= (p.end - p.start) => {
                if c.start == p.start {
                    continue; // longer: not a loss
                }
                (
                    "moved",
                    format!(
                        "Deep-work block moved: '{}' {old} → {}",
                        p.summary,
                        span_local(tz, from_ts(c.start), from_ts(c.end))
                    ),
                    Some(c),
                )
            }
            Some(c) => (
                "moved",
                format!(
                    "Deep-work block moved and shortened: '{}' {old} → {}",
                    p.summary,
                    span_local(tz, from_ts(c.start), from_ts(c.end))
                ),
                Some(c),
            ),
        };
        let key = AlertKey::block_changed(
            &p.feed,
            &p.uid,
            &p.rid,
            (p.start, p.end),
            change,
            new.map_or((0, 0), |c| (c.start, c.end)),
        );
        out.push(Candidate {
            key,
            kind: AlertKind::BlockChanged,
            relevant_until: Some(from_ts(p.end)),
            payload: json!({
                "kind": AlertKind::BlockChanged.as_str(),
                "change": change,
                "text": text,
                "feed": p.feed,
                "event": {
                    "uid": p.uid,
                    "recurrence_id": if p.rid.is_empty() { None } else { Some(&p.rid) },
                    "summary": p.summary,
                    "start": iso(from_ts(p.start)),
                    "end": iso(from_ts(p.end)),
                },
                "now": new.map(|c| json!({"start": iso(from_ts(c.start)), "end": iso(from_ts(c.end))})),
            }),
        });
    }
    out
}

/// The last completed week (ended by `now`, less than a week ago), if it was below the
/// people-time target.
pub fn target_missed(rep: &Report, now: DateTime<Utc>) -> Vec<Candidate> {
    let tz = rep.window.tz;
    rep.weeks
        .iter()
        // Only the week that ended last: older weeks are history, not news (a first start
        // analyses months back and must not send one alert per past week).
        .filter(|w| {
            let end = week_end_utc(tz, w);
            end <= now && now - end < Duration::days(7)
        })
        .filter(|w| w.people_target_met == Some(false))
        .map(|w| {
            let text = target_text(w, rep.people_target, "below the people-time target");
            Candidate {
                key: AlertKey::target_missed(&w.week),
                kind: AlertKind::TargetMissed,
                relevant_until: None,
                payload: json!({
                    "kind": AlertKind::TargetMissed.as_str(),
                    "text": text,
                    "week": w.week,
                    "people_minutes": w.seconds[crate::classify::Category::People] / 60,
                    "working_hours": w.working_hours,
                    "people_share": w.people_share,
                    "people_target": rep.people_target,
                }),
            }
        })
        .collect()
}

/// The UTC instant a week row ends (next Monday, local midnight).
pub fn week_end_utc(tz: chrono_tz::Tz, w: &WeekSummary) -> DateTime<Utc> {
    let next = w.week_start + Duration::days(7);
    crate::report::Window {
        tz,
        from: next,
        to: next,
    }
    .start()
}

pub fn target_text(w: &WeekSummary, target: f64, what: &str) -> String {
    format!(
        "{} {what}: people time {}h = {:.0}% of {}h working hours (target {:.0}%)",
        w.week,
        crate::report::hours::fmt(w.seconds[crate::classify::Category::People]),
        w.people_share.unwrap_or(0.0) * 100.0,
        w.working_hours,
        target * 100.0
    )
}

/// A feed failing for at least `after`: one alert per failure streak.
pub fn feed_failing(s: &FeedState, after: Duration, now: DateTime<Utc>) -> Option<Candidate> {
    let since = s.error_since?;
    if now - since < after {
        return None;
    }
    let hours = crate::report::hours::fmt((now - since).num_seconds());
    let err = s.last_error.clone().unwrap_or_default();
    let stale = match s.last_success {
        Some(t) => format!("last good data from {}", iso(t)),
        None => "no good data yet".into(),
    };
    Some(Candidate {
        key: AlertKey::feed_failing(&s.name, since),
        kind: AlertKind::FeedFailing,
        relevant_until: None,
        payload: json!({
            "kind": AlertKind::FeedFailing.as_str(),
            "text": format!("Feed '{}' has failed for {hours}h ({stale}): {err}", s.name),
            "feed": s.name,
            "failing_since": iso(since),
            "last_success": s.last_success.map(iso),
            "error": err,
        }),
    })
}
