//! What the dashboard shows, computed once per refresh from an analysis.

use chrono::{DateTime, Utc};

use crate::chart::ChartKind;
use crate::pipeline::{self, Analysis, Settings};
use crate::playbook::{self, Cell, Playbook, Roster};
use crate::report::nofly::ProtectedSource;
use crate::report::suggest::{self, Suggestion};
use crate::report::{Report, WeekSummary};

/// One occurrence, as the explain view lists it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OccurrenceView {
    pub week: String,
    pub feed: String,
    pub uid: String,
    pub summary: String,
    /// Local start and end (`YYYY-MM-DD HH:MM`, or the dates of an all-day occurrence).
    pub start: String,
    pub end: String,
    /// Weekday, date and local time on one line: `Tue 10 Feb 10:30–11:30`, `Mon 16 Feb, all
    /// day`, `Fri 20 Feb 18:00 – Sun 22 Feb 20:00`.
    pub when: String,
    pub category: String,
    pub rule: String,
    pub counted: bool,
    pub excluded: Option<String>,
}

/// A meeting that broke protected time.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ViolationView {
    pub week: String,
    pub meeting: String,
    pub meeting_start: String,
    pub meeting_end: String,
    /// Weekday, date and local time on one line, as [`OccurrenceView::when`].
    pub when: String,
    /// What it broke, every block joined with "; " (a no-fly window, a named deep-work block).
    pub block: String,
    /// Every block it broke, earliest first: one meeting is one violation (issue 11 item 3).
    pub blocks: Vec<String>,
    /// Minutes inside protected time (the union over its blocks).
    pub overlap_minutes: i64,
}

/// An alert and its delivery state per sink (filled by the daemon).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct AlertView {
    pub id: String,
    pub kind: String,
    pub text: String,
    pub created: String,
    pub deliveries: Vec<(String, String)>,
}

/// A feed's health (filled by the daemon; the `serve` command reports its one fetch).
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct FeedView {
    pub name: String,
    /// Redacted address: never the secret URL.
    pub source: String,
    pub last_success: Option<String>,
    pub last_success_unix: Option<i64>,
    pub last_error: Option<String>,
    pub next_pull: Option<String>,
    pub events: usize,
    pub fetch_errors: u64,
}

/// Everything one dashboard page needs.
#[derive(Clone)]
pub struct Snapshot {
    pub generated_at: DateTime<Utc>,
    pub tz: chrono_tz::Tz,
    pub people_target: f64,
    pub week_hours: f64,
    pub weeks: Vec<WeekSummary>,
    pub occurrences: Vec<OccurrenceView>,
    pub violations: Vec<ViolationView>,
    pub alerts: Vec<AlertView>,
    pub feeds: Vec<FeedView>,
    /// Rendered charts: kind, SVG text.
    pub charts: Vec<(ChartKind, String)>,
    /// Titles no rule decided, by minutes (what `calaudit rules suggest` lists).
    pub suggestions: Vec<Suggestion>,
    /// Each direct report's 1:1s over the window as of the data's time (`/api/reports`, the
    /// Reports section). Only the analysed window is looked at: a last 1:1 before it or a
    /// next one after it is not known here (`calaudit reports` reads the whole feed).
    pub playbook: Playbook,
    /// The Mondays of the Reports section's strip: [`STRIP_WEEKS`] weeks ending with the
    /// week of the data's time (or the window's last week).
    pub strip_weeks: Vec<chrono::NaiveDate>,
    /// `strip[report][week]`, reports in roster order, weeks as in `strip_weeks`.
    pub strip: Vec<Vec<Cell>>,
}

/// How many weeks the Reports section's strip shows.
pub const STRIP_WEEKS: usize = 12;

/// How many undecided titles the dashboard lists.
const SUGGESTIONS: usize = 15;

