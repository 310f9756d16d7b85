//! A [`Digest`] as text (terminals, the stdout sink, email), Markdown (chat webhooks) or HTML
//! (a page or an email; no scripts, event text escaped, the allocation chart inline as SVG).
//! All three say the same things in the same order; feed text is made safe for each: one
//! escaped line in text, `|` and markup escaped in Markdown, entities in HTML.

use std::fmt::Write as _;

use super::{closing_sentence, people_minutes, Digest};
use crate::playbook::ReportStatus;
use crate::report::WeekSummary;

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

fn hours(minutes: i64) -> String {
    format!("{} h", crate::report::hours::fmt(minutes * 60))
}

fn met(w: &WeekSummary) -> &'static str {
    match w.people_target_met {
        Some(true) => "met",
        Some(false) => "missed",
        None => "no working hours",
    }
}

/// The headline: people time against the target.
pub fn headline(d: &Digest) -> String {
    let w = &d.this;
    format!(
        "People time {} = {} of {} working hours (target {:.0}%): {}.",
        hours(people_minutes(w)),
        pct(w.people_share),
        w.working_hours,
        d.people_target * 100.0,
        met(w)
    )
}

fn deep_work_line(d: &Digest) -> String {
    let w = &d.this;
    format!(
        "Deep work kept: {} ({} focus blocks of 2 h or more, longest free stretch {}); broken: {} no-fly violation{}.",
        hours(w.seconds[crate::classify::Category::DeepWork] / 60),
        w.focus_blocks,
        hours(w.longest_free_minutes),
        w.no_fly_violations,
        if w.no_fly_violations == 1 { "" } else { "s" }
    )
}

fn reactive_line(d: &Digest) -> String {
    match d.this.reactive_share {
        Some(s) => format!(
            "Reactive share: {} of the meetings were created less than 24 h before they started.",
            pct(Some(s))
        ),
        None => "Reactive share: no meeting carried a creation time.".to_owned(),
    }
}

/// `Overdue: A, B. No 1:1 this week: C.` (or that everyone had one).
fn one_on_one_summary(reports: &[ReportStatus]) -> String {
    let overdue: Vec<&str> = reports
        .iter()
        .filter(|r| r.overdue)
        .map(|r| r.name.as_str())
        .collect();
    let none: Vec<&str> = reports
        .iter()
        .filter(|r| r.held == 0)
        .map(|r| r.name.as_str())
        .collect();
    let list = |v: &[&str]| {
        if v.is_empty() {
            "nobody".to_owned()
        } else {
            v.join(", ")
        }
    };
    format!(
        "Overdue: {}. No 1:1 this week: {}.",
        list(&overdue),
        list(&none)
    )
}

fn local_day(d: &Digest, t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.with_timezone(&d.tz).format("%Y-%m-%d").to_string(),
    )
}

fn title(d: &Digest) -> String {
    let end = d.week_start + chrono::Duration::days(6);
    format!(
        "calaudit digest {} ({} – {}, {})",
        d.week,
        d.week_start.format("%b %-d"),
        end.format("%b %-d"),
        d.tz
    )
}

fn report_row(d: &Digest, r: &ReportStatus) -> [String; 6] {
    [
        r.name.clone(),
        r.held.to_string(),
        r.minutes.to_string(),
        local_day(d, r.last_held),
        if r.overdue { "OVERDUE" } else { "-" }.to_owned(),
        local_day(d, r.next),
    ]
}

const REPORT_HEAD: [&str; 6] = ["report", "held", "minutes", "last", "overdue", "next"];

/// Plain text, for terminals, the stdout sink and email.
pub fn text(d: &Digest) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", title(d));
    let _ = writeln!(s, "{}", headline(d));
    let _ = writeln!(s, "{}\n", closing_sentence(&d.this, d.people_target));
    let _ = writeln!(s, "Last {} weeks (people share):", d.trend.len());
    for w in &d.trend {
        let _ = writeln!(
            s,
            "  {}  {:>6}  {:>7}  {}",
            w.week,
            pct(w.people_share),
            hours(people_minutes(w)),
            met(w)
        );
    }
    let _ = writeln!(s, "\n{}", deep_work_line(d));
    for b in &d.broken {
        let _ = writeln!(
            s,
            "  '{}' {} breaks {} ({} min)",
            crate::untrusted::shown(&b.summary),
            crate::alert::detect::span_local(d.tz, b.start, b.end),
            crate::untrusted::shown(&b.protected),
            b.overlap_minutes
        );
    }
    if !d.reports.is_empty() {
        let _ = writeln!(s, "\n1:1s this week:");
        // Shown (control characters made visible) before measuring, so widths are the text's.
        let rows: Vec<[String; 6]> = d
            .reports
            .iter()
            .map(|r| report_row(d, r).map(|c| crate::untrusted::shown(&c)))
            .collect();
        let mut widths = REPORT_HEAD.map(str::len);
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(r) {
                *w = (*w).max(unicode_width::UnicodeWidthStr::width(c.as_str()));
            }
        }
        let line = |cells: Vec<String>| {
            let mut l = String::from(" ");
            for (c, w) in cells.iter().zip(widths) {
                let _ = write!(l, " {}", crate::report::render::fit(c, w));
            }
            l.trim_end().to_owned()
        };
        let _ = writeln!(s, "{}", line(REPORT_HEAD.map(str::to_owned).to_vec()));
        for r in rows {
            let _ = writeln!(s, "{}", line(r.to_vec()));
        }
        let _ = writeln!(s, "  {}", one_on_one_summary(&d.reports));
    }
    let _ = writeln!(s, "\n{}", reactive_line(d));
    s
}

