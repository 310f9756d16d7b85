//! [`Invocation`]: what the analysing commands (`report`, `occurrences`, `reports`, `check`,
//! `charts`, `serve`, `rules suggest`) share: flags and config resolved into a zone, addresses,
//! a window and feeds; the feeds fetched (one [`Fetcher`]), parsed, checked to be calendars and
//! analysed; warnings and `--verbose` timings printed to stderr. Also [`load_config`], which
//! every command uses to find its `config.toml`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Datelike, Utc};

use super::output::{ms, skip_teardown};
use crate::cli::Common;
use crate::config::{parse_tz, Config};
use crate::feed::{Body, FeedError, FetchOptions, Fetcher, Source, MAX_BODY_BYTES};
use crate::pipeline::{self, Analysis, ParsedFeed, Settings};
use crate::report::Window;

/// How long the CLI waits for one feed, redirects and body included.
const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// What a feed without BEGIN:VCALENDAR is told: weeks of zeros from a sign-in page or an empty
/// file would look like a real answer, and a secret address that was reset serves such a page.
pub(crate) const NOT_A_CALENDAR: &str =
    "is not a calendar: it has no BEGIN:VCALENDAR (an empty file, or a \
     web page such as a sign-in page). If it is a secret calendar address, the address may have \
     been reset: copy it again from your calendar's settings.";

/// Why a parsed feed is not a calendar worth reporting on, if it is not. A calendar with
/// events, none of them in the window, is fine.
fn not_a_calendar(cal: &crate::ics::Calendar) -> Option<&'static str> {
    if cal.sections.is_empty() && cal.events.is_empty() {
        return Some(NOT_A_CALENDAR);
    }
    if cal.events.is_empty() {
        return Some(
            "has no events at all (no VEVENT in any VCALENDAR): check that this is the calendar \
             you meant to export.",
        );
    }
    None
}

/// Which window a command looks at when `--from`/`--to` do not say.
#[derive(Clone, Copy)]
pub enum WindowDefault {
    /// `report.weeks` weeks ending with the current week.
    RecentWeeks,
    /// The last complete ISO week (`check`).
    LastCompleteWeek,
    /// `report.weeks` weeks ending with today (`reports`: as of now).
    ThroughToday,
}

/// A URL feed fetched while guessing the zone: its body or why it failed (`None`: not
/// fetched yet).
type Prefetched = Option<Result<Vec<u8>, FeedError>>;

/// Everything an analysing command needs, resolved from flags and config.
pub struct Invocation {
    pub cfg: Config,
    /// `--tz`, else the config's `tz`.
    pub tz: chrono_tz::Tz,
    /// `--me`, else the config's `me`, normalised.
    pub me: Vec<String>,
    pub window: Window,
    /// `--feed`s (named feed1, feed2…), else the config's feeds.
    pub feeds: Vec<(String, Source)>,
    pub verbose: bool,
    fetcher: Fetcher,
    /// Per feed, what fetching a URL feed while looking for the zone ([`feed_zone`]) gave,
    /// so that the analysis does not fetch it a second time; `None` otherwise. An error is
    /// taken out by the first read, which reports it.
    prefetched: std::cell::RefCell<Vec<Prefetched>>,
}

