//! The config file as written: plain serde structs, unknown keys rejected.

use serde::Deserialize;

use crate::classify::RawRule;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// The user's IANA zone; default: the system zone.
    pub tz: Option<String>,
    /// The user's own addresses (to find what they declined).
    #[serde(default)]
    pub me: Vec<String>,
    #[serde(default)]
    pub feeds: Vec<RawFeed>,
    #[serde(default)]
    pub week: RawWeek,
    #[serde(default)]
    pub report: RawReport,
    /// Classification rules; when absent, the built-in defaults apply.
    pub rules: Option<Vec<RawRule>>,
    /// How events no rule matches are classified.
    #[serde(default)]
    pub classify: RawClassify,
    /// How much one feed may expand to.
    #[serde(default)]
    pub limits: RawLimits,
    /// Protected windows that meetings must not break.
    #[serde(default)]
    pub no_fly: Vec<RawNoFly>,
    #[serde(default)]
    pub alerts: RawAlerts,
    #[serde(default)]
    pub server: RawServer,
    /// The daemon's state database.
    #[serde(default)]
    pub store: super::daemon::RawStore,
    /// How the daemon fetches.
    #[serde(default)]
    pub daemon: super::daemon::RawDaemon,
    /// Direct reports, for the 1:1 cadence (`calaudit reports`).
    #[serde(default)]
    pub reports: Vec<super::reports::RawDirectReport>,
    /// The daemon's weekly digest; none without the table.
    pub digest: Option<RawDigest>,
    /// Team mode: a user's id (only in a user's table).
    pub id: Option<String>,
    /// Team mode: the SHA-256 of the user's dashboard token, in hex (only in a user's table).
    pub token_sha256: Option<String>,
    /// Team mode: the user's group in the org view (only in a user's table).
    pub group: Option<String>,
    /// Team mode: the users, each with the keys of a single-user config.
    #[serde(default)]
    pub users: Vec<RawConfig>,
    /// Team mode: a folder of user files, one `*.toml` per user.
    pub users_dir: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDigest {
    /// The day the digest of the week before is sent (`mon`).
    pub day: Option<String>,
    /// The local time it is sent at on that day (`08:00`).
    pub time: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub instances_per_series: Option<u64>,
    pub occurrences_per_feed: Option<u64>,
    pub rule_steps_per_feed: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClassify {
    /// The built-in model decides events no rule matches (default); false: they are "other".
    pub fallback: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    pub bind: Option<String>,
    pub token: Option<String>,
    /// Where the daemon writes the charts (PNG and SVG) after each change; none by default.
    pub charts_dir: Option<String>,
    /// Host names the dashboard answers to besides localhost and IP addresses.
    pub hosts: Option<Vec<String>>,
    /// Team mode: the SHA-256 of the admin token (health and the org view only).
    pub admin_token_sha256: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNoFly {
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
    pub tz: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlerts {
    pub lookahead: Option<String>,
    pub min_overlap: Option<String>,
    /// Every counted deep-work occurrence is protected too.
    pub protect_deep_work: Option<bool>,
    /// Daemon: a feed failing this long raises an alert.
    pub feed_failure_after: Option<String>,
    /// Daemon: alert on a completed week below the people-time target.
    pub people_target: Option<bool>,
    /// Daemon: alert on the 1:1 episodes of `[[reports]]` (overdue, career, changed, crutch).
    pub playbook: Option<bool>,
    /// Daemon: print alerts to stdout.
    pub log: Option<bool>,
    #[serde(default)]
    pub webhook: Vec<super::daemon::RawWebhook>,
    #[serde(default)]
    pub command: Vec<super::daemon::RawCommand>,
    /// Email alerts over SMTP.
    #[serde(default)]
    pub email: Vec<super::daemon::RawEmail>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFeed {
    pub name: String,
    pub url: String,
    pub refresh: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeek {
    pub hours: Option<f64>,
    pub people_target: Option<f64>,
    pub workdays: Option<Vec<String>>,
    pub ooo_keywords: Option<Vec<String>>,
    /// The working day's local start and end on workdays (`"09:00"`, `"17:00"`).
    pub day_start: Option<String>,
    pub day_end: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    pub weeks: Option<u32>,
    pub priority: Option<Vec<String>>,
}
