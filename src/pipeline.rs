//! The pure middle of the pipeline: feed bytes → parsed calendars → occurrences in a window →
//! annotated with category, rule and whether they count → weekly report. No I/O here: the
//! CLI (and later the daemon) fetch the bytes and print the results.

mod parallel;

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use crate::classify::{AttendeeList, Category, Classifier, ClassifyCache, Outcome, Subject};
use crate::config::{Config, DirectReport, Protection, WeekSettings};
use crate::ics::expand::{self, ExpandLimits, ExpandOptions, Occurrence, RecurrenceId};
use crate::ics::parse::ParseOptions;
use crate::ics::zone::Zone;
use crate::ics::{Attendee, Calendar, Event, Warning};
use crate::report::nofly::{self, NoFlyWindow, Protected, ProtectedSource, Violation};
use crate::report::{self, Entry, EntryKind, Exclusion, Report, Window};

/// One feed's bytes, already fetched.
pub struct FeedInput {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One feed, already parsed (the CLI parses files as it reads them, see
/// [`crate::ics::parse::parse_reader`]).
pub struct ParsedFeed {
    pub name: String,
    pub calendar: Calendar,
}

/// What the parser must keep for this analysis.
pub fn parse_options(s: &Settings<'_>) -> ParseOptions {
    ParseOptions {
        descriptions: s.classifier.reads_description(),
    }
}

/// What the analysis needs besides the feeds.
pub struct Settings<'a> {
    pub window: Window,
    /// The user's addresses, normalised.
    pub me: &'a [String],
    pub classifier: &'a Classifier,
    pub week: &'a WeekSettings,
    pub priority: [Category; 4],
    pub no_fly: &'a [NoFlyWindow],
    pub protection: Protection,
    /// How much one feed may expand to (`[limits]`).
    pub limits: ExpandLimits,
    /// The direct reports (`[[reports]]`), for the 1:1s on the dashboard and in the
    /// `one-on-ones` chart; empty leaves both empty.
    pub reports: &'a [DirectReport],
}

impl<'a> Settings<'a> {
    /// Settings with the default category priority and no protected time: what tests and
    /// benchmarks need around a given classifier and week.
    pub fn new(
        window: Window,
        me: &'a [String],
        classifier: &'a Classifier,
        week: &'a WeekSettings,
    ) -> Settings<'a> {
        Settings {
            window,
            me,
            classifier,
            week,
            priority: crate::config::DEFAULT_PRIORITY,
            no_fly: &[],
            protection: Protection::default(),
            limits: ExpandLimits::default(),
            reports: &[],
        }
    }

    pub fn from_config(cfg: &'a Config, window: Window, me: &'a [String]) -> Settings<'a> {
        Settings {
            window,
            me,
            classifier: &cfg.classifier,
            week: &cfg.week,
            priority: cfg.priority,
            no_fly: &cfg.no_fly,
            protection: cfg.protection.clone(),
            limits: cfg.limits,
            reports: &cfg.reports,
        }
    }
}

/// One occurrence with everything the user needs to trace a number back to it.
#[derive(Clone, Debug)]
pub struct Row {
    pub feed: u32,
    pub occ: Occurrence,
    pub category: Category,
    /// Index into [`Analysis::rule_names`].
    pub rule: u32,
    pub excluded: Option<Exclusion>,
}

impl Row {
    /// The category's name, or `personal` for a personal appointment (whose `category` is
    /// [`Category::Other`] only so that the type needs no empty case: it never counts).
    pub fn label(&self) -> &'static str {
        match self.excluded {
            Some(Exclusion::Personal) => "personal",
            _ => self.category.as_str(),
        }
    }
}

/// Warnings of one feed.
#[derive(Clone, Debug)]
pub struct FeedWarnings {
    pub feed: String,
    pub warnings: Vec<Warning>,
}

pub struct Analysis {
    pub feeds: Vec<String>,
    pub calendars: Vec<Calendar>,
    pub rows: Vec<Row>,
    pub rule_names: Vec<String>,
    pub warnings: Vec<FeedWarnings>,
    /// Occurrences dropped because an earlier feed had the same UID and RECURRENCE-ID.
    pub duplicates: usize,
    /// Where the analysis spent its time (`--verbose` prints it).
    pub timings: StageTimes,
}

/// Wall time of each stage of an analysis, summed over feeds.
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimes {
    /// Expanding events into occurrences in the window (zones and recurrences).
    pub expand: Duration,
    /// Classifying the events that have occurrences.
    pub classify: Duration,
    /// De-duplicating across feeds and annotating each occurrence (category, exclusion).
    pub annotate: Duration,
}

