//! Server-rendered pages. No scripts: the numbers are in the HTML, from the same snapshot as
//! the JSON API. Every piece of event text goes through [`escape`].

use std::fmt::Write as _;

use chrono::Datelike;

use super::snapshot::Snapshot;
use crate::chart::{mark_hex, ChartKind, CATEGORY_HEX, CATEGORY_LABELS};
use crate::classify::Category;
use crate::playbook::{one_on_one::State, Mark};

/// HTML-escapes text (one function for the dashboard and the digest).
pub use crate::untrusted::html_escape as escape;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1240px;color:#222}\
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:2rem}table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{padding:.25rem .5rem;border-bottom:1px solid #ddd;text-align:left}td.n{text-align:right}\
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;padding:.75rem 1rem;min-width:12rem}\
.big{font-size:1.6rem;font-weight:600}.miss{color:#D55E00}.met{color:#009E73}img.chart{width:100%;max-width:1200px;border:1px solid #eee;margin:.5rem 0}\
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:middle}\
.strip{white-space:nowrap}.wk{display:inline-block;width:1.1rem;height:1.1rem;line-height:1.1rem;margin-right:2px;border:1px solid #ccc;border-radius:2px;text-align:center;font-size:.75rem;color:#222}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

fn hours(seconds: i64) -> String {
    crate::report::hours::fmt(seconds)
}

fn category_cell(cat: &str) -> String {
    if cat == "personal" {
        // Not work time: no category colour.
        return "<span class=\"swatch\" style=\"background:#bbbbbb\"></span>personal".to_owned();
    }
    let c = cat.parse().unwrap_or(Category::Other);
    format!(
        "<span class=\"swatch\" style=\"background:{}\"></span>{}",
        CATEGORY_HEX[c],
        escape(CATEGORY_LABELS[c])
    )
}

pub fn index(s: &Snapshot) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<h1>calaudit · where the week went</h1><p>Zone {} · data as of {} UTC</p>",
        escape(s.tz.name()),
        s.generated_at.format("%Y-%m-%d %H:%M")
    );
    if let Some(w) = s.current_week() {
        let share = w
            .people_share
            .map(|p| format!("{:.0}%", p * 100.0))
            .unwrap_or_else(|| "–".into());
        let (cls, verdict) = match w.people_target_met {
            Some(true) => ("met", "target met"),
            Some(false) => ("miss", "below target"),
            None => ("", "no working hours"),
        };
        let _ = write!(
            b,
            "<h2>{label} ({week})</h2><div class=\"cards\">\
<div class=\"card\"><div>People share</div><div class=\"big {cls}\" id=\"people-share\">{share}</div><div>{verdict} ({target:.0}% of {wh}h)</div></div>\
<div class=\"card\"><div>Deep work</div><div class=\"big\" id=\"deep-work-hours\">{deep}h</div></div>\
<div class=\"card\"><div>No-fly violations</div><div class=\"big\" id=\"violations\">{v}</div></div>\
<div class=\"card\"><div>Busy</div><div class=\"big\" id=\"busy-hours\">{busy}h</div></div></div>",
            label = if s.has_current_week() { "This week" } else { "Latest complete week" },
            week = escape(&w.week),
            target = s.people_target * 100.0,
            wh = w.working_hours,
            deep = hours(w.seconds[Category::DeepWork]),
            v = w.no_fly_violations,
            busy = hours(w.busy_seconds),
        );
        let open: Vec<_> = s.violations.iter().filter(|v| v.week == w.week).collect();
        if !open.is_empty() {
            b.push_str("<h2>Meetings in protected time</h2><table><tr><th>meeting</th><th>when</th><th>broke</th><th>overlap</th></tr>");
            for v in open {
                let _ = write!(
                    b,
                    "<tr><td>{}</td><td>{} – {}</td><td>{}</td><td class=\"n\">{} min</td></tr>",
                    escape(&v.meeting),
                    escape(&v.meeting_start),
                    escape(&v.meeting_end),
                    escape(&v.block),
                    v.overlap_minutes
                );
            }
            b.push_str("</table>");
        }
    }
    reports_section(&mut b, s);
    b.push_str("<h2>Charts</h2>");
    for (k, _) in &s.charts {
        let alt = match k {
            ChartKind::Allocation => "Weekly allocation",
            ChartKind::PeopleShare => "People share trend",
            ChartKind::DeepWork => "Deep work and no-fly violations",
            ChartKind::Heatmap => "Week heat-map",
            ChartKind::OneOnOnes => "1:1s with each report, per week",
        };
        let _ = write!(
            b,
            "<img class=\"chart\" id=\"chart-{stem}\" src=\"/charts/{stem}.svg\" alt=\"{alt}\">",
            stem = k.file_stem()
        );
    }
    b.push_str("<h2>Weeks</h2><table id=\"weeks\"><tr><th>week</th><th>people h</th><th>technical h</th><th>deep work h</th><th>other h</th><th>busy h</th><th>people share</th><th>no-fly</th></tr>");
    for w in &s.weeks {
        let _ = write!(
            b,
            "<tr data-week=\"{wk}\"><td><a href=\"/week/{wk}\">{wk}</a></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n share\">{}</td><td class=\"n\">{}</td></tr>",
            hours(w.seconds[Category::People]),
            hours(w.seconds[Category::Technical]),
            hours(w.seconds[Category::DeepWork]),
            hours(w.seconds[Category::Other]),
            hours(w.busy_seconds),
            w.people_share.map(|p| format!("{:.1}%", p * 100.0)).unwrap_or_else(|| "–".into()),
            w.no_fly_violations,
            wk = escape(&w.week),
        );
    }
    b.push_str("</table><h2>Recent alerts</h2>");
    if s.alerts.is_empty() {
        b.push_str("<p>None.</p>");
    } else {
        b.push_str("<table><tr><th>when</th><th>alert</th><th>delivery</th></tr>");
        for a in s.alerts.iter().take(50) {
            let d: Vec<String> = a
                .deliveries
                .iter()
                .map(|(sink, st)| format!("{}: {}", escape(sink), escape(st)))
                .collect();
            let _ = write!(
                b,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.created),
                escape(&a.text),
                d.join(", ")
            );
        }
        b.push_str("</table>");
    }
    b.push_str("<h2>Titles no rule decided</h2>");
    if s.suggestions.is_empty() {
        b.push_str("<p>Every meeting in the window was decided by a rule.</p>");
    } else {
        b.push_str("<p>Biggest first. Paste a rule into <code>config.toml</code> to decide one yourself (<code>calaudit rules suggest</code> lists the same).</p><table id=\"suggestions\"><tr><th>minutes</th><th>times</th><th>counted as</th><th>title</th><th>decided by</th></tr>");
        for x in &s.suggestions {
            let _ = write!(
                b,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}<details><summary>rule</summary><pre>{}</pre></details></td></tr>",
                x.minutes,
                x.occurrences,
                category_cell(&x.guess),
                escape(&x.title),
                escape(&x.decided_by),
                escape(&x.rule_toml)
            );
        }
        b.push_str("</table>");
    }
    b.push_str("<h2>Feeds</h2><table><tr><th>feed</th><th>source</th><th>last success</th><th>last error</th><th>next pull</th><th>events</th></tr>");
    for f in &s.feeds {
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            escape(&f.name),
            escape(&f.source),
            escape(f.last_success.as_deref().unwrap_or("never")),
            escape(f.last_error.as_deref().unwrap_or("–")),
            escape(f.next_pull.as_deref().unwrap_or("–")),
            f.events
        );
    }
    b.push_str("</table>");
    page("calaudit dashboard", &b)
}

