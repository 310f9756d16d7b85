//! Small hand-made inputs for the unit tests.

use chrono::{Duration, NaiveDate};

use super::{ChartInput, HeatMap, OneOnOneRow, WeekPoint};
use crate::playbook::Mark;

pub(crate) fn monday() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 5).expect("valid date")
}

/// A week with the given hours (people, technical, deep work, other), a 40 h week less
/// `ooo_days` × 8 h, and the share computed from those.
pub(crate) fn week(i: i64, hours: [f64; 4], ooo_days: u32, violations: u32) -> WeekPoint {
    let working = 40.0 - 8.0 * ooo_days as f64;
    let [people, technical, deep_work, other] = hours;
    WeekPoint {
        week: format!("2026-W{:02}", 2 + i),
        week_start: monday() + Duration::weeks(i),
        hours: crate::classify::PerCategory::new(people, technical, deep_work, other),
        working_hours: working,
        ooo_days,
        people_share: (working > 0.0).then(|| people / working),
        no_fly_violations: violations,
    }
}

pub(crate) fn input(weeks: Vec<WeekPoint>) -> ChartInput {
    ChartInput {
        from: monday(),
        to: monday() + Duration::weeks(weeks.len().max(1) as i64),
        tz: "America/Los_Angeles".to_string(),
        week_hours: 40.0,
        people_target: 0.30,
        latest_complete: weeks.last().map(|w| w.week.clone()),
        weeks,
        heat: HeatMap {
            minutes: [[0.0; 24]; 7],
            no_fly: Vec::new(),
        },
        one_on_ones: Vec::new(),
    }
}

/// Four weeks: an ordinary one, one with 2 OOO days, a whole week off (share `None`), and a
/// people-heavy one; plus a little heat-map with one no-fly window, and two reports: Priya
/// (held, skipped, none, scheduled) and Jordan (held twice, then weeks without data).
pub(crate) fn sample() -> ChartInput {
    let mut input = input(vec![
        week(0, [8.0, 16.0, 10.0, 4.0], 0, 0),
        week(1, [6.5, 9.0, 6.0, 2.5], 2, 1),
        week(2, [0.0, 0.0, 0.0, 0.0], 5, 0),
        week(3, [14.0, 10.0, 8.0, 5.0], 0, 3),
    ]);
    input.heat.minutes[0][9] = 120.0;
    input.heat.minutes[1][10] = 240.0;
    input.heat.minutes[4][16] = 30.0;
    input.heat.no_fly = vec![(2, 9 * 60, 12 * 60)];
    input.one_on_ones = vec![
        OneOnOneRow {
            report: "Priya Shah".into(),
            marks: vec![Mark::Held, Mark::Skipped, Mark::None, Mark::Scheduled],
        },
        OneOnOneRow {
            report: "Jordan".into(),
            marks: vec![Mark::Held, Mark::Held, Mark::Outside, Mark::Outside],
        },
    ];
    input
}

/// The series as stable text, one series per line: the "snapshot" the tests compare.
pub(crate) fn dump(series: &[super::Series]) -> String {
    series
        .iter()
        .map(|s| {
            let pts: Vec<String> = s.points.iter().map(|(l, v)| format!("{l}={v}")).collect();
            format!("{}: {}", s.name, pts.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}