impl Invocation {
    /// Resolves `c` against the config; fails on an unknown zone, no feeds, a bad feed
    /// address or an empty window.
    pub fn load(c: &Common, default: WindowDefault) -> Result<Invocation> {
        let cfg =
            crate::daemon::cmd::for_user(load_config(c.config.as_deref())?, c.user.as_deref())?;
        let fetcher = Fetcher::new(FetchOptions {
            timeout: FETCH_TIMEOUT,
            max_body_bytes: MAX_BODY_BYTES,
        });
        let feeds = resolve_feeds(c, &cfg)?;
        let mut prefetched: Vec<Prefetched> =
            std::iter::repeat_with(|| None).take(feeds.len()).collect();
        let tz = match c.tz.as_deref() {
            Some(name) => parse_tz(name).with_context(|| {
                format!("--tz: unknown time zone {name:?}; expected an IANA name such as \"Europe/Berlin\"")
            })?,
            None if cfg.tz_configured => cfg.tz,
            // No zone given: the feed's own, said on stderr (issue 11, item 4).
            None => match feed_zone(&fetcher, &feeds, &mut prefetched) {
                Some((zone, from)) => {
                    eprintln!(
                        "note: no `tz` configured: using {zone}, the feed's zone ({from}); set tz = \"{zone}\" in the config or pass --tz to change it",
                        zone = zone.name()
                    );
                    zone
                }
                None => cfg.tz,
            },
        };
        let me: Vec<String> = if c.me.is_empty() {
            cfg.me.clone()
        } else {
            c.me.iter()
                .map(|m| crate::ics::value::normalize_address(m))
                .collect()
        };
        let window = resolve_window(c, &cfg, tz, default)?;
        Ok(Invocation {
            cfg,
            tz,
            me,
            window,
            feeds,
            verbose: c.verbose,
            fetcher,
            prefetched: std::cell::RefCell::new(prefetched),
        })
    }

