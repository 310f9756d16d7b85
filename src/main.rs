use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Diagnostics go to stderr; CALAUDIT_LOG=debug shows per-event decisions.
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALAUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // No colour codes in journald or redirected logs.
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    calaudit::cli::run(calaudit::cli::Cli::parse())
}
