//! [`RawConfig`] → [`Config`]: zones resolved, rules compiled, durations parsed.

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use chrono::{NaiveTime, Weekday};

use super::layout::{closest, line_of, Entry, Layout};
use super::raw::RawConfig;
use super::users;
use crate::classify::{Category, Classifier};
use crate::report::nofly::NoFlyWindow;
use crate::time::parse_duration;

/// A checked configuration.
pub struct Config {
    /// The file it came from (None for built-in defaults).
    pub path: Option<PathBuf>,
    pub tz: chrono_tz::Tz,
    /// Whether `tz` was written in the file (else it is the system zone, and the commands
    /// prefer the feed's own zone: issue 11, item 4).
    pub tz_configured: bool,
    /// Normalised addresses (lowercase, no `mailto:`).
    pub me: Vec<String>,
    pub feeds: Vec<FeedConfig>,
    pub week: WeekSettings,
    /// How many weeks `report` shows when no window is given (ending with the current week).
    pub report_weeks: u32,
    /// Category priority where occurrences overlap, highest first.
    pub priority: [Category; 4],
    pub classifier: Classifier,
    /// Protected windows.
    pub no_fly: Vec<NoFlyWindow>,
    pub protection: Protection,
    /// Dashboard address (loopback by default) and the token required off loopback.
    pub server_bind: std::net::SocketAddr,
    pub server_token: Option<String>,
    /// `[server] hosts`: names the dashboard answers to besides localhost and IP addresses.
    pub server_hosts: Vec<String>,
    /// Where the daemon writes charts after each change (relative to the config file).
    pub charts_dir: Option<PathBuf>,
    /// `calaudit run`: store, fetching, alert sinks.
    pub daemon: super::DaemonConfig,
    /// Direct reports (`[[reports]]`), in the order written.
    pub reports: Vec<super::DirectReport>,
    /// How much one feed may expand to (`[limits]`).
    pub limits: crate::ics::expand::ExpandLimits,
    /// The daemon's weekly digest (`[digest]`); `None` without the table: no digest is sent.
    pub digest: Option<super::daemon::DigestSchedule>,
    /// Team mode (`[[users]]`, `users_dir`): each user with their own settings and store
    /// namespace. Empty: this config is the one implicit user.
    pub users: Vec<super::users::User>,
    /// Team mode: the admin token's hash (`[server] admin_token_sha256`).
    pub admin_token: Option<super::users::TokenHash>,
}

/// What counts as breaking protected time, and how far ahead to look.
#[derive(Clone, Debug, PartialEq)]
pub struct Protection {
    /// Overlaps shorter than this are touches, not breaks.
    pub min_overlap: StdDuration,
    /// Upcoming occurrences this far ahead are checked by the daemon.
    pub lookahead: StdDuration,
    /// Counted deep-work occurrences are protected like no-fly windows.
    pub protect_deep_work: bool,
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            min_overlap: StdDuration::from_secs(10 * 60),
            lookahead: StdDuration::from_secs(14 * 86_400),
            protect_deep_work: true,
        }
    }
}

pub struct FeedConfig {
    pub name: String,
    /// As written: a path (relative to the config file), `file://`, `http(s)://` or `webcal://`.
    pub url: String,
    pub refresh: StdDuration,
}

/// What a working week is, for the people-share target.
#[derive(Clone, Debug)]
pub struct WeekSettings {
    pub hours: f64,
    pub people_target: f64,
    pub workdays: Vec<Weekday>,
    /// All-day events whose title contains one of these (word-aware, case-insensitive) are
    /// out-of-office days and lower that week's working hours.
    pub ooo_keywords: Vec<String>,
    /// The working day on workdays, local time (default 09:00 to 17:00): where focus blocks
    /// are looked for (`report::fragment`). `day_end` is after `day_start`.
    pub day_start: NaiveTime,
    pub day_end: NaiveTime,
}

