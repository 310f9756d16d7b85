//! Each report's 1:1s as of a given time: held, skipped, technical or status updates, the last
//! career conversation, the next one scheduled, and whether the cadence slipped.
//!
//! Two passes, both pure: [`one_on_ones`] finds the 1:1 occurrences in an analysis (which
//! should cover the whole feed, see `calaudit reports`), [`summarize`] counts them for a window
//! and an as-of time. The counting rules (issue 10):
//! - counts (`held`, `cancelled`, `declined`, `technical`, `status`, `minutes`) are over the
//!   1:1s that start inside the window and before the as-of time;
//! - `last_held`, `career_last` and `next` look at every 1:1 in the analysis;
//! - `overdue`: no held 1:1 in the window, or the as-of time is more than 1.5 × the cadence
//!   after the last held one;
//! - `career_overdue`: no held career conversation yet, or the last one is more than the
//!   `career` interval before the as-of time.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::roster::Roster;
use super::words;
use crate::pipeline::Analysis;
use crate::report::Exclusion;

/// What became of one 1:1 occurrence.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Counted and started before the as-of time (or, before [`summarize`] knows the
    /// as-of time: counted).
    Held,
    /// Counted, not yet started at the as-of time.
    Scheduled,
    /// `STATUS:CANCELLED`.
    Cancelled,
    /// Declined by me.
    Declined,
    /// Marked free (`TRANSP:TRANSPARENT`): neither held nor skipped.
    Free,
}

/// One 1:1 occurrence with a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneOnOne {
    /// Index into the roster.
    pub report: usize,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    /// [`State::Held`] for every counted one; [`summarize`] splits held from scheduled.
    pub state: State,
    pub technical: bool,
    pub status: bool,
    pub career: bool,
}

impl OneOnOne {
    /// The flags the JSON lists: the state when it is not "held", then what the title or
    /// description says.
    pub fn flags(&self) -> Vec<&'static str> {
        let mut f = Vec::new();
        match self.state {
            State::Held => {}
            State::Scheduled => f.push("scheduled"),
            State::Cancelled => f.push("cancelled"),
            State::Declined => f.push("declined"),
            State::Free => f.push("free"),
        }
        for (on, name) in [
            (self.technical, "technical"),
            (self.status, "status"),
            (self.career, "career"),
        ] {
            if on {
                f.push(name);
            }
        }
        f
    }
}

/// Every timed 1:1 occurrence with a report in the analysis, sorted by start. All-day
/// occurrences are never 1:1s; an EXDATEd instance is not in the analysis at all.
pub fn one_on_ones(a: &Analysis, roster: &Roster<'_>, me: &[String]) -> Vec<OneOnOne> {
    // Decided once per event: who it is with, and what its text says.
    let mut per_event: Vec<Vec<Option<(usize, words::Reading)>>> = Vec::new();
    // Whose title to show: a stub override without SUMMARY (a cancelled instance, as often
    // written) shows its series' title.
    let mut titled: Vec<Vec<u32>> = Vec::new();
    for cal in &a.calendars {
        let masters: std::collections::HashMap<(u32, &str), u32> = cal
            .events
            .iter()
            .enumerate()
            .filter(|(_, ev)| ev.recurrence_id.is_none() && !ev.uid.is_empty())
            .map(|(i, ev)| ((ev.section, ev.uid.as_str()), i as u32))
            .collect();
        titled.push(
            cal.events
                .iter()
                .enumerate()
                .map(|(i, ev)| match ev.summary {
                    None => masters
                        .get(&(ev.section, ev.uid.as_str()))
                        .copied()
                        .unwrap_or(i as u32),
                    Some(_) => i as u32,
                })
                .collect(),
        );
        let who = super::roster::whose(cal, me);
        per_event.push(
            cal.events
                .iter()
                .zip(roster.matches(cal, &who))
                .map(|(ev, m)| {
                    m.map(|r| {
                        let title = ev.summary.as_deref().unwrap_or("").to_lowercase();
                        (r, words::read(&title, &ev.description.to_lowercase()))
                    })
                })
                .collect(),
        );
    }
    let mut out = Vec::new();
    for row in &a.rows {
        if row.occ.is_allday() {
            continue;
        }
        let Some((report, reading)) = per_event[row.feed as usize][row.occ.event as usize] else {
            continue;
        };
        let state = match row.excluded {
            Some(Exclusion::Cancelled) => State::Cancelled,
            Some(Exclusion::Declined) => State::Declined,
            Some(Exclusion::Transparent) => State::Free,
            // A personal appointment by classification is still a meeting with a report.
            Some(Exclusion::Personal) | None => State::Held,
            Some(Exclusion::Allday) => continue,
        };
        out.push(OneOnOne {
            report,
            start: row.occ.start,
            end: row.occ.end,
            summary: a.calendars[row.feed as usize].events
                [titled[row.feed as usize][row.occ.event as usize] as usize]
                .summary
                .clone()
                .unwrap_or_default(),
            state,
            technical: reading.technical,
            status: reading.status,
            career: reading.career,
        });
    }
    out.sort_by_key(|o| (o.start, o.report, o.end));
    out
}