impl Analysis {
    pub fn event(&self, row: &Row) -> &Event {
        &self.calendars[row.feed as usize].events[row.occ.event as usize]
    }
    pub fn rule_name(&self, row: &Row) -> &str {
        &self.rule_names[row.rule as usize]
    }
    pub fn counted(&self, row: &Row) -> bool {
        row.excluded.is_none()
    }
}

/// Parses, expands, de-duplicates and classifies every feed.
pub fn analyze(feeds: Vec<FeedInput>, s: &Settings<'_>) -> Analysis {
    let opts = parse_options(s);
    let parsed = feeds
        .into_iter()
        .map(|f| {
            let calendar = crate::ics::parse::parse_with(&f.bytes, opts);
            ParsedFeed {
                name: f.name,
                calendar,
            }
        })
        .collect();
    analyze_parsed(parsed, s)
}

/// Expands, de-duplicates and classifies every parsed feed.
pub fn analyze_parsed(feeds: Vec<ParsedFeed>, s: &Settings<'_>) -> Analysis {
    let opts = ExpandOptions {
        window_start: s.window.start(),
        window_end: s.window.end(),
        user_zone: Zone::Iana(s.window.tz),
        ignore_x_wr_timezone: false,
        limits: s.limits,
    };
    let mut rule_names: Vec<String> = vec!["default".into()];
    let mut analysis = Analysis {
        feeds: Vec::new(),
        calendars: Vec::new(),
        rows: Vec::new(),
        rule_names: Vec::new(),
        warnings: Vec::new(),
        duplicates: 0,
        timings: StageTimes::default(),
    };
    let mut seen: HashSet<(String, Option<RecurrenceId>, Option<DateTime<Utc>>)> = HashSet::new();
    let n_feeds = feeds.len();
    for (fi, feed) in feeds.into_iter().enumerate() {
        // Identities are only compared against later feeds: the last (usually the only)
        // feed need not record its own.
        let record_keys = fi + 1 < n_feeds;
        let mut cal = feed.calendar;
        let t0 = Instant::now();
        let (resolvers, mut warnings) = expand::resolvers(&mut cal);
        warnings.extend(std::mem::take(&mut cal.warnings));
        let (mut occs, w) = expand::expand(&cal, &resolvers, &opts);
        warnings.extend(w);
        if cal.sections.len() > 1 {
            let before = occs.len();
            occs = one_version_per_instance(&cal, occs);
            analysis.duplicates += before - occs.len();
        }
        warnings.sort_by_key(|w| w.line);
        // Classify each event with an occurrence once; all its occurrences share the decision.
        let t1 = Instant::now();
        let owner = if s.me.is_empty() {
            guess_owner(&cal)
        } else {
            None
        };
        let decisions = classify_events(s.classifier, &cal.events, &occs, &feed.name, s.me, owner);
        let t2 = Instant::now();
        // Rule names are numbered in order of first use by an occurrence, as they appear.
        let mut rule_of: Vec<Option<u32>> = vec![None; cal.events.len()];
        let mut rule_index: HashMap<String, u32> = rule_names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i as u32))
            .collect();
        let mut keys_this_feed: Vec<(String, Option<RecurrenceId>, Option<DateTime<Utc>>)> =
            Vec::new();
        // Sized once: growing it by doubling copied and page-faulted several times its size.
        analysis.rows.reserve(occs.len());
        for occ in occs {
            let ev = &cal.events[occ.event as usize];
            if fi > 0 && !ev.uid.is_empty() {
                let key = (ev.uid.clone(), occ.recurrence_id, identity_time(&occ));
                if seen.contains(&key) {
                    analysis.duplicates += 1;
                    continue;
                }
                if record_keys {
                    keys_this_feed.push(key);
                }
            } else if record_keys && !ev.uid.is_empty() {
                keys_this_feed.push((ev.uid.clone(), occ.recurrence_id, identity_time(&occ)));
            }
            let Some(v) = decisions[occ.event as usize] else {
                // Every event with an occurrence was classified.
                continue;
            };
            let d = v.decision;
            let rule = *rule_of[occ.event as usize].get_or_insert_with(|| {
                // A fallback decision is named with its reasons, so it has a name of its own.
                let name = match d.because {
                    None => std::borrow::Cow::Borrowed(d.rule),
                    Some(_) => std::borrow::Cow::Owned(d.describe()),
                };
                match rule_index.get(name.as_ref()) {
                    Some(&i) => i,
                    None => {
                        let i = rule_names.len() as u32;
                        rule_names.push(name.clone().into_owned());
                        rule_index.insert(name.into_owned(), i);
                        i
                    }
                }
            });
            let category = d.outcome.category().unwrap_or(Category::Other);
            let excluded = v.exclusion(&occ);
            analysis.rows.push(Row {
                feed: fi as u32,
                occ,
                category,
                rule,
                excluded,
            });
        }
        seen.extend(keys_this_feed);
        analysis.timings.expand += t1 - t0;
        analysis.timings.classify += t2 - t1;
        analysis.timings.annotate += t2.elapsed();
        analysis.feeds.push(feed.name.clone());
        analysis.warnings.push(FeedWarnings {
            feed: feed.name,
            warnings,
        });
        analysis.calendars.push(cal);
    }
    analysis.rule_names = rule_names;
    if analysis.feeds.len() > 1 {
        analysis.rows.sort_by_key(|r| (r.occ.start, r.occ.end));
    }
    analysis
}