/// Markdown text: `|` and markup characters in feed text escaped, one line per cell.
fn md_escape(s: &str) -> String {
    let mut out = String::new();
    for c in crate::untrusted::shown(s).chars() {
        if matches!(
            c,
            '|' | '\\' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Markdown, for chat webhooks and notes.
pub fn markdown(d: &Digest) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}\n", title(d));
    let _ = writeln!(s, "**{}**\n", headline(d));
    let _ = writeln!(s, "{}\n", closing_sentence(&d.this, d.people_target));
    let _ = writeln!(s, "## Last {} weeks\n", d.trend.len());
    let _ = writeln!(s, "| week | people share | people time | target |");
    let _ = writeln!(s, "|---|---:|---:|---|");
    for w in &d.trend {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} |",
            w.week,
            pct(w.people_share),
            hours(people_minutes(w)),
            met(w)
        );
    }
    let _ = writeln!(s, "\n## Deep work\n\n{}", deep_work_line(d));
    if !d.broken.is_empty() {
        let _ = writeln!(s);
    }
    for b in &d.broken {
        let _ = writeln!(
            s,
            "- '{}' {} breaks {} ({} min)",
            md_escape(&b.summary),
            crate::alert::detect::span_local(d.tz, b.start, b.end),
            md_escape(&b.protected),
            b.overlap_minutes
        );
    }
    if !d.reports.is_empty() {
        let _ = writeln!(s, "\n## 1:1s\n");
        let _ = writeln!(s, "| {} |", REPORT_HEAD.join(" | "));
        let _ = writeln!(s, "|---|---:|---:|---|---|---|");
        for r in &d.reports {
            let cells: Vec<String> = report_row(d, r).iter().map(|c| md_escape(c)).collect();
            let _ = writeln!(s, "| {} |", cells.join(" | "));
        }
        let _ = writeln!(s, "\n{}", md_escape(&one_on_one_summary(&d.reports)));
    }
    let _ = writeln!(s, "\n## Reactive share\n\n{}", reactive_line(d));
    s
}

pub use crate::untrusted::html_escape;

/// A whole HTML page (no scripts), with the allocation chart inline when the digest has it.
pub fn html(d: &Digest) -> String {
    let e = html_escape;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body style=\"font-family: sans-serif; max-width: 52em\">\n",
        e(&title(d))
    );
    let _ = writeln!(s, "<h1>{}</h1>", e(&title(d)));
    let _ = writeln!(s, "<p><strong>{}</strong></p>", e(&headline(d)));
    let _ = writeln!(
        s,
        "<p>{}</p>",
        e(&closing_sentence(&d.this, d.people_target))
    );
    if let Some(svg) = &d.allocation_svg {
        // Our own render (no feed text in it), without its XML declaration.
        let svg = svg.find("<svg").map_or(svg.as_str(), |i| &svg[i..]);
        let _ = writeln!(s, "<figure>{svg}</figure>");
    }
    let _ = writeln!(s, "<h2>Last {} weeks</h2>\n<table>\n<tr><th>week</th><th>people share</th><th>people time</th><th>target</th></tr>", d.trend.len());
    for w in &d.trend {
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&w.week),
            pct(w.people_share),
            hours(people_minutes(w)),
            met(w)
        );
    }
    let _ = writeln!(
        s,
        "</table>\n<h2>Deep work</h2>\n<p>{}</p>",
        e(&deep_work_line(d))
    );
    if !d.broken.is_empty() {
        let _ = writeln!(s, "<ul>");
        for b in &d.broken {
            let _ = writeln!(
                s,
                "<li>&#39;{}&#39; {} breaks {} ({} min)</li>",
                e(&b.summary),
                e(&crate::alert::detect::span_local(d.tz, b.start, b.end)),
                e(&b.protected),
                b.overlap_minutes
            );
        }
        let _ = writeln!(s, "</ul>");
    }
    if !d.reports.is_empty() {
        let _ = write!(s, "<h2>1:1s</h2>\n<table>\n<tr>");
        for h in REPORT_HEAD {
            let _ = write!(s, "<th>{h}</th>");
        }
        let _ = writeln!(s, "</tr>");
        for r in &d.reports {
            let _ = write!(s, "<tr>");
            for c in report_row(d, r) {
                let _ = write!(s, "<td>{}</td>", e(&c));
            }
            let _ = writeln!(s, "</tr>");
        }
        let _ = writeln!(s, "</table>\n<p>{}</p>", e(&one_on_one_summary(&d.reports)));
    }
    let _ = writeln!(
        s,
        "<h2>Reactive share</h2>\n<p>{}</p>\n</body></html>",
        e(&reactive_line(d))
    );
    s
}