impl Default for WeekSettings {
    fn default() -> Self {
        WeekSettings {
            hours: 40.0,
            people_target: 0.30,
            workdays: vec![
                Weekday::Mon,
                Weekday::Tue,
                Weekday::Wed,
                Weekday::Thu,
                Weekday::Fri,
            ],
            ooo_keywords: [
                "ooo",
                "out of office",
                "out-of-office",
                "vacation",
                "holiday",
                "pto",
                "leave",
                "sick",
                "off",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            day_start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            day_end: NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// Every problem found in one config file.
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid config {} ({} problem{}):\n  {}",
    file.display(),
    problems.len(),
    if problems.len() == 1 { "" } else { "s" },
    problems.join("\n  ")
)]
pub struct ConfigError {
    pub file: PathBuf,
    pub problems: Vec<String>,
}

pub const DEFAULT_PRIORITY: [Category; 4] = [
    Category::People,
    Category::Technical,
    Category::Other,
    Category::DeepWork,
];

impl Config {
    /// Reads and checks a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: path.to_owned(),
            problems: vec![format!("cannot read the file: {e}")],
        })?;
        Config::parse(&text, Some(path))
    }

    /// Parses config text; `path` names it in errors and anchors relative feed paths.
    ///
    /// Every problem is reported at once, each as `FILE:LINE: what`, in the order of the
    /// file: a key serde refuses (unknown, with a suggestion when it looks misspelt, or of
    /// the wrong type) is cut out of the text and the rest is read again, so that the keys
    /// after it are still checked; then every value is checked ([`Config::from_raw`]).
    pub fn parse(text: &str, path: Option<&Path>) -> Result<Config, ConfigError> {
        let file = path
            .map(Path::to_owned)
            .unwrap_or_else(|| PathBuf::from("<built-in config>"));
        let name = file.display().to_string();
        let (raw, layout, mut problems) = read_raw(text, &name);
        if let Some(raw) = raw {
            match Config::from_service(raw, text, path, layout.as_ref(), &name) {
                Ok(config) if problems.is_empty() => return Ok(config),
                Ok(_) => {}
                Err(more) => problems.extend(more),
            }
        }
        // In the order of the file; problems without a line (a whole-file error, or one in
        // a user file, which names its own file and line) last.
        problems.sort_by_key(|(line, _)| line.unwrap_or(usize::MAX));
        Err(ConfigError {
            file,
            problems: problems.into_iter().map(|(_, p)| p).collect(),
        })
    }

    /// The whole file: the service's own keys, then every user (`[[users]]`, `users_dir`),
    /// each checked as a single-user config is. Problems come back located (`FILE:LINE: …`).
    fn from_service(
        mut raw: RawConfig,
        text: &str,
        path: Option<&Path>,
        layout: Option<&Layout>,
        name: &str,
    ) -> Result<Config, Vec<(Option<usize>, String)>> {
        let written = |k: &str| layout.is_some_and(|l| l.get(k).is_some());
        let users_raw = std::mem::take(&mut raw.users);
        let users_dir = raw.users_dir.take();
        let admin = raw.server.admin_token_sha256.take();
        let team = !users_raw.is_empty() || users_dir.is_some();
        let mut problems = Vec::new();
        // Problems found in user files, already located in their own file.
        let mut elsewhere = Vec::new();
        for k in users::USER_ONLY {
            if written(k) {
                problems.push(format!(
                    "key `{k}`: belongs in a user's table ([[users]], or a file in `users_dir`), not at the top level"
                ));
            }
        }
        let admin_token = match admin.as_deref() {
            Some(_) if !team => {
                problems.push("key `server.admin_token_sha256`: only a config with users ([[users]] or `users_dir`) has an admin; remove it, or add users".to_owned());
                None
            }
            Some(a) => users::TokenHash::parse(a)
                .map_err(|e| problems.push(format!("key `server.admin_token_sha256`: {e}")))
                .ok(),
            None => None,
        };
        if team {
            for k in users::PER_USER.iter().filter(|k| written(k)) {
                problems.push(format!(
                    "key `{k}`: with users, `{k}` goes in each user's table; the top level holds only [server], [store], [daemon], [[users]] and `users_dir`"
                ));
            }
            if raw.server.token.is_some() {
                problems.push("key `server.token`: with users, a token is never written in the config: each user has `token_sha256`, the admin `server.admin_token_sha256` (`calaudit token` makes both)".to_owned());
            }
            if raw
                .store
                .url
                .as_deref()
                .is_some_and(|u| u.contains("options="))
            {
                problems.push("key `store.url`: with users, calaudit sets each connection's search_path to the user's schema, which `options` in the URL would fight; remove `options` from the URL".to_owned());
            }
        }
        let service = Config::from_raw(raw, text, path)
            .map_err(|p| problems.extend(p))
            .ok();
        // Each user with where it is written: `users[0]`, or its file.
        let mut users: Vec<(users::User, String)> = Vec::new();
        for (i, u) in users_raw.into_iter().enumerate() {
            let key = format!("users[{i}].");
            let mut p = Vec::new();
            let user = user_from_raw(u, &key, text, path, None, layout, &mut p);
            problems.extend(p);
            users.extend(user.map(|u| (u, format!("users[{i}]"))));
        }
        if let Some(dir) = users_dir.as_deref() {
            let dir = anchor(Path::new(dir), path);
            match users::user_files(&dir) {
                Err(e) => problems.push(format!(
                    "key `users_dir`: cannot read the folder {}: {e}",
                    dir.display()
                )),
                Ok(files) if files.is_empty() && users.is_empty() => problems.push(format!(
                    "key `users_dir`: no *.toml files in {}; add one file per user",
                    dir.display()
                )),
                Ok(files) => {
                    for f in files {
                        let user = read_user_file(&f, &mut elsewhere);
                        users.extend(user.map(|u| (u, f.display().to_string())));
                    }
                }
            }
        }
        for (i, (u, at)) in users.iter().enumerate() {
            let Some((_, first)) = users[..i].iter().find(|(v, _)| v.id == u.id) else {
                continue;
            };
            let what = format!(
                "the id {:?} is already {first}'s; each user needs an id of their own",
                u.id.as_str()
            );
            if at.starts_with("users[") {
                problems.push(format!("key `{at}.id`: {what}"));
            } else {
                elsewhere.push((None, format!("{at}: {what}")));
            }
        }
        if !problems.is_empty() || !elsewhere.is_empty() {
            return Err(problems
                .into_iter()
                .map(|p| locate(p, layout, text, name))
                .chain(elsewhere)
                .collect());
        }
        let Some(mut service) = service else {
            return Err(Vec::new());
        };
        service.users = users
            .into_iter()
            .map(|(mut u, _)| {
                share_service(&service, &mut u);
                u
            })
            .collect();
        service.admin_token = admin_token;
        Ok(service)
    }

    /// `text` is what `raw` was read from: problems found later name its lines. Each section
    /// is checked by its own step, in the order of the file's documentation, and every step
    /// adds its problems to one list, so that all of them are reported at once. One user's
    /// settings, or a single-user config (its users are [`Config::from_service`]'s).
    fn from_raw(raw: RawConfig, text: &str, path: Option<&Path>) -> Result<Config, Vec<String>> {
        let mut problems = Vec::new();
        let tz = resolve_tz(raw.tz.as_deref(), &mut problems);
        let me: Vec<String> = raw
            .me
            .iter()
            .map(|m| crate::ics::value::normalize_address(m))
            .collect();
        let feeds = resolve_feeds(raw.feeds, path, &mut problems);
        let week = resolve_week(raw.week, &mut problems);
        let reports = super::reports::validate(&raw.reports, text, &me, &mut problems);
        let priority = resolve_priority(raw.report.priority, &mut problems);
        let classifier = resolve_classifier(raw.rules.as_deref(), raw.classify, &mut problems);
        let no_fly = resolve_no_fly(&raw.no_fly, tz, &mut problems);
        let protection = resolve_protection(&raw.alerts, &mut problems);
        let server_bind = resolve_server_bind(raw.server.bind.as_deref(), &mut problems);
        let daemon = super::daemon::validate(
            &raw.store,
            &raw.daemon,
            super::daemon::RawAlertSinks {
                feed_failure_after: raw.alerts.feed_failure_after.as_deref(),
                people_target: raw.alerts.people_target,
                playbook: raw.alerts.playbook,
                log: raw.alerts.log,
                webhook: &raw.alerts.webhook,
                command: &raw.alerts.command,
                email: &raw.alerts.email,
            },
            path,
            &mut problems,
        );
        let limits = resolve_limits(&raw.limits, &mut problems);
        let digest = raw
            .digest
            .as_ref()
            .map(|d| resolve_digest(d, &mut problems));
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Config {
            digest,
            limits,
            server_bind,
            server_token: raw.server.token.filter(|t| !t.is_empty()),
            server_hosts: raw.server.hosts.unwrap_or_default(),
            charts_dir: raw
                .server
                .charts_dir
                .as_deref()
                .map(|d| anchor(Path::new(d), path)),
            daemon,
            reports,
            no_fly,
            protection,
            path: path.map(Path::to_owned),
            tz,
            tz_configured: raw.tz.is_some(),
            me,
            feeds,
            week,
            report_weeks: raw.report.weeks.unwrap_or(12).max(1),
            priority,
            classifier,
            users: Vec::new(),
            admin_token: None,
        })
    }
}

