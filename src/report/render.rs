//! Output formats: the weekly report as a table, JSON or CSV; occurrences as a table or JSON
//! lines. The JSON shapes are a contract (documented in the README): other tools read them.

use std::fmt::Write as _;

use chrono::NaiveDate;
use serde_json::{json, Value};

use super::week::Report;
use crate::classify::Category;
use crate::ics::expand::{OccurrenceTime, RecurrenceId};
use crate::pipeline::{Analysis, Row};
use crate::time::utc_rfc3339 as utc_string;

fn date_string(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The weekly report as pretty-printed JSON, keys in alphabetical order (the contract in the
/// README; the wire form is [`super::summary`]'s).
pub fn report_json(r: &Report) -> String {
    let mut out = Vec::with_capacity(256 + 620 * r.weeks.len());
    // Writing to a Vec cannot fail, and a report always serialises (non-finite floats become
    // null).
    let _ = serde_json::to_writer_pretty(&mut out, r);
    out.push(b'\n');
    // serde_json writes valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

pub fn report_csv(r: &Report) -> String {
    let mut s = String::from("week,week_start,people_min,technical_min,deep_work_min,other_min,busy_min,working_hours,people_share,people_target_met,declined,cancelled,transparent,allday,no_fly_violations,personal\n");
    for w in &r.weeks {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            w.week,
            date_string(w.week_start),
            w.seconds[Category::People] / 60,
            w.seconds[Category::Technical] / 60,
            w.seconds[Category::DeepWork] / 60,
            w.seconds[Category::Other] / 60,
            w.busy_seconds / 60,
            w.working_hours,
            w.people_share
                .map(|x| format!("{x:.4}"))
                .unwrap_or_default(),
            w.people_target_met
                .map(|b| b.to_string())
                .unwrap_or_default(),
            w.excluded.declined,
            w.excluded.cancelled,
            w.excluded.transparent,
            w.excluded.allday,
            w.no_fly_violations,
            w.excluded.personal,
        );
    }
    s
}

fn hours(seconds: i64) -> String {
    format!("{}h", super::hours::fmt(seconds))
}

pub fn report_table(r: &Report) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} – {} ({}), working week {}h, people target {:.0}%",
        date_string(r.window.from),
        // The window's end is exclusive; people read the last day it includes.
        date_string(r.window.to.pred_opt().unwrap_or(r.window.to)),
        r.window.tz.name(),
        r.week_hours,
        r.people_target * 100.0
    );
    let _ = writeln!(
        s,
        "{:<9} {:<10} {:>7} {:>9} {:>9} {:>7} {:>7} {:>14} {:<6} {:>6}  excluded",
        "week",
        "start",
        "people",
        "technical",
        "deep work",
        "other",
        "busy",
        "people share",
        "target",
        "no-fly"
    );
    for w in &r.weeks {
        let share = match w.people_share {
            Some(p) => format!("{:.0}% of {}h", p * 100.0, w.working_hours),
            None => "no workdays".into(),
        };
        let target = match w.people_target_met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "-",
        };
        let x = &w.excluded;
        let mut ex = Vec::new();
        if w.partial {
            ex.push("partial week".to_owned());
        }
        for (n, label) in [
            (x.declined, "declined"),
            (x.cancelled, "cancelled"),
            (x.transparent, "free"),
            (x.allday, "all-day"),
            (x.personal, "personal"),
        ] {
            if n > 0 {
                ex.push(format!("{n} {label}"));
            }
        }
        if w.ooo_days > 0 {
            ex.push(format!(
                "{} OOO day{}",
                w.ooo_days,
                if w.ooo_days == 1 { "" } else { "s" }
            ));
        }
        let _ = writeln!(
            s,
            "{:<9} {:<10} {:>7} {:>9} {:>9} {:>7} {:>7} {:>14} {:<6} {:>6}  {}",
            w.week,
            date_string(w.week_start),
            hours(w.seconds[Category::People]),
            hours(w.seconds[Category::Technical]),
            hours(w.seconds[Category::DeepWork]),
            hours(w.seconds[Category::Other]),
            hours(w.busy_seconds),
            share,
            target,
            w.no_fly_violations,
            if ex.is_empty() {
                "-".into()
            } else {
                ex.join(", ")
            }
        );
    }
    s
}

fn rid_string(r: Option<RecurrenceId>) -> Value {
    match r {
        None => Value::Null,
        Some(RecurrenceId::Date(d)) => json!(date_string(d)),
        Some(RecurrenceId::Utc(t)) => json!(utc_string(t.and_utc())),
    }
}

fn start_end(row: &Row) -> (String, String) {
    match row.occ.time {
        OccurrenceTime::Timed { start, end } => (utc_string(start), utc_string(end)),
        OccurrenceTime::AllDay { start, end } => (date_string(start), date_string(end)),
    }
}