/// What is decided once per event: its classification and whether it counts at all.
#[derive(Clone, Copy)]
struct Verdict<'c> {
    decision: crate::classify::Decision<'c>,
    /// Cancelled or declined: every occurrence is excluded for that reason.
    excluded: Option<Exclusion>,
    /// A personal appointment: not work time.
    personal: bool,
    transparent: bool,
}

impl<'c> Verdict<'c> {
    fn new(decision: crate::classify::Decision<'c>, ev: &Event, me: &[String]) -> Verdict<'c> {
        Verdict {
            decision,
            excluded: if ev.is_cancelled() {
                Some(Exclusion::Cancelled)
            } else if ev.declined_by(me) {
                Some(Exclusion::Declined)
            } else {
                None
            },
            personal: decision.outcome == Outcome::Personal,
            transparent: ev.is_transparent(),
        }
    }

    /// Why an occurrence of the event does not count, in order of precedence: cancelled,
    /// declined, all-day (which may mark a day out of office), transparent (what the
    /// calendar itself says), then personal (what classification says).
    fn exclusion(&self, occ: &Occurrence) -> Option<Exclusion> {
        if self.excluded.is_some() {
            self.excluded
        } else if occ.is_allday() {
            Some(Exclusion::Allday)
        } else if self.transparent {
            Some(Exclusion::Transparent)
        } else if self.personal {
            Some(Exclusion::Personal)
        } else {
            None
        }
    }
}

/// The verdict on every event that has an occurrence in `occs` (`None` for the others), on
/// two threads when there are many: classification is pure, and a fifth of a large run.
fn classify_events<'c>(
    c: &'c Classifier,
    events: &[Event],
    occs: &[Occurrence],
    feed: &str,
    me: &[String],
    owner: Option<String>,
) -> Vec<Option<Verdict<'c>>> {
    let mut needed = vec![false; events.len()];
    for o in occs {
        if let Some(n) = needed.get_mut(o.event as usize) {
            *n = true;
        }
    }
    let mut decisions = vec![None; events.len()];
    // Without a configured `me`, classification still needs to know whose calendar it is.
    let guessed: Vec<String> = if me.is_empty() {
        owner.into_iter().collect()
    } else {
        Vec::new()
    };
    let who: &[String] = if me.is_empty() { &guessed } else { me };
    let run = |events: &[Event], needed: &[bool], out: &mut [Option<Verdict<'c>>]| {
        let mut cache = ClassifyCache::new();
        for ((ev, &need), d) in events.iter().zip(needed).zip(out) {
            if need {
                let decision = classify_event(c, ev, feed, who, &mut cache);
                // Declined by the guessed owner too (issue 11, item 4): the guess is
                // announced on stderr by the command, with how to set `me`.
                *d = Some(Verdict::new(decision, ev, who));
            }
        }
    };
    let count = needed.iter().filter(|&&n| n).count();
    parallel::classify_in_halves(count, events, &needed, &mut decisions, run);
    decisions
}

/// Several VCALENDARs in one file (`cat team.ics personal.ics`, iTIP-style exports) may hold
/// versions of the same event: one occurrence per UID and RECURRENCE-ID is kept, the one from
/// the version with the highest SEQUENCE, then the later in the file (DTSTAMP is not read).
/// Feeds with one VCALENDAR never get here.
fn one_version_per_instance(cal: &Calendar, occs: Vec<Occurrence>) -> Vec<Occurrence> {
    let rank = |o: &Occurrence| (cal.events[o.event as usize].sequence, o.event);
    let mut best: HashMap<(&str, Option<RecurrenceId>), (i64, u32)> = HashMap::new();
    for o in &occs {
        let uid = cal.events[o.event as usize].uid.as_str();
        if uid.is_empty() {
            continue;
        }
        let r = rank(o);
        best.entry((uid, o.recurrence_id))
            .and_modify(|b| *b = (*b).max(r))
            .or_insert(r);
    }
    occs.into_iter()
        .filter(|o| {
            let uid = cal.events[o.event as usize].uid.as_str();
            uid.is_empty() || best.get(&(uid, o.recurrence_id)) == Some(&rank(o))
        })
        .collect()
}

