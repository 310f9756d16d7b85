//! `calaudit history`: the weeks the daemon recorded ([`crate::daemon::cmd::history`]).

use std::process::ExitCode;

use anyhow::Result;

use super::invocation::load_config;
use super::output::print_out;
use crate::cli::HistoryArgs;

pub fn run(args: HistoryArgs) -> Result<ExitCode> {
    let cfg = load_config(args.daemon.config.as_deref())?;
    let cfg = crate::daemon::cmd::for_user(cfg, args.user.as_deref())?;
    print_out(&crate::daemon::cmd::history(&cfg, args.json)?)?;
    Ok(ExitCode::SUCCESS)
}