/// One JSON object per occurrence (the `occurrences --format jsonl` contract).
pub fn occurrence_json(a: &Analysis, row: &Row) -> Value {
    let ev = a.event(row);
    let (start, end) = start_end(row);
    json!({
        "feed": a.feeds[row.feed as usize],
        "uid": if ev.uid.is_empty() { Value::Null } else { json!(ev.uid) },
        "recurrence_id": rid_string(row.occ.recurrence_id),
        "summary": ev.summary,
        "start": start,
        "end": end,
        "allday": row.occ.is_allday(),
        "floating": row.occ.floating,
        "status": ev.status,
        "transp": ev.transp,
        "attendees": ev.attendees.iter().map(|x| json!({"addr": x.raw(), "partstat": x.partstat_raw()})).collect::<Vec<_>>(),
        "category": row.label(),
        "rule": a.rule_name(row),
        "counted": a.counted(row),
        "excluded": row.excluded.map(|x| x.as_str()),
    })
}

pub fn occurrences_jsonl(a: &Analysis) -> String {
    let mut s = String::new();
    for row in &a.rows {
        s.push_str(&occurrence_json(a, row).to_string());
        s.push('\n');
    }
    s
}

/// How wide the explain table's rule column gets: a fallback's reasons (`fallback: "sync" +
/// one other person`) are longer, and end in "…" there (`--format jsonl` has them whole).
pub const RULE_WIDTH: usize = 32;
/// How wide a title gets in a table before it ends in "…" (the last column, so a long title
/// cannot push others; it keeps a line on a terminal).
pub const TITLE_WIDTH: usize = 60;

/// `text` in exactly `width` terminal cells: shorter text is padded with spaces, longer text
/// cut and ended with "…". A wide (CJK) character takes two cells, a combining mark none, so
/// columns line up whatever the language of the titles.
///
/// # Example
/// ```
/// use calaudit::report::render::fit;
/// assert_eq!(fit("standup", 9), "standup  ");
/// assert_eq!(fit("fallback: sync", 9), "fallback…");
/// assert_eq!(fit("定例会議", 9), "定例会議 ");
/// assert_eq!(fit("定例会議です", 9), "定例会議…");
/// assert_eq!(fit("定例会議です", 8), "定例会… ");
/// ```
pub fn fit(text: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    let cells = text.width();
    let mut s;
    let used = if cells <= width {
        s = text.to_owned();
        cells
    } else {
        // Room for "…": keep whole characters while they fit in width - 1 cells.
        s = String::new();
        let mut used = 0;
        for c in text.chars() {
            let w = c.width().unwrap_or(0);
            if used + w + 1 > width {
                break;
            }
            s.push(c);
            used += w;
        }
        s.push('…');
        used + 1
    };
    s.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    s
}

/// `text` cut to at most `width` cells with "…", not padded (a table's last column).
pub fn clip(text: &str, width: usize) -> String {
    fit(text, width).trim_end_matches(' ').to_owned()
}