fn local(tz: chrono_tz::Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// `Tue 10 Feb 10:30–11:30` in `tz`; a span over midnight names both days.
pub(crate) fn when_timed(tz: chrono_tz::Tz, start: DateTime<Utc>, end: DateTime<Utc>) -> String {
    let (s, e) = (start.with_timezone(&tz), end.with_timezone(&tz));
    if s.date_naive() == e.date_naive() || e - s <= chrono::Duration::zero() {
        format!("{}–{}", s.format("%a %-d %b %H:%M"), e.format("%H:%M"))
    } else {
        format!(
            "{} – {}",
            s.format("%a %-d %b %H:%M"),
            e.format("%a %-d %b %H:%M")
        )
    }
}

/// `Mon 16 Feb, all day`, or `Mon 16 Feb – Fri 20 Feb, all day` (`end` exclusive).
pub(crate) fn when_allday(start: chrono::NaiveDate, end: chrono::NaiveDate) -> String {
    let last = end.pred_opt().filter(|l| *l > start).unwrap_or(start);
    if last == start {
        format!("{}, all day", start.format("%a %-d %b"))
    } else {
        format!(
            "{} – {}, all day",
            start.format("%a %-d %b"),
            last.format("%a %-d %b")
        )
    }
}

fn week_label(tz: chrono_tz::Tz, t: DateTime<Utc>) -> String {
    crate::time::iso_week_label(t.with_timezone(&tz).date_naive())
}

impl Snapshot {
    /// Builds a snapshot from an analysis and its report (`now` is the UTC time of the data).
    pub fn build(
        a: &Analysis,
        rep: &Report,
        s: &Settings<'_>,
        now: DateTime<Utc>,
        feeds: Vec<FeedView>,
        alerts: Vec<AlertView>,
    ) -> Snapshot {
        use crate::ics::expand::OccurrenceTime;
        let tz = s.window.tz;
        let occurrences = a
            .rows
            .iter()
            .map(|r| {
                let ev = a.event(r);
                let (start, end, when) = match r.occ.time {
                    OccurrenceTime::Timed { start, end } => {
                        (local(tz, start), local(tz, end), when_timed(tz, start, end))
                    }
                    OccurrenceTime::AllDay { start, end } => {
                        (start.to_string(), end.to_string(), when_allday(start, end))
                    }
                };
                OccurrenceView {
                    week: week_label(tz, r.occ.start),
                    feed: a.feeds[r.feed as usize].clone(),
                    uid: ev.uid.clone(),
                    summary: ev.summary.clone().unwrap_or_default(),
                    start,
                    end,
                    when,
                    category: r.label().to_owned(),
                    rule: a.rule_name(r).to_owned(),
                    counted: r.excluded.is_none(),
                    excluded: r.excluded.map(|x| x.as_str().to_owned()),
                }
            })
            .collect();
        let violations = pipeline::violations(a, s)
            .into_iter()
            .map(|v| {
                let m = &a.rows[v.meeting];
                let blocks: Vec<String> = v
                    .breaks
                    .iter()
                    .map(|b| match b.protected.source {
                        ProtectedSource::Window(i) => s
                            .no_fly
                            .get(i)
                            .map(|w| {
                                let days: Vec<String> =
                                    w.days.iter().map(|d| d.to_string()).collect();
                                format!(
                                    "no-fly {} {}–{}",
                                    days.join("/"),
                                    w.start.format("%H:%M"),
                                    w.end.format("%H:%M")
                                )
                            })
                            .unwrap_or_else(|| "no-fly window".into()),
                        ProtectedSource::Block(i) => {
                            let b = &a.rows[i];
                            format!(
                                "{} {}–{}",
                                a.event(b).summary.as_deref().unwrap_or("deep-work block"),
                                local(tz, b.occ.start),
                                b.occ.end.with_timezone(&tz).format("%H:%M")
                            )
                        }
                    })
                    .collect();
                ViolationView {
                    week: week_label(tz, m.occ.start),
                    meeting: a.event(m).summary.clone().unwrap_or_default(),
                    meeting_start: local(tz, m.occ.start),
                    meeting_end: local(tz, m.occ.end),
                    when: when_timed(tz, m.occ.start, m.occ.end),
                    block: blocks.join("; "),
                    blocks,
                    overlap_minutes: v.overlap_seconds() / 60,
                }
            })
            .collect();
        // The 1:1s as of the data's time, or the window's end when that is earlier.
        let as_of = now.min(s.window.end());
        let roster = Roster::new(s.reports);
        let all = if roster.is_empty() {
            Vec::new()
        } else {
            playbook::one_on_ones(a, &roster, s.me)
        };
        let covered = (s.window.start(), s.window.end());
        let last_day = (as_of - chrono::Duration::seconds(1))
            .with_timezone(&tz)
            .date_naive();
        let strip_weeks = playbook::weeks::last_mondays(last_day, STRIP_WEEKS);
        let strip = playbook::weeks::grid(&all, s.reports.len(), &strip_weeks, tz, as_of, covered);
        let playbook = Playbook {
            tz,
            from: s.window.from,
            to: s.window.to,
            reports: playbook::summarize(&all, &roster, s.window.start(), as_of, tz),
        };
        let mut input = pipeline::chart_input(a, rep, s, now);
        // `chart_input` marks 1:1s as of the window's end; the page is as of its data.
        input.one_on_ones = playbook::weeks::rows(&all, rep, s, as_of);
        let charts = ChartKind::ALL
            .iter()
            .filter_map(|&k| crate::chart::render_svg(k, &input).ok().map(|svg| (k, svg)))
            .collect();
        Snapshot {
            generated_at: now,
            tz,
            people_target: rep.people_target,
            week_hours: rep.week_hours,
            weeks: rep.weeks.clone(),
            occurrences,
            violations,
            alerts,
            feeds,
            charts,
            suggestions: suggest::suggest(a, SUGGESTIONS),
            playbook,
            strip_weeks,
            strip,
        }
    }

    /// A snapshot with no data yet (the daemon before its first analysis).
    pub fn empty(tz: chrono_tz::Tz, now: DateTime<Utc>) -> Snapshot {
        Snapshot {
            generated_at: now,
            tz,
            people_target: 0.0,
            week_hours: 0.0,
            weeks: Vec::new(),
            occurrences: Vec::new(),
            violations: Vec::new(),
            alerts: Vec::new(),
            feeds: Vec::new(),
            charts: Vec::new(),
            suggestions: Vec::new(),
            playbook: Playbook {
                tz,
                from: now.with_timezone(&tz).date_naive(),
                to: now.with_timezone(&tz).date_naive(),
                reports: Vec::new(),
            },
            strip_weeks: Vec::new(),
            strip: Vec::new(),
        }
    }

    /// Whether the week containing `generated_at` is in the window.
    pub fn has_current_week(&self) -> bool {
        let today = self.generated_at.with_timezone(&self.tz).date_naive();
        self.weeks
            .iter()
            .any(|w| today >= w.week_start && today < w.week_start + chrono::Duration::days(7))
    }

    /// The week containing `generated_at`, else the latest complete week (never a stub of
    /// a week at the window's edge, a week out of office or a week still to come).
    pub fn current_week(&self) -> Option<&WeekSummary> {
        let today = self.generated_at.with_timezone(&self.tz).date_naive();
        self.weeks
            .iter()
            .find(|w| today >= w.week_start && today < w.week_start + chrono::Duration::days(7))
            .or_else(|| self.latest_complete_week())
    }

    /// [`crate::report::Report::latest_complete_week`] as of the data's time.
    pub fn latest_complete_week(&self) -> Option<&WeekSummary> {
        self.weeks
            .iter()
            .rev()
            .find(|w| w.is_complete(self.tz, self.generated_at) && w.has_working_time())
    }
}
