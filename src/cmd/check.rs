//! `calaudit check`: did the last complete week meet the people-time target? Exit 0 when it
//! did (or had no working hours), 1 when it missed.

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
    let Some(w) = r.weeks.last() else {
        bail!("the window holds no week to check");
    };
    let people_h = w.seconds[crate::classify::Category::People] as f64 / 3600.0;
    match (w.people_share, w.people_target_met) {
        (Some(share), Some(false)) => {
            println!(
                "MISSED {}: people time {:.1}h = {:.0}% of {}h working hours, below the {:.0}% target",
                w.week, people_h, share * 100.0, w.working_hours, r.people_target * 100.0
            );
            Ok(ExitCode::from(1))
        }
        (Some(share), _) => {
            println!(
                "ok {}: people time {:.1}h = {:.0}% of {}h working hours (target {:.0}%)",
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