/// The explain view: when (weekday, date and local time on one line), length, category, the
/// rule that decided it, and whether it counts. Columns have fixed widths ([`RULE_WIDTH`],
/// [`TITLE_WIDTH`]) so they line up whatever the text.
pub fn occurrences_table(a: &Analysis, tz: chrono_tz::Tz) -> String {
    let mut s = String::new();
    let rule_width = a
        .rows
        .iter()
        .map(|r| unicode_width::UnicodeWidthStr::width(a.rule_name(r)))
        .max()
        .unwrap_or(0)
        .clamp("rule".len(), RULE_WIDTH);
    let counts_width = a
        .rows
        .iter()
        .map(|r| r.excluded.map_or(3, |x| 3 + x.as_str().len()))
        .max()
        .unwrap_or(0)
        .max("counts".len());
    let _ = writeln!(
        s,
        "{:<22} {:>6} {:<10} {} {} summary",
        "start (local)",
        "length",
        "category",
        fit("rule", rule_width),
        fit("counts", counts_width)
    );
    for row in &a.rows {
        let ev = a.event(row);
        let (when, len) = match row.occ.time {
            OccurrenceTime::Timed { start, end } => (
                start
                    .with_timezone(&tz)
                    .format("%a %Y-%m-%d %H:%M")
                    .to_string(),
                format!("{}m", (end - start).num_minutes()),
            ),
            OccurrenceTime::AllDay { start, end } => (
                format!("{} all-day", start.format("%a %Y-%m-%d")),
                format!("{}d", (end - start).num_days()),
            ),
        };
        let counts = match row.excluded {
            None => "yes".to_owned(),
            Some(x) => format!("no:{}", x.as_str()),
        };
        // A title is a stranger's text on a terminal: one line, no escape sequences.
        let summary = crate::untrusted::shown(
            &ev.summary
                .as_deref()
                .unwrap_or("(no title)")
                .replace(['\n', '\r'], " "),
        );
        let _ = writeln!(
            s,
            "{:<22} {:>6} {:<10} {} {} {}",
            when,
            len,
            row.label(),
            fit(&crate::untrusted::shown(a.rule_name(row)), rule_width),
            fit(&counts, counts_width),
            clip(&summary, TITLE_WIDTH)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    //! The direct JSON writer against the `serde_json::Value` tree it replaced.
    use super::*;
    use crate::report::week::{ExcludedCounts, WeekSummary};
    use crate::report::Window;

    /// Minutes as the corpus writes them: an integer when exact, else rounded to 4 places.
    fn minutes(seconds: i64) -> Value {
        if seconds % 60 == 0 {
            json!(seconds / 60)
        } else {
            json!(minutes_f64(seconds))
        }
    }

    /// The old renderer's own copy of the rounding, so the test does not share it.
    fn minutes_f64(seconds: i64) -> f64 {
        ((seconds as f64 / 60.0) * 10_000.0).round() / 10_000.0
    }

    fn week_json(w: &WeekSummary) -> Value {
        let mut m = serde_json::Map::new();
        for (c, s) in w.seconds.iter() {
            m.insert(c.as_str().to_owned(), minutes(*s));
        }
        json!({
            "week": w.week,
            "week_start": date_string(w.week_start),
            "busy_minutes": minutes(w.busy_seconds),
            "busy_seconds": w.busy_seconds,
            "minutes": m,
            "working_hours": w.working_hours,
            "ooo_days": w.ooo_days,
            "people_share": w.people_share.map(|s| (s * 10_000.0).round() / 10_000.0),
            "people_target_met": w.people_target_met,
            "excluded": w.excluded,
            "no_fly_violations": w.no_fly_violations,
            "focus_blocks": w.focus_blocks,
            "longest_free_minutes": w.longest_free_minutes,
            "switches": w.switches,
            "reactive_share": w.reactive_share.map(|s| (s * 10_000.0).round() / 10_000.0),
            "partial": w.partial,
            "no_working_time": w.working_hours <= 0.0,
        })
    }

    /// The renderer `report_json` replaced: a `Value` tree, then `to_string_pretty`.
    fn report_json_via_value(r: &Report) -> String {
        let v = json!({
            "tz": r.window.tz.name(),
            "from": date_string(r.window.from),
            "to": date_string(r.window.to),
            "week_hours": r.week_hours,
            "people_target": r.people_target,
            "weeks": r.weeks.iter().map(week_json).collect::<Vec<_>>(),
        });
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }

    fn week(n: u32, secs: [i64; 4], share: Option<f64>, hours: f64) -> WeekSummary {
        let mut each = secs.into_iter();
        let seconds = crate::classify::PerCategory::from_fn(|_| each.next().unwrap_or(0));
        WeekSummary {
            week: format!("2026-W{n:02}"),
            week_start: NaiveDate::from_isoywd_opt(2026, n, chrono::Weekday::Mon)
                .expect("valid week"),
            busy_seconds: secs.iter().sum(),
            seconds,
            working_hours: hours,
            ooo_days: n % 3,
            people_share: share,
            people_target_met: share.map(|s| s >= 0.3),
            excluded: ExcludedCounts {
                declined: n,
                cancelled: 2 * n,
                transparent: 0,
                allday: 7,
                personal: n % 2,
            },
            no_fly_violations: n % 2,
            focus_blocks: n,
            longest_free_minutes: i64::from(n) * 37,
            switches: 3 * n,
            reactive_share: share.map(|s| s / 3.0),
            partial: false,
        }
    }

    #[test]
    fn report_json_matches_value_tree() {
        let window = Window {
            tz: chrono_tz::Tz::Europe__Berlin,
            from: NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date"),
            to: NaiveDate::from_ymd_opt(2026, 3, 1).expect("valid date"),
        };
        let mut r = Report {
            window,
            week_hours: 40.0,
            people_target: 0.3,
            weeks: Vec::new(),
        };
        // No weeks at all: `"weeks": []`.
        assert_eq!(report_json(&r), report_json_via_value(&r));
        r.week_hours = 37.5;
        r.people_target = 1.0 / 3.0;
        r.weeks = vec![
            week(1, [0, 0, 0, 0], None, 0.0),
            week(2, [3600, 61, 7, 59 * 60 + 1], Some(0.123_456_78), 32.0),
            week(3, [1, 2, 3, 4], Some(f64::NAN), 8.25),
            week(4, [-90, 1_000_000_007, 120, 0], Some(1e-7), 40.0),
            week(5, [86_400 * 365, 30, 45, 0], Some(2.5), 1e21),
        ];
        assert_eq!(report_json(&r), report_json_via_value(&r));
    }
}
