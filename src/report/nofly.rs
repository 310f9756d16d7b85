//! Protected time and the meetings that break it.
//!
//! Protected time is every no-fly window from the config (weekdays + local start/end in a
//! zone) and, when enabled, every counted deep-work occurrence. A counted meeting (anything not
//! itself deep work) that overlaps protected time by at least `min_overlap` is a violation. Pure
//! functions: the daemon uses them for alerts, `report` and `charts` for weekly counts.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

use crate::ics::zone::Zone;

/// A recurring protected window, e.g. Tue and Thu 09:00–12:00 in America/Los_Angeles.
#[derive(Clone, Debug, PartialEq)]
pub struct NoFlyWindow {
    pub days: Vec<Weekday>,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub tz: chrono_tz::Tz,
}

/// Where a protected interval comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProtectedSource {
    /// Index into the configured no-fly windows.
    Window(usize),
    /// A deep-work block: index of its row in the analysis.
    Block(usize),
}

/// One concrete protected interval (UTC).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Protected {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub source: ProtectedSource,
}

/// One protected interval a meeting breaks, and the stretch they share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Break {
    pub protected: Protected,
    /// The overlapping stretch (UTC).
    pub overlap_start: DateTime<Utc>,
    pub overlap_end: DateTime<Utc>,
}

/// A meeting overlapping protected time: one violation per meeting, however many protected
/// intervals it breaks (issue 11 item 3), so `/api/violations`, the weeks' counts, the charts
/// and the alerts all count it once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Row index of the meeting in the analysis.
    pub meeting: usize,
    /// Every protected interval it breaks by at least `min_overlap`, earliest first (by
    /// start, then end); never empty.
    pub breaks: Vec<Break>,
}

impl Violation {
    /// The earliest protected interval broken. Alert keys name it, as they did when each
    /// interval was its own alert, so a store's open alerts keep their keys.
    pub fn first(&self) -> &Protected {
        &self.breaks[0].protected
    }

    /// Seconds of the meeting inside protected time: the union of the overlaps, so a
    /// stretch that is both a no-fly window and a deep-work block counts once.
    pub fn overlap_seconds(&self) -> i64 {
        let mut total = 0;
        let mut reach: Option<DateTime<Utc>> = None;
        let mut spans: Vec<(DateTime<Utc>, DateTime<Utc>)> = self
            .breaks
            .iter()
            .map(|b| (b.overlap_start, b.overlap_end))
            .collect();
        spans.sort();
        for (s, e) in spans {
            let s = reach.map_or(s, |r| s.max(r));
            if e > s {
                total += (e - s).num_seconds();
            }
            reach = Some(reach.map_or(e, |r| r.max(e)));
        }
        total
    }
}

