//! Playbook episodes for the daemon's alerts (issue 10, part 3): what is wrong with a report's
//! 1:1s as of an instant, each with the fact that identifies it, so that the same episode seen
//! by the next analysis is the same alert and a new one is a new alert.
//!
//! - [`Episode::Overdue`]: the 1:1s fell behind (as `calaudit reports` says `overdue`); the
//!   episode is identified by the last held 1:1, so holding one ends it and the next gap is new.
//! - [`Episode::CareerOverdue`]: no career conversation within the `career` interval; identified
//!   by the last career conversation.
//! - [`Episode::Changed`]: an upcoming 1:1 occurrence (before the lookahead horizon) is
//!   cancelled, declined by me or by the report, or an override turned it into a meeting with
//!   other people; identified by the occurrence (UID, RECURRENCE-ID) and the change.
//! - [`Episode::Crutch`]: the last two held 1:1s read as technical reviews; identified by the
//!   second of them.
//!
//! Pure: reads an [`Analysis`] made by [`history`] (the 1:1 candidates over the whole feed,
//! descriptions included) and does no I/O. The alert texts and keys are made in
//! [`crate::alert::playbook`].

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::one_on_one::{one_on_ones, summarize, OneOnOne, State};
use super::roster::{is_google_resource, whose, Roster};
use crate::config::Config;
use crate::ics::expand::RecurrenceId;
use crate::ics::{Event, PartStat};
use crate::pipeline::{self, Analysis, ParsedFeed, Settings};
use crate::report::{Exclusion, Window};

/// What happened to an upcoming 1:1 occurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// `STATUS:CANCELLED`.
    Cancelled,
    /// Declined by me.
    Declined,
    /// The report's PARTSTAT is DECLINED.
    DeclinedByReport,
    /// An override of the 1:1 series is no longer a 1:1 with the report (other people).
    Group,
}

impl Change {
    /// The key and payload text (`cancelled`, `declined`, `declined_by_report`, `group`).
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Cancelled => "cancelled",
            Change::Declined => "declined",
            Change::DeclinedByReport => "declined_by_report",
            Change::Group => "group",
        }
    }
}

/// One thing the playbook alerts on.
#[derive(Clone, Debug, PartialEq)]
pub enum Episode {
    Overdue {
        /// Index into the roster.
        report: usize,
        last_held: Option<DateTime<Utc>>,
        days_since: Option<i64>,
    },
    CareerOverdue {
        report: usize,
        /// Start of the last held career conversation.
        last: Option<DateTime<Utc>>,
    },
    Changed {
        report: usize,
        feed: String,
        uid: String,
        recurrence_id: Option<RecurrenceId>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        summary: String,
        change: Change,
    },
    Crutch {
        report: usize,
        /// The two technical 1:1s, older first.
        first: OneOnOne,
        second: OneOnOne,
    },
}

/// The analysis the playbook needs as of `as_of`: only the events that can be 1:1s with a
/// report (and those sharing their UIDs), expanded from the earliest of them (at least from
/// `from`) to 400 days after `as_of`. `feeds` should be parsed with descriptions, which say
/// whether a 1:1 was technical or a career conversation. `calaudit reports` and the daemon
/// both use it.
pub fn history(
    feeds: Vec<ParsedFeed>,
    cfg: &Config,
    tz: chrono_tz::Tz,
    me: &[String],
    from: NaiveDate,
    as_of: DateTime<Utc>,
) -> Analysis {
    history_keeping(feeds, cfg, tz, me, from, as_of, &HashSet::new())
}

/// [`history`], also keeping the events whose UID is in `keep` although they are no 1:1 any
/// more: the daemon keeps the upcoming 1:1s of its last analysis, to see which of them turned
/// into group meetings ([`turned_group`]).
pub fn history_keeping(
    feeds: Vec<ParsedFeed>,
    cfg: &Config,
    tz: chrono_tz::Tz,
    me: &[String],
    from: NaiveDate,
    as_of: DateTime<Utc>,
    keep: &HashSet<&str>,
) -> Analysis {
    let roster = Roster::new(&cfg.reports);
    let parsed: Vec<ParsedFeed> = feeds
        .into_iter()
        .map(|f| ParsedFeed {
            calendar: roster.candidates_keeping(f.calendar, me, keep),
            name: f.name,
        })
        .collect();
    let earliest = parsed
        .iter()
        .flat_map(|f| &f.calendar.events)
        .flat_map(|ev| [ev.dtstart, ev.recurrence_id])
        .flatten()
        .map(|v| v.naive().date())
        .min();
    let as_of_date = as_of.with_timezone(&tz).date_naive();
    let window = Window {
        tz,
        // A day's margin either way: the dates are as written, in any zone.
        from: earliest
            .map(|d| d - Duration::days(2))
            .unwrap_or(from)
            .min(from),
        to: as_of_date + Duration::days(400),
    };
    let settings = Settings::from_config(cfg, window, me);
    pipeline::analyze_parsed(parsed, &settings)
}

