//! [`RuleIter`]: expands a [`Rule`] period by period.
//!
//! Each period (a year, week-numbering year, month, week, day, or sub-daily step) is turned
//! into a sorted list of candidate dates and a sorted list of times of day. The period's
//! instances are their product in lexicographic order, so BYSETPOS can pick positions by
//! arithmetic without building the product, and the buffers are reused from period to period:
//! the hot loop allocates nothing.
//!
//! Every BYxxx part that is not the period's own source acts as a filter on a candidate date,
//! which gives the RFC 5545 3.3.10 expand/limit table: expanding parts combine as an
//! intersection (a date must satisfy all of them) and limiting parts drop dates.

use chrono::{Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Timelike, Weekday};

use super::cal;
use super::rule::{Freq, Rule};

/// Consecutive periods without an instance after which the search gives up. For calendar
/// frequencies these are the lengths of the Gregorian cycle (400 years = 4800 months =
/// 20871 weeks = 146097 days): the candidate set of a period depends only on where the period
/// lies in that cycle, so after a full cycle of empty periods no later period can match.
/// Sub-daily rules get a fixed budget; their empty days and hours are skipped arithmetically,
/// so the budget only counts periods that had to be looked at one by one.
fn empty_period_limit(kind: &PeriodKind) -> u64 {
    match kind {
        PeriodKind::Year { .. } | PeriodKind::WeekYear { .. } => 400,
        PeriodKind::Month { .. } => 4800,
        PeriodKind::Week { .. } => 20_871,
        PeriodKind::Day { .. } => 146_097,
        PeriodKind::Sub { .. } => 1 << 20,
    }
}

/// Where period `n` lies: `base` is period 0 (the one containing DTSTART).
#[derive(Debug, Clone, Copy)]
enum PeriodKind {
    /// Calendar years.
    Year {
        base: i32,
    },
    /// Week-numbering years (YEARLY with BYWEEKNO): from week 1 to the last week under WKST.
    WeekYear {
        base: i32,
    },
    /// Months, as [`cal::month_index`].
    Month {
        base: i64,
    },
    /// Weeks, `base` being the WKST day of DTSTART's week.
    Week {
        base: NaiveDate,
    },
    Day {
        base: NaiveDate,
    },
    /// HOURLY, MINUTELY, SECONDLY: `base` is DTSTART, `unit` the frequency's length in seconds.
    Sub {
        base: NaiveDateTime,
        unit: i64,
    },
}

/// How BYDAY ordinals (`2MO`, `-1FR`) are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrdinalScope {
    Month,
    Year,
}

/// The date-level BYxxx parts of a rule, with DTSTART's defaults filled in, as bitmasks.
#[derive(Debug, Clone)]
struct DateFilter {
    /// Bit `m` for month m (1..=12).
    months: u16,
    /// Bit `d` for BYMONTHDAY=d, and in `month_days_neg` bit `d` for BYMONTHDAY=-d.
    month_days_pos: u32,
    month_days_neg: u32,
    has_month_days: bool,
    year_days_pos: [u64; 6],
    year_days_neg: [u64; 6],
    has_year_days: bool,
    week_nos_pos: u64,
    week_nos_neg: u64,
    /// False when BYWEEKNO is absent, or when it is the period's own source.
    check_week_nos: bool,
    /// Bit `Weekday::num_days_from_monday` for plain BYDAY entries.
    weekdays: u8,
    /// BYDAY entries with an ordinal, when the frequency gives ordinals a meaning.
    ordinal_days: Vec<(i8, Weekday)>,
    has_weekdays: bool,
    scope: OrdinalScope,
    wkst: Weekday,
}