    pub fn settings(&self) -> Settings<'_> {
        Settings::from_config(&self.cfg, self.window, &self.me)
    }

    /// Fetches, parses and analyses every feed over the window; prints warnings (and timings
    /// with `--verbose`) to stderr.
    pub fn analyze(&self) -> Result<Analysis> {
        let settings = self.settings();
        let (parsed, parse_time) = self.parse(pipeline::parse_options(&settings))?;
        if self.me.is_empty() {
            print_owner_guess(&parsed);
        }
        let a = pipeline::analyze_parsed(parsed, &settings);
        self.print_timings(parse_time, &a);
        self.print_warnings(&a);
        Ok(a)
    }

    /// The `reports` answer as of `as_of` (UTC). Only the events that can be 1:1s with a
    /// report are expanded, but over the whole feed (from the earliest of them to 400 days
    /// after `as_of`), so that the last 1:1, the last career conversation and the next 1:1
    /// are found wherever they are; the counts are then taken over the window.
    pub fn playbook(&self, as_of: DateTime<Utc>) -> Result<crate::playbook::Playbook> {
        use crate::playbook::{self, Roster};
        let roster = Roster::new(&self.cfg.reports);
        // Descriptions say whether a 1:1 was technical, a status update or about careers.
        let (parsed, parse_time) =
            self.parse(crate::ics::parse::ParseOptions { descriptions: true })?;
        let a = playbook::episodes::history(
            parsed,
            &self.cfg,
            self.tz,
            &self.me,
            self.window.from,
            as_of,
        );
        self.print_timings(parse_time, &a);
        self.print_warnings(&a);
        let all = playbook::one_on_ones(&a, &roster, &self.me);
        let reports = playbook::summarize(&all, &roster, self.window.start(), as_of, self.tz);
        skip_teardown(a);
        Ok(playbook::Playbook {
            tz: self.tz,
            from: self.window.from,
            to: self.window.to,
            reports,
        })
    }

    /// Reads every feed into memory (the digest parses them twice: once for the weeks, once
    /// with descriptions for the 1:1s). A feed that cannot be read is an error naming it.
    pub fn read_feeds(&self) -> Result<Vec<pipeline::FeedInput>> {
        use std::io::Read;
        let mut out = Vec::new();
        for (i, (name, src)) in self.feeds.iter().enumerate() {
            let context = || format!("feed {name:?} ({})", src.display());
            let not_a_calendar_error = || {
                anyhow::anyhow!(
                    "feed {name:?} ({}) {NOT_A_CALENDAR}",
                    crate::untrusted::shown(&src.display())
                )
            };
            let mut body = match self.open(i, src) {
                Ok(body) => body,
                Err(e) if e.is_not_a_calendar() => return Err(not_a_calendar_error()),
                Err(e) => return Err(e).with_context(context),
            };
            let mut bytes = Vec::new();
            body.read_to_end(&mut bytes)
                .with_context(|| format!("cannot read {}", src.display()))
                .with_context(context)?;
            // A file gets the check a downloaded feed gets (an HTML page, or no VCALENDAR).
            if crate::feed::check_calendar(&bytes, None, &src.display()).is_err() {
                return Err(not_a_calendar_error());
            }
            out.push(pipeline::FeedInput {
                name: name.clone(),
                bytes,
            });
        }
        Ok(out)
    }

    /// Feed `i`'s body: the copy fetched while guessing the zone, else a fresh read or fetch.
    fn open(&self, i: usize, src: &Source) -> Result<Body, FeedError> {
        let mut prefetched = self.prefetched.borrow_mut();
        let Some(slot) = prefetched.get_mut(i) else {
            return self.fetcher.open(src);
        };
        match slot.take() {
            Some(Ok(bytes)) => {
                let body = Body::Bytes(std::io::Cursor::new(bytes.clone()));
                *slot = Some(Ok(bytes));
                Ok(body)
            }
            Some(Err(e)) => Err(e),
            None => self.fetcher.open(src),
        }
    }

    fn print_timings(&self, parse_time: Duration, a: &Analysis) {
        if self.verbose {
            let t = a.timings;
            eprintln!(
                "timing: read and parse {}, expand {}, classify {}, annotate {}",
                ms(parse_time),
                ms(t.expand),
                ms(t.classify),
                ms(t.annotate)
            );
        }
    }

    /// Reads and parses every feed, keeping what `opts` asks for; returns the feeds and the
    /// time it took. A feed that cannot be read, or is not a calendar, is an error naming it.
    fn parse(&self, opts: crate::ics::parse::ParseOptions) -> Result<(Vec<ParsedFeed>, Duration)> {
        let mut parsed = Vec::new();
        let started = Instant::now();
        for (i, (name, src)) in self.feeds.iter().enumerate() {
            let context = || format!("feed {name:?} ({})", src.display());
            let not_a_calendar_error = |problem: &str| {
                anyhow::anyhow!(
                    "feed {name:?} ({}) {problem}",
                    crate::untrusted::shown(&src.display())
                )
            };
            let body = match self.open(i, src) {
                Ok(body) => body,
                // A URL that sent a web page (a sign-in page) is told as a file would be.
                Err(e) if e.is_not_a_calendar() => {
                    return Err(not_a_calendar_error(NOT_A_CALENDAR))
                }
                Err(e) => return Err(e).with_context(context),
            };
            // Parsed while it is read: a file is never held whole in memory, and a large
            // one is parsed in two halves at once (`parse_file`).
            let calendar = match body {
                #[cfg(unix)]
                Body::File(file) => crate::ics::parse::parse_file(&file, opts),
                body => crate::ics::parse::parse_reader(body, opts),
            }
            .with_context(|| format!("cannot read {}", src.display()))
            .with_context(context)?;
            if let Some(problem) = not_a_calendar(&calendar) {
                return Err(not_a_calendar_error(problem));
            }
            parsed.push(ParsedFeed {
                name: name.clone(),
                calendar,
            });
        }
        Ok((parsed, started.elapsed()))
    }

    fn print_warnings(&self, a: &Analysis) {
        const SHOWN: usize = 10;
        for (fw, (_, src)) in a.warnings.iter().zip(&self.feeds) {
            let n = fw.warnings.len();
            let shown = if self.verbose { n } else { n.min(SHOWN) };
            // Messages quote feed text: one short printable line each.
            let src = crate::untrusted::shown(&src.display());
            for w in &fw.warnings[..shown] {
                let message = crate::untrusted::shown(&w.message);
                if w.line > 0 {
                    eprintln!(
                        "warning: feed {:?} ({src}) line {}: {message}",
                        fw.feed, w.line,
                    );
                } else {
                    eprintln!("warning: feed {:?} ({src}): {message}", fw.feed);
                }
            }
            if n > shown {
                eprintln!(
                    "warning: feed {:?}: {} more warnings (pass --verbose to see them all)",
                    fw.feed,
                    n - shown
                );
            }
        }
        if a.duplicates > 0 {
            eprintln!(
                "note: {} occurrences appeared in more than one feed and were counted once",
                a.duplicates
            );
        }
    }
}

