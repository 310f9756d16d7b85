//! The command line: clap's definitions of every command and flag, and the dispatch to
//! [`crate::cmd`], where each command does its work. Nothing else happens here.
//!
//! Exit codes, in one place ([`run`]): 0 ok, 1 `check` found a missed target, 2 error.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::cmd;

#[derive(Parser, Debug)]
#[command(
    name = "calaudit",
    version,
    about = "Where did your week go? People time, technical time and deep work from your calendar feeds."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// One row per ISO week: hours per category, busy time, people share vs target, exclusions.
    Report(ReportArgs),
    /// Every occurrence in the window with its category, the rule that decided it and whether it counts.
    Occurrences(OccurrencesArgs),
    /// Each direct report's 1:1s ([[reports]] in the config): held, skipped, overdue, technical
    /// or status updates, the last career conversation and the next 1:1. As of --to (default:
    /// now); the window defaults to the last `report.weeks` weeks through today.
    Reports(ReportsArgs),
    /// Propose what the playbook asks for and the calendar lacks (no-fly blocks, a 1:1 series
    /// for each report without a cadence) as an ICS file to import. Never writes to a calendar.
    Plan(PlanArgs),
    /// The weekly digest: a week against the people-time target, the 4-week trend, deep work
    /// kept and broken, the 1:1s, the reactive share and what would close the gap.
    Digest(cmd::digest::DigestArgs),
    /// Exit 0 when the last complete week met the targets, 1 when it missed, 2 on error.
    Check(CheckArgs),
    /// Render the trend charts (PNG and SVG) from the same numbers as `report`.
    Charts(ChartsArgs),
    /// Analyse once and serve the dashboard (this week, charts, weeks, explain view, JSON API,
    /// /metrics) until interrupted. Loopback only unless a token is set.
    Serve(ServeArgs),
    /// Run the daemon in the foreground: pull feeds on their intervals, raise and deliver alerts.
    Run(DaemonArgs),
    /// Feed health, this week's figures and forecast, open violations (from the daemon's state).
    Status(StatusArgs),
    /// The weekly history the daemon recorded (completed weeks, kept after feeds drop them).
    History(HistoryArgs),
    /// Alerts and their delivery state per sink.
    Alerts(AlertsArgs),
    /// Help with classification rules.
    Rules {
        #[command(subcommand)]
        action: RulesCommand,
    },
    /// Write the documented default config to PATH (default: ./config.toml).
    Init(InitArgs),
    /// Check a config end to end: each feed reachable and really a calendar, the zone, `me`
    /// seen in the feeds, each alert sink reachable; says what to fix. Exit 1 on a problem.
    Doctor(CheckArgs),
    /// Make a new random dashboard token for a user of a team config (or, with --admin, the
    /// admin's): prints the token and the line to paste into the config, which keeps only its
    /// SHA-256.
    Token(TokenArgs),
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// The titles no rule decided in the window, by minutes, each with a rule to paste.
    Suggest(SuggestArgs),
}

// The argument structs below carry no doc comment of their own: clap would read it as the
// command's description, which the variant's doc comment above gives.

#[derive(Args, Debug, Clone)]
pub struct ReportArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

#[derive(Args, Debug, Clone)]
pub struct OccurrencesArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, value_enum, default_value_t = OccurrencesFormat::Table)]
    pub format: OccurrencesFormat,
}

#[derive(Args, Debug, Clone)]
pub struct ReportsArgs {
    #[command(flatten)]
    pub common: Common,
    #[arg(long, value_enum, default_value_t = ReportsFormat::Table)]
    pub format: ReportsFormat,
}

#[derive(Args, Debug, Clone)]
pub struct PlanArgs {
    #[command(flatten)]
    pub common: Common,
    /// The ICS file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Weeks to plan, from the Monday after today (or the Monday of --from's week).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=52))]
    pub weeks: u32,
}

