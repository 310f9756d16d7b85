//! Output formats: the weekly report as a table, JSON or CSV; occurrences as a table or JSON
//! lines. The JSON shapes are a contract (documented in the README): other tools read them.

use std::fmt::Write as _;

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::{json, Value};

use super::week::{Report, WeekRow, CATEGORIES};
use crate::ics::expand::{OccurrenceTime, RecurrenceId};
use crate::pipeline::{Analysis, Row};

pub fn utc_string(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn date_string(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Minutes as the corpus writes them: an integer when exact, else rounded to 4 places.
fn minutes(seconds: i64) -> Value {
    if seconds % 60 == 0 {
        json!(seconds / 60)
    } else {
        json!(((seconds as f64 / 60.0) * 10_000.0).round() / 10_000.0)
    }
}

fn week_json(w: &WeekRow) -> Value {
    let mut m = serde_json::Map::new();
    for c in CATEGORIES {
        m.insert(c.as_str().to_owned(), minutes(w.category_seconds(c)));
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
    })
}

/// A week in whole minutes: what the dashboard API serves and the daemon's history records.
pub fn week_summary_json(w: &WeekRow) -> Value {
    json!({
        "week": w.week,
        "week_start": date_string(w.week_start),
        "busy_minutes": w.busy_seconds / 60,
        "minutes": {
            "people": w.seconds[0] / 60,
            "technical": w.seconds[1] / 60,
            "deep_work": w.seconds[2] / 60,
            "other": w.seconds[3] / 60,
        },
        "working_hours": w.working_hours,
        "people_share": w.people_share,
        "people_target_met": w.people_target_met,
        "no_fly_violations": w.no_fly_violations,
    })
}

pub fn report_json(r: &Report) -> String {
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

pub fn report_csv(r: &Report) -> String {
    let mut s = String::from("week,week_start,people_min,technical_min,deep_work_min,other_min,busy_min,working_hours,people_share,people_target_met,declined,cancelled,transparent,allday,no_fly_violations\n");
    for w in &r.weeks {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            w.week,
            date_string(w.week_start),
            w.seconds[0] / 60,
            w.seconds[1] / 60,
            w.seconds[2] / 60,
            w.seconds[3] / 60,
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
        );
    }
    s
}

fn hours(seconds: i64) -> String {
    format!("{:.1}h", seconds as f64 / 3600.0)
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
        for (n, label) in [
            (x.declined, "declined"),
            (x.cancelled, "cancelled"),
            (x.transparent, "free"),
            (x.allday, "all-day"),
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
            hours(w.seconds[0]),
            hours(w.seconds[1]),
            hours(w.seconds[2]),
            hours(w.seconds[3]),
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
        Some(RecurrenceId::Utc(t)) => json!(utc_string(t)),
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
        "attendees": ev.attendees.iter().map(|x| json!({"addr": x.raw(), "partstat": x.partstat_raw})).collect::<Vec<_>>(),
        "category": row.category.as_str(),
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

/// The explain view: when, what, category and the rule that decided it, and whether it counts.
pub fn occurrences_table(a: &Analysis, tz: chrono_tz::Tz) -> String {
    use chrono::TimeZone;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<16} {:>6} {:<10} {:<24} {:<12} summary",
        "start (local)", "length", "category", "rule", "counts"
    );
    for row in &a.rows {
        let ev = a.event(row);
        let (when, len) = match row.occ.time {
            OccurrenceTime::Timed { start, end } => (
                tz.from_utc_datetime(&start)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                format!("{}m", (end - start).num_minutes()),
            ),
            OccurrenceTime::AllDay { start, end } => (
                format!("{} all-day", start.format("%Y-%m-%d")),
                format!("{}d", (end - start).num_days()),
            ),
        };
        let counts = match row.excluded {
            None => "yes".to_owned(),
            Some(x) => format!("no:{}", x.as_str()),
        };
        let summary: String = ev
            .summary
            .as_deref()
            .unwrap_or("(no title)")
            .replace(['\n', '\r'], " ");
        let _ = writeln!(
            s,
            "{:<16} {:>6} {:<10} {:<24} {:<12} {}",
            when,
            len,
            row.category.as_str(),
            a.rule_name(row),
            counts,
            summary
        );
    }
    s
}
