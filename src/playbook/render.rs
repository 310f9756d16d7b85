//! `calaudit reports` output: a table for people, JSON for tools. The JSON shape is a contract
//! (issue 10, documented in the README); keys come in the order the contract lists them.
//! Times are UTC (`YYYY-MM-DDTHH:MM:SSZ`), `career_last` a local date. Event text is escaped
//! by serde_json in the JSON; the table prints no event text, and report names are checked
//! for control characters when the config is read.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::one_on_one::{Playbook, ReportStatus};
use crate::time::utc_rfc3339 as utc_string;

#[derive(Serialize)]
struct Out<'a> {
    tz: &'a str,
    from: String,
    to: String,
    reports: Vec<OutReport<'a>>,
}

#[derive(Serialize)]
struct OutReport<'a> {
    name: &'a str,
    emails: &'a [String],
    cadence_days: u32,
    held: u32,
    last_held: Option<String>,
    days_since_last: Option<i64>,
    overdue: bool,
    cancelled: u32,
    declined: u32,
    minutes: i64,
    technical: u32,
    status: u32,
    career_last: Option<String>,
    career_overdue: bool,
    next: Option<String>,
    one_on_ones: Vec<OutOneOnOne<'a>>,
}

#[derive(Serialize)]
struct OutOneOnOne<'a> {
    start: String,
    end: String,
    summary: &'a str,
    flags: Vec<&'static str>,
}

fn out_report(s: &ReportStatus) -> OutReport<'_> {
    OutReport {
        name: &s.name,
        emails: &s.emails,
        cadence_days: s.cadence_days,
        held: s.held,
        last_held: s.last_held.map(utc_string),
        days_since_last: s.days_since_last,
        overdue: s.overdue,
        cancelled: s.cancelled,
        declined: s.declined,
        minutes: s.minutes,
        technical: s.technical,
        status: s.status,
        career_last: s.career_last.map(|d| d.format("%Y-%m-%d").to_string()),
        career_overdue: s.career_overdue,
        next: s.next.map(utc_string),
        one_on_ones: s
            .one_on_ones
            .iter()
            .map(|o| OutOneOnOne {
                start: utc_string(o.start),
                end: utc_string(o.end),
                summary: &o.summary,
                flags: o.flags(),
            })
            .collect(),
    }
}

/// The JSON contract, pretty-printed, with a final newline.
pub fn reports_json(p: &Playbook) -> String {
    let out = Out {
        tz: p.tz.name(),
        from: p.from.format("%Y-%m-%d").to_string(),
        to: p.to.format("%Y-%m-%d").to_string(),
        reports: p.reports.iter().map(out_report).collect(),
    };
    // Plain structs of strings and numbers always serialise.
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}

/// What needs doing about a report besides an overdue 1:1 (the table's notes, the
/// dashboard's flags): a career conversation due, 1:1s that are mostly technical reviews.
pub fn flags(r: &ReportStatus) -> Vec<&'static str> {
    let mut f = Vec::new();
    if r.career_overdue {
        f.push("career talk due");
    }
    if r.technical > 0 && r.technical * 2 >= r.held {
        f.push("mostly technical");
    }
    f
}

/// One row per report: the numbers of the JSON, local dates, and what needs doing.
pub fn reports_table(p: &Playbook) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "1:1s {} – {} ({})",
        p.from.format("%Y-%m-%d"),
        p.to.pred_opt().unwrap_or(p.to).format("%Y-%m-%d"),
        p.tz.name()
    );
    if p.reports.is_empty() {
        s.push_str("no direct reports: list them as [[reports]] in the config (see config.toml)\n");
        return s;
    }
    let local = |t: Option<DateTime<Utc>>| match t {
        Some(t) => t.with_timezone(&p.tz).format("%Y-%m-%d").to_string(),
        None => "-".into(),
    };
    let width = p
        .reports
        .iter()
        .map(|r| unicode_width::UnicodeWidthStr::width(r.name.as_str()))
        .max()
        .unwrap_or(0)
        .max(6);
    let _ = writeln!(
        s,
        "{:<width$} {:>7} {:>4} {:>7} {:>10} {:>5} {:>7} {:>5} {:>6} {:>10} {:>10}  notes",
        "report",
        "cadence",
        "held",
        "skipped",
        "last",
        "days",
        "minutes",
        "tech",
        "status",
        "career",
        "next",
    );
    for r in &p.reports {
        let mut notes = Vec::new();
        if r.overdue {
            notes.push("OVERDUE");
        }
        notes.extend(flags(r));
        let _ = writeln!(
            s,
            "{} {:>7} {:>4} {:>7} {:>10} {:>5} {:>7} {:>5} {:>6} {:>10} {:>10}  {}",
            crate::report::render::fit(&r.name, width),
            format!("{}d", r.cadence_days),
            r.held,
            r.cancelled + r.declined,
            local(r.last_held),
            r.days_since_last
                .map_or_else(|| "-".to_owned(), |d| d.to_string()),
            r.minutes,
            r.technical,
            r.status,
            r.career_last
                .map_or_else(|| "-".to_owned(), |d| d.format("%Y-%m-%d").to_string()),
            local(r.next),
            if notes.is_empty() {
                "-".to_owned()
            } else {
                notes.join(", ")
            }
        );
    }
    s
}
