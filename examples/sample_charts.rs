//! Writes the five charts for a synthetic manager calendar, for looking at them.
//!
//! `cargo run --example sample_charts -- [weeks] [out-dir]` (default: 26 weeks, `out/`).

use std::path::PathBuf;

use calaudit::chart::{render_all, ChartInput, HeatMap, OneOnOneRow, WeekPoint};
use calaudit::playbook::Mark;
use chrono::{Datelike, Duration, NaiveDate};

/// A small deterministic pseudo-random source, so the sample is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn synthetic(weeks: usize) -> ChartInput {
    let mut rng = Lcg(7);
    let from = NaiveDate::from_ymd_opt(2026, 1, 5).expect("valid date");
    let week_hours = 40.0;
    let points: Vec<WeekPoint> = (0..weeks)
        .map(|i| {
            let start = from + Duration::weeks(i as i64);
            let iso = start.iso_week();
            // A new manager: people work grows, technical work shrinks over the first months.
            let progress = (i as f64 / 20.0).min(1.0);
            let ooo_days = match i % 26 {
                7 => 2,
                14 => 5,
                19 => 1,
                _ => 0,
            };
            let working = week_hours * (5 - ooo_days) as f64 / 5.0;
            let scale = working / week_hours;
            let people = (7.0 + 7.0 * progress + 3.0 * (rng.next() - 0.5)) * scale;
            let technical = (17.0 - 8.0 * progress + 3.0 * (rng.next() - 0.5)) * scale;
            let deep = (10.0 - 3.0 * progress + 4.0 * (rng.next() - 0.5)).max(0.0) * scale;
            let other = (4.0 + 2.0 * rng.next()) * scale;
            let violations = if ooo_days == 5 {
                0
            } else {
                (rng.next() * rng.next() * 4.0) as u32
            };
            WeekPoint {
                week: format!("{}-W{:02}", iso.year(), iso.week()),
                week_start: start,
                hours: calaudit::classify::PerCategory::new(people, technical, deep, other),
                working_hours: working,
                ooo_days,
                people_share: (working > 0.0).then(|| people / working),
                no_fly_violations: violations,
            }
        })
        .collect();
    let mut minutes = [[0.0; 24]; 7];
    for (d, row) in minutes.iter_mut().enumerate().take(5) {
        for (h, cell) in row.iter_mut().enumerate().take(18).skip(8) {
            let peak = if d == 1 || d == 3 { 1.6 } else { 1.0 };
            let lunch = if h == 12 { 0.4 } else { 1.0 };
            *cell = (weeks as f64 * 30.0 * peak * lunch * (0.4 + rng.next())).round();
        }
    }
    minutes[0][7] = weeks as f64 * 10.0; // early call with another continent
                                         // Six reports: mostly held, now and then skipped, one who drifts away.
    let one_on_ones = ["Alex", "Priya", "Jordan", "Mei", "Tomas", "Sam"]
        .iter()
        .enumerate()
        .map(|(r, name)| OneOnOneRow {
            report: name.to_string(),
            marks: (0..weeks)
                .map(|i| {
                    let x = rng.next();
                    if r == 4 && i > weeks * 2 / 3 {
                        Mark::None
                    } else if x < 0.08 {
                        Mark::Skipped
                    } else if x < 0.12 {
                        Mark::None
                    } else {
                        Mark::Held
                    }
                })
                .collect(),
        })
        .collect();
    ChartInput {
        from,
        to: from + Duration::weeks(weeks as i64),
        tz: "America/Los_Angeles".to_string(),
        week_hours,
        people_target: 0.30,
        // Synthetic weeks are all in the past: the last one with working time is complete.
        latest_complete: points
            .iter()
            .rev()
            .find(|p| p.working_hours > 0.0)
            .map(|p| p.week.clone()),
        weeks: points,
        heat: HeatMap {
            minutes,
            no_fly: vec![(2, 9 * 60, 12 * 60), (4, 13 * 60, 17 * 60)],
        },
        one_on_ones,
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let weeks: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(26);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "out".to_string()));
    for path in render_all(&synthetic(weeks), &out)? {
        println!("{}", path.display());
    }
    Ok(())
}