/// `--feed`s, named feed1, feed2… in order, else the config's feeds; each address parsed.
fn resolve_feeds(c: &Common, cfg: &Config) -> Result<Vec<(String, Source)>> {
    let feeds: Vec<(String, String)> = if c.feeds.is_empty() {
        cfg.feeds
            .iter()
            .map(|f| (f.name.clone(), f.url.clone()))
            .collect()
    } else {
        c.feeds
            .iter()
            .enumerate()
            .map(|(i, f)| (format!("feed{}", i + 1), f.clone()))
            .collect()
    };
    if feeds.is_empty() {
        bail!("no calendar feeds: pass --feed PATH_OR_URL, or write a config with `calaudit init` and add [[feeds]]");
    }
    feeds
        .into_iter()
        .map(|(name, url)| {
            let src = Source::parse(&url).with_context(|| format!("feed {name:?}"))?;
            Ok((name, src))
        })
        .collect()
}

/// `--from`/`--to`, the missing ends filled in by `default` (local dates in `tz`, today from
/// the wall clock). Fails when the window is empty.
fn resolve_window(
    c: &Common,
    cfg: &Config,
    tz: chrono_tz::Tz,
    default: WindowDefault,
) -> Result<Window> {
    let today = Utc::now().with_timezone(&tz).date_naive();
    let this_monday =
        today - chrono::Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let tomorrow = today + chrono::Duration::days(1);
    let weeks = chrono::Duration::weeks(i64::from(cfg.report_weeks));
    let (from, to) = match (c.from, c.to, default) {
        (Some(f), Some(t), _) => (f, t),
        (Some(f), None, WindowDefault::ThroughToday) => (f, tomorrow),
        (None, None, WindowDefault::ThroughToday) => (tomorrow - weeks, tomorrow),
        (Some(f), None, _) => (f, this_monday + chrono::Duration::days(7)),
        (None, Some(t), _) => (t - weeks, t),
        (None, None, WindowDefault::RecentWeeks) => {
            let to = this_monday + chrono::Duration::days(7);
            (to - weeks, to)
        }
        (None, None, WindowDefault::LastCompleteWeek) => {
            (this_monday - chrono::Duration::days(7), this_monday)
        }
    };
    if to <= from {
        bail!("--to ({to}) must be after --from ({from})");
    }
    Ok(Window { tz, from, to })
}

/// How much of each feed [`feed_zone`] reads: the calendar's header and first events, where
/// `X-WR-TIMEZONE`, the VTIMEZONEs and the first TZIDs are.
const ZONE_SNIFF_BYTES: u64 = 256 * 1024;

