//! `calaudit alerts`: alerts and their delivery state per sink
//! ([`crate::daemon::cmd::alerts`]).

use std::process::ExitCode;

use anyhow::Result;

use super::invocation::load_config;
use super::output::print_out;
use crate::cli::AlertsArgs;

pub fn run(args: AlertsArgs) -> Result<ExitCode> {
    let cfg = load_config(args.daemon.config.as_deref())?;
    let cfg = crate::daemon::cmd::for_user(cfg, args.user.as_deref())?;
    print_out(&crate::daemon::cmd::alerts(&cfg, args.since, args.json)?)?;
    Ok(ExitCode::SUCCESS)
}