/// The concrete intervals of `windows` between two UTC instants.
pub fn window_intervals(
    windows: &[NoFlyWindow],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<Protected> {
    let mut out: Vec<Protected> = Vec::new();
    for (i, w) in windows.iter().enumerate() {
        if w.end <= w.start {
            continue;
        }
        let zone = Zone::Iana(w.tz);
        // Local dates covering the UTC range, with a day of slack for offsets.
        let first: NaiveDate = zone.to_local(from.naive_utc()).date() - Duration::days(1);
        let last: NaiveDate = zone.to_local(to.naive_utc()).date() + Duration::days(1);
        // `end = "24:00"` is read as 23:59:59; it means the next midnight.
        let to_midnight = w.end == NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        // This window's last interval in `out`: a day's interval that starts where the day
        // before ended (a window through midnight on consecutive days) extends it, so a
        // meeting across midnight breaks one protected block, not two.
        let mut previous: Option<usize> = None;
        let mut d = first;
        while d <= last {
            if w.days.contains(&d.weekday()) {
                let s = zone.instant(d.and_time(w.start));
                let e = if to_midnight {
                    zone.instant((d + Duration::days(1)).and_time(NaiveTime::MIN))
                } else {
                    zone.instant(d.and_time(w.end))
                };
                if e > from && s < to && e > s {
                    match previous.and_then(|k| out.get_mut(k)) {
                        Some(p) if p.end == s => p.end = e,
                        _ => {
                            previous = Some(out.len());
                            out.push(Protected {
                                start: s,
                                end: e,
                                source: ProtectedSource::Window(i),
                            });
                        }
                    }
                }
            }
            d += Duration::days(1);
        }
    }
    out.sort_by_key(|p| (p.start, p.end));
    out
}

/// Meetings (row index, start, end) against protected intervals: each meeting that overlaps
/// protected time by at least `min_overlap` seconds in some interval is one [`Violation`]
/// listing every such interval. Violations come in the order of `meetings`.
pub fn violations(
    meetings: &[(usize, DateTime<Utc>, DateTime<Utc>)],
    protected: &[Protected],
    min_overlap: i64,
) -> Vec<Violation> {
    let mut prot: Vec<&Protected> = protected.iter().collect();
    prot.sort_by_key(|p| (p.start, p.end));
    let max_len = prot
        .iter()
        .map(|p| p.end - p.start)
        .max()
        .unwrap_or_else(Duration::zero);
    let mut out = Vec::new();
    for &(idx, s, e) in meetings {
        if e <= s {
            continue;
        }
        // Only intervals starting before the meeting ends and not long before it starts.
        // The bound is computed once, not at every probe of the search: chrono's date
        // arithmetic was most of this function's cost.
        let floor = s - max_len;
        let lo = prot.partition_point(|p| p.start < floor);
        let breaks: Vec<Break> = prot[lo..]
            .iter()
            .take_while(|p| p.start < e)
            .filter_map(|p| {
                let (os, oe) = (s.max(p.start), e.min(p.end));
                (oe > os && (oe - os).num_seconds() >= min_overlap.max(1)).then(|| Break {
                    protected: (*p).clone(),
                    overlap_start: os,
                    overlap_end: oe,
                })
            })
            .collect();
        if !breaks.is_empty() {
            out.push(Violation {
                meeting: idx,
                breaks,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
            .expect("test time")
            .and_utc()
    }

    fn tue_thu_morning() -> NoFlyWindow {
        NoFlyWindow {
            days: vec![Weekday::Tue, Weekday::Thu],
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
            end: NaiveTime::from_hms_opt(12, 0, 0).expect("time"),
            tz: chrono_tz::America::Los_Angeles,
        }
    }

    /// A window to midnight on consecutive days is one block: a meeting across midnight
    /// breaks it once (it was two violations, one per day).
    #[test]
    fn a_window_through_midnight_is_one_block() {
        let all_week = NoFlyWindow {
            days: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
                Weekday::Sat,
                Weekday::Sun,
            ],
            start: NaiveTime::MIN,
            end: NaiveTime::from_hms_opt(23, 59, 59).expect("24:00 as read"),
            tz: chrono_tz::UTC,
        };
        let p = window_intervals(&[all_week], t("2026-03-02 00:00"), t("2026-03-05 00:00"));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            (p[0].start, p[0].end),
            (t("2026-03-02 00:00"), t("2026-03-05 00:00"))
        );
        let v = violations(&[(7, t("2026-03-03 23:30"), t("2026-03-04 00:30"))], &p, 60);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!(v[0].breaks.len(), 1, "{v:?}");
        assert_eq!(v[0].overlap_seconds(), 3600);
    }

    #[test]
    fn windows_follow_local_time_across_dst() {
        // Week of 2026-03-02 (PST) and of 2026-03-09 (PDT).
        let p = window_intervals(
            &[tue_thu_morning()],
            t("2026-03-02 00:00"),
            t("2026-03-16 00:00"),
        );
        let starts: Vec<String> = p.iter().map(|x| x.start.naive_utc().to_string()).collect();
        assert_eq!(
            starts,
            [
                "2026-03-03 17:00:00",
                "2026-03-05 17:00:00",
                "2026-03-10 16:00:00",
                "2026-03-12 16:00:00"
            ]
        );
    }

    #[test]
    fn min_overlap_and_edges() {
        let p = window_intervals(
            &[tue_thu_morning()],
            t("2026-03-02 00:00"),
            t("2026-03-09 00:00"),
        );
        let meetings = [
            (0, t("2026-03-03 16:00"), t("2026-03-03 17:05")), // 5 min into the window
            (1, t("2026-03-03 19:30"), t("2026-03-03 20:30")), // 30 min (11:30-12:00 local)
            (2, t("2026-03-03 20:00"), t("2026-03-03 21:00")), // touches the end only
            (3, t("2026-03-04 17:00"), t("2026-03-04 18:00")), // Wednesday
        ];
        let v = violations(&meetings, &p, 600);
        assert_eq!(v.len(), 1);
        assert_eq!((v[0].meeting, v[0].overlap_seconds()), (1, 1800));
        assert_eq!(violations(&meetings, &p, 60).len(), 2);
    }

    /// Issue 11 item 3: a meeting breaking a no-fly window and a deep-work block is one
    /// violation listing both (it was two), earliest block first, and its overlap is the
    /// union (the stretch inside both counts once).
    #[test]
    fn a_meeting_breaking_two_blocks_is_one_violation_listing_both() {
        let mut p = window_intervals(
            &[tue_thu_morning()],
            t("2026-03-02 00:00"),
            t("2026-03-09 00:00"),
        );
        // A deep-work block Tue 10:00–13:00 local (18:00–21:00 UTC), beside the window.
        p.push(Protected {
            start: t("2026-03-03 18:00"),
            end: t("2026-03-03 21:00"),
            source: ProtectedSource::Block(4),
        });
        // Tue 11:00–12:30 local: inside the window 11:00–12:00 and the block 11:00–12:30.
        let v = violations(
            &[(9, t("2026-03-03 19:00"), t("2026-03-03 20:30"))],
            &p,
            600,
        );
        assert_eq!(v.len(), 1, "{v:?}");
        let sources: Vec<&ProtectedSource> =
            v[0].breaks.iter().map(|b| &b.protected.source).collect();
        assert_eq!(
            sources,
            [&ProtectedSource::Window(0), &ProtectedSource::Block(4)]
        );
        assert_eq!(v[0].first().start, t("2026-03-03 17:00"));
        assert_eq!(v[0].overlap_seconds(), 90 * 60);
    }
}
