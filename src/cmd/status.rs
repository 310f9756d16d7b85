//! `calaudit status`: feed health, this week and open violations, from the daemon's state
//! ([`crate::daemon::cmd::status`]).

use std::process::ExitCode;

use anyhow::Result;
use chrono::Utc;

use super::invocation::load_config;
use super::output::print_out;
use crate::cli::StatusArgs;

pub fn run(args: StatusArgs) -> Result<ExitCode> {
    let cfg = load_config(args.daemon.config.as_deref())?;
    let cfg = crate::daemon::cmd::for_user(cfg, args.user.as_deref())?;
    print_out(&crate::daemon::cmd::status(&cfg, Utc::now())?)?;
    Ok(ExitCode::SUCCESS)
}
