//! `calaudit check`: did the latest complete week ([`Report::latest_complete_week`]: wholly
//! inside the window, over, with working time) meet the people-time target? Exit 0 when it
//! did (or the window holds no such week), 1 when it missed.
//!
//! [`Report::latest_complete_week`]: crate::report::Report::latest_complete_week

use std::process::ExitCode;

use anyhow::{bail, Result};

use super::invocation::{Invocation, WindowDefault};
use super::output::skip_teardown;
use crate::cli::CheckArgs;
use crate::pipeline;

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let inv = Invocation::load(&args.common, WindowDefault::LastCompleteWeek)?;
    let a = inv.analyze()?;
    let r = pipeline::report(&a, &inv.settings());
    skip_teardown((inv, a));
    if r.weeks.is_empty() {
        bail!("the window holds no week to check");
    }
    let Some(w) = r.latest_complete_week(chrono::Utc::now()) else {
        // Say why each week of the window is not one to judge.
        let now = chrono::Utc::now();
        let why: Vec<String> = r
            .weeks
            .iter()
            .map(|w| {
                let reason = if w.partial {
                    "partial"
                } else if !w.is_complete(r.window.tz, now) {
                    "not over yet"
                } else {
                    "no working time"
                };
                format!("{} {reason}", w.week)
            })
            .collect();
        println!(
            "ok: no complete week with working time to check ({})",
            why.join(", ")
        );
        return Ok(ExitCode::SUCCESS);
    };
    let people_h = crate::report::hours::fmt(w.seconds[crate::classify::Category::People]);
    match (w.people_share, w.people_target_met) {
        (Some(share), Some(false)) => {
            println!(
                "MISSED {}: people time {}h = {:.0}% of {}h working hours, below the {:.0}% target",
                w.week,
                people_h,
                share * 100.0,
                w.working_hours,
                r.people_target * 100.0
            );
            Ok(ExitCode::from(1))
        }
        (Some(share), _) => {
            println!(
                "ok {}: people time {}h = {:.0}% of {}h working hours (target {:.0}%)",
                w.week,
                people_h,
                share * 100.0,
                w.working_hours,
                r.people_target * 100.0
            );
            Ok(ExitCode::SUCCESS)
        }
        (None, _) => {
            println!("ok {}: no working hours that week (out of office)", w.week);
            Ok(ExitCode::SUCCESS)
        }
    }
}