/// Reads config text as serde sees it, reporting every key serde refuses: an unknown key
/// (with a suggestion when it looks misspelt) or one of the wrong type is cut out of the text
/// and the rest is read again, so that the keys after it are still checked. `None` when the
/// text is not TOML at all or nothing is left to cut.
fn read_raw(text: &str, name: &str) -> (Option<RawConfig>, Option<Layout>, Vec<Located>) {
    let layout = Layout::read(text);
    let mut problems: Vec<Located> = Vec::new();
    let mut work = text.to_owned();
    let raw = loop {
        match toml::from_str::<RawConfig>(&work) {
            Ok(raw) => break Some(raw),
            Err(e) => {
                let entry = match (&layout, e.span()) {
                    (Some(l), Some(s)) => l.at(&s),
                    _ => None,
                };
                problems.push(describe_toml_error(&e, entry, text, name));
                // Each pass blanks at least one more key, so this ends; the cap only
                // keeps a file of nothing but mistakes from taking long.
                let progressed = match (&layout, entry) {
                    (Some(l), Some(entry)) => l.blank(entry, &mut work),
                    _ => false,
                };
                if !progressed || problems.len() >= MAX_PROBLEMS {
                    break None;
                }
            }
        }
    };
    (raw, layout, problems)
}

/// One user's table (`key` = `users[0].`) or file (`key` empty, `stem` its file name): the
/// service's keys refused, the identity read, the rest checked as a single-user config.
/// Problems go to `problems` unlocated, each naming its key from the file's top.
fn user_from_raw(
    mut raw: RawConfig,
    key: &str,
    text: &str,
    path: Option<&Path>,
    stem: Option<&str>,
    layout: Option<&Layout>,
    problems: &mut Vec<String>,
) -> Option<users::User> {
    for k in users::SERVICE {
        if layout.is_some_and(|l| l.get(&format!("{key}{k}")).is_some()) {
            problems.push(format!(
                "key `{key}{k}`: `{k}` is the service's, not a user's: write it once at the top level of the service config"
            ));
        }
    }
    let identity = users::identity(
        key,
        raw.id.take().as_deref(),
        raw.token_sha256.take().as_deref(),
        raw.group.take().as_deref(),
        stem,
        problems,
    );
    let config = Config::from_raw(raw, text, path)
        .map_err(|p| problems.extend(p.into_iter().map(|p| within(&p, key))))
        .ok();
    let (id, token, group) = identity?;
    Some(users::User {
        id,
        group,
        token,
        config: config?,
    })
}