/// The zone the feeds are written in, and the property that said so: Google's
/// `X-WR-TIMEZONE`, else the IANA `TZID` used most on DTSTART/DTEND lines, from the first
/// [`ZONE_SNIFF_BYTES`] of each feed. A feed that cannot be read is skipped here (the
/// analysis reports it).
///
/// A URL feed is fetched here, once: its body is kept in `prefetched` (by feed index) and the
/// analysis reads that copy, so a secret link is not asked twice (issue 11 item 4); a fetch
/// that fails is kept too, and the analysis reports it.
fn feed_zone(
    fetcher: &Fetcher,
    feeds: &[(String, Source)],
    prefetched: &mut [Prefetched],
) -> Option<(chrono_tz::Tz, &'static str)> {
    use std::io::Read;
    let mut counts: Vec<(chrono_tz::Tz, usize)> = Vec::new();
    for (i, (_, src)) in feeds.iter().enumerate() {
        let mut head = Vec::new();
        match src {
            Source::Path(_) => {
                let Ok(body) = fetcher.open(src) else {
                    continue;
                };
                if body.take(ZONE_SNIFF_BYTES).read_to_end(&mut head).is_err() {
                    continue;
                }
            }
            _ => {
                let mut body = match fetcher.open(src) {
                    Ok(body) => body,
                    Err(e) => {
                        // Kept for the analysis to report, not fetched again.
                        if let Some(slot) = prefetched.get_mut(i) {
                            *slot = Some(Err(e));
                        }
                        continue;
                    }
                };
                let mut all = Vec::new();
                if body.read_to_end(&mut all).is_err() {
                    continue;
                }
                head.extend_from_slice(&all[..all.len().min(ZONE_SNIFF_BYTES as usize)]);
                if let Some(slot) = prefetched.get_mut(i) {
                    *slot = Some(Ok(all));
                }
            }
        }
        let text = String::from_utf8_lossy(&head);
        for line in text.lines() {
            let upper = line.get(..14).unwrap_or(line).to_ascii_uppercase();
            if upper.starts_with("X-WR-TIMEZONE") {
                if let Some(zone) = line.split_once(':').and_then(|(_, v)| parse_tz(v.trim())) {
                    return Some((zone, "X-WR-TIMEZONE"));
                }
            } else if upper.starts_with("DTSTART;") || upper.starts_with("DTEND;") {
                let params = line.split_once(':').map_or(line, |(p, _)| p);
                let tzid = params
                    .split(';')
                    .find_map(|p| {
                        p.split_once('=')
                            .filter(|(k, _)| k.eq_ignore_ascii_case("TZID"))
                    })
                    .map(|(_, v)| v.trim_matches('"'));
                if let Some(zone) = tzid.and_then(parse_tz) {
                    match counts.iter_mut().find(|(z, _)| *z == zone) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((zone, 1)),
                    }
                }
            }
        }
    }
    counts
        .into_iter()
        .max_by_key(|&(_, n)| n)
        .map(|(zone, _)| (zone, "the most used TZID"))
}

/// Without `me`, the analysis takes each feed's owner ([`pipeline::guess_owner`]) as the
/// user: one line on stderr says whom it assumed and how to set `me`, or, when no feed says
/// whose it is, that meetings the user declined cannot be excluded.
fn print_owner_guess(parsed: &[ParsedFeed]) {
    let mut owners: Vec<String> = Vec::new();
    for f in parsed {
        if let Some(o) = pipeline::guess_owner(&f.calendar) {
            if !owners.contains(&o) {
                owners.push(o);
            }
        }
    }
    // Addresses come from the feed: shown as one short printable line.
    let list = crate::untrusted::shown(&owners.join("\", \""));
    if owners.is_empty() {
        eprintln!(
            "note: no `me` configured and the feed does not say whose calendar it is, so meetings you declined cannot be excluded; set me = [\"you@example.com\"] in the config or pass --me"
        );
    } else {
        eprintln!(
            "note: no `me` configured: assuming you are \"{list}\" (the calendar's owner); set me = [\"{list}\"] in the config or pass --me to change it"
        );
    }
}

/// `--config`, else `$CALAUDIT_CONFIG`, else ./config.toml, else the XDG config, else
/// built-in defaults (no feeds).
pub fn load_config(explicit: Option<&Path>) -> Result<Config> {
    if let Some(p) = explicit {
        return Ok(Config::load(p)?);
    }
    if let Some(p) = std::env::var_os("CALAUDIT_CONFIG") {
        return Ok(Config::load(Path::new(&p))?);
    }
    let local = PathBuf::from("config.toml");
    if local.is_file() {
        return Ok(Config::load(&local)?);
    }
    let xdg = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")));
    if let Some(dir) = xdg {
        let p = dir.join("calaudit").join("config.toml");
        if p.is_file() {
            return Ok(Config::load(&p)?);
        }
    }
    Ok(Config::parse("", None)?)
}
