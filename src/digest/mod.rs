//! The Monday digest (issue 10, part 3): one ISO week against the people-time target, the
//! trend of the four weeks ending with it, deep work kept and broken, the 1:1s with each
//! report, the reactive share, and one sentence on what would close the gap.
//!
//! [`compute`] is pure apart from the chart render: it takes feed bytes (the CLI reads them,
//! the daemon has its last good copies), so `calaudit digest` and the daemon's scheduled digest
//! say the same thing. [`render`] prints it as text, Markdown or HTML (event text escaped, the
//! allocation chart inline as SVG). The numbers are those of `report --format json` for the
//! same weeks and `reports` for the week.

pub mod render;

use chrono::{DateTime, Duration, NaiveDate, Utc, Weekday};

use crate::classify::Category;
use crate::config::Config;
use crate::pipeline::{self, FeedInput, ParsedFeed, Settings};
use crate::playbook::{self, ReportStatus, Roster};
use crate::report::nofly::ProtectedSource;
use crate::report::{WeekSummary, Window};

/// Weeks in the trend, the digest week included.
pub const TREND_WEEKS: i64 = 4;

/// A meeting that broke protected time in the digest week.
#[derive(Clone, Debug, PartialEq)]
pub struct Broken {
    /// The meeting's title, as the feed wrote it (escape before showing).
    pub summary: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// What it broke: `Tue/Thu 10:00–12:00` or `deep-work block 'Focus'`.
    pub protected: String,
    pub overlap_minutes: i64,
}

/// Everything one digest says.
#[derive(Clone, Debug, PartialEq)]
pub struct Digest {
    pub tz: chrono_tz::Tz,
    /// `2026-W48`.
    pub week: String,
    pub week_start: NaiveDate,
    pub people_target: f64,
    /// The digest week's figures (also the last entry of `trend`).
    pub this: WeekSummary,
    /// The weeks ending with the digest week, oldest first (up to [`TREND_WEEKS`]).
    pub trend: Vec<WeekSummary>,
    pub broken: Vec<Broken>,
    /// Each report's 1:1s in the digest week, as of its end.
    pub reports: Vec<ReportStatus>,
    /// The weekly allocation chart of the trend weeks (SVG), when asked for and drawable.
    pub allocation_svg: Option<String>,
}

/// The Monday of ISO week `s` (`2026-W48`); an error message naming the expected form.
pub fn parse_week(s: &str) -> Result<NaiveDate, String> {
    let bad = || format!("invalid week {s:?}; expected an ISO week such as \"2026-W48\"");
    let (y, w) = s.trim().split_once("-W").ok_or_else(bad)?;
    let (y, w): (i32, u32) = (y.parse().map_err(|_| bad())?, w.parse().map_err(|_| bad())?);
    NaiveDate::from_isoywd_opt(y, w, Weekday::Mon).ok_or_else(bad)
}

/// The Monday of the last complete ISO week before `now` in `tz`.
pub fn last_complete_week(tz: chrono_tz::Tz, now: DateTime<Utc>) -> NaiveDate {
    use chrono::Datelike;
    let today = now.with_timezone(&tz).date_naive();
    today - Duration::days(i64::from(today.weekday().num_days_from_monday()) + 7)
}

/// The digest of the week starting on `week_start` (a Monday) from `feeds`, with `me` as the
/// user's addresses. The weekly analysis covers the [`TREND_WEEKS`] weeks ending with it; the
/// 1:1s are looked for over the whole feed (as `calaudit reports` does) and counted for the
/// week, as of its end. `chart`: also draw the allocation chart (a failure is logged, and the
/// digest has none).
pub fn compute(
    feeds: &[FeedInput],
    cfg: &Config,
    tz: chrono_tz::Tz,
    me: &[String],
    week_start: NaiveDate,
    chart: bool,
) -> Digest {
    let week_end = week_start + Duration::days(7);
    let window = Window {
        tz,
        from: week_start - Duration::weeks(TREND_WEEKS - 1),
        to: week_end,
    };
    let settings = Settings::from_config(cfg, window, me);
    let opts = pipeline::parse_options(&settings);
    let parse = |opts| -> Vec<ParsedFeed> {
        feeds
            .iter()
            .map(|f| ParsedFeed {
                name: f.name.clone(),
                calendar: crate::ics::parse::parse_with(&f.bytes, opts),
            })
            .collect()
    };
    let a = pipeline::analyze_parsed(parse(opts), &settings);
    let rep = pipeline::report(&a, &settings);
    let violations = pipeline::violations(&a, &settings);
    let week = Window {
        tz,
        from: week_start,
        to: week_end,
    };
    let (ws, we) = (week.start(), week.end());
    let mut broken: Vec<Broken> = violations
        .iter()
        .filter(|v| {
            let s = a.rows[v.meeting].occ.start;
            s >= ws && s < we
        })
        .map(|v| {
            let row = &a.rows[v.meeting];
            let labels: Vec<String> = v
                .breaks
                .iter()
                .map(|b| match &b.protected.source {
                    ProtectedSource::Window(i) => cfg
                        .no_fly
                        .get(*i)
                        .map(crate::alert::detect::window_label)
                        .unwrap_or_default(),
                    ProtectedSource::Block(r) => format!(
                        "deep-work block '{}'",
                        a.event(&a.rows[*r]).summary.clone().unwrap_or_default()
                    ),
                })
                .collect();
            let protected = labels.join(" and ");
            Broken {
                summary: a.event(row).summary.clone().unwrap_or_default(),
                start: row.occ.start,
                end: row.occ.end,
                protected,
                overlap_minutes: (v.overlap_seconds() + 59) / 60,
            }
        })
        .collect();
    broken.sort_by(|x, y| (x.start, &x.summary).cmp(&(y.start, &y.summary)));
    broken.dedup_by(|x, y| x.start == y.start && x.summary == y.summary);
    let allocation_svg = chart
        .then(|| {
            let input = pipeline::chart_input(&a, &rep, &settings, settings.window.end());
            crate::chart::render_svg(crate::chart::ChartKind::Allocation, &input)
                .map_err(|e| tracing::warn!(error = %e, "digest chart not drawn"))
                .ok()
        })
        .flatten();
    let trend: Vec<WeekSummary> = rep
        .weeks
        .iter()
        .filter(|w| w.week_start >= window.from && w.week_start <= week_start)
        .cloned()
        .collect();
    let this = trend
        .iter()
        .find(|w| w.week_start == week_start)
        .cloned()
        .unwrap_or_else(|| rep.weeks.last().cloned().expect("a window has a week"));

    let roster = Roster::new(&cfg.reports);
    let reports = if roster.is_empty() {
        Vec::new()
    } else {
        let desc = crate::ics::parse::ParseOptions { descriptions: true };
        let h = playbook::episodes::history(parse(desc), cfg, tz, me, week_start, we);
        let all = playbook::one_on_ones(&h, &roster, me);
        playbook::summarize(&all, &roster, ws, we, tz)
    };
    Digest {
        tz,
        week: this.week.clone(),
        week_start,
        people_target: rep.people_target,
        this,
        trend,
        broken,
        reports,
        allocation_svg,
    }
}