/// Identity of an occurrence across feeds: its recurrence id, or its start for a single event.
fn identity_time(o: &Occurrence) -> Option<DateTime<Utc>> {
    match o.recurrence_id {
        Some(_) => None,
        None => Some(o.start),
    }
}

/// The classifier's decision for one event (asked once per event), with a cache of title
/// decisions shared across events.
fn classify_event<'c>(
    c: &'c Classifier,
    ev: &Event,
    feed: &str,
    me: &[String],
    cache: &mut ClassifyCache,
) -> crate::classify::Decision<'c> {
    c.classify_cached(&subject(ev, feed, me), cache)
}

/// An event as the classifier sees it.
pub fn subject<'a>(ev: &'a Event, feed: &'a str, me: &'a [String]) -> Subject<'a> {
    let s = Subject {
        summary: ev.summary.as_deref().unwrap_or(""),
        description: &ev.description,
        location: &ev.location,
        categories: &ev.categories,
        organizer: ev.organizer.as_deref(),
        attendees: &ev.attendees,
        feed,
        me,
        minutes: ev.nominal_minutes(),
        recurring: ev.is_recurring() || ev.recurrence_id.is_some(),
        others_known: None,
    };
    // Counted once here: several rules ask.
    Subject {
        others_known: Some(s.others()),
        ..s
    }
}

/// Whose calendar this is, when `me` is not configured: Google names a calendar after its
/// owner's address (`X-WR-CALNAME`); otherwise the address on most events (the owner is on
/// nearly all of them, as organizer or attendee). Only the first events are looked at: the
/// owner shows up at once, and a guess need not cost a pass over a large feed.
pub fn guess_owner(cal: &Calendar) -> Option<String> {
    const LOOK_AT: usize = 500;
    if let Some(name) = cal.sections.iter().find_map(|s| s.name.as_deref()) {
        let n = name.trim();
        if n.contains('@') && !n.contains(char::is_whitespace) {
            return Some(n.to_lowercase());
        }
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut with_people = 0;
    for ev in cal.events.iter().take(LOOK_AT) {
        if ev.attendees.is_empty() {
            continue;
        }
        with_people += 1;
        let mut seen: Vec<&str> = Vec::new();
        for a in ev
            .organizer
            .as_deref()
            .into_iter()
            .chain(ev.attendees.iter().map(|a| &*a.addr))
        {
            if !a.is_empty() && !seen.contains(&a) {
                seen.push(a);
                *counts.entry(a).or_default() += 1;
            }
        }
    }
    // The owner is on at least half of the events that list people.
    counts
        .into_iter()
        .filter(|&(_, n)| n * 2 >= with_people && with_people >= 2)
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        .map(|(a, _)| a.to_owned())
}

/// The classifier reads a parsed event's attendee list where it is.
impl AttendeeList for Box<[Attendee]> {
    fn count(&self) -> usize {
        self.len()
    }
    fn address(&self, i: usize) -> &str {
        &self[i].addr
    }
    fn is_resource(&self, i: usize) -> bool {
        self[i].resource
    }
}

/// Whether an all-day title marks the user out of office (word-aware, case-insensitive).
pub fn is_ooo(summary: &str, keywords: &[String]) -> bool {
    let lower = summary.to_lowercase();
    keywords.iter().any(|k| {
        lower.match_indices(k.as_str()).any(|(i, _)| {
            let before = lower[..i].chars().next_back();
            let after = lower[i + k.len()..].chars().next();
            !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
        })
    })
}

/// The weekly report of an analysis.
pub fn report(a: &Analysis, s: &Settings<'_>) -> Report {
    let entries: Vec<Entry> = a
        .rows
        .iter()
        .map(|r| {
            let allday = match r.occ.time {
                expand::OccurrenceTime::AllDay { start, end } => {
                    let summary = a.event(r).summary.as_deref().unwrap_or("");
                    Some((start, end, is_ooo(summary, &s.week.ooo_keywords)))
                }
                _ => None,
            };
            Entry {
                start: r.occ.start,
                end: r.occ.end,
                category: r.category,
                kind: match r.excluded {
                    None => EntryKind::Counted,
                    Some(x) => EntryKind::Excluded(x),
                },
                allday,
                created: a.event(r).created.map(|c| c.and_utc()),
            }
        })
        .collect();
    // The weekly sweep and the protected-time check, side by side on a large analysis.
    let (mut rep, violations) = parallel::report_beside(
        a.rows.len(),
        || report::build(&entries, s.window, s.week, &s.priority),
        || violations(a, s),
    );
    let tz = s.window.tz;
    // One violation per meeting, however many blocks it breaks (`nofly::violations`).
    for v in violations {
        let start = a.rows[v.meeting].occ.start;
        let local = start.with_timezone(&tz).date_naive();
        // The weeks are consecutive Mondays in order (`report::build`), so the week holding
        // `local` is the last one starting on or before it: a binary search, where a scan
        // with date arithmetic per week was a twentieth of a ten-year run.
        let after = rep.weeks.partition_point(|w| w.week_start <= local);
        if let Some(w) = after.checked_sub(1).and_then(|i| rep.weeks.get_mut(i)) {
            if local < w.week_start + chrono::Duration::days(7) {
                w.no_fly_violations += 1;
            }
        }
    }
    rep
}

/// Protected intervals in the window: no-fly windows, plus counted deep-work blocks when
/// `protect_deep_work` is on.
pub fn protected(a: &Analysis, s: &Settings<'_>) -> Vec<Protected> {
    let mut p = nofly::window_intervals(s.no_fly, s.window.start(), s.window.end());
    if s.protection.protect_deep_work {
        for (i, r) in a.rows.iter().enumerate() {
            if r.excluded.is_none() && r.category == Category::DeepWork && !r.occ.is_allday() {
                p.push(Protected {
                    start: r.occ.start,
                    end: r.occ.end,
                    source: ProtectedSource::Block(i),
                });
            }
        }
    }
    p
}

/// Counted meetings (timed, not deep work) that overlap protected time by at least
/// `min_overlap`.
pub fn violations(a: &Analysis, s: &Settings<'_>) -> Vec<Violation> {
    let meetings: Vec<(usize, DateTime<Utc>, DateTime<Utc>)> = a
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.excluded.is_none() && r.category != Category::DeepWork && !r.occ.is_allday()
        })
        .map(|(i, r)| (i, r.occ.start, r.occ.end))
        .collect();
    nofly::violations(
        &meetings,
        &protected(a, s),
        s.protection.min_overlap.as_secs() as i64,
    )
}