/// A user file of `users_dir`: read and checked, its problems located in it.
fn read_user_file(file: &Path, problems: &mut Vec<(Option<usize>, String)>) -> Option<users::User> {
    let name = file.display().to_string();
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            problems.push((None, format!("{name}: cannot read the file: {e}")));
            return None;
        }
    };
    let (raw, layout, mut found) = read_raw(&text, &name);
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned());
    let mut more = Vec::new();
    let user = raw.and_then(|raw| {
        user_from_raw(
            raw,
            "",
            &text,
            Some(file),
            stem.as_deref(),
            layout.as_ref(),
            &mut more,
        )
    });
    found.extend(
        more.into_iter()
            .map(|p| locate(p, layout.as_ref(), &text, &name)),
    );
    found.sort_by_key(|(line, _)| line.unwrap_or(usize::MAX));
    let ok = found.is_empty();
    // Kept after the service file's problems, in file order: drop the line used for sorting.
    problems.extend(found.into_iter().map(|(_, p)| (None, p)));
    user.filter(|_| ok)
}

/// `key `week.hours`: …` as the key inside a user's table (`users[0].`).
fn within(problem: &str, key: &str) -> String {
    if key.is_empty() {
        return problem.to_owned();
    }
    for head in ["key `", "keys `", "`"] {
        if let Some(rest) = problem.strip_prefix(head) {
            return format!("{head}{key}{rest}");
        }
    }
    problem.to_owned()
}

/// What a user takes from the service: the dashboard's address and names, the daemon's fetch
/// settings, the charts folder (a folder per user) and the store, as a namespace of its own.
fn share_service(service: &Config, u: &mut users::User) {
    let c = &mut u.config;
    c.server_bind = service.server_bind;
    c.server_hosts = service.server_hosts.clone();
    c.server_token = None;
    c.charts_dir = service.charts_dir.as_ref().map(|d| d.join(u.id.as_str()));
    let d = &mut c.daemon;
    d.store_path = u.id.sqlite_path(&service.daemon.store_path);
    d.store_url = service
        .daemon
        .store_url
        .as_ref()
        .map(|url| url.in_schema(&u.id.schema()));
    d.fetch_timeout = service.daemon.fetch_timeout;
    d.max_body_bytes = service.daemon.max_body_bytes;
    d.concurrency = service.daemon.concurrency;
}

/// A problem as reported: its line (for sorting; `None` goes last) and its text.
type Located = (Option<usize>, String);

/// More problems than this in one file are not listed (each one costs a parse).
const MAX_PROBLEMS: usize = 100;

/// One problem `toml` stopped at, as `FILE:LINE: what`, naming the key and, for an unknown
/// key, the table it is in and the key that was probably meant.
fn describe_toml_error(
    e: &toml::de::Error,
    entry: Option<&Entry>,
    text: &str,
    file: &str,
) -> (Option<usize>, String) {
    let Some(span) = e.span() else {
        return (None, format!("{file}: {}", e.message().trim_end()));
    };
    let line = line_of(text, span.start);
    let at = format!("{file}:{line}");
    let Some(entry) = entry else {
        // Not a key at all: a syntax error. `toml`'s own text shows the line and a caret.
        let full = e.to_string();
        return (
            Some(line),
            format!("{at}: {}", full.trim_end().replace('\n', "\n  ")),
        );
    };
    let message = e.message().trim_end();
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let unknown = rest.split('`').next().unwrap_or_default();
        let known = backticked(rest.split_once("expected").map_or("", |(_, k)| k));
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let hint = match closest(unknown, &known) {
            Some(k) => format!("did you mean `{k}`?"),
            None => match top_level_keys().iter().find(|k| k.as_str() == unknown) {
                // A top-level key written after a [table] header belongs to that table.
                Some(k) if entry.table != "the top level" => {
                    format!("`{k}` is a top-level key: move it above the first [table] header")
                }
                _ => {
                    let top: Vec<&str> = top_level_keys().iter().map(String::as_str).collect();
                    match closest(unknown, &top).filter(|_| entry.table != "the top level") {
                        Some(k) => format!(
                            "did you mean `{k}`? (a top-level key: move it above the first [table] header)"
                        ),
                        None if known.is_empty() => "this table takes no keys".to_owned(),
                        None => format!("expected one of {}", known.join(", ")),
                    }
                }
            },
        };
        return (
            Some(line),
            format!("{at}: unknown key `{unknown}` in {}; {hint}", entry.table),
        );
    }
    (Some(line), format!("{at}: key `{}`: {message}", entry.path))
}