/// The glyph in a strip cell, so that the strip does not rely on colour alone.
fn glyph(m: Mark) -> &'static str {
    match m {
        Mark::Held => "✓",
        Mark::Scheduled => "○",
        Mark::Skipped => "×",
        Mark::None => "",
        Mark::Outside => "?",
    }
}

fn state_name(st: State) -> &'static str {
    match st {
        State::Held => "held",
        State::Scheduled => "scheduled",
        State::Cancelled => "cancelled",
        State::Declined => "declined",
        State::Free => "free",
    }
}

/// The Reports section: one row per direct report with the last and next 1:1, whether it is
/// overdue, what else needs doing, and a strip of the last weeks (held, scheduled, skipped,
/// none, no data), each cell titled with its week and its 1:1s.
fn reports_section(b: &mut String, s: &Snapshot) {
    let p = &s.playbook;
    b.push_str("<h2>Reports</h2>");
    if p.reports.is_empty() {
        b.push_str("<p>No direct reports: list them as <code>[[reports]]</code> in the config to see their 1:1s here.</p>");
        return;
    }
    let local = |t: chrono::DateTime<chrono::Utc>, fmt: &str| {
        t.with_timezone(&s.tz).format(fmt).to_string()
    };
    let _ = write!(
        b,
        "<p>1:1s in the window {} – {}, as of the data; the last {} weeks, oldest first: ",
        p.from,
        p.to.pred_opt().unwrap_or(p.to),
        s.strip_weeks.len()
    );
    for m in [
        Mark::Held,
        Mark::Scheduled,
        Mark::Skipped,
        Mark::None,
        Mark::Outside,
    ] {
        let _ = write!(
            b,
            "<span class=\"wk\" style=\"background:{}\">{}</span>{} ",
            mark_hex(m),
            glyph(m),
            m.as_str()
        );
    }
    b.push_str("</p><table id=\"reports\"><tr><th>report</th><th>last 1:1</th><th>next</th><th>overdue</th><th>flags</th><th>held</th><th>skipped</th><th>weeks</th></tr>");
    for (i, r) in p.reports.iter().enumerate() {
        let last = match (r.last_held, r.days_since_last) {
            (Some(t), Some(d)) => format!("{} ({d} d ago)", local(t, "%Y-%m-%d")),
            (Some(t), None) => local(t, "%Y-%m-%d"),
            _ => "none in the window".into(),
        };
        let next = r
            .next
            .map(|t| local(t, "%Y-%m-%d %H:%M"))
            .unwrap_or_else(|| "none in the window".into());
        let (cls, overdue) = if r.overdue {
            ("miss", "OVERDUE")
        } else {
            ("met", "no")
        };
        let flags = crate::playbook::render::flags(r);
        let _ = write!(
            b,
            "<tr data-report=\"{name}\"><td>{name}</td><td>{last}</td><td>{next}</td><td class=\"{cls}\">{overdue}</td><td>{flags}</td><td class=\"n\">{held}</td><td class=\"n\">{skipped}</td><td class=\"strip\">",
            name = escape(&r.name),
            last = escape(&last),
            next = escape(&next),
            flags = if flags.is_empty() { "–".to_owned() } else { escape(&flags.join(", ")) },
            held = r.held,
            skipped = r.cancelled + r.declined,
        );
        for (monday, cell) in s
            .strip_weeks
            .iter()
            .zip(s.strip.get(i).into_iter().flatten())
        {
            let iso = monday.iso_week();
            let mut title = format!("{}-W{:02}: {}", iso.year(), iso.week(), cell.mark.as_str());
            for (start, summary, st) in &cell.one_on_ones {
                let _ = write!(
                    title,
                    "\n{} {} ({})",
                    local(*start, "%a %H:%M"),
                    summary,
                    state_name(*st)
                );
            }
            let _ = write!(
                b,
                "<span class=\"wk\" data-mark=\"{}\" style=\"background:{}\" title=\"{}\">{}</span>",
                cell.mark.as_str(),
                mark_hex(cell.mark),
                escape(&title),
                glyph(cell.mark)
            );
        }
        b.push_str("</td></tr>");
    }
    b.push_str("</table>");
}

