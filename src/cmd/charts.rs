//! `calaudit charts`: the trend charts (PNG and SVG) from the same numbers as `report`.

use std::process::ExitCode;

use anyhow::Result;

use super::invocation::{Invocation, WindowDefault};
use crate::cli::ChartsArgs;
use crate::pipeline;

pub fn run(args: ChartsArgs) -> Result<ExitCode> {
    let inv = Invocation::load(&args.common, WindowDefault::RecentWeeks)?;
    let a = inv.analyze()?;
    let settings = inv.settings();
    let r = pipeline::report(&a, &settings);
    let input = pipeline::chart_input(&a, &r, &settings, chrono::Utc::now());
    let files = crate::chart::render_all(&input, &args.out)?;
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}
