//! The command line: parse flags, load config, fetch feeds, run the pipeline, print.
//! Exit codes: 0 ok, 1 `check` found a missed target, 2 error.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{Datelike, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{parse_tz, Config, DEFAULT_CONFIG_TOML};
use crate::feed::Source;
use crate::pipeline::{self, Analysis, ParsedFeed, Settings};
use crate::report::{render, Window};

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
    Report {
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
        format: ReportFormat,
    },
    /// Every occurrence in the window with its category, the rule that decided it and whether it counts.
    Occurrences {
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value_t = OccurrencesFormat::Table)]
        format: OccurrencesFormat,
    },
    /// Each direct report's 1:1s ([[reports]] in the config): held, skipped, overdue, technical
    /// or status updates, the last career conversation and the next 1:1. As of --to (default:
    /// now); the window defaults to the last `report.weeks` weeks through today.
    Reports {
        #[command(flatten)]
        common: Common,
        #[arg(long, value_enum, default_value_t = ReportsFormat::Table)]
        format: ReportsFormat,
    },
    /// Propose what the playbook asks for and the calendar lacks (no-fly blocks, a 1:1 series
    /// for each report without a cadence) as an ICS file to import. Never writes to a calendar.
    Plan {
        #[command(flatten)]
        common: Common,
        /// The ICS file to write.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Weeks to plan, from the Monday after today (or the Monday of --from's week).
        #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=52))]
        weeks: u32,
    },
    /// Exit 0 when the last complete week met the targets, 1 when it missed, 2 on error.
    Check {
        #[command(flatten)]
        common: Common,
    },
    /// Render the trend charts (PNG and SVG) from the same numbers as `report`.
    Charts {
        #[command(flatten)]
        common: Common,
        /// Output folder (created if missing).
        #[arg(long, value_name = "DIR", default_value = "charts")]
        out: PathBuf,
    },
    /// Analyse once and serve the dashboard (this week, charts, weeks, explain view, JSON API,
    /// /metrics) until interrupted. Loopback only unless a token is set.
    Serve {
        #[command(flatten)]
        common: Common,
        /// Address to listen on (default: config `server.bind`, 127.0.0.1:8787).
        #[arg(long, value_name = "IP:PORT")]
        bind: Option<std::net::SocketAddr>,
        /// Token required from clients (Authorization: Bearer TOKEN); needed off loopback.
        #[arg(long, value_name = "TOKEN", env = "CALAUDIT_TOKEN")]
        token: Option<String>,
    },
    /// Run the daemon in the foreground: pull feeds on their intervals, raise and deliver alerts.
    Run {
        #[command(flatten)]
        daemon: DaemonArgs,
    },
    /// Feed health, this week's figures and forecast, open violations (from the daemon's state).
    Status {
        #[command(flatten)]
        daemon: DaemonArgs,
    },
    /// The weekly history the daemon recorded (completed weeks, kept after feeds drop them).
    History {
        #[command(flatten)]
        daemon: DaemonArgs,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Alerts and their delivery state per sink.
    Alerts {
        #[command(flatten)]
        daemon: DaemonArgs,
        /// Only alerts created or resolved on or after this local date (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<NaiveDate>,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Help with classification rules.
    Rules {
        #[command(subcommand)]
        action: RulesCommand,
    },
    /// Write the documented default config to PATH (default: ./config.toml).
    Init {
        path: Option<PathBuf>,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum RulesCommand {
    /// The titles no rule decided in the window, by minutes, each with a rule to paste.
    Suggest {
        #[command(flatten)]
        common: Common,
        /// How many titles to list.
        #[arg(long, default_value_t = 20)]
        limit: usize,
        /// One JSON array instead of the table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args, Debug, Clone)]
pub struct Common {
    /// A calendar: a path, file://, http(s):// or webcal:// URL. Repeat to merge feeds; replaces the config's feeds.
    #[arg(long = "feed", value_name = "SOURCE")]
    pub feeds: Vec<String>,
    /// First day of the window (local date in --tz, YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Day after the window (exclusive).
    #[arg(long, value_name = "DATE")]
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

/// Why a parsed feed is not a calendar worth reporting on, if it is not: weeks of zeros from a
/// sign-in page or an empty file would look like a real answer. A calendar with events, none
/// of them in the window, is fine.
fn not_a_calendar(cal: &crate::ics::Calendar) -> Option<String> {
    if cal.sections.is_empty() && cal.events.is_empty() {
        return Some(
            "is not a calendar: it has no BEGIN:VCALENDAR (an empty file, or a web page such as \
             a sign-in page). If it is a secret calendar address, the address may have been \
             reset: copy it again from your calendar's settings."
                .to_owned(),
        );
    }
    if cal.events.is_empty() {
        return Some(
            "has no events at all (no VEVENT in any VCALENDAR): check that this is the calendar \
             you meant to export."
                .to_owned(),
        );
    }
    None
}

/// Runs a parsed command line; returns the process exit code.
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
        Command::Run { daemon } => {
            crate::daemon::cmd::run(load_config(daemon.config.as_deref())?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { daemon } => {
            let cfg = load_config(daemon.config.as_deref())?;
            print_out(&crate::daemon::cmd::status(&cfg, Utc::now().naive_utc())?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::History { daemon, json } => {
            let cfg = load_config(daemon.config.as_deref())?;
            print_out(&crate::daemon::cmd::history(&cfg, json)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Alerts {
            daemon,
            since,
            json,
        } => {
            let cfg = load_config(daemon.config.as_deref())?;
            print_out(&crate::daemon::cmd::alerts(&cfg, since, json)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Init { path, force } => {
            let path = path.unwrap_or_else(|| PathBuf::from("config.toml"));
            if path.exists() && !force {
                bail!(
                    "{} already exists; pass --force to overwrite it",
                    path.display()
                );
            }
            std::fs::write(&path, DEFAULT_CONFIG_TOML)
                .with_context(|| format!("cannot write {}", path.display()))?;
            println!(
                "wrote {}; edit `feeds` and `me`, then run `calaudit report`",
                path.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report { common, format } => {
            let ctx = Context_::load(&common, WindowDefault::RecentWeeks)?;
            let a = ctx.analyze()?;
            let started = Instant::now();
            let r = pipeline::report(&a, &ctx.settings());
            let report_time = started.elapsed();
            let out = match format {
                ReportFormat::Table => render::report_table(&r),
                ReportFormat::Json => render::report_json(&r),
                ReportFormat::Csv => render::report_csv(&r),
            };
            print_out(&out)?;
            if ctx.verbose {
                eprintln!("timing: weekly report {}", ms(report_time));
            }
            skip_teardown((ctx, a, r));
            Ok(ExitCode::SUCCESS)
        }
        Command::Reports { common, format } => {
            let now = Utc::now().naive_utc();
            let ctx = Context_::load(&common, WindowDefault::ThroughToday)?;
            // As of the window's end when it is given, else now (the window then ends tonight).
            let as_of = if common.to.is_some() {
                ctx.window.end_utc()
            } else {
                now
            };
            let p = ctx.playbook(as_of)?;
            let out = match format {
                ReportsFormat::Table => crate::playbook::render::reports_table(&p),
                ReportsFormat::Json => crate::playbook::render::reports_json(&p),
            };
            print_out(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Occurrences { common, format } => {
            let ctx = Context_::load(&common, WindowDefault::RecentWeeks)?;
            let a = ctx.analyze()?;
            let out = match format {
                OccurrencesFormat::Table => render::occurrences_table(&a, ctx.tz),
                OccurrencesFormat::Jsonl => render::occurrences_jsonl(&a),
            };
            print_out(&out)?;
            skip_teardown((ctx, a));
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules {
            action:
                RulesCommand::Suggest {
                    common,
                    limit,
                    json,
                },
        } => {
            let ctx = Context_::load(&common, WindowDefault::RecentWeeks)?;
            let a = ctx.analyze()?;
            let list = crate::report::suggest::suggest(&a, limit);
            let out = if json {
                let mut text = serde_json::to_string_pretty(&list)?;
                text.push('\n');
                text
            } else {
                crate::report::suggest::suggest_table(&list)
            };
            print_out(&out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Charts { common, out } => {
            let ctx = Context_::load(&common, WindowDefault::RecentWeeks)?;
            let a = ctx.analyze()?;
            let settings = ctx.settings();
            let r = pipeline::report(&a, &settings);
            let input = pipeline::chart_input(&a, &r, &settings);
            let files = crate::chart::render_all(&input, &out)?;
            for f in files {
                println!("wrote {}", f.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            common,
            bind,
            token,
        } => {
            let ctx = Context_::load(&common, WindowDefault::RecentWeeks)?;
            let a = ctx.analyze()?;
            let settings = ctx.settings();
            let r = pipeline::report(&a, &settings);
            let now = Utc::now().naive_utc();
            let feeds = ctx
                .feeds
                .iter()
                .zip(&a.calendars)
                .map(|((name, src), cal)| crate::server::FeedView {
                    name: name.clone(),
                    source: src.display(),
                    last_success: Some(now.format("%Y-%m-%d %H:%M UTC").to_string()),
                    last_success_unix: Some(now.and_utc().timestamp()),
                    events: cal.events.len(),
                    ..Default::default()
                })
                .collect();
            let snap = crate::server::Snapshot::build(&a, &r, &settings, now, feeds, Vec::new());
            let shared = std::sync::Arc::new(std::sync::RwLock::new(std::sync::Arc::new(snap)));
            let cfg = crate::server::ServerConfig {
                bind: bind.unwrap_or(ctx.cfg.server_bind),
                token: token.or_else(|| ctx.cfg.server_token.clone()),
                health: crate::server::Health::default(),
            };
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            crate::server::serve(&cfg, shared, stop, |addr| {
                println!("dashboard on http://{addr}/ (Ctrl-C to stop)");
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Plan { common, out, weeks } => {
            use crate::playbook::{plan, plan_ics};
            // The plan chooses its own window (history and plan weeks) from --from.
            let flags = Common {
                from: None,
                to: None,
                ..common.clone()
            };
            let mut ctx = Context_::load(&flags, WindowDefault::RecentWeeks)?;
            let now = Utc::now().naive_utc();
            let o = plan::options(common.from, ctx.tz, now, weeks);
            ctx.window = plan::window(ctx.tz, &o, ctx.cfg.report_weeks, &ctx.cfg.reports);
            let a = ctx.analyze()?;
            let proposals = plan::plan(&a, &ctx.settings(), &o);
            let ics = plan_ics::to_ics(&proposals, ctx.tz, now, ctx.me.first().map(String::as_str));
            std::fs::write(&out, ics).with_context(|| format!("cannot write {}", out.display()))?;
            print_out(&plan::summary_text(
                &proposals,
                &o,
                &out.display().to_string(),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { common } => {
            let ctx = Context_::load(&common, WindowDefault::LastCompleteWeek)?;
            let a = ctx.analyze()?;
            let r = pipeline::report(&a, &ctx.settings());
            skip_teardown((ctx, a));
            let Some(w) = r.weeks.last() else {
                bail!("the window holds no week to check");
            };
            let people_h = w.seconds[crate::classify::Category::People] as f64 / 3600.0;
            match (w.people_share, w.people_target_met) {
                (Some(share), Some(false)) => {
                    println!(
                        "MISSED {}: people time {:.1}h = {:.0}% of {}h working hours, below the {:.0}% target",
                        w.week, people_h, share * 100.0, w.working_hours, r.people_target * 100.0
                    );
                    Ok(ExitCode::from(1))
                }
                (Some(share), _) => {
                    println!(
                        "ok {}: people time {:.1}h = {:.0}% of {}h working hours (target {:.0}%)",
                        w.week,
                        people_h,
                        share * 100.0,
                        w.working_hours,
                        r.people_target * 100.0
                    );
                    Ok(ExitCode::SUCCESS)
                }
                (None, _) => {
                    println!("ok {}: no working hours that week (out of office)", w.week);
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
    }
}

/// The process is about to exit: freeing the parsed calendars and compiled rules one
/// allocation at a time would cost more than a tenth of a large run (measured on the 50 MB
/// benchmark calendar), and the operating system reclaims it all at once anyway.
fn skip_teardown<T>(done: T) {
    std::mem::forget(done);
}

fn print_out(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}

#[derive(Clone, Copy)]
enum WindowDefault {
    RecentWeeks,
    LastCompleteWeek,
    /// `report.weeks` weeks ending with today (`reports`: as of now).
    ThroughToday,
}

/// Everything a command needs, resolved from flags and config.
struct Context_ {
    cfg: Config,
    tz: chrono_tz::Tz,
    me: Vec<String>,
    window: Window,
    feeds: Vec<(String, Source)>,
    verbose: bool,
}

impl Context_ {
    fn load(c: &Common, default: WindowDefault) -> Result<Context_> {
        let cfg = load_config(c.config.as_deref())?;
        let tz = match c.tz.as_deref() {
            Some(name) => parse_tz(name).with_context(|| {
                format!("--tz: unknown time zone {name:?}; expected an IANA name such as \"Europe/Berlin\"")
            })?,
            None => cfg.tz,
        };
        let me: Vec<String> = if c.me.is_empty() {
            cfg.me.clone()
        } else {
            c.me.iter()
                .map(|m| crate::ics::value::normalize_address(m))
                .collect()
        };
        let feeds: Vec<(String, String)> = if c.feeds.is_empty() {
            cfg.feeds
                .iter()
                .map(|f| (f.name.clone(), f.url.clone()))
                .collect()
        } else {
            c.feeds
                .iter()
                .enumerate()
                .map(|(i, f)| (format!("feed{}", i + 1), f.clone()))
                .collect()
        };
        if feeds.is_empty() {
            bail!("no calendar feeds: pass --feed PATH_OR_URL, or write a config with `calaudit init` and add [[feeds]]");
        }
        let feeds = feeds
            .into_iter()
            .map(|(name, url)| {
                let src = Source::parse(&url).with_context(|| format!("feed {name:?}"))?;
                Ok((name, src))
            })
            .collect::<Result<Vec<_>>>()?;
        let today = Utc::now().with_timezone(&tz).date_naive();
        let this_monday =
            today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let tomorrow = today + chrono::Duration::days(1);
        let (from, to) = match (c.from, c.to, default) {
            (Some(f), Some(t), _) => (f, t),
            (Some(f), None, WindowDefault::ThroughToday) => (f, tomorrow),
            (None, None, WindowDefault::ThroughToday) => (
                tomorrow - chrono::Duration::weeks(i64::from(cfg.report_weeks)),
                tomorrow,
            ),
            (Some(f), None, _) => (f, this_monday + chrono::Duration::days(7)),
            (None, Some(t), _) => (t - chrono::Duration::weeks(i64::from(cfg.report_weeks)), t),
            (None, None, WindowDefault::RecentWeeks) => {
                let to = this_monday + chrono::Duration::days(7);
                (
                    to - chrono::Duration::weeks(i64::from(cfg.report_weeks)),
                    to,
                )
            }
            (None, None, WindowDefault::LastCompleteWeek) => {
                (this_monday - chrono::Duration::days(7), this_monday)
            }
        };
        if to <= from {
            bail!("--to ({to}) must be after --from ({from})");
        }
        Ok(Context_ {
            cfg,
            tz,
            me,
            window: Window { tz, from, to },
            feeds,
            verbose: c.verbose,
        })
    }

    fn settings(&self) -> Settings<'_> {
        Settings::from_config(&self.cfg, self.window, &self.me)
    }

    fn analyze(&self) -> Result<Analysis> {
        let settings = self.settings();
        let (parsed, parse_time) = self.parse(pipeline::parse_options(&settings))?;
        let a = pipeline::analyze_parsed(parsed, &settings);
        self.print_timings(parse_time, &a);
        self.print_warnings(&a);
        Ok(a)
    }

    /// The `reports` answer as of `as_of` (UTC). Only the events that can be 1:1s with a
    /// report are expanded, but over the whole feed (from the earliest of them to 400 days
    /// after `as_of`), so that the last 1:1, the last career conversation and the next 1:1
    /// are found wherever they are; the counts are then taken over the window.
    fn playbook(&self, as_of: chrono::NaiveDateTime) -> Result<crate::playbook::Playbook> {
        use crate::playbook::{self, Roster};
        let roster = Roster::new(&self.cfg.reports);
        // Descriptions say whether a 1:1 was technical, a status update or about careers.
        let (parsed, parse_time) =
            self.parse(crate::ics::parse::ParseOptions { descriptions: true })?;
        let parsed: Vec<ParsedFeed> = parsed
            .into_iter()
            .map(|f| ParsedFeed {
                calendar: roster.candidates(f.calendar, &self.me),
                name: f.name,
            })
            .collect();
        let earliest = parsed
            .iter()
            .flat_map(|f| &f.calendar.events)
            .flat_map(|ev| [ev.dtstart, ev.recurrence_id])
            .flatten()
            .map(|v| v.naive().date())
            .min();
        let as_of_date = chrono::TimeZone::from_utc_datetime(&self.tz, &as_of).date_naive();
        let history = Window {
            tz: self.tz,
            // A day's margin either way: the dates are as written, in any zone.
            from: earliest
                .map(|d| d - chrono::Duration::days(2))
                .unwrap_or(self.window.from)
                .min(self.window.from),
            to: as_of_date + chrono::Duration::days(400),
        };
        let settings = Settings::from_config(&self.cfg, history, &self.me);
        let a = pipeline::analyze_parsed(parsed, &settings);
        self.print_timings(parse_time, &a);
        self.print_warnings(&a);
        let all = playbook::one_on_ones(&a, &roster, &self.me);
        let reports = playbook::summarize(&all, &roster, self.window.start_utc(), as_of, self.tz);
        skip_teardown(a);
        Ok(playbook::Playbook {
            tz: self.tz,
            from: self.window.from,
            to: self.window.to,
            reports,
        })
    }

    fn print_timings(&self, parse_time: Duration, a: &Analysis) {
        if self.verbose {
            let t = a.timings;
            eprintln!(
                "timing: read and parse {}, expand {}, classify {}, annotate {}",
                ms(parse_time),
                ms(t.expand),
                ms(t.classify),
                ms(t.annotate)
            );
        }
    }

    /// Reads and parses every feed, keeping what `opts` asks for; returns the feeds and the
    /// time it took.
    fn parse(&self, opts: crate::ics::parse::ParseOptions) -> Result<(Vec<ParsedFeed>, Duration)> {
        let mut parsed = Vec::new();
        let started = Instant::now();
        for (name, src) in &self.feeds {
            let context = || format!("feed {name:?} ({})", src.display());
            let body = crate::feed::open(src, Duration::from_secs(60)).with_context(context)?;
            // Parsed while it is read: a file is never held whole in memory, and a large
            // one is parsed in two halves at once (`parse_file`).
            let calendar = match body {
                #[cfg(unix)]
                crate::feed::Body::File(file) => crate::ics::parse::parse_file(&file, opts),
                body => crate::ics::parse::parse_reader(body, opts),
            }
            .with_context(|| format!("cannot read {}", src.display()))
            .with_context(context)?;
            if let Some(problem) = not_a_calendar(&calendar) {
                bail!(
                    "feed {name:?} ({}) {problem}",
                    crate::untrusted::shown(&src.display())
                );
            }
            parsed.push(ParsedFeed {
                name: name.clone(),
                calendar,
            });
        }
        Ok((parsed, started.elapsed()))
    }

    fn print_warnings(&self, a: &Analysis) {
        const SHOWN: usize = 10;
        for (fw, (_, src)) in a.warnings.iter().zip(&self.feeds) {
            let n = fw.warnings.len();
            let shown = if self.verbose { n } else { n.min(SHOWN) };
            // Messages quote feed text: one short printable line each.
            let src = crate::untrusted::shown(&src.display());
            for w in &fw.warnings[..shown] {
                let message = crate::untrusted::shown(&w.message);
                if w.line > 0 {
                    eprintln!(
                        "warning: feed {:?} ({src}) line {}: {message}",
                        fw.feed, w.line,
                    );
                } else {
                    eprintln!("warning: feed {:?} ({src}): {message}", fw.feed);
                }
            }
            if n > shown {
                eprintln!(
                    "warning: feed {:?}: {} more warnings (pass --verbose to see them all)",
                    fw.feed,
                    n - shown
                );
            }
        }
        if a.duplicates > 0 {
            eprintln!(
                "note: {} occurrences appeared in more than one feed and were counted once",
                a.duplicates
            );
        }
    }
}

/// `--config`, else `$CALAUDIT_CONFIG`, else ./config.toml, else the XDG config, else built-in defaults (no feeds).
/// A duration in milliseconds for the `--verbose` timing lines.
fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn load_config(explicit: Option<&Path>) -> Result<Config> {
    if let Some(p) = explicit {
        return Ok(Config::load(p)?);
    }
    if let Some(p) = std::env::var_os("CALAUDIT_CONFIG") {
        return Ok(Config::load(Path::new(&p))?);
    }
    let local = PathBuf::from("config.toml");
    if local.is_file() {
        return Ok(Config::load(&local)?);
    }
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(dir) = xdg {
        let p = dir.join("calaudit").join("config.toml");
        if p.is_file() {
            return Ok(Config::load(&p)?);
        }
    }
    Ok(Config::parse("", None)?)
}