/// The names between backticks in a serde message (`expected one of `a`, `b``).
fn backticked(s: &str) -> Vec<String> {
    s.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The keys allowed at the top level of the file, as serde knows them (asked once, by
/// reading a key that cannot exist), so that this list never drifts from [`RawConfig`].
fn top_level_keys() -> &'static [String] {
    static KEYS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    KEYS.get_or_init(
        || match toml::from_str::<RawConfig>("calaudit_no_such_key = 0\n") {
            Ok(_) => Vec::new(),
            Err(e) => backticked(e.message().split_once("expected").map_or("", |(_, k)| k)),
        },
    )
}

/// A problem found while checking values (`key `week.hours`: ...`), prefixed with
/// `FILE:LINE` of that key, or of the nearest enclosing key that is written in the file.
fn locate(
    problem: String,
    layout: Option<&Layout>,
    text: &str,
    file: &str,
) -> (Option<usize>, String) {
    let path = problem
        .strip_prefix("key `")
        .or_else(|| problem.strip_prefix('`'))
        .and_then(|r| r.split('`').next());
    let line = path.zip(layout).and_then(|(mut path, layout)| loop {
        if let Some(line) = layout.line(text, path) {
            return Some(line);
        }
        path = &path[..path.rfind(['.', '['])?];
    });
    match line {
        Some(line) => (Some(line), format!("{file}:{line}: {problem}")),
        None => (None, format!("{file}: {problem}")),
    }
}

/// `dir` relative to the config file's folder, unless it is absolute or there is no file.
fn anchor(dir: &Path, config: Option<&Path>) -> PathBuf {
    match config.and_then(Path::parent) {
        Some(base) if dir.is_relative() => base.join(dir),
        _ => dir.to_owned(),
    }
}

/// `tz`: an IANA name, else the system zone.
fn resolve_tz(name: Option<&str>, problems: &mut Vec<String>) -> chrono_tz::Tz {
    match name {
        Some(name) => parse_tz(name).unwrap_or_else(|| {
            problems.push(format!(
                "key `tz`: unknown time zone {name:?}; expected an IANA name such as \"America/Los_Angeles\""
            ));
            chrono_tz::UTC
        }),
        None => system_tz(),
    }
}

/// `[[feeds]]`: names and addresses present, refresh intervals read, relative paths anchored
/// at the config file's folder.
fn resolve_feeds(
    raw: Vec<super::raw::RawFeed>,
    path: Option<&Path>,
    problems: &mut Vec<String>,
) -> Vec<FeedConfig> {
    let mut feeds = Vec::new();
    for (i, f) in raw.into_iter().enumerate() {
        let key = format!("feeds[{i}]");
        if f.name.trim().is_empty() {
            problems.push(format!("key `{key}.name`: must not be empty"));
        }
        if f.url.trim().is_empty() {
            problems.push(format!(
                "key `{key}.url`: must not be empty; expected a path or an http(s)/webcal URL"
            ));
        }
        let refresh = match f.refresh.as_deref() {
            None => StdDuration::from_secs(15 * 60),
            Some(s) => parse_duration(s).unwrap_or_else(|_| {
                problems.push(format!("key `{key}.refresh`: invalid duration {s:?}; expected e.g. \"15m\", \"1h\", \"30s\""));
                StdDuration::from_secs(15 * 60)
            }),
        };
        let url = match path.and_then(Path::parent) {
            Some(dir)
                if crate::feed::Source::is_relative_path(&f.url) && !dir.as_os_str().is_empty() =>
            {
                dir.join(&f.url).to_string_lossy().into_owned()
            }
            _ => f.url,
        };
        feeds.push(FeedConfig {
            name: f.name,
            url,
            refresh,
        });
    }
    feeds
}

/// `[week]`: hours, target, workdays, out-of-office keywords and the working day.
fn resolve_week(raw: super::raw::RawWeek, problems: &mut Vec<String>) -> WeekSettings {
    let mut week = WeekSettings::default();
    if let Some(h) = raw.hours {
        if h.is_finite() && h > 0.0 && h <= 168.0 {
            week.hours = h;
        } else {
            problems.push(format!(
                "key `week.hours`: expected hours between 0 and 168, got {h}"
            ));
        }
    }
    if let Some(t) = raw.people_target {
        if (0.0..=1.0).contains(&t) {
            week.people_target = t;
        } else {
            problems.push(format!("key `week.people_target`: expected a fraction between 0 and 1 (0.30 = 30%), got {t}"));
        }
    }
    if let Some(days) = raw.workdays {
        let mut parsed = Vec::new();
        for d in &days {
            match parse_weekday(d) {
                Some(w) => parsed.push(w),
                None => problems.push(format!("key `week.workdays`: unknown day {d:?}; expected mon, tue, wed, thu, fri, sat or sun")),
            }
        }
        week.workdays = parsed;
    }
    if let Some(k) = raw.ooo_keywords {
        week.ooo_keywords = k.into_iter().map(|s| s.to_lowercase()).collect();
    }
    for (k, v, slot) in [
        ("day_start", &raw.day_start, &mut week.day_start),
        ("day_end", &raw.day_end, &mut week.day_end),
    ] {
        let Some(v) = v.as_deref() else { continue };
        match parse_clock(v, k == "day_end") {
            Some(t) => *slot = t,
            None => problems.push(format!(
                "key `week.{k}`: invalid time {v:?}; expected HH:MM, e.g. \"09:00\""
            )),
        }
    }
    if week.day_end <= week.day_start {
        problems.push(format!(
            "key `week.day_end`: {} must be after `week.day_start` {}",
            week.day_end.format("%H:%M"),
            week.day_start.format("%H:%M")
        ));
    }
    week
}

/// `report.priority`: each category exactly once, else the default order.
fn resolve_priority(raw: Option<Vec<String>>, problems: &mut Vec<String>) -> [Category; 4] {
    let mut priority = DEFAULT_PRIORITY;
    if let Some(p) = raw {
        let parsed: Vec<Option<Category>> = p.iter().map(|s| s.parse().ok()).collect();
        let mut sorted: Vec<Category> = parsed.iter().flatten().copied().collect();
        sorted.sort();
        sorted.dedup();
        if parsed.len() == 4 && sorted.len() == 4 {
            for (slot, c) in priority.iter_mut().zip(parsed.into_iter().flatten()) {
                *slot = c;
            }
        } else {
            problems.push(format!("key `report.priority`: expected each of \"people\", \"technical\", \"deep_work\", \"other\" exactly once, got {p:?}"));
        }
    }
    priority
}

/// `[[rules]]` compiled once (the built-in rules when there are none), and `[classify]`.
fn resolve_classifier(
    rules: Option<&[crate::classify::RawRule]>,
    classify: super::raw::RawClassify,
    problems: &mut Vec<String>,
) -> Classifier {
    match rules {
        None => Classifier::builtin(),
        Some(rules) => Classifier::from_rules(rules).unwrap_or_else(|errs| {
            problems.extend(errs.into_iter().map(|e| format!("`rules`: {e}")));
            Classifier::builtin()
        }),
    }
    .with_fallback(classify.fallback.unwrap_or(true))
}

/// `[[no_fly]]`: days, local start and end, and the window's zone (default: `tz`).
fn resolve_no_fly(
    raw: &[super::raw::RawNoFly],
    tz: chrono_tz::Tz,
    problems: &mut Vec<String>,
) -> Vec<NoFlyWindow> {
    let mut no_fly = Vec::new();
    for (i, w) in raw.iter().enumerate() {
        let key = format!("no_fly[{i}]");
        let mut days = Vec::new();
        for d in &w.days {
            match parse_weekday(d) {
                Some(x) => days.push(x),
                None => problems.push(format!("key `{key}.days`: unknown day {d:?}; expected mon, tue, wed, thu, fri, sat or sun")),
            }
        }
        if w.days.is_empty() {
            problems.push(format!("key `{key}.days`: must name at least one day"));
        }
        let time = |k: &str, v: &str, problems: &mut Vec<String>| {
            chrono::NaiveTime::parse_from_str(v.trim(), "%H:%M")
                .ok()
                .or_else(|| {
                    problems.push(format!(
                        "key `{key}.{k}`: invalid time {v:?}; expected HH:MM, e.g. \"09:00\""
                    ));
                    None
                })
        };
        let start = time("start", &w.start, problems);
        let end = if w.end.trim() == "24:00" {
            chrono::NaiveTime::from_hms_opt(23, 59, 59)
        } else {
            time("end", &w.end, problems)
        };
        let wtz = match w.tz.as_deref() {
            None => Some(tz),
            Some(name) => parse_tz(name).or_else(|| {
                problems.push(format!("key `{key}.tz`: unknown time zone {name:?}"));
                None
            }),
        };
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                problems.push(format!(
                    "key `{key}`: end {} must be after start {}",
                    w.end, w.start
                ));
            }
        }
        if let (Some(start), Some(end), Some(wtz)) = (start, end, wtz) {
            no_fly.push(NoFlyWindow {
                days,
                start,
                end,
                tz: wtz,
            });
        }
    }
    no_fly
}