/// The episodes standing at `now` in `a` (from [`history`]): overdue 1:1s and career talks
/// (counted over the window starting at `window_start`, as `calaudit reports` counts), the
/// technical crutch, and changed 1:1s starting after `now` and before `horizon`.
pub fn episodes(
    a: &Analysis,
    roster: &Roster<'_>,
    me: &[String],
    window_start: DateTime<Utc>,
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Vec<Episode> {
    let all = one_on_ones(a, roster, me);
    let status = summarize(&all, roster, window_start, now, chrono_tz::UTC);
    let mut out = Vec::new();
    for (i, s) in status.iter().enumerate() {
        if s.overdue {
            out.push(Episode::Overdue {
                report: i,
                last_held: s.last_held,
                days_since: s.days_since_last,
            });
        }
        let held: Vec<&OneOnOne> = all
            .iter()
            .filter(|o| o.report == i && o.state == State::Held && o.start < now)
            .collect();
        if s.career_overdue {
            let last = held.iter().filter(|o| o.career).map(|o| o.start).max();
            out.push(Episode::CareerOverdue { report: i, last });
        }
        if let [.., first, second] = held.as_slice() {
            if first.technical && second.technical {
                out.push(Episode::Crutch {
                    report: i,
                    first: (*first).clone(),
                    second: (*second).clone(),
                });
            }
        }
    }
    out.extend(changed(a, roster, me, now, horizon));
    out
}

/// Upcoming 1:1 occurrences (starting in `(now, horizon)`) that were cancelled, declined, or
/// turned into a meeting with other people by an override of the series.
fn changed(
    a: &Analysis,
    roster: &Roster<'_>,
    me: &[String],
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Vec<Episode> {
    // Per feed: each event's report, and each series' report (by section and UID).
    let mut per_event = Vec::new();
    let mut per_series = Vec::new();
    for cal in &a.calendars {
        let matched = roster.matches(cal, &whose(cal, me));
        let series: HashMap<(u32, &str), usize> = cal
            .events
            .iter()
            .zip(&matched)
            .filter(|(ev, _)| ev.recurrence_id.is_none() && !ev.uid.is_empty())
            .filter_map(|(ev, m)| m.map(|r| ((ev.section, ev.uid.as_str()), r)))
            .collect();
        per_event.push(matched);
        per_series.push(series);
    }
    let mut out = Vec::new();
    for row in &a.rows {
        if row.occ.is_allday() || row.occ.start <= now || row.occ.start >= horizon {
            continue;
        }
        let (f, e) = (row.feed as usize, row.occ.event as usize);
        let ev = &a.calendars[f].events[e];
        let series = per_series[f].get(&(ev.section, ev.uid.as_str())).copied();
        let (report, change) = match (per_event[f][e], row.excluded) {
            (Some(r), Some(Exclusion::Cancelled)) => (r, Change::Cancelled),
            (Some(r), Some(Exclusion::Declined)) => (r, Change::Declined),
            (Some(r), _) => {
                let emails = &roster.reports[r].emails;
                let declined = ev.attendees.iter().any(|at| {
                    at.partstat == Some(PartStat::Declined)
                        && emails.iter().any(|m| m.as_str() == &*at.addr)
                });
                if !declined {
                    continue;
                }
                (r, Change::DeclinedByReport)
            }
            // An override of a 1:1 series that is not a 1:1 with that report any more.
            (m, excluded) if ev.recurrence_id.is_some() && series.is_some() && m != series => {
                let r = series.unwrap_or_default();
                match excluded {
                    Some(Exclusion::Cancelled) => (r, Change::Cancelled),
                    _ => (r, Change::Group),
                }
            }
            _ => continue,
        };
        out.push(Episode::Changed {
            report,
            feed: a.feeds[f].clone(),
            uid: ev.uid.clone(),
            recurrence_id: row.occ.recurrence_id,
            start: row.occ.start,
            end: row.occ.end,
            summary: ev.summary.clone().unwrap_or_default(),
            change,
        });
    }
    out
}

/// An upcoming 1:1 occurrence as the daemon remembers it between analyses (in the store's
/// key-value table, as JSON), to tell on the next analysis whether it became a group meeting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Upcoming {
    pub feed: String,
    pub uid: String,
    /// The recurrence id, or "" for a single event.
    pub rid: String,
    /// Unix seconds.
    pub start: i64,
    pub end: i64,
    /// The report's name (an index would point at someone else after the roster changes).
    pub report: String,
}

/// The counted 1:1 occurrences in `a` (from [`history`]) starting in `(now, horizon)`, with
/// a UID (without one, the next analysis cannot find the event again).
pub fn upcoming(
    a: &Analysis,
    roster: &Roster<'_>,
    me: &[String],
    now: DateTime<Utc>,
    horizon: DateTime<Utc>,
) -> Vec<Upcoming> {
    let matched: Vec<Vec<Option<usize>>> = a
        .calendars
        .iter()
        .map(|cal| roster.matches(cal, &whose(cal, me)))
        .collect();
    let mut out: Vec<Upcoming> = a
        .rows
        .iter()
        .filter(|r| r.excluded.is_none() && !r.occ.is_allday())
        .filter(|r| r.occ.start > now && r.occ.start < horizon)
        .filter_map(|r| {
            let (f, e) = (r.feed as usize, r.occ.event as usize);
            let report = matched[f][e]?;
            let ev = &a.calendars[f].events[e];
            (!ev.uid.is_empty()).then(|| Upcoming {
                feed: a.feeds[f].clone(),
                uid: ev.uid.clone(),
                rid: rid_str(r.occ.recurrence_id),
                start: r.occ.start.timestamp(),
                end: r.occ.end.timestamp(),
                report: roster.reports[report].name.clone(),
            })
        })
        .collect();
    out.sort_by(|x, y| (x.start, &x.uid).cmp(&(y.start, &y.uid)));
    out
}

/// The 1:1s remembered in `prev` (from the last analysis, still ahead of `now`, of a feed in
/// `present`) that are now meetings of the report with other people: the same event (feed,
/// UID and recurrence id; a single event moved is the same event) is counted, still has the
/// report among its people, but is no 1:1 with them any more. The episode is the occurrence
/// and the change, so it is alerted once (the key names both). A 1:1 deleted, cancelled or
/// declined is not a group meeting ([`episodes`] says when it was cancelled or declined).
pub fn turned_group(
    prev: &[Upcoming],
    a: &Analysis,
    roster: &Roster<'_>,
    me: &[String],
    present: &HashSet<String>,
    now: DateTime<Utc>,
) -> Vec<Episode> {
    let feed_of: HashMap<&str, usize> = a
        .feeds
        .iter()
        .enumerate()
        .map(|(i, f)| (f.as_str(), i))
        .collect();
    let matched: Vec<Vec<Option<usize>>> = a
        .calendars
        .iter()
        .map(|cal| roster.matches(cal, &whose(cal, me)))
        .collect();
    let owners: Vec<Vec<String>> = a.calendars.iter().map(|cal| whose(cal, me)).collect();
    let mut rows: HashMap<(usize, &str, String), Vec<&crate::pipeline::Row>> = HashMap::new();
    for r in &a.rows {
        let ev = a.event(r);
        rows.entry((
            r.feed as usize,
            ev.uid.as_str(),
            rid_str(r.occ.recurrence_id),
        ))
        .or_default()
        .push(r);
    }
    let mut out = Vec::new();
    for p in prev {
        if p.start <= now.timestamp() || !present.contains(&p.feed) {
            continue;
        }
        let Some(report) = roster.reports.iter().position(|r| r.name == p.report) else {
            continue;
        };
        let Some(&f) = feed_of.get(p.feed.as_str()) else {
            continue;
        };
        let Some(now_rows) = rows.get(&(f, p.uid.as_str(), p.rid.clone())) else {
            continue;
        };
        let Some(row) = now_rows
            .iter()
            .min_by_key(|r| (r.occ.start.timestamp() - p.start).abs())
        else {
            continue;
        };
        let e = row.occ.event as usize;
        let ev = &a.calendars[f].events[e];
        if row.excluded.is_some()
            || row.occ.is_allday()
            || matched[f][e] == Some(report)
            || !with_others(ev, &roster.reports[report].emails, &owners[f])
        {
            continue;
        }
        out.push(Episode::Changed {
            report,
            feed: p.feed.clone(),
            uid: ev.uid.clone(),
            recurrence_id: row.occ.recurrence_id,
            start: row.occ.start,
            end: row.occ.end,
            summary: ev.summary.clone().unwrap_or_default(),
            change: Change::Group,
        });
    }
    out
}

/// Whether the people of `ev` (attendees and organizer, leaving out me and rooms) include
/// one of `emails` and someone else.
fn with_others(ev: &Event, emails: &[String], me: &[String]) -> bool {
    let people: HashSet<&str> = ev
        .attendees
        .iter()
        .filter(|at| !at.resource && !is_google_resource(&at.addr))
        .map(|at| &*at.addr)
        .chain(ev.organizer.as_deref())
        .filter(|a| !a.is_empty() && !me.iter().any(|m| m == a))
        .collect();
    let theirs = people
        .iter()
        .filter(|a| emails.iter().any(|m| m == *a))
        .count();
    theirs > 0 && people.len() > theirs
}

/// An occurrence's recurrence id as remembered: "" for a single event.
fn rid_str(r: Option<RecurrenceId>) -> String {
    match r {
        None => String::new(),
        Some(RecurrenceId::Date(d)) => d.format("%Y%m%d").to_string(),
        Some(RecurrenceId::Utc(t)) => t.format("%Y%m%dT%H%M%SZ").to_string(),
    }
}