fn bit_set(mask: &[u64; 6], i: u32) -> bool {
    mask.get((i / 64) as usize)
        .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

impl DateFilter {
    fn matches(&self, d: NaiveDate) -> bool {
        let (year, month, day) = (d.year(), d.month(), d.day());
        if self.months & (1 << month) == 0 {
            return false;
        }
        if self.has_month_days {
            let from_end = cal::days_in_month(year, month) + 1 - day;
            if self.month_days_pos & (1 << day) == 0 && self.month_days_neg & (1 << from_end) == 0 {
                return false;
            }
        }
        if self.has_year_days {
            let ord = d.ordinal();
            let from_end = cal::days_in_year(year) + 1 - ord;
            if !bit_set(&self.year_days_pos, ord) && !bit_set(&self.year_days_neg, from_end) {
                return false;
            }
        }
        if self.has_weekdays && !self.weekday_matches(d) {
            return false;
        }
        if self.check_week_nos {
            let Some((wy, week)) = cal::week_of(d, self.wkst) else {
                return false;
            };
            let Some(weeks) = cal::weeks_in_year(wy, self.wkst) else {
                return false;
            };
            if self.week_nos_pos & (1 << week) == 0
                && self.week_nos_neg & (1 << (weeks + 1 - week)) == 0
            {
                return false;
            }
        }
        true
    }

    fn weekday_matches(&self, d: NaiveDate) -> bool {
        let wd = d.weekday();
        if self.weekdays & (1 << wd.num_days_from_monday()) != 0 {
            return true;
        }
        if self.ordinal_days.is_empty() {
            return false;
        }
        let (index, len) = match self.scope {
            OrdinalScope::Month => (d.day(), cal::days_in_month(d.year(), d.month())),
            OrdinalScope::Year => (d.ordinal(), cal::days_in_year(d.year())),
        };
        // The n-th such weekday counted from the start, and from the end, of the scope.
        let nth = ((index - 1) / 7 + 1) as i32;
        let nth_from_end = ((len - index) / 7 + 1) as i32;
        self.ordinal_days
            .iter()
            .any(|&(ord, w)| w == wd && (i32::from(ord) == nth || i32::from(ord) == -nth_from_end))
    }
}

/// Instances of one [`Rule`] in ascending local wall-clock time; see [`Rule::iter`].
#[derive(Debug, Clone)]
pub struct RuleIter {
    kind: PeriodKind,
    interval: i64,
    /// DTSTART (whole seconds): nothing earlier is an instance, and COUNT counts from here.
    dtstart: NaiveDateTime,
    /// Instances before this are counted but not yielded.
    from: Option<NaiveDateTime>,
    until: Option<NaiveDateTime>,
    /// Instances COUNT still allows; `None` without COUNT.
    remaining: Option<u32>,
    filter: DateFilter,
    /// Candidate dates for the periods that take them from a list rather than a scan.
    months: Vec<u32>,
    month_days: Vec<i32>,
    year_days: Vec<i32>,
    week_nos: Vec<i32>,
    /// Times within the period's smallest unit, in seconds from its start (from midnight for
    /// DAILY and longer), sorted.
    times: Vec<u32>,
    /// Sub-daily limits: bit per allowed hour, minute, second (all set when unrestricted).
    hours: u32,
    minutes: u64,
    seconds: u64,
    set_pos: Vec<i32>,

    /// Index of the current period.
    n: i64,
    loaded: bool,
    /// The current period's candidate dates, sorted (reused buffer).
    dates: Vec<NaiveDate>,
    /// Seconds from midnight to the start of the current sub-daily period's unit.
    time_base: u32,
    /// With BYSETPOS: the selected positions of the current period, sorted (reused buffer).
    selected: Vec<u64>,
    /// Next position (into the product, or into `selected`) to look at.
    cursor: u64,
    found_in_period: bool,
    empty_run: u64,
    done: bool,
    /// Steps taken so far: one per period looked at or candidate considered (see
    /// [`RuleIter::with_budget`]).
    steps: u64,
    /// Steps allowed before the iterator gives up (`u64::MAX`: no limit).
    budget: u64,
    /// Whether it gave up because the budget ran out.
    out_of_budget: bool,
}

/// What loading a period produced.
enum Load {
    Ready,
    Empty,
    /// Nothing can match before period `n`.
    SkipTo(i64),
    End,
}

impl Rule {
    /// Instances of the rule alone, as local wall-clock times, strictly ascending, all
    /// `>= dtstart`.
    ///
    /// - DTSTART is not added when it does not match the rule; the event layer does that
    ///   (RFC 5545 3.8.5.3). COUNT counts the rule's own instances from `dtstart`.
    /// - The rule's UNTIL is *not* applied: `until` is UNTIL already converted by the caller to
    ///   the event's wall-clock time, and is inclusive.
    /// - `from`: instances before it are not yielded. Without COUNT the iterator starts at the
    ///   period containing `from` by arithmetic on the interval, so the cost does not depend on
    ///   how long ago DTSTART was. With COUNT the instances before `from` are still counted:
    ///   by arithmetic when every period holds as many (plain DAILY/WEEKLY/sub-daily rules,
    ///   whose COUNT can be in the billions), else period by period, not instance by instance.
    /// - `date_only` (DTSTART was a DATE): BYHOUR/BYMINUTE/BYSECOND are ignored, as libical
    ///   does, and every instance keeps DTSTART's time (midnight). A sub-daily FREQ is treated
    ///   as DAILY whose interval is the rule's period in whole days, at least one
    ///   (`FREQ=HOURLY;INTERVAL=48` is every other day, `FREQ=HOURLY;INTERVAL=5` every day).
    ///
    /// The iterator ends, rather than searching forever, after a full 400-year Gregorian cycle
    /// of empty periods (2^20 for sub-daily rules), past year 9999, or on arithmetic overflow.
    pub fn iter(
        &self,
        dtstart: NaiveDateTime,
        date_only: bool,
        until: Option<NaiveDateTime>,
        from: Option<NaiveDateTime>,
    ) -> RuleIter {
        RuleIter::new(self, dtstart, date_only, until, from)
    }
}

fn mask_of(values: &[u8], width: u32) -> u64 {
    if values.is_empty() {
        return u64::MAX >> (64 - width);
    }
    values
        .iter()
        .filter(|&&v| u32::from(v) < width)
        .fold(0, |m, &v| m | 1u64 << v)
}

impl RuleIter {
    fn new(
        rule: &Rule,
        dtstart: NaiveDateTime,
        date_only: bool,
        until: Option<NaiveDateTime>,
        from: Option<NaiveDateTime>,
    ) -> RuleIter {
        let dtstart = dtstart.with_nanosecond(0).unwrap_or(dtstart);
        let start_date = dtstart.date();
        let mut interval = i64::from(rule.interval);

        // A DATE has no time of day to step through; see `Rule::iter`.
        let mut freq = rule.freq;
        if date_only {
            if let Some(unit) = freq.sub_daily_seconds() {
                interval = (interval * unit / 86_400).max(1);
                freq = Freq::Daily;
            }
        }

        let has_month = !rule.by_month.is_empty();
        let has_month_days = !rule.by_month_day.is_empty();
        let has_year_days = !rule.by_year_day.is_empty();
        let has_week_nos = !rule.by_week_no.is_empty();
        let has_weekdays = !rule.by_day.is_empty();
        let week_year_mode = freq == Freq::Yearly && has_week_nos;

        // Defaults from DTSTART (RFC 5545 3.3.10: information not in the rule comes from
        // DTSTART). Which parts count as "specifying the day" follows libical; see
        // docs/rrule-choices.md.
        let mut months: Vec<u32> = rule.by_month.iter().map(|&m| u32::from(m)).collect();
        let mut month_days: Vec<i32> = rule.by_month_day.iter().map(|&d| i32::from(d)).collect();
        let mut by_day = rule.by_day.clone();
        let default_weekday = super::WeekdayNum {
            ordinal: None,
            weekday: start_date.weekday(),
        };
        // True when some part already says which day(s) of the period are meant.
        let day_given = has_weekdays || has_month_days || has_year_days || has_week_nos;
        match freq {
            Freq::Yearly
                if week_year_mode && !has_weekdays && !has_month_days && !has_year_days =>
            {
                by_day.push(default_weekday);
            }
            Freq::Yearly if !week_year_mode && !day_given => {
                month_days.push(start_date.day() as i32);
                if !has_month {
                    months.push(start_date.month());
                }
            }
            Freq::Yearly if !week_year_mode && has_month_days && !has_month && !has_year_days => {
                // "FREQ=YEARLY;BYMONTHDAY=29" is the 29th of DTSTART's month (libical).
                months.push(start_date.month());
            }
            Freq::Monthly if !day_given => month_days.push(start_date.day() as i32),
            Freq::Weekly if !day_given => by_day.push(default_weekday),
            _ => {}
        }
        if months.is_empty() {
            months = (1..=12).collect();
        }

        // Ordinals mean "n-th in the month" for MONTHLY and YEARLY+BYMONTH, "n-th in the
        // year" for YEARLY; RFC 5545 forbids them elsewhere, so there they are ignored.
        let scope = match freq {
            Freq::Monthly => Some(OrdinalScope::Month),
            Freq::Yearly if week_year_mode => None,
            Freq::Yearly if has_month => Some(OrdinalScope::Month),
            Freq::Yearly => Some(OrdinalScope::Year),
            _ => None,
        };
        let mut weekdays = 0u8;
        let mut ordinal_days = Vec::new();
        for wd in &by_day {
            match (wd.ordinal, scope) {
                (Some(ord), Some(_)) => ordinal_days.push((ord, wd.weekday)),
                _ => weekdays |= 1 << wd.weekday.num_days_from_monday(),
            }
        }

        let mut filter = DateFilter {
            months: months.iter().fold(0, |m, &v| m | 1 << v),
            month_days_pos: 0,
            month_days_neg: 0,
            has_month_days: !month_days.is_empty(),
            year_days_pos: [0; 6],
            year_days_neg: [0; 6],
            has_year_days,
            week_nos_pos: 0,
            week_nos_neg: 0,
            check_week_nos: has_week_nos && !week_year_mode,
            weekdays,
            ordinal_days,
            has_weekdays: !by_day.is_empty(),
            scope: scope.unwrap_or(OrdinalScope::Month),
            wkst: rule.wkst,
        };
        for &d in &month_days {
            if d > 0 {
                filter.month_days_pos |= 1 << d;
            } else {
                filter.month_days_neg |= 1 << -d;
            }
        }
        let year_days: Vec<i32> = rule.by_year_day.iter().map(|&d| i32::from(d)).collect();
        for &d in &year_days {
            let (mask, i) = if d > 0 {
                (&mut filter.year_days_pos, d as u32)
            } else {
                (&mut filter.year_days_neg, (-d) as u32)
            };
            mask[(i / 64) as usize] |= 1 << (i % 64);
        }
        let week_nos: Vec<i32> = rule.by_week_no.iter().map(|&w| i32::from(w)).collect();
        for &w in &week_nos {
            if w > 0 {
                filter.week_nos_pos |= 1 << w;
            } else {
                filter.week_nos_neg |= 1 << -w;
            }
        }

        // Times of day. The period's own unit comes from the period (which is aligned to
        // DTSTART); smaller units come from BYxxx or DTSTART; larger ones limit.
        let by_seconds: Vec<u8> = rule.by_second.iter().copied().filter(|&s| s < 60).collect();
        let or_start = |list: &[u8], v: u32| -> Vec<u32> {
            if list.is_empty() {
                vec![v]
            } else {
                list.iter().map(|&x| u32::from(x)).collect()
            }
        };
        let seconds_list = if rule.by_second.is_empty() {
            vec![dtstart.second()]
        } else {
            by_seconds.iter().map(|&s| u32::from(s)).collect()
        };
        let minutes_list = or_start(&rule.by_minute, dtstart.minute());
        let hours_list = or_start(&rule.by_hour, dtstart.hour());
        let all = (u32::MAX >> 8, u64::MAX >> 4, u64::MAX >> 4);
        let (times, (hours, minutes, seconds)) = if date_only {
            (vec![dtstart.num_seconds_from_midnight()], all)
        } else {
            match freq {
                Freq::Secondly => {
                    // Not `mask_of`: BYSECOND=60 alone must allow nothing, not everything.
                    let seconds = if rule.by_second.is_empty() {
                        all.2
                    } else {
                        by_seconds.iter().fold(0, |m, &s| m | 1u64 << s)
                    };
                    let limits = (
                        mask_of(&rule.by_hour, 24) as u32,
                        mask_of(&rule.by_minute, 60),
                        seconds,
                    );
                    (vec![0], limits)
                }
                Freq::Minutely => (
                    seconds_list.clone(),
                    (
                        mask_of(&rule.by_hour, 24) as u32,
                        mask_of(&rule.by_minute, 60),
                        all.2,
                    ),
                ),
                Freq::Hourly => {
                    let mut t = Vec::with_capacity(minutes_list.len() * seconds_list.len());
                    for &m in &minutes_list {
                        for &s in &seconds_list {
                            t.push(m * 60 + s);
                        }
                    }
                    (t, (mask_of(&rule.by_hour, 24) as u32, all.1, all.2))
                }
                _ => {
                    let mut t = Vec::with_capacity(
                        hours_list.len() * minutes_list.len() * seconds_list.len(),
                    );
                    for &h in &hours_list {
                        for &m in &minutes_list {
                            for &s in &seconds_list {
                                t.push(h * 3600 + m * 60 + s);
                            }
                        }
                    }
                    (t, all)
                }
            }
        };

        let kind = match freq {
            Freq::Yearly if week_year_mode => {
                cal::week_of(start_date, rule.wkst).map(|(base, _)| PeriodKind::WeekYear { base })
            }
            Freq::Yearly => Some(PeriodKind::Year {
                base: start_date.year(),
            }),
            Freq::Monthly => Some(PeriodKind::Month {
                base: cal::month_index(start_date.year(), start_date.month()),
            }),
            Freq::Weekly => {
                cal::week_start(start_date, rule.wkst).map(|base| PeriodKind::Week { base })
            }
            Freq::Daily => Some(PeriodKind::Day { base: start_date }),
            Freq::Hourly | Freq::Minutely | Freq::Secondly => Some(PeriodKind::Sub {
                base: dtstart,
                unit: freq.sub_daily_seconds().unwrap_or(1),
            }),
        };

        let mut it = RuleIter {
            kind: kind.unwrap_or(PeriodKind::Day { base: start_date }),
            interval,
            dtstart,
            from,
            until,
            remaining: rule.count,
            filter,
            months,
            month_days,
            year_days,
            week_nos,
            times,
            hours,
            minutes,
            seconds,
            set_pos: rule.by_set_pos.iter().map(|&p| i32::from(p)).collect(),
            n: 0,
            loaded: false,
            dates: Vec::new(),
            time_base: 0,
            selected: Vec::new(),
            cursor: 0,
            found_in_period: false,
            empty_run: 0,
            steps: 0,
            budget: u64::MAX,
            out_of_budget: false,
            // A start outside chrono's range for week arithmetic, or a rule that can never
            // produce a time (BYSECOND=60 alone), ends at once.
            done: kind.is_none(),
        };
        if it.times.is_empty() || it.seconds == 0 {
            it.done = true;
        }
        if let Some(from) = from.filter(|&f| f > dtstart) {
            if rule.count.is_none() {
                it.n = it.period_containing(from).unwrap_or(0).max(0);
            } else {
                it.skip_counted_periods(from);
            }
        }
        it
    }

    /// Ends the iterator after `steps` steps, each one period looked at or one candidate
    /// considered: with it no rule, however absurd, costs more than the caller allows.
    /// [`RuleIter::out_of_budget`] tells whether it ended that way.
    pub fn with_budget(mut self, steps: u64) -> RuleIter {
        self.budget = steps;
        self
    }

    /// Steps taken so far (see [`RuleIter::with_budget`]).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Whether the iterator ended because its budget ran out (rather than the rule ending).
    pub fn out_of_budget(&self) -> bool {
        self.out_of_budget
    }

    /// With COUNT, instances before `from` must still be counted. When every period holds
    /// the same number of instances (plain DAILY/WEEKLY/sub-daily rules, the ones whose COUNT
    /// can be in the billions), count them by arithmetic and jump to the period of `from`.
    fn skip_counted_periods(&mut self, from: NaiveDateTime) {
        let f = &self.filter;
        let plain_days = f.months == 0x1FFE
            && !f.has_month_days
            && !f.has_year_days
            && !f.check_week_nos
            && f.ordinal_days.is_empty()
            && self.set_pos.is_empty();
        let all_times = self.hours == u32::MAX >> 8
            && self.minutes == u64::MAX >> 4
            && self.seconds == u64::MAX >> 4;
        let dates_per_period = match self.kind {
            PeriodKind::Week { .. } if plain_days => f.weekdays.count_ones(),
            PeriodKind::Day { .. } if plain_days && !f.has_weekdays => 1,
            PeriodKind::Sub { .. } if plain_days && !f.has_weekdays && all_times => 1,
            _ => return,
        };
        let Some(target) = self.period_containing(from).filter(|&n| n > 0) else {
            return;
        };
        // Period 0 may hold candidates before DTSTART, which are not instances.
        let before_start = match self.load() {
            Load::Ready => {
                self.select();
                let mut before = 0u64;
                while let Some(c) = self.next_candidate() {
                    if c >= self.dtstart {
                        break;
                    }
                    before += 1;
                }
                before
            }
            _ => return,
        };
        let per_period = u64::from(dates_per_period) * self.times.len() as u64;
        let Some(counted) = u64::try_from(target)
            .ok()
            .and_then(|t| t.checked_mul(per_period))
            .and_then(|c| c.checked_sub(before_start))
        else {
            return;
        };
        let Some(remaining) = self.remaining else {
            return;
        };
        match u64::from(remaining).checked_sub(counted) {
            Some(left) if left > 0 => {
                self.remaining = u32::try_from(left).ok();
                self.n = target;
                self.loaded = false;
            }
            _ => self.done = true,
        }
    }

    /// The index of the period that contains `t` (rounded down to the interval), or `None`
    /// on overflow.
    fn period_containing(&self, t: NaiveDateTime) -> Option<i64> {
        let steps = match self.kind {
            PeriodKind::Year { base } => i64::from(t.year()) - i64::from(base),
            PeriodKind::WeekYear { base } => {
                i64::from(cal::week_of(t.date(), self.filter.wkst)?.0) - i64::from(base)
            }
            PeriodKind::Month { base } => cal::month_index(t.year(), t.month()) - base,
            PeriodKind::Week { base } => {
                (cal::week_start(t.date(), self.filter.wkst)? - base).num_days() / 7
            }
            PeriodKind::Day { base } => (t.date() - base).num_days(),
            PeriodKind::Sub { base, unit } => {
                return Some(
                    (t - base)
                        .num_seconds()
                        .div_euclid(unit.checked_mul(self.interval)?),
                );
            }
        };
        Some(steps.div_euclid(self.interval))
    }

    /// Fills `dates` (and `time_base`) for period `self.n`.
    fn load(&mut self) -> Load {
        self.dates.clear();
        self.time_base = 0;
        let Some(offset) = self.n.checked_mul(self.interval) else {
            return Load::End;
        };
        match self.kind {
            PeriodKind::Year { base } => {
                let Some(year) = year_after(base, offset) else {
                    return Load::End;
                };
                if self.starts_after_until(NaiveDate::from_ymd_opt(year, 1, 1)) {
                    return Load::End;
                }
                self.load_year(year);
            }
            PeriodKind::WeekYear { base } => {
                let Some(year) = year_after(base, offset) else {
                    return Load::End;
                };
                let wkst = self.filter.wkst;
                let (Some(first), Some(weeks)) =
                    (cal::week1_start(year, wkst), cal::weeks_in_year(year, wkst))
                else {
                    return Load::End;
                };
                if self.starts_after_until(Some(first)) {
                    return Load::End;
                }
                for &w in &self.week_nos {
                    let w = if w > 0 { w } else { weeks as i32 + 1 + w };
                    if !(1..=weeks as i32).contains(&w) {
                        continue;
                    }
                    let Some(start) = first.checked_add_days(Days::new(7 * (w as u64 - 1))) else {
                        continue;
                    };
                    for d in start.iter_days().take(7) {
                        if self.filter.matches(d) {
                            self.dates.push(d);
                        }
                    }
                }
                self.dates.sort_unstable();
                self.dates.dedup();
            }
            PeriodKind::Month { base } => {
                let Some((year, month)) = base
                    .checked_add(offset)
                    .and_then(cal::from_month_index)
                    .filter(|&(y, _)| y <= cal::MAX_YEAR)
                else {
                    return Load::End;
                };
                if self.starts_after_until(NaiveDate::from_ymd_opt(year, month, 1)) {
                    return Load::End;
                }
                if self.filter.months & (1 << month) != 0 {
                    self.load_month(year, month);
                    self.dates.sort_unstable();
                    self.dates.dedup();
                }
            }
            PeriodKind::Week { base } => {
                let Some(start) = offset
                    .checked_mul(7)
                    .and_then(|days| u64::try_from(days).ok())
                    .and_then(|days| base.checked_add_days(Days::new(days)))
                    .filter(|d| d.year() <= cal::MAX_YEAR)
                else {
                    return Load::End;
                };
                if self.starts_after_until(Some(start)) {
                    return Load::End;
                }
                for d in start.iter_days().take(7) {
                    if self.filter.matches(d) {
                        self.dates.push(d);
                    }
                }
            }
            PeriodKind::Day { base } => {
                let Some(d) = u64::try_from(offset)
                    .ok()
                    .and_then(|days| base.checked_add_days(Days::new(days)))
                    .filter(|d| d.year() <= cal::MAX_YEAR)
                else {
                    return Load::End;
                };
                if self.starts_after_until(Some(d)) {
                    return Load::End;
                }
                if self.filter.matches(d) {
                    self.dates.push(d);
                }
            }
            PeriodKind::Sub { base, unit } => return self.load_sub(base, unit, offset),
        }
        if self.dates.is_empty() {
            Load::Empty
        } else {
            Load::Ready
        }
    }

    fn starts_after_until(&self, first_day: Option<NaiveDate>) -> bool {
        match (first_day, self.until) {
            (Some(d), Some(until)) => d > until.date(),
            (None, _) => true,
            _ => false,
        }
    }

    fn load_year(&mut self, year: i32) {
        if !self.year_days.is_empty() {
            let len = cal::days_in_year(year) as i32;
            for &yd in &self.year_days {
                let ord = if yd > 0 { yd } else { len + 1 + yd };
                if !(1..=len).contains(&ord) {
                    continue;
                }
                if let Some(d) = NaiveDate::from_yo_opt(year, ord as u32) {
                    if self.filter.matches(d) {
                        self.dates.push(d);
                    }
                }
            }
        } else {
            for i in 0..self.months.len() {
                self.load_month(year, self.months[i]);
            }
        }
        self.dates.sort_unstable();
        self.dates.dedup();
    }

    /// Candidate dates of one month: the listed month days, or every day when the month
    /// days do not pick the day (BYDAY does).
    fn load_month(&mut self, year: i32, month: u32) {
        let len = cal::days_in_month(year, month) as i32;
        if !self.month_days.is_empty() {
            for &md in &self.month_days {
                let day = if md > 0 { md } else { len + 1 + md };
                // Invalid dates (Feb 30, a 31st in a short month) are skipped, never clamped.
                if !(1..=len).contains(&day) {
                    continue;
                }
                if let Some(d) = NaiveDate::from_ymd_opt(year, month, day as u32) {
                    if self.filter.matches(d) {
                        self.dates.push(d);
                    }
                }
            }
        } else if let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) {
            for d in first.iter_days().take(len as usize) {
                if self.filter.matches(d) {
                    self.dates.push(d);
                }
            }
        }
    }

    /// A sub-daily period is one step; when its day, hour or minute is excluded, jump to the
    /// first step of the next day, hour or minute instead of walking there.
    fn load_sub(&mut self, base: NaiveDateTime, unit: i64, offset: i64) -> Load {
        let Some(t) = offset
            .checked_mul(unit)
            .and_then(TimeDelta::try_seconds)
            .and_then(|delta| base.checked_add_signed(delta))
            .filter(|t| t.year() <= cal::MAX_YEAR)
        else {
            return Load::End;
        };
        // BYMINUTE/BYSECOND can put candidates before `t` within its hour or minute.
        let unit_start = i64::from(t.num_seconds_from_midnight()) % unit;
        if self
            .until
            .is_some_and(|until| t - TimeDelta::seconds(unit_start) > until)
        {
            return Load::End;
        }
        let date = t.date();
        let (hour, minute, second) = (t.hour(), t.minute(), t.second());
        // Jump to the next allowed hour, minute or second; when none is left in the day, hour
        // or minute, to the start of the next one (where the larger unit is checked again).
        let of_day = i64::from(t.num_seconds_from_midnight());
        let hour_start = of_day - i64::from(minute * 60 + second);
        let minute_start = of_day - i64::from(second);
        let target = if !self.filter.matches(date) {
            Some(86_400)
        } else if self.hours & (1 << hour) == 0 {
            Some(next_bit(u64::from(self.hours), hour).map_or(86_400, |h| i64::from(h) * 3600))
        } else if unit < 3600 && self.minutes & (1 << minute) == 0 {
            Some(hour_start + next_bit(self.minutes, minute).map_or(3600, |m| i64::from(m) * 60))
        } else if unit < 60 && self.seconds & (1 << second) == 0 {
            Some(minute_start + next_bit(self.seconds, second).map_or(60, i64::from))
        } else {
            None
        };
        let next = if let Some(target) = target {
            t.checked_add_signed(TimeDelta::seconds(target - of_day))
        } else {
            self.dates.push(date);
            self.time_base = match unit {
                3600 => hour * 3600,
                60 => hour * 3600 + minute * 60,
                _ => t.num_seconds_from_midnight(),
            };
            return Load::Ready;
        };
        // The first step at or after `next`.
        let Some(next) = next else {
            return Load::End;
        };
        let Some(step) = unit.checked_mul(self.interval) else {
            return Load::End;
        };
        let secs = (next - base).num_seconds();
        let n = secs.div_euclid(step) + i64::from(secs.rem_euclid(step) != 0);
        Load::SkipTo(n.max(self.n + 1))
    }

    /// Prepares the period's BYSETPOS selection and resets the cursor.
    fn select(&mut self) {
        self.cursor = 0;
        self.found_in_period = false;
        self.selected.clear();
        if self.set_pos.is_empty() {
            return;
        }
        let total = self.dates.len() as u64 * self.times.len() as u64;
        for &p in &self.set_pos {
            let index = if p > 0 {
                Some(p as u64 - 1)
            } else {
                total.checked_sub(u64::from(p.unsigned_abs()))
            };
            if let Some(i) = index.filter(|&i| i < total) {
                self.selected.push(i);
            }
        }
        self.selected.sort_unstable();
        self.selected.dedup();
    }

    /// The next candidate of the loaded period, in order, or `None` when it is exhausted.
    fn next_candidate(&mut self) -> Option<NaiveDateTime> {
        let per_date = self.times.len() as u64;
        let position = if self.set_pos.is_empty() {
            if self.cursor >= self.dates.len() as u64 * per_date {
                return None;
            }
            self.cursor
        } else {
            *self.selected.get(self.cursor as usize)?
        };
        self.cursor += 1;
        let date = *self.dates.get((position / per_date) as usize)?;
        let secs = self.time_base + *self.times.get((position % per_date) as usize)?;
        let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?;
        Some(date.and_time(time))
    }

    /// With COUNT and `from`, a period that lies wholly between DTSTART and `from` is
    /// counted by its size instead of instance by instance. Returns true when it was.
    fn count_whole_period_before_from(&mut self) -> bool {
        let (Some(remaining), Some(from)) = (self.remaining, self.from) else {
            return false;
        };
        let per_date = self.times.len() as u64;
        let size = if self.set_pos.is_empty() {
            self.dates.len() as u64 * per_date
        } else {
            self.selected.len() as u64
        };
        let position = |p: u64| -> Option<NaiveDateTime> {
            let date = *self.dates.get((p / per_date) as usize)?;
            let secs = self.time_base + *self.times.get((p % per_date) as usize)?;
            Some(date.and_time(NaiveTime::from_num_seconds_from_midnight_opt(secs, 0)?))
        };
        let (first, last) = if self.set_pos.is_empty() {
            (position(0), size.checked_sub(1).and_then(position))
        } else {
            (
                self.selected.first().and_then(|&p| position(p)),
                self.selected.last().and_then(|&p| position(p)),
            )
        };
        let (Some(first), Some(last)) = (first, last) else {
            return false;
        };
        if first < self.dtstart || last >= from || self.until.is_some_and(|u| last > u) {
            return false;
        }
        self.empty_run = 0;
        match u64::from(remaining).checked_sub(size) {
            Some(left) => self.remaining = u32::try_from(left).ok(),
            None => self.remaining = Some(0),
        }
        self.loaded = false;
        self.n = self.n.saturating_add(1);
        true
    }

    fn note_empty_period(&mut self) {
        self.empty_run += 1;
        if self.empty_run > empty_period_limit(&self.kind) {
            self.done = true;
        }
    }
}

