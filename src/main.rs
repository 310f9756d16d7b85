use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Diagnostics go to stderr; CALAUDIT_LOG=debug shows per-event decisions.
    calaudit::logging::init();
    calaudit::cli::run(calaudit::cli::Cli::parse())
}