/// One report's 1:1s as of a time.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportStatus {
    pub name: String,
    pub emails: Vec<String>,
    pub cadence_days: u32,
    /// Held in the window.
    pub held: u32,
    /// Start of the last held 1:1 in the whole analysis.
    pub last_held: Option<DateTime<Utc>>,
    /// Whole days from `last_held` to the as-of time.
    pub days_since_last: Option<i64>,
    pub overdue: bool,
    pub cancelled: u32,
    pub declined: u32,
    /// Minutes of the held 1:1s in the window.
    pub minutes: i64,
    /// Held 1:1s in the window that read as a technical review / a status update.
    pub technical: u32,
    pub status: u32,
    /// Local date of the last held career conversation.
    pub career_last: Option<NaiveDate>,
    pub career_overdue: bool,
    /// Start of the first scheduled 1:1 at or after the as-of time.
    pub next: Option<DateTime<Utc>>,
    /// The 1:1s in the window that started before the as-of time.
    pub one_on_ones: Vec<OneOnOne>,
}

/// The `reports` command's answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Playbook {
    pub tz: chrono_tz::Tz,
    /// The window's local dates, `to` exclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub reports: Vec<ReportStatus>,
}

/// Counts `all` (from [`one_on_ones`]) per report for the window starting at `window_start`
/// (UTC) and the as-of time `as_of` (UTC; the window's exclusive end or now).
pub fn summarize(
    all: &[OneOnOne],
    roster: &Roster<'_>,
    window_start: DateTime<Utc>,
    as_of: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> Vec<ReportStatus> {
    let mut out: Vec<ReportStatus> = roster
        .reports
        .iter()
        .map(|r| ReportStatus {
            name: r.name.clone(),
            emails: r.emails.clone(),
            cadence_days: r.cadence_days,
            held: 0,
            last_held: None,
            days_since_last: None,
            overdue: true,
            cancelled: 0,
            declined: 0,
            minutes: 0,
            technical: 0,
            status: 0,
            career_last: None,
            career_overdue: true,
            next: None,
            one_on_ones: Vec::new(),
        })
        .collect();
    // The start of the last held career conversation, per report.
    let mut career_start: Vec<Option<DateTime<Utc>>> = vec![None; out.len()];
    for o in all {
        let Some(s) = out.get_mut(o.report) else {
            continue;
        };
        let before = o.start < as_of;
        let in_window = before && o.start >= window_start;
        let mut o = o.clone();
        if o.state == State::Held && !before {
            o.state = State::Scheduled;
        }
        match o.state {
            State::Held => {
                s.last_held = s.last_held.max(Some(o.start));
                if o.career {
                    career_start[o.report] = career_start[o.report].max(Some(o.start));
                }
                if in_window {
                    s.held += 1;
                    s.minutes += (o.end - o.start).num_minutes();
                    s.technical += u32::from(o.technical);
                    s.status += u32::from(o.status);
                }
            }
            State::Scheduled => {
                s.next = Some(s.next.map_or(o.start, |n| n.min(o.start)));
            }
            State::Cancelled => s.cancelled += u32::from(in_window),
            State::Declined => s.declined += u32::from(in_window),
            State::Free => {}
        }
        if in_window {
            s.one_on_ones.push(o);
        }
    }
    for (i, (s, r)) in out.iter_mut().zip(roster.reports).enumerate() {
        s.days_since_last = s.last_held.map(|t| (as_of - t).num_days());
        // 1.5 × the cadence, in seconds (the cadence is whole days, so this is exact).
        let slack = Duration::seconds(i64::from(r.cadence_days) * 86_400 * 3 / 2);
        s.overdue = s.held == 0 || s.last_held.is_none_or(|t| as_of - t > slack);
        s.career_last = career_start[i].map(|t| t.with_timezone(&tz).date_naive());
        s.career_overdue =
            career_start[i].is_none_or(|t| as_of - t > Duration::days(i64::from(r.career_days)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DirectReport;

    fn t(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("test time")
            .and_utc()
    }

    fn o(report: usize, start: &str, state: State, career: bool) -> OneOnOne {
        let start = t(start);
        OneOnOne {
            report,
            start,
            end: start + Duration::minutes(30),
            summary: "1:1".into(),
            state,
            technical: false,
            status: false,
            career,
        }
    }

    /// The overdue boundary is exact: 1.5 × 7 days = 10 days 12 hours after the last held.
    #[test]
    fn overdue_after_one_and_a_half_cadences() {
        let reports = vec![DirectReport {
            name: "P".into(),
            emails: vec!["p@x.example".into()],
            cadence_days: 7,
            career_days: 90,
        }];
        let roster = Roster::new(&reports);
        let all = [o(0, "2026-03-02 10:00", State::Held, true)];
        let ws = t("2026-02-23 00:00");
        let at = |as_of: &str| summarize(&all, &roster, ws, t(as_of), chrono_tz::UTC);
        let s = &at("2026-03-12 22:00")[0];
        assert_eq!((s.held, s.overdue, s.days_since_last), (1, false, Some(10)));
        assert_eq!(s.career_last, NaiveDate::from_ymd_opt(2026, 3, 2));
        assert!(!s.career_overdue);
        let s = &at("2026-03-12 22:01")[0];
        assert!(s.overdue);
        // 90 days after 2026-03-02 10:00 is 2026-05-31 10:00.
        assert!(!at("2026-05-31 10:00")[0].career_overdue);
        assert!(at("2026-05-31 10:01")[0].career_overdue);
    }
}
