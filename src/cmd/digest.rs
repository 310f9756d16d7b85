//! `calaudit digest`: one ISO week against the people-time target, the four-week trend, deep
//! work kept and broken, the 1:1s, the reactive share and what would close the gap
//! ([`crate::digest`]), as text, Markdown or HTML.

use std::process::ExitCode;

use anyhow::{bail, Result};
use chrono::Utc;
use clap::{Args, ValueEnum};

use super::invocation::{Invocation, WindowDefault};
use super::output::print_out;
use crate::cli::Common;
use crate::digest::{self, render};

#[derive(Args, Debug, Clone)]
pub struct DigestArgs {
    #[command(flatten)]
    pub common: Common,
    /// The ISO week (YYYY-Www, e.g. 2026-W48); default: the last complete week.
    #[arg(long, value_name = "YYYY-Www")]
    pub week: Option<String>,
    #[arg(long, value_enum, default_value_t = DigestFormat::Text)]
    pub format: DigestFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DigestFormat {
    Text,
    Md,
    Html,
}

pub fn run(args: DigestArgs) -> Result<ExitCode> {
    if args.common.from.is_some() || args.common.to.is_some() {
        bail!("digest takes --week YYYY-Www, not --from/--to");
    }
    let week_start = match args.week.as_deref() {
        Some(w) => digest::parse_week(w).map_err(|e| anyhow::anyhow!("--week: {e}"))?,
        None => {
            let cfg_tz = args.common.tz.as_deref().and_then(crate::config::parse_tz);
            // The zone is resolved again (with errors) by `Invocation::load` below.
            let tz = cfg_tz.unwrap_or_else(|| {
                super::invocation::load_config(args.common.config.as_deref())
                    .and_then(|c| crate::daemon::cmd::for_user(c, args.common.user.as_deref()))
                    .map(|c| c.tz)
                    .unwrap_or(chrono_tz::UTC)
            });
            digest::last_complete_week(tz, Utc::now())
        }
    };
    let mut common = args.common.clone();
    common.from = Some(week_start);
    common.to = Some(week_start + chrono::Duration::days(7));
    let inv = Invocation::load(&common, WindowDefault::RecentWeeks)?;
    let feeds = inv.read_feeds()?;
    let d = digest::compute(
        &feeds,
        &inv.cfg,
        inv.tz,
        &inv.me,
        week_start,
        args.format == DigestFormat::Html,
    );
    let out = match args.format {
        DigestFormat::Text => render::text(&d),
        DigestFormat::Md => render::markdown(&d),
        DigestFormat::Html => render::html(&d),
    };
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
