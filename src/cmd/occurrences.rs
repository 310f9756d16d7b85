//! `calaudit occurrences`: every occurrence in the window, with its category and the rule
//! that decided it (table or JSON lines).

use std::process::ExitCode;

use anyhow::Result;

use super::invocation::{Invocation, WindowDefault};
use super::output::{print_out, skip_teardown};
use crate::cli::{OccurrencesArgs, OccurrencesFormat};
use crate::report::render;

pub fn run(args: OccurrencesArgs) -> Result<ExitCode> {
    let inv = Invocation::load(&args.common, WindowDefault::RecentWeeks)?;
    let a = inv.analyze()?;
    let out = match args.format {
        OccurrencesFormat::Table => render::occurrences_table(&a, inv.tz),
        OccurrencesFormat::Jsonl => render::occurrences_jsonl(&a),
    };
    print_out(&out)?;
    skip_teardown((inv, a));
    Ok(ExitCode::SUCCESS)
}
