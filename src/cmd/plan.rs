//! `calaudit plan`: what the playbook asks for and the calendar lacks (no-fly blocks, a 1:1
//! series per report without a cadence), written as an ICS file to import. It never writes
//! to a calendar.

use std::process::ExitCode;

use anyhow::{Context, Result};
use chrono::Utc;

use super::invocation::{Invocation, WindowDefault};
use super::output::print_out;
use crate::cli::{Common, PlanArgs};
use crate::playbook::{plan, plan_ics};

pub fn run(args: PlanArgs) -> Result<ExitCode> {
    // The plan chooses its own window (history and plan weeks) from --from.
    let flags = Common {
        from: None,
        to: None,
        ..args.common.clone()
    };
    let mut inv = Invocation::load(&flags, WindowDefault::RecentWeeks)?;
    let now = Utc::now();
    let o = plan::options(args.common.from, inv.tz, now, args.weeks);
    inv.window = plan::window(inv.tz, &o, inv.cfg.report_weeks, &inv.cfg.reports);
    let a = inv.analyze()?;
    let proposals = plan::plan(&a, &inv.settings(), &o);
    let ics = plan_ics::to_ics(&proposals, inv.tz, now, inv.me.first().map(String::as_str));
    std::fs::write(&args.out, ics)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    print_out(&plan::summary_text(
        &proposals,
        &o,
        &args.out.display().to_string(),
    ))?;
    Ok(ExitCode::SUCCESS)
}