/// People minutes of a week.
pub fn people_minutes(w: &WeekSummary) -> i64 {
    w.seconds[Category::People] / 60
}

/// Small counts in words, as a sentence says them ("two more …").
fn count_word(n: i64) -> String {
    const WORDS: [&str; 11] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    usize::try_from(n)
        .ok()
        .and_then(|i| WORDS.get(i))
        .map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

/// How many more 30-minute 1:1s (in otherwise free working time) the week needed to reach
/// the target: 0 when it was met; `None` without working hours.
pub fn missing_one_on_ones(w: &WeekSummary, target: f64) -> Option<i64> {
    if w.working_hours <= 0.0 {
        return None;
    }
    // The goal in whole seconds; the small margin keeps 0.3 × 40 h from reading as 12 h + ε.
    let goal = (target * w.working_hours * 3600.0 - 1e-6).ceil() as i64;
    let need = goal - w.seconds[Category::People];
    Some(if need <= 0 { 0 } else { (need + 1799) / 1800 })
}

/// The sentence on what would close the gap (or that there is none).
pub fn closing_sentence(w: &WeekSummary, target: f64) -> String {
    let pct = (target * 100.0).round();
    match missing_one_on_ones(w, target) {
        None => "No working hours that week (out of office): nothing to close.".to_owned(),
        Some(0) => format!("The {pct:.0}% target was met: keep the 1:1s where they are."),
        Some(n) => {
            let mut s = count_word(n);
            s[..1].make_ascii_uppercase();
            if n == 1 {
                format!("{s} more 30-minute 1:1 reaches {pct:.0}%.")
            } else {
                format!("{s} more 30-minute 1:1s reach {pct:.0}%.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::PerCategory;

    fn week(people_min: i64, hours: f64) -> WeekSummary {
        let mut seconds = PerCategory::default();
        seconds[Category::People] = people_min * 60;
        WeekSummary {
            week: "2026-W10".into(),
            week_start: NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
            busy_seconds: people_min * 60,
            seconds,
            working_hours: hours,
            ooo_days: 0,
            people_share: None,
            people_target_met: None,
            excluded: Default::default(),
            no_fly_violations: 0,
            focus_blocks: 0,
            longest_free_minutes: 0,
            switches: 0,
            reactive_share: None,
            partial: false,
        }
    }

    /// 30% of 40 h is 720 minutes: 690 needs one more 30-minute 1:1, 661 two, 720 none.
    #[test]
    fn the_gap_in_thirty_minute_one_on_ones() {
        assert_eq!(missing_one_on_ones(&week(690, 40.0), 0.30), Some(1));
        assert_eq!(missing_one_on_ones(&week(661, 40.0), 0.30), Some(2));
        assert_eq!(missing_one_on_ones(&week(720, 40.0), 0.30), Some(0));
        assert_eq!(missing_one_on_ones(&week(0, 0.0), 0.30), None);
        assert_eq!(
            closing_sentence(&week(661, 40.0), 0.30),
            "Two more 30-minute 1:1s reach 30%."
        );
        assert_eq!(
            closing_sentence(&week(690, 40.0), 0.30),
            "One more 30-minute 1:1 reaches 30%."
        );
    }

    #[test]
    fn iso_weeks_parse_to_their_monday() {
        assert_eq!(
            parse_week("2026-W48"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        );
        assert!(parse_week("2026-48").is_err());
        assert!(parse_week("2026-W54").is_err());
    }
}
