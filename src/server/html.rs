//! Server-rendered pages. No scripts: the numbers are in the HTML, from the same snapshot as
//! the JSON API. Every piece of event text goes through [`escape`].

use std::fmt::Write as _;

use chrono::{Datelike, Duration};

use super::snapshot::Snapshot;
use crate::alert::AlertKind;
use crate::chart::{mark_hex, ChartKind, CATEGORY_HEX, CATEGORY_LABELS};
use crate::classify::Category;
use crate::playbook::{one_on_one::State, Mark};
use crate::report::WeekSummary;

/// HTML-escapes text (one function for the dashboard and the digest).
pub use crate::untrusted::html_escape as escape;

/// The page's CSS: one column on a phone, cards side by side and wide tables on a laptop.
/// No script, no external file; colours are the charts' (Okabe–Ito): vermillion for a missed
/// target or broken protected time, bluish green for a met target.
const STYLE: &str = "*{box-sizing:border-box}\
:root{--ink:#222;--muted:#5f5f5f;--line:#e2e2e2;--met:#00775a;--met-bg:#e2f3ed;--miss:#b8480a;--miss-bg:#fbe9df;--card:#fff;--bg:#f5f5f2}\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:var(--ink);background:var(--bg);line-height:1.45}\
a{color:#0060a0}header.top{background:var(--card);border-bottom:1px solid var(--line)}\
header.top div,main{max-width:1240px;margin:0 auto;padding:.8rem 1rem}main{padding-top:0;padding-bottom:2.5rem}\
h1{font-size:1.3rem;margin:0}.sub{color:var(--muted);font-size:.88rem;margin:.15rem 0 0}\
h2{font-size:1.08rem;margin:2rem 0 .6rem}h3{font-size:1rem;margin:0}\
nav.weeks{display:flex;gap:.4rem;flex-wrap:wrap;align-items:center;margin:1rem 0}\
nav.weeks a,nav.weeks span{padding:.25rem .75rem;border:1px solid var(--line);border-radius:999px;background:var(--card);text-decoration:none;color:var(--ink);font-size:.9rem}\
nav.weeks span.here{background:var(--ink);color:#fff;border-color:var(--ink)}nav.weeks .off{color:#aaa}\
.pair{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,19rem),1fr));gap:1rem}\
.card{background:var(--card);border:1px solid var(--line);border-top:5px solid #bbb;border-radius:8px;padding:.9rem 1rem}\
.card.met{border-top-color:var(--met)}.card.miss{border-top-color:var(--miss)}\
.card .head{display:flex;justify-content:space-between;gap:.5rem;align-items:baseline;flex-wrap:wrap}\
.dates{color:var(--muted);font-size:.85rem}.big{font-size:2.1rem;font-weight:650;line-height:1.1;margin-top:.5rem}\
.met .big,td.met,.pill.met{color:var(--met)}.miss .big,td.miss,.pill.miss{color:var(--miss)}\
meter{width:100%;height:.8rem;margin:.3rem 0 .1rem}.target{color:var(--muted);font-size:.85rem}\
dl.kv{display:grid;grid-template-columns:1fr auto;gap:.1rem 1rem;margin:.7rem 0 0;font-size:.92rem}\
dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}\
.pill{display:inline-block;font-size:.78rem;font-weight:600;padding:.05rem .5rem;border-radius:999px;background:#eee;color:var(--muted);white-space:nowrap}\
.pill.met{background:var(--met-bg)}.pill.miss{background:var(--miss-bg)}\
.tag{display:inline-block;font-size:.75rem;padding:0 .4rem;margin:.1rem .2rem .1rem 0;border:1px solid var(--line);border-radius:999px;color:var(--muted);white-space:nowrap}\
.scroll{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:8px}\
table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{padding:.35rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}\
th{font-weight:600;background:#fafafa;white-space:nowrap}tr:last-child td{border-bottom:0}\
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
tr.miss td:first-child{box-shadow:inset 4px 0 var(--miss)}tr.met td:first-child{box-shadow:inset 4px 0 var(--met)}\
tr.focus td{background:#fffbea}.when{white-space:nowrap}.muted{color:var(--muted)}\
.charts{display:grid;grid-template-columns:1fr;gap:1rem}\
img.chart{display:block;width:100%;height:auto;background:#fff;border:1px solid var(--line);border-radius:8px}\
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:middle}\
.strip{white-space:nowrap}.wk{display:inline-block;width:1.1rem;height:1.1rem;line-height:1.1rem;margin-right:2px;border:1px solid #ccc;border-radius:2px;text-align:center;font-size:.75rem;color:#222}\
details pre{white-space:pre-wrap;font-size:.8rem}\
@media (max-width:700px){header.top div,main{padding-left:.6rem;padding-right:.6rem}.opt{display:none}\
th,td{padding:.3rem .4rem}.big{font-size:1.8rem}table{font-size:.85rem}h2{margin-top:1.5rem}table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}table.stack tr:first-child{display:none}table.stack tr{padding:.45rem .6rem;border-bottom:1px solid #eee}table.stack td{border:0;padding:0;text-align:left}table.stack td.when{font-weight:600}table.stack td.opt{display:none}}";

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><style>{STYLE}</style></head><body>{body}</body></html>",
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

/// Where a week stands against the target: a CSS class (`met`, `miss`, or none) and words.
fn verdict(w: &WeekSummary) -> (&'static str, &'static str) {
    match w.people_target_met {
        Some(true) => ("met", "target met"),
        Some(false) => ("miss", "target missed"),
        None => ("", "no working time"),
    }
}

/// What else to know about a week before reading its numbers: partial (part outside the
/// window), out of office, still running or still to come.
fn week_marks(s: &Snapshot, w: &WeekSummary) -> Vec<String> {
    let today = s.generated_at.with_timezone(&s.tz).date_naive();
    let mut marks = Vec::new();
    if w.partial {
        marks.push("partial week".to_owned());
    }
    if !w.has_working_time() && w.ooo_days > 0 {
        marks.push("out of office".to_owned());
    } else if w.ooo_days > 0 {
        marks.push(format!(
            "{} day{} out of office",
            w.ooo_days,
            if w.ooo_days == 1 { "" } else { "s" }
        ));
    }
    if w.week_start > today {
        marks.push("to come".to_owned());
    } else if today < w.week_start + Duration::days(7) {
        marks.push("in progress".to_owned());
    }
    marks
}

fn tags(marks: &[String]) -> String {
    marks
        .iter()
        .map(|m| format!("<span class=\"tag\">{}</span>", escape(m)))
        .collect()
}

/// `Mon 9 Feb – Sun 15 Feb 2026`.
fn week_dates(w: &WeekSummary) -> String {
    let end = w.week_start + Duration::days(6);
    format!(
        "{} – {}",
        w.week_start.format("%a %-d %b"),
        end.format("%a %-d %b %Y")
    )
}

fn share_text(w: &WeekSummary) -> String {
    w.people_share
        .map(|p| format!("{:.0}%", p * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// One week as a card: people share against the target (number, verdict, a meter), the hours
/// per category, busy time and broken protected time. `id` names the card for tests.
fn week_card(b: &mut String, s: &Snapshot, w: &WeekSummary, heading: &str, id: &str) {
    let (cls, words) = verdict(w);
    let _ = write!(
        b,
        "<section class=\"card {cls}\" id=\"{id}\" data-week=\"{wk}\"><div class=\"head\"><h3>{heading} · <a href=\"/week/{wk}\">{wk}</a></h3><span class=\"pill {cls}\">{words}</span></div>\
<div class=\"dates\">{dates}</div>{marks}\
<div class=\"big\">{share}</div><div class=\"target\">people share of {wh} working hours · target {target:.0}%</div>",
        wk = escape(&w.week),
        heading = escape(heading),
        dates = escape(&week_dates(w)),
        marks = tags(&week_marks(s, w)),
        share = share_text(w),
        wh = w.working_hours,
        target = s.people_target * 100.0,
    );
    if let Some(p) = w.people_share {
        // A native meter, no inline style: under `low` (the target) the browser draws it as
        // short of the goal.
        let _ = write!(
            b,
            "<meter min=\"0\" max=\"{max:.4}\" low=\"{t:.4}\" optimum=\"{max:.4}\" value=\"{v:.4}\" title=\"{pct:.0}% of the working week; target {tp:.0}%\">{pct:.0}%</meter>",
            max = (s.people_target * 2.0).max(p).max(0.01),
            t = s.people_target,
            v = p,
            pct = p * 100.0,
            tp = s.people_target * 100.0,
        );
    }
    let _ = write!(
        b,
        "<dl class=\"kv\"><dt>people</dt><dd>{}h</dd><dt>technical</dt><dd>{}h</dd><dt>deep work</dt><dd id=\"{id}-deep-work\">{}h</dd><dt>other</dt><dd>{}h</dd><dt>busy (any meeting)</dt><dd id=\"{id}-busy\">{}h</dd><dt>meetings in protected time</dt><dd id=\"{id}-violations\">{}</dd></dl></section>",
        hours(w.seconds[Category::People]),
        hours(w.seconds[Category::Technical]),
        hours(w.seconds[Category::DeepWork]),
        hours(w.seconds[Category::Other]),
        hours(w.busy_seconds),
        w.no_fly_violations,
    );
}

/// Links to the weeks before and after `at` (an index into `s.weeks`) and to the dashboard.
fn week_nav(b: &mut String, s: &Snapshot, at: Option<usize>, on_week_page: bool) {
    b.push_str("<nav class=\"weeks\" aria-label=\"weeks\">");
    if on_week_page {
        b.push_str("<a href=\"/\">dashboard</a>");
    }
    let link = |i: Option<usize>, label: &str| match i.and_then(|i| s.weeks.get(i)) {
        Some(w) => format!(
            "<a href=\"/week/{wk}\" rel=\"{rel}\">{label} {wk}</a>",
            wk = escape(&w.week),
            rel = if label.starts_with('←') {
                "prev"
            } else {
                "next"
            },
            label = label
        ),
        None => format!("<span class=\"off\">{label}</span>"),
    };
    b.push_str(&link(at.and_then(|i| i.checked_sub(1)), "←"));
    if let Some(w) = at.and_then(|i| s.weeks.get(i)) {
        if on_week_page {
            let _ = write!(b, "<span class=\"here\">{}</span>", escape(&w.week));
        } else {
            let _ = write!(
                b,
                "<a href=\"/week/{wk}\">explain {wk}</a>",
                wk = escape(&w.week)
            );
        }
    }
    b.push_str(&link(at.map(|i| i + 1), "→"));
    b.push_str("</nav>");
}

/// Meetings that broke protected time in `weeks`, one row per meeting with every block it
/// broke.
fn violations_table(b: &mut String, s: &Snapshot, weeks: &[&str]) {
    let list: Vec<_> = s
        .violations
        .iter()
        .filter(|v| weeks.contains(&v.week.as_str()))
        .collect();
    if list.is_empty() {
        b.push_str("<p class=\"muted\">No meeting broke protected time.</p>");
        return;
    }
    b.push_str("<div class=\"scroll\"><table id=\"violations\" class=\"stack\"><tr><th>when</th><th>meeting</th><th>broke</th><th class=\"n\">overlap</th></tr>");
    for v in list {
        let blocks: Vec<String> = v.blocks.iter().map(|x| escape(x)).collect();
        let _ = write!(
            b,
            "<tr><td class=\"when\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{} min</td></tr>",
            escape(&v.when),
            escape(&v.meeting),
            blocks.join("<br>"),
            v.overlap_minutes
        );
    }
    b.push_str("</table></div>");
}

fn header(b: &mut String, s: &Snapshot, title: &str) {
    let _ = write!(
        b,
        "<header class=\"top\"><div><h1>{}</h1><p class=\"sub\">Times in {} · data as of {}</p></div></header><main>",
        escape(title),
        escape(s.tz.name()),
        escape(
            &s.generated_at
                .with_timezone(&s.tz)
                .format("%a %-d %b %Y %H:%M %Z")
                .to_string()
        )
    );
}

pub fn index(s: &Snapshot) -> String {
    let mut b = String::new();
    header(&mut b, s, "calaudit · where the week went");
    let focus = s
        .current_week()
        .and_then(|w| s.weeks.iter().position(|x| x.week == w.week));
    week_nav(&mut b, s, focus, false);
    if let Some(i) = focus {
        let w = &s.weeks[i];
        let (this, last) = if s.has_current_week() {
            ("This week", "Last week")
        } else {
            ("Latest complete week", "The week before")
        };
        let _ = write!(
            b,
            "<h2>{this} and {} against the target</h2><div class=\"pair\">",
            last.to_lowercase()
        );
        week_card(&mut b, s, w, this, "this-week");
        let prev = i.checked_sub(1).and_then(|p| s.weeks.get(p));
        match prev {
            Some(p) => week_card(&mut b, s, p, last, "last-week"),
            None => b.push_str(
                "<section class=\"card\" id=\"last-week\"><p class=\"muted\">No earlier week in the window.</p></section>",
            ),
        }
        b.push_str("</div><h2>Meetings in protected time</h2>");
        let mut weeks = vec![w.week.as_str()];
        weeks.extend(prev.map(|p| p.week.as_str()));
        violations_table(&mut b, s, &weeks);
    }
    reports_section(&mut b, s);
    weeks_table(&mut b, s, focus);
    b.push_str("<h2>Charts</h2><div class=\"charts\">");
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
    b.push_str("</div><h2>Recent alerts</h2>");
    if s.alerts.is_empty() {
        b.push_str("<p class=\"muted\">None.</p>");
    } else {
        b.push_str("<div class=\"scroll\"><table id=\"alerts\"><tr><th>when</th><th>what</th><th>alert</th><th>delivery</th></tr>");
        for a in s.alerts.iter().take(50) {
            let d: Vec<String> = a
                .deliveries
                .iter()
                .map(|(_, words)| escape(words))
                .collect();
            let kind: &str = match AlertKind::parse(&a.kind) {
                Some(k) => k.describe(),
                None => &a.kind,
            };
            let _ = write!(
                b,
                "<tr><td class=\"when\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.created),
                escape(kind),
                escape(&a.text),
                d.join("<br>")
            );
        }
        b.push_str("</table></div>");
    }
    b.push_str("<h2>Titles no rule decided</h2>");
    if s.suggestions.is_empty() {
        b.push_str("<p class=\"muted\">Every meeting in the window was decided by a rule.</p>");
    } else {
        b.push_str("<p>Biggest first. Paste a rule into <code>config.toml</code> to decide one yourself (<code>calaudit rules suggest</code> lists the same).</p><div class=\"scroll\"><table id=\"suggestions\"><tr><th class=\"n\">minutes</th><th class=\"n opt\">times</th><th>counted as</th><th>title</th><th class=\"opt\">decided by</th></tr>");
        for x in &s.suggestions {
            let _ = write!(
                b,
                "<tr><td class=\"n\">{}</td><td class=\"n opt\">{}</td><td>{}</td><td>{}<details><summary>rule</summary><pre>{}</pre></details></td><td class=\"opt\">{}</td></tr>",
                x.minutes,
                x.occurrences,
                category_cell(&x.guess),
                escape(&x.title),
                escape(&x.rule_toml),
                escape(&x.decided_by),
            );
        }
        b.push_str("</table></div>");
    }
    b.push_str("<h2>Feeds</h2><div class=\"scroll\"><table id=\"feeds\"><tr><th>feed</th><th class=\"opt\">source</th><th>last success</th><th>last error</th><th class=\"opt\">next pull</th><th class=\"n\">events</th></tr>");
    for f in &s.feeds {
        let _ = write!(
            b,
            "<tr><td>{}</td><td class=\"opt\">{}</td><td>{}</td><td>{}</td><td class=\"opt\">{}</td><td class=\"n\">{}</td></tr>",
            escape(&f.name),
            escape(&f.source),
            escape(f.last_success.as_deref().unwrap_or("never")),
            escape(f.last_error.as_deref().unwrap_or("–")),
            escape(f.next_pull.as_deref().unwrap_or("–")),
            f.events
        );
    }
    b.push_str("</table></div></main>");
    page("calaudit dashboard", &b)
}

/// Every week of the window: met and missed rows marked (a coloured edge and the words), the
/// week on the cards highlighted, partial and out-of-office weeks tagged.
fn weeks_table(b: &mut String, s: &Snapshot, focus: Option<usize>) {
    b.push_str("<h2>Weeks</h2><div class=\"scroll\"><table id=\"weeks\"><tr><th>week</th><th>target</th><th class=\"n\">people share</th><th class=\"n\">people h</th><th class=\"n opt\">technical h</th><th class=\"n\">deep work h</th><th class=\"n opt\">other h</th><th class=\"n opt\">busy h</th><th class=\"n\">no-fly</th></tr>");
    for (i, w) in s.weeks.iter().enumerate() {
        let (cls, words) = verdict(w);
        let row_cls = match (cls, focus == Some(i)) {
            ("", true) => "focus".to_owned(),
            ("", false) => String::new(),
            (c, true) => format!("{c} focus"),
            (c, false) => c.to_owned(),
        };
        let _ = write!(
            b,
            "<tr data-week=\"{wk}\" data-target=\"{target}\" class=\"{row_cls}\"><td><a href=\"/week/{wk}\">{wk}</a><br><span class=\"dates\">{from}</span> {marks}</td><td class=\"{cls}\">{words}</td><td class=\"n share\">{share}</td><td class=\"n\">{}</td><td class=\"n opt\">{}</td><td class=\"n\">{}</td><td class=\"n opt\">{}</td><td class=\"n opt\">{}</td><td class=\"n\">{}</td></tr>",
            hours(w.seconds[Category::People]),
            hours(w.seconds[Category::Technical]),
            hours(w.seconds[Category::DeepWork]),
            hours(w.seconds[Category::Other]),
            hours(w.busy_seconds),
            w.no_fly_violations,
            wk = escape(&w.week),
            target = if cls.is_empty() { "none" } else { cls },
            from = escape(&w.week_start.format("%-d %b").to_string()),
            marks = tags(&week_marks(s, w)),
            share = w
                .people_share
                .map(|p| format!("{:.1}%", p * 100.0))
                .unwrap_or_else(|| "–".into()),
        );
    }
    b.push_str("</table></div>");
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
    b.push_str("<h2>Reports and 1:1s</h2>");
    if p.reports.is_empty() {
        b.push_str("<p class=\"muted\">No direct reports: list them as <code>[[reports]]</code> in the config to see their 1:1s here.</p>");
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
    b.push_str("</p><div class=\"scroll\"><table id=\"reports\"><tr><th>report</th><th>last 1:1</th><th>next</th><th>overdue</th><th class=\"opt\">flags</th><th class=\"n opt\">held</th><th class=\"n opt\">skipped</th><th>weeks</th></tr>");
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
            "<tr data-report=\"{name}\"><td>{name}</td><td>{last}</td><td>{next}</td><td class=\"{cls}\">{overdue}</td><td class=\"opt\">{flags}</td><td class=\"n opt\">{held}</td><td class=\"n opt\">{skipped}</td><td class=\"strip\">",
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
    b.push_str("</table></div>");
}

/// The explain view of one week: links to the weeks around it, the week's card, the meetings
/// that broke protected time, and every occurrence (weekday, date and time on one line) with
/// its category and the rule that decided it.
pub fn week(s: &Snapshot, week: &str) -> String {
    let mut b = String::new();
    header(&mut b, s, &format!("Week {week} explained"));
    let at = s.weeks.iter().position(|w| w.week == week);
    week_nav(&mut b, s, at, true);
    match at.and_then(|i| s.weeks.get(i)) {
        Some(w) => {
            b.push_str("<div class=\"pair\">");
            week_card(&mut b, s, w, "Week", "week");
            b.push_str("</div><h2>Meetings in protected time</h2>");
            violations_table(&mut b, s, &[week]);
        }
        None => b.push_str("<p class=\"muted\">This week is not in the analysed window.</p>"),
    }
    b.push_str("<h2>Every event, and what decided it</h2><div class=\"scroll\"><table id=\"occurrences\" class=\"stack\"><tr><th>when</th><th>title</th><th>category</th><th class=\"opt\">rule</th><th>counts</th><th class=\"opt\">feed</th></tr>");
    for o in s.occurrences.iter().filter(|o| o.week == week) {
        let counts = match &o.excluded {
            None => "yes".to_owned(),
            Some(x) => format!("no ({})", escape(x)),
        };
        let _ = write!(
            b,
            "<tr><td class=\"when\">{}</td><td>{}</td><td>{}</td><td class=\"opt\">{}</td><td>{}</td><td class=\"opt\">{}</td></tr>",
            escape(&o.when),
            escape(&o.summary),
            category_cell(&o.category),
            escape(&o.rule),
            counts,
            escape(&o.feed)
        );
    }
    b.push_str("</table></div></main>");
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
