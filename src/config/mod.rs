//! `config.toml`: read as written ([`raw`]), then checked and resolved ([`validate`]) into a
//! [`Config`]. Every problem names the file and the key, and all problems are reported at once.

mod daemon;
mod layout;
mod raw;
mod reports;
mod users;
mod validate;

pub use daemon::{CommandSink, DaemonConfig, DigestSchedule, EmailSink, EmailTls, WebhookSink};
pub use raw::RawConfig;
pub use reports::{DirectReport, RawDirectReport, DEFAULT_CADENCE_DAYS, DEFAULT_CAREER_DAYS};
pub use users::{new_token, TokenHash, User, UserId};
pub use validate::{
    parse_tz, system_tz, Config, ConfigError, FeedConfig, Protection, WeekSettings,
    DEFAULT_PRIORITY,
};

/// The documented default configuration (the top-level `config.toml`), written by `calaudit init`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("../../config.toml");