/// The numbers the charts draw, from the same report the `report` command prints. The 1:1
/// marks are as of the window's end (as `calaudit reports --to` is); the dashboard redraws
/// them as of its data's time.
///
/// `now` decides which week is the latest complete one ([`Report::latest_complete_week`]).
pub fn chart_input(
    a: &Analysis,
    rep: &Report,
    s: &Settings<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> crate::chart::ChartInput {
    use chrono::Timelike;
    let tz = s.window.tz;
    let weeks = rep
        .weeks
        .iter()
        .map(|w| crate::chart::WeekPoint {
            week: w.week.clone(),
            week_start: w.week_start,
            hours: w.seconds.map(|x| x as f64 / 3600.0),
            working_hours: w.working_hours,
            ooo_days: w.ooo_days,
            people_share: w.people_share,
            no_fly_violations: w.no_fly_violations,
        })
        .collect();
    // Where counted meetings land: an average week's busy minutes per weekday and hour.
    let meetings: Vec<(DateTime<Utc>, DateTime<Utc>)> = a
        .rows
        .iter()
        .filter(|r| r.excluded.is_none() && r.category != Category::DeepWork && !r.occ.is_allday())
        .map(|r| (r.occ.start, r.occ.end))
        .collect();
    let heat = crate::chart::HeatMap::from_meetings(&meetings, tz, s.window.from, s.window.to);
    let mut no_fly = Vec::new();
    for w in s.no_fly {
        let (a, b) = (
            w.start.num_seconds_from_midnight() / 60,
            w.end.num_seconds_from_midnight() / 60,
        );
        for d in &w.days {
            no_fly.push((d.num_days_from_monday() as u8, a, b.max(a)));
        }
    }
    crate::chart::ChartInput {
        from: s.window.from,
        to: s.window.to,
        tz: tz.name().to_owned(),
        week_hours: s.week.hours,
        people_target: s.week.people_target,
        weeks,
        latest_complete: rep.latest_complete_week(now).map(|w| w.week.clone()),
        heat: crate::chart::HeatMap { no_fly, ..heat },
        one_on_ones: crate::playbook::weeks::chart_rows(a, rep, s, s.window.end()),
    }
}
