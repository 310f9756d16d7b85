//! `calaudit report`: one row per ISO week (table, JSON or CSV).

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Result;

use super::invocation::{Invocation, WindowDefault};
use super::output::{ms, print_out, skip_teardown};
use crate::cli::{ReportArgs, ReportFormat};
use crate::pipeline;
use crate::report::render;

pub fn run(args: ReportArgs) -> Result<ExitCode> {
    let inv = Invocation::load(&args.common, WindowDefault::RecentWeeks)?;
    let a = inv.analyze()?;
    let started = Instant::now();
    let r = pipeline::report(&a, &inv.settings());
    let report_time = started.elapsed();
    let out = match args.format {
        ReportFormat::Table => render::report_table(&r),
        ReportFormat::Json => render::report_json(&r),
        ReportFormat::Csv => render::report_csv(&r),
    };
    print_out(&out)?;
    if inv.verbose {
        eprintln!("timing: weekly report {}", ms(report_time));
    }
    skip_teardown((inv, a, r));
    Ok(ExitCode::SUCCESS)
}