/// The lowest set bit of `mask` above `bit`.
fn next_bit(mask: u64, bit: u32) -> Option<u32> {
    let above = mask.checked_shr(bit + 1)?.checked_shl(bit + 1)?;
    (above != 0).then(|| above.trailing_zeros())
}

/// `base + offset` as a year no later than [`cal::MAX_YEAR`].
fn year_after(base: i32, offset: i64) -> Option<i32> {
    let year = i64::from(base).checked_add(offset)?;
    i32::try_from(year).ok().filter(|&y| y <= cal::MAX_YEAR)
}

impl Iterator for RuleIter {
    type Item = NaiveDateTime;

    fn next(&mut self) -> Option<NaiveDateTime> {
        loop {
            if self.done || self.remaining == Some(0) {
                self.done = true;
                return None;
            }
            if self.steps >= self.budget {
                self.done = true;
                self.out_of_budget = true;
                return None;
            }
            self.steps += 1;
            if !self.loaded {
                match self.load() {
                    Load::Ready => {
                        self.loaded = true;
                        self.select();
                        if self.count_whole_period_before_from() {
                            continue;
                        }
                    }
                    Load::Empty => {
                        self.note_empty_period();
                        self.n = self.n.saturating_add(1);
                        continue;
                    }
                    Load::SkipTo(n) => {
                        self.note_empty_period();
                        self.n = n;
                        continue;
                    }
                    Load::End => {
                        self.done = true;
                        continue;
                    }
                }
            }
            let Some(candidate) = self.next_candidate() else {
                if !self.found_in_period {
                    self.note_empty_period();
                }
                self.loaded = false;
                self.n = self.n.saturating_add(1);
                continue;
            };
            if candidate < self.dtstart {
                continue;
            }
            if self.until.is_some_and(|until| candidate > until) {
                self.done = true;
                continue;
            }
            self.found_in_period = true;
            self.empty_run = 0;
            if let Some(left) = self.remaining.as_mut() {
                *left -= 1;
            }
            if self.from.is_some_and(|from| candidate < from) {
                continue;
            }
            return Some(candidate);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, mi, s))
            .expect("valid test time")
    }

    fn rule(text: &str) -> Rule {
        Rule::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Up to `n` instances as `YYYY-MM-DD HH:MM:SS` strings.
    fn take(text: &str, start: NaiveDateTime, n: usize) -> Vec<String> {
        rule(text)
            .iter(start, false, None, None)
            .take(n)
            .map(|t| t.to_string())
            .collect()
    }

    fn days(text: &str, start: NaiveDateTime, n: usize) -> Vec<String> {
        rule(text)
            .iter(start, false, None, None)
            .take(n)
            .map(|t| t.date().to_string())
            .collect()
    }

    #[test]
    fn count_counts_rule_instances_from_dtstart() {
        // DTSTART (a Tuesday) does not match BYDAY=FR; COUNT still gives three Fridays.
        let start = at(2025, 1, 7, 9, 0, 0);
        assert_eq!(
            days("FREQ=WEEKLY;BYDAY=FR;COUNT=3", start, 10),
            ["2025-01-10", "2025-01-17", "2025-01-24"]
        );
        // `from` does not change what COUNT counts.
        let from = rule("FREQ=DAILY;COUNT=5")
            .iter(start, false, None, Some(at(2025, 1, 10, 0, 0, 0)))
            .map(|t| t.date().to_string())
            .collect::<Vec<_>>();
        assert_eq!(from, ["2025-01-10", "2025-01-11"]);
    }

    #[test]
    fn until_is_inclusive() {
        let start = at(2025, 1, 6, 9, 0, 0);
        let r = rule("FREQ=DAILY");
        let got: Vec<_> = r
            .iter(start, false, Some(at(2025, 1, 8, 9, 0, 0)), None)
            .collect();
        assert_eq!(got.last(), Some(&at(2025, 1, 8, 9, 0, 0)));
        assert_eq!(got.len(), 3);
        let got: Vec<_> = r
            .iter(start, false, Some(at(2025, 1, 8, 8, 59, 59)), None)
            .collect();
        assert_eq!(got.len(), 2);
        // An `until` before DTSTART yields nothing, and stops at once.
        assert_eq!(
            r.iter(start, false, Some(at(2020, 1, 1, 0, 0, 0)), None)
                .next(),
            None
        );
    }

    #[test]
    fn from_jumps_by_arithmetic() {
        let start = at(1970, 1, 1, 0, 0, 0);
        let from = at(2026, 1, 5, 0, 0, 0);
        let mut it = rule("FREQ=SECONDLY;INTERVAL=7").iter(start, false, None, Some(from));
        let first = it.next().expect("an instance");
        let elapsed = (from - start).num_seconds();
        let steps = (elapsed + 6) / 7;
        assert_eq!(first, start + TimeDelta::seconds(steps * 7));
        assert!(first >= from && first < from + TimeDelta::seconds(7));
        // The iterator went straight to that period: no empty periods were looked at, and the
        // period index is the arithmetic one.
        assert_eq!(it.n, steps);
        assert_eq!(it.empty_run, 0);
        assert_eq!(it.next(), Some(first + TimeDelta::seconds(7)));

        // The same for calendar frequencies, with instances before `from` never yielded.
        let mut it = rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR").iter(
            at(1970, 1, 5, 9, 0, 0),
            false,
            None,
            Some(from),
        );
        let got: Vec<_> = it.by_ref().take(3).map(|t| t.to_string()).collect();
        // 1970-01-05 and 2026-01-05 are 2922 weeks apart, an even number.
        assert_eq!(
            got,
            [
                "2026-01-05 09:00:00",
                "2026-01-09 09:00:00",
                "2026-01-19 09:00:00"
            ]
        );
        assert_eq!(it.n, 2922 / 2 + 1);
    }

    #[test]
    fn count_with_from_matches_a_full_walk() {
        let start = at(2020, 2, 29, 9, 30, 0);
        let from = at(2023, 7, 4, 12, 0, 0);
        for text in [
            "FREQ=DAILY;COUNT=2000",
            "FREQ=DAILY;INTERVAL=3;BYHOUR=8,20;BYMINUTE=0,15;COUNT=3000",
            "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=700",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA,SU;BYHOUR=7,9;COUNT=400",
            "FREQ=HOURLY;INTERVAL=5;COUNT=9000",
            "FREQ=MINUTELY;INTERVAL=45;BYHOUR=9,10;COUNT=5000",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1;COUNT=120",
            "FREQ=YEARLY;BYMONTH=2;COUNT=200",
            "FREQ=DAILY;COUNT=1250",
            "FREQ=DAILY;COUNT=100",
            "FREQ=WEEKLY;BYDAY=TU;COUNT=178",
        ] {
            let r = rule(text);
            let walked: Vec<_> = r
                .iter(start, false, None, None)
                .filter(|t| *t >= from)
                .collect();
            let jumped: Vec<_> = r.iter(start, false, None, Some(from)).collect();
            assert_eq!(jumped, walked, "{text}");
        }
        // A COUNT in the billions from 1970 asked for 2026 is counted, not walked.
        let start = at(1970, 1, 1, 0, 0, 0);
        let from = at(2026, 1, 5, 0, 0, 0);
        let mut it = rule("FREQ=SECONDLY;COUNT=4000000000").iter(start, false, None, Some(from));
        assert_eq!(it.next(), Some(from));
        assert_eq!(
            it.remaining,
            Some(4_000_000_000 - (from - start).num_seconds() as u32 - 1)
        );
    }

    /// A budget ends the iterator after that many steps and says so; a rule that ends on its
    /// own does not report it.
    #[test]
    fn a_budget_bounds_the_steps() {
        let start = at(2025, 1, 1, 0, 0, 0);
        let from = at(2026, 1, 5, 0, 0, 0);
        // Not plain (BYSECOND), so with COUNT each period before `from` is looked at.
        let r = rule("FREQ=SECONDLY;BYSECOND=0,30;COUNT=2000000000");
        let mut it = r.iter(start, false, None, Some(from)).with_budget(1000);
        assert_eq!(it.next(), None);
        assert!(it.out_of_budget());
        assert_eq!(it.steps(), 1000);
        let mut it = rule("FREQ=DAILY;COUNT=3")
            .iter(start, false, None, None)
            .with_budget(1000);
        assert_eq!(it.by_ref().count(), 3);
        assert!(!it.out_of_budget());
        assert!(it.steps() < 10, "{}", it.steps());
    }

    #[test]
    fn invalid_dates_are_skipped_not_clamped() {
        let start = at(2025, 1, 31, 10, 0, 0);
        assert_eq!(
            days("FREQ=MONTHLY;COUNT=4", start, 10),
            ["2025-01-31", "2025-03-31", "2025-05-31", "2025-07-31"]
        );
        assert_eq!(
            days("FREQ=MONTHLY;BYMONTHDAY=30,31;COUNT=4", start, 10),
            ["2025-01-31", "2025-03-30", "2025-03-31", "2025-04-30"]
        );
        assert_eq!(
            days("FREQ=YEARLY;COUNT=3", at(2024, 2, 29, 0, 0, 0), 10),
            ["2024-02-29", "2028-02-29", "2032-02-29"]
        );
    }

    #[test]
    fn wkst_changes_biweekly_rules() {
        // RFC 5545 3.3.10, the WKST example.
        let start = at(1997, 8, 5, 9, 0, 0);
        assert_eq!(
            days(
                "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO",
                start,
                10
            ),
            ["1997-08-05", "1997-08-10", "1997-08-19", "1997-08-24"]
        );
        assert_eq!(
            days(
                "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU",
                start,
                10
            ),
            ["1997-08-05", "1997-08-17", "1997-08-19", "1997-08-31"]
        );
    }

    #[test]
    fn bysetpos_and_ordinals() {
        let start = at(2025, 1, 1, 9, 0, 0);
        // Last weekday of the month.
        assert_eq!(
            days(
                "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
                start,
                5
            ),
            ["2025-01-31", "2025-02-28", "2025-03-31"]
        );
        // Third Thursday, and the last Friday of the year.
        assert_eq!(
            days("FREQ=MONTHLY;BYDAY=3TH;COUNT=2", start, 5),
            ["2025-01-16", "2025-02-20"]
        );
        assert_eq!(
            days("FREQ=YEARLY;BYDAY=-1FR;COUNT=2", start, 5),
            ["2025-12-26", "2026-12-25"]
        );
        // BYSETPOS over times: the last of 09:00/17:00 on each of MO and FR.
        assert_eq!(
            take(
                "FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=9,17;BYSETPOS=-1;COUNT=2",
                start,
                5
            ),
            ["2025-01-03 17:00:00", "2025-01-10 17:00:00"]
        );
    }

    #[test]
    fn sub_daily_rules() {
        let start = at(2025, 3, 1, 9, 30, 0);
        assert_eq!(
            take("FREQ=HOURLY;BYMINUTE=0,30;COUNT=3", start, 5),
            [
                "2025-03-01 09:30:00",
                "2025-03-01 10:00:00",
                "2025-03-01 10:30:00"
            ]
        );
        // BYHOUR limits; the skipped hours are jumped over.
        assert_eq!(
            take("FREQ=MINUTELY;INTERVAL=20;BYHOUR=9;BYDAY=MO", start, 4),
            [
                "2025-03-03 09:10:00",
                "2025-03-03 09:30:00",
                "2025-03-03 09:50:00",
                "2025-03-10 09:10:00"
            ]
        );
        // An UNTIL that falls inside an hour still keeps that hour's earlier BYMINUTE.
        let r = rule("FREQ=HOURLY;BYMINUTE=0");
        let got: Vec<_> = r
            .iter(start, false, Some(at(2025, 3, 1, 11, 0, 0)), None)
            .collect();
        assert_eq!(got, [at(2025, 3, 1, 10, 0, 0), at(2025, 3, 1, 11, 0, 0)]);
    }

    #[test]
    fn date_only_ignores_time_parts() {
        let start = at(2024, 10, 18, 0, 0, 0);
        let got: Vec<_> = rule("FREQ=DAILY;BYMINUTE=1,2;BYHOUR=5;INTERVAL=2;COUNT=3")
            .iter(start, true, None, None)
            .map(|t| t.to_string())
            .collect();
        assert_eq!(
            got,
            [
                "2024-10-18 00:00:00",
                "2024-10-20 00:00:00",
                "2024-10-22 00:00:00"
            ]
        );
        let got: Vec<_> = rule("FREQ=HOURLY;INTERVAL=48;COUNT=2")
            .iter(start, true, None, None)
            .map(|t| t.date().to_string())
            .collect();
        assert_eq!(got, ["2024-10-18", "2024-10-20"]);
    }

    #[test]
    fn impossible_rules_end() {
        let start = at(2025, 1, 1, 9, 0, 0);
        for text in [
            "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=YEARLY;BYMONTHDAY=31;BYMONTH=4",
            "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4",
            "FREQ=MONTHLY;INTERVAL=12;BYMONTH=2",
            "FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=HOURLY;INTERVAL=24;BYHOUR=5",
            "FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30",
            "FREQ=SECONDLY;INTERVAL=60;BYSECOND=30",
            "FREQ=MINUTELY;BYSECOND=60",
            "FREQ=YEARLY;BYWEEKNO=53;BYMONTH=6",
            "FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1",
            "FREQ=MONTHLY;BYDAY=5MO;BYMONTH=2;BYMONTHDAY=1",
        ] {
            let t = std::time::Instant::now();
            assert_eq!(
                rule(text).iter(start, false, None, None).next(),
                None,
                "{text}"
            );
            // Generous: this is a termination check, not a benchmark.
            assert!(t.elapsed().as_secs() < 5, "{text} took {:?}", t.elapsed());
        }
    }

    #[test]
    fn extremes_do_not_overflow() {
        let cases = [
            ("FREQ=YEARLY;INTERVAL=4000000000", at(2025, 1, 1, 0, 0, 0)),
            ("FREQ=SECONDLY;INTERVAL=4294967295", at(2025, 1, 1, 0, 0, 0)),
            (
                "FREQ=SECONDLY;COUNT=4294967295",
                at(9999, 12, 31, 23, 59, 0),
            ),
            (
                "FREQ=WEEKLY;INTERVAL=4000000000;BYDAY=MO,SU",
                at(2025, 1, 1, 0, 0, 0),
            ),
            ("FREQ=MONTHLY;INTERVAL=4000000000", at(2025, 1, 1, 0, 0, 0)),
            ("FREQ=DAILY", at(9999, 12, 30, 0, 0, 0)),
            ("FREQ=YEARLY;BYWEEKNO=1", at(9999, 12, 30, 0, 0, 0)),
            ("FREQ=MONTHLY;BYDAY=-1SU", at(0, 1, 1, 0, 0, 0)),
            ("FREQ=YEARLY;BYWEEKNO=-1", NaiveDateTime::MIN),
            ("FREQ=WEEKLY", NaiveDateTime::MIN),
            ("FREQ=DAILY", NaiveDateTime::MAX),
            ("FREQ=SECONDLY", NaiveDateTime::MAX),
        ];
        for (text, start) in cases {
            let got: Vec<_> = rule(text)
                .iter(start, false, None, Some(at(9999, 12, 31, 0, 0, 0)))
                .take(100)
                .collect();
            assert!(got.windows(2).all(|w| w[0] < w[1]), "{text}");
            assert!(got.iter().all(|t| *t >= start), "{text}");
        }
        let got: Vec<_> = rule("FREQ=SECONDLY;COUNT=4294967295")
            .iter(at(9999, 12, 31, 23, 59, 0), false, None, None)
            .collect();
        assert_eq!(got.len(), 60, "stops at the end of year 9999");
    }

    /// A tiny deterministic generator, so the fuzz test needs no dependency.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            self.0 >> 33
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }

        fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
            items[self.below(items.len() as u64) as usize]
        }
    }

    #[test]
    fn fuzz_rules_never_panic_and_ascend() {
        const PARTS: &[&str] = &[
            "FREQ=SECONDLY",
            "FREQ=MINUTELY",
            "FREQ=HOURLY",
            "FREQ=DAILY",
            "FREQ=WEEKLY",
            "FREQ=MONTHLY",
            "FREQ=YEARLY",
            "INTERVAL=",
            "COUNT=",
            "UNTIL=",
            "BYSECOND=",
            "BYMINUTE=",
            "BYHOUR=",
            "BYDAY=",
            "BYMONTHDAY=",
            "BYYEARDAY=",
            "BYWEEKNO=",
            "BYMONTH=",
            "BYSETPOS=",
            "WKST=",
            "X-FOO=",
            "RSCALE=GREGORIAN",
            "SKIP=OMIT",
            "",
            "garbage",
            "=",
            ";;",
        ];
        const VALUES: &[&str] = &[
            "1",
            "2",
            "3",
            "-1",
            "0",
            "7",
            "13",
            "29",
            "30",
            "31",
            "-31",
            "53",
            "-53",
            "59",
            "60",
            "100",
            "366",
            "-366",
            "4000000000",
            "99999999999",
            "MO",
            "TU",
            "2MO",
            "-1FR",
            "5SU",
            "53TH",
            "SA,SU",
            "MO,WE,FR",
            "1,15,-1",
            "2,3,4",
            "20250101",
            "20250101T000000Z",
            "19700101T000000",
            "99991231T235959Z",
            "abc",
            "",
            ",",
            "+5",
            "-",
            "1,,2",
            "ü",
        ];
        // RRULE_FUZZ_ITERS=1000000 RRULE_FUZZ_SEED=7 cargo test --release fuzz -- --nocapture
        // runs a longer search and reports the slowest rule.
        let iters = std::env::var("RRULE_FUZZ_ITERS")
            .ok()
            .and_then(|v| v.parse().ok());
        let seed = std::env::var("RRULE_FUZZ_SEED")
            .ok()
            .and_then(|v| v.parse().ok());
        let mut rng = Lcg(seed.unwrap_or(0x5eed));
        let mut parsed = 0;
        let mut slowest = (std::time::Duration::ZERO, String::new());
        for _ in 0..iters.unwrap_or(8000) {
            let mut text = String::new();
            for _ in 0..rng.below(6) + 1 {
                let part = rng.pick(PARTS);
                text.push_str(part);
                if part.ends_with('=') {
                    text.push_str(rng.pick(VALUES));
                    if rng.below(4) == 0 {
                        text.push(',');
                        text.push_str(rng.pick(VALUES));
                    }
                }
                text.push(';');
            }
            if rng.below(3) != 0 && !text.contains("FREQ") {
                text.insert_str(0, &format!("{};", rng.pick(&PARTS[..7])));
            }
            let Ok(r) = Rule::parse(&text) else {
                continue;
            };
            parsed += 1;
            let year = match rng.below(10) {
                0 => 9999,
                1 => 0,
                2 => -5,
                _ => 1900 + rng.below(200) as i32,
            };
            let Some(start) = NaiveDate::from_ymd_opt(year, rng.below(12) as u32 + 1, 1)
                .and_then(|d| d.checked_add_days(Days::new(rng.below(31))))
                .and_then(|d| {
                    d.and_hms_opt(
                        rng.below(24) as u32,
                        rng.below(60) as u32,
                        rng.below(60) as u32,
                    )
                })
            else {
                continue;
            };
            let date_only = rng.below(5) == 0;
            let until =
                (rng.below(3) == 0).then(|| start + TimeDelta::days(rng.below(3000) as i64));
            let from = (rng.below(3) == 0)
                .then(|| start + TimeDelta::days(rng.below(40_000) as i64 - 100));
            let timer = std::time::Instant::now();
            let got: Vec<_> = r.iter(start, date_only, until, from).take(50).collect();
            if timer.elapsed() > slowest.0 {
                slowest = (
                    timer.elapsed(),
                    format!("{text} from {start} date_only={date_only}"),
                );
            }
            assert!(
                got.windows(2).all(|w| w[0] < w[1]),
                "not ascending: {text} from {start}"
            );
            assert!(
                got.iter().all(|t| *t >= start),
                "before DTSTART: {text} from {start}"
            );
            if let Some(until) = until {
                assert!(got.iter().all(|t| *t <= until), "after until: {text}");
            }
            if let Some(from) = from {
                assert!(got.iter().all(|t| *t >= from), "before from: {text}");
            }
            if let Some(count) = r.count() {
                assert!(got.len() as u64 <= u64::from(count), "over COUNT: {text}");
            }
        }
        println!(
            "fuzz: {parsed} valid rules, slowest {:?}: {}",
            slowest.0, slowest.1
        );
        assert!(
            parsed > 500,
            "the generator should produce mostly valid rules ({parsed})"
        );
    }

    #[test]
    fn yielded_instances_match_the_rule_slowly() {
        // Cross-check the period machinery against a brute-force filter for simple rules:
        // every day of 2024-2026, kept when it satisfies the rule's parts directly.
        let start = at(2024, 1, 1, 8, 0, 0);
        let end = at(2026, 12, 31, 23, 59, 59);
        for (text, keep) in [
            (
                "FREQ=DAILY;BYDAY=MO,TH;BYMONTH=3,9",
                &(|d: NaiveDate| {
                    matches!(d.weekday(), Weekday::Mon | Weekday::Thu)
                        && [3, 9].contains(&d.month())
                }) as &dyn Fn(NaiveDate) -> bool,
            ),
            ("FREQ=MONTHLY;BYMONTHDAY=-1,1", &|d: NaiveDate| {
                d.day() == 1 || d.succ_opt().is_some_and(|n| n.day() == 1)
            }),
            ("FREQ=YEARLY;BYYEARDAY=-1,100", &|d: NaiveDate| {
                d.ordinal() == 100 || (d.month() == 12 && d.day() == 31)
            }),
            ("FREQ=YEARLY;BYWEEKNO=10;BYDAY=WE", &|d: NaiveDate| {
                d.iso_week().week() == 10 && d.weekday() == Weekday::Wed
            }),
        ] {
            let got: Vec<_> = rule(text).iter(start, false, Some(end), None).collect();
            let want: Vec<_> = start
                .date()
                .iter_days()
                .take_while(|d| *d <= end.date())
                .filter(|d| keep(*d))
                .map(|d| d.and_time(start.time()))
                .collect();
            assert_eq!(got, want, "{text}");
        }
    }
}
