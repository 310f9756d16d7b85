//! `calaudit run`: the daemon in the foreground. The work is [`crate::daemon::cmd::run`].

use std::process::ExitCode;

use anyhow::Result;

use super::invocation::load_config;
use crate::cli::DaemonArgs;

pub fn run(args: DaemonArgs) -> Result<ExitCode> {
    crate::daemon::cmd::run(load_config(args.config.as_deref())?)?;
    Ok(ExitCode::SUCCESS)
}