/// The explain view of one week: every occurrence with its category and rule.
pub fn week(s: &Snapshot, week: &str) -> String {
    let mut b = String::new();
    let _ = write!(
        b,
        "<p><a href=\"/\">← dashboard</a></p><h1>Week {}</h1>",
        escape(week)
    );
    if let Some(w) = s.weeks.iter().find(|w| w.week == week) {
        let _ = write!(
            b,
            "<p>people {}h · technical {}h · deep work {}h · other {}h · busy {}h</p>",
            hours(w.seconds[Category::People]),
            hours(w.seconds[Category::Technical]),
            hours(w.seconds[Category::DeepWork]),
            hours(w.seconds[Category::Other]),
            hours(w.busy_seconds)
        );
    }
    b.push_str("<table><tr><th>start</th><th>end</th><th>summary</th><th>category</th><th>rule</th><th>counts</th><th>feed</th></tr>");
    for o in s.occurrences.iter().filter(|o| o.week == week) {
        let counts = match &o.excluded {
            None => "yes".to_owned(),
            Some(x) => format!("no ({})", escape(x)),
        };
        let _ = write!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&o.start),
            escape(&o.end),
            escape(&o.summary),
            category_cell(&o.category),
            escape(&o.rule),
            counts,
            escape(&o.feed)
        );
    }
    b.push_str("</table>");
    page(&format!("calaudit · {week}"), &b)
}

#[cfg(test)]
mod tests {
    use super::{escape, index};
    use crate::report::suggest::Suggestion;
    use crate::server::Snapshot;

    #[test]
    fn undecided_titles_are_listed_escaped_with_their_rule() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 2, 11)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("now")
            .and_utc();
        let mut s = Snapshot::empty(chrono_tz::UTC, now);
        let page = index(&s);
        assert!(page.contains("Every meeting in the window was decided by a rule."));
        s.suggestions.push(Suggestion {
            title: "<script>alert(1)</script> sync".into(),
            minutes: 90,
            occurrences: 3,
            guess: "people".into(),
            decided_by: "fallback: \"sync\" + one other person".into(),
            rule_toml: "[[rules]]\nname = \"my-x\"\ncategory = \"people\"\ntitle = [\"<script>\"]\n".into(),
        });
        let page = index(&s);
        assert!(page.contains("id=\"suggestions\""));
        assert!(!page.contains("<script>"), "unescaped title in the page");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; sync"));
        assert!(page.contains("fallback: &quot;sync&quot; + one other person"));
        assert!(page.contains("title = [&quot;&lt;script&gt;&quot;]"));
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(escape("a & \"b\" 'c'"), "a &amp; &quot;b&quot; &#39;c&#39;");
    }
}