/// `[alerts]`'s protection keys: minimum overlap, lookahead, deep work protected.
fn resolve_protection(raw: &super::raw::RawAlerts, problems: &mut Vec<String>) -> Protection {
    let mut protection = Protection::default();
    if let Some(s) = raw.min_overlap.as_deref() {
        match parse_duration(s) {
            Ok(d) => protection.min_overlap = d,
            Err(_) => problems.push(format!(
                "key `alerts.min_overlap`: invalid duration {s:?}; expected e.g. \"10m\""
            )),
        }
    }
    if let Some(s) = raw.lookahead.as_deref() {
        match parse_duration(s) {
            Ok(d) => protection.lookahead = d,
            Err(_) => problems.push(format!(
                "key `alerts.lookahead`: invalid duration {s:?}; expected e.g. \"14d\""
            )),
        }
    }
    if let Some(b) = raw.protect_deep_work {
        protection.protect_deep_work = b;
    }
    protection
}

/// `server.bind`, loopback port 8787 by default.
fn resolve_server_bind(raw: Option<&str>, problems: &mut Vec<String>) -> std::net::SocketAddr {
    let default = std::net::SocketAddr::from(([127, 0, 0, 1], 8787));
    match raw {
        None => default,
        Some(b) => b.parse().unwrap_or_else(|_| {
            problems.push(format!("key `server.bind`: invalid address {b:?}; expected IP:PORT such as \"127.0.0.1:8787\""));
            default
        }),
    }
}