#[derive(Args, Debug, Clone)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug, Clone)]
pub struct ChartsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR", default_value = "charts")]
    pub out: PathBuf,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    #[command(flatten)]
    pub common: Common,
    /// Address to listen on (default: config `server.bind`, 127.0.0.1:8787).
    #[arg(long, value_name = "IP:PORT")]
    pub bind: Option<std::net::SocketAddr>,
    /// Token required from clients (Authorization: Bearer TOKEN); needed off loopback.
    #[arg(long, value_name = "TOKEN", env = "CALAUDIT_TOKEN")]
    pub token: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub daemon: DaemonArgs,
    /// Team mode: whose state (a user's `id`).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct StatusArgs {
    #[command(flatten)]
    pub daemon: DaemonArgs,
    /// Team mode: whose state (a user's `id`).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct AlertsArgs {
    #[command(flatten)]
    pub daemon: DaemonArgs,
    /// Team mode: whose state (a user's `id`).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
    /// Only alerts created or resolved on or after this local date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<NaiveDate>,
    /// One JSON object per line.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct TokenArgs {
    /// The admin's token (`[server] admin_token_sha256`): health and the org view only.
    #[arg(long)]
    pub admin: bool,
}

#[derive(Args, Debug, Clone)]
pub struct InitArgs {
    pub path: Option<PathBuf>,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug, Clone)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub common: Common,
    /// How many titles to list.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
    /// One JSON array instead of the table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// A calendar: a path, file://, http(s):// or webcal:// URL. Repeat to merge feeds; replaces the config's feeds.
    #[arg(long = "feed", value_name = "SOURCE")]
    pub feeds: Vec<String>,
    /// First day of the window (local date in --tz, YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// Day after the window (exclusive).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// Your IANA time zone (default: config `tz`, else the system zone).
    #[arg(long, value_name = "ZONE")]
    pub tz: Option<String>,
    /// Your address (repeatable): events you declined do not count. Replaces the config's `me`.
    #[arg(long = "me", value_name = "ADDR")]
    pub me: Vec<String>,
    /// Config file (default: ./config.toml, else $XDG_CONFIG_HOME/calaudit/config.toml).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Show every input warning instead of the first few per feed, and the time each stage took.
    #[arg(long, short)]
    pub verbose: bool,
    /// Team mode: analyse this user of a team config (their feeds, zone, `me`, rules).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
}

#[derive(Args, Debug, Clone)]
pub struct DaemonArgs {
    /// Config file (default: ./config.toml, else $XDG_CONFIG_HOME/calaudit/config.toml).
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportsFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OccurrencesFormat {
    Table,
    Jsonl,
}

/// Runs a parsed command line; returns the process exit code. An error is printed with its
/// causes, one per line, and exits 2.
pub fn run(cli: Cli) -> ExitCode {
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            eprintln!("{msg}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Report(args) => cmd::report::run(args),
        Command::Occurrences(args) => cmd::occurrences::run(args),
        Command::Reports(args) => cmd::reports::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Digest(args) => cmd::digest::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Doctor(args) => cmd::doctor::run(args),
        Command::Charts(args) => cmd::charts::run(args),
        Command::Serve(args) => cmd::serve::run(args),
        Command::Run(args) => cmd::run::run(args),
        Command::Status(args) => cmd::status::run(args),
        Command::History(args) => cmd::history::run(args),
        Command::Alerts(args) => cmd::alerts::run(args),
        Command::Rules { action } => cmd::rules::run(action),
        Command::Init(args) => cmd::init::run(args),
        Command::Token(args) => cmd::token::run(args),
    }
}

/// A date given on the command line: `YYYY-MM-DD`. The error names the expected format with
/// an example, which clap's own ("input contains invalid characters") did not (issue 11
/// item 8).
fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|e| format!("{e}; expected a date as YYYY-MM-DD, for example 2026-03-02"))
}
