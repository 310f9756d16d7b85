//! `calaudit reports`: each direct report's 1:1s, as of `--to` (default: now).

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::invocation::{Invocation, WindowDefault};
use super::output::print_out;
use crate::cli::{ReportsArgs, ReportsFormat};
use crate::playbook::render;

pub fn run(args: ReportsArgs) -> Result<ExitCode> {
    let now = Utc::now();
    let inv = Invocation::load(&args.common, WindowDefault::ThroughToday)?;
    // As of the window's end when it is given, else now (the window then ends tonight).
    let as_of = if args.common.to.is_some() {
        inv.window.end()
    } else {
        now
    };
    let p = inv.playbook(as_of)?;
    let out = match args.format {
        ReportsFormat::Table => render::reports_table(&p),
        ReportsFormat::Json => render::reports_json(&p),
    };
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