/// `[limits]`: each at least 1; a missing key keeps [`ExpandLimits`]'s default.
///
/// [`ExpandLimits`]: crate::ics::expand::ExpandLimits
fn resolve_limits(
    l: &super::raw::RawLimits,
    problems: &mut Vec<String>,
) -> crate::ics::expand::ExpandLimits {
    let mut limits = crate::ics::expand::ExpandLimits::default();
    let positive = |key: &str, v: Option<u64>, problems: &mut Vec<String>| match v {
        Some(0) => {
            problems.push(format!(
                "key `limits.{key}`: must be at least 1 (leave it out for the default)"
            ));
            None
        }
        v => v,
    };
    if let Some(n) = positive("instances_per_series", l.instances_per_series, problems) {
        limits.instances_per_series = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = positive("occurrences_per_feed", l.occurrences_per_feed, problems) {
        limits.occurrences_per_feed = usize::try_from(n).unwrap_or(usize::MAX);
    }
    if let Some(n) = positive("rule_steps_per_feed", l.rule_steps_per_feed, problems) {
        limits.rule_steps_per_feed = n;
    }
    limits
}

/// An IANA zone name (case-insensitive fallback).
pub fn parse_tz(name: &str) -> Option<chrono_tz::Tz> {
    let name = name.trim();
    name.parse()
        .ok()
        .or_else(|| chrono_tz::Tz::from_str_insensitive(name).ok())
}

/// The system zone from `TZ` or `/etc/localtime`, else UTC.
pub fn system_tz() -> chrono_tz::Tz {
    if let Some(tz) = std::env::var("TZ")
        .ok()
        .and_then(|t| parse_tz(t.trim_start_matches(':')))
    {
        return tz;
    }
    if let Ok(target) = std::fs::read_link("/etc/localtime") {
        let s = target.to_string_lossy();
        if let Some(i) = s.find("zoneinfo/") {
            if let Some(tz) = parse_tz(&s[i + 9..]) {
                return tz;
            }
        }
    }
    if let Ok(name) = std::fs::read_to_string("/etc/timezone") {
        if let Some(tz) = parse_tz(name.trim()) {
            return tz;
        }
    }
    chrono_tz::UTC
}

/// `HH:MM`; `24:00` too when `end_of_day` (read as 23:59:59, as `[[no_fly]]` does).
fn parse_clock(s: &str, end_of_day: bool) -> Option<NaiveTime> {
    if end_of_day && s.trim() == "24:00" {
        return NaiveTime::from_hms_opt(23, 59, 59);
    }
    NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// `[digest]`: the day and local time the daemon sends the digest of the week before.
fn resolve_digest(
    raw: &super::raw::RawDigest,
    problems: &mut Vec<String>,
) -> super::daemon::DigestSchedule {
    let mut d = super::daemon::DigestSchedule::default();
    if let Some(s) = raw.day.as_deref() {
        match parse_weekday(s) {
            Some(day) => d.day = day,
            None => problems.push(format!(
                "key `digest.day`: unknown day {s:?}; expected mon, tue, wed, thu, fri, sat or sun"
            )),
        }
    }
    if let Some(s) = raw.time.as_deref() {
        match parse_clock(s, false) {
            Some(t) => d.time = t,
            None => problems.push(format!(
                "key `digest.time`: invalid time {s:?}; expected HH:MM, e.g. \"08:00\""
            )),
        }
    }
    d
}

fn parse_weekday(s: &str) -> Option<Weekday> {
    let s = s.trim().to_ascii_lowercase();
    Some(match s.get(..3)? {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_default_config_parses() {
        let cfg = Config::parse(super::super::DEFAULT_CONFIG_TOML, None).unwrap();
        assert_eq!(cfg.week.hours, 40.0);
        assert_eq!(cfg.week.people_target, 0.30);
        assert_eq!(cfg.priority, DEFAULT_PRIORITY);
        assert_eq!(cfg.feeds.len(), 1);
        assert_eq!(
            cfg.week.day_start,
            NaiveTime::from_hms_opt(9, 0, 0).unwrap()
        );
        assert_eq!(cfg.week.day_end, NaiveTime::from_hms_opt(17, 0, 0).unwrap());
        let names: Vec<&str> = cfg.reports.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Alex", "Priya", "Jordan", "Mei", "Tomas"]);
        assert!(cfg
            .reports
            .iter()
            .all(|r| r.cadence_days == 7 && r.career_days == 90));
    }

    #[test]
    fn the_digest_schedule_is_validated_like_the_rest() {
        let cfg = Config::parse("[digest]\n", None).unwrap();
        assert_eq!(
            cfg.digest,
            Some(super::super::daemon::DigestSchedule::default())
        );
        assert_eq!(Config::parse("", None).unwrap().digest, None);
        let cfg = Config::parse("[digest]\nday = \"Wed\"\ntime = \"07:30\"\n", None).unwrap();
        let d = cfg.digest.unwrap();
        assert_eq!(
            (d.day, d.time),
            (Weekday::Wed, NaiveTime::from_hms_opt(7, 30, 0).unwrap())
        );
        let err = Config::parse(
            "[digest]\nday = \"someday\"\ntime = \"8am\"\n",
            Some(Path::new("c.toml")),
        )
        .err()
        .unwrap()
        .to_string();
        assert!(
            err.contains("key `digest.day`: unknown day \"someday\""),
            "{err}"
        );
        assert!(
            err.contains("key `digest.time`: invalid time \"8am\""),
            "{err}"
        );
        let err = Config::parse("[digest]\nhour = 8\n", None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains(
                "<built-in config>:2: unknown key `hour` in [digest]; expected one of day, time"
            ),
            "{err}"
        );
    }

    #[test]
    fn all_problems_are_reported_with_their_keys() {
        let err = Config::parse(
            "tz = \"Mars/Olympus\"\n[week]\nhours = -1\npeople_target = 30\nworkdays = [\"funday\"]\n[report]\npriority = [\"people\"]\n[[feeds]]\nname = \"w\"\nurl = \"x.ics\"\nrefresh = \"soon\"\n",
            Some(Path::new("my.toml")),
        )
        .err()
        .unwrap();
        let msg = err.to_string();
        for key in [
            "`tz`",
            "`week.hours`",
            "`week.people_target`",
            "`week.workdays`",
            "`report.priority`",
            "`feeds[0].refresh`",
        ] {
            assert!(msg.contains(key), "{key} missing in {msg}");
        }
        assert!(msg.contains("my.toml"));
    }

    #[test]
    fn working_day_bounds() {
        let cfg =
            Config::parse("[week]\nday_start = \"08:30\"\nday_end = \"24:00\"\n", None).unwrap();
        assert_eq!(
            cfg.week.day_start,
            NaiveTime::from_hms_opt(8, 30, 0).unwrap()
        );
        assert_eq!(
            cfg.week.day_end,
            NaiveTime::from_hms_opt(23, 59, 59).unwrap()
        );
        let msg = Config::parse("[week]\nday_start = \"9am\"\nday_end = \"08:00\"\n", None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("key `week.day_start`: invalid time \"9am\""),
            "{msg}"
        );
        // 9am is unreadable, so the default 09:00 is compared: 08:00 is before it.
        assert!(
            msg.contains("key `week.day_end`: 08:00 must be after `week.day_start` 09:00"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_types_name_line_and_key() {
        let err = Config::parse(
            "tz = \"UTC\"\n[week]\nhourz = 3\n",
            Some(Path::new("c.toml")),
        )
        .err()
        .unwrap();
        let msg = err.to_string();
        assert!(
            msg.contains("c.toml:3: unknown key `hourz` in [week]; did you mean `hours`?"),
            "{msg}"
        );
        let err = Config::parse("me = 3\n", None).err().unwrap();
        assert!(
            err.to_string()
                .contains(":1: key `me`: invalid type: integer `3`"),
            "{err}"
        );
    }

    #[test]
    fn limits_are_read_and_zero_is_refused() {
        let cfg = Config::parse(
            "tz = \"UTC\"\n[limits]\noccurrences_per_feed = 3\nrule_steps_per_feed = 9\n",
            None,
        )
        .unwrap();
        assert_eq!(cfg.limits.occurrences_per_feed, 3);
        assert_eq!(cfg.limits.rule_steps_per_feed, 9);
        assert_eq!(
            cfg.limits.instances_per_series,
            crate::ics::expand::ExpandLimits::default().instances_per_series
        );
        let documented = Config::parse(super::super::DEFAULT_CONFIG_TOML, None).unwrap();
        assert_eq!(
            documented.limits,
            crate::ics::expand::ExpandLimits::default()
        );
        let err = Config::parse("[limits]\ninstances_per_series = 0\n", None)
            .err()
            .unwrap();
        assert!(
            err.to_string().contains("limits.instances_per_series"),
            "{err}"
        );
    }

    #[test]
    fn the_fallback_is_on_unless_switched_off() {
        let on = Config::parse("tz = \"UTC\"\n", None).unwrap();
        assert!(on.classifier.has_fallback());
        let off = Config::parse("tz = \"UTC\"\n[classify]\nfallback = false\n", None).unwrap();
        assert!(!off.classifier.has_fallback());
        let documented = Config::parse(super::super::DEFAULT_CONFIG_TOML, None).unwrap();
        assert!(documented.classifier.has_fallback());
        let err = Config::parse("[classify]\nfallbak = false\n", None)
            .err()
            .unwrap();
        assert!(err.to_string().contains("fallbak"), "{err}");
    }
}
