//! The daemon's part of `config.toml`: `[alerts]` sinks and thresholds, `[store]`, `[daemon]`.
//! Kept apart from `validate.rs` so the report side of the config stays small.

use std::path::{Path, PathBuf};
use std::time::Duration as StdDuration;

use serde::Deserialize;

use crate::alert::SinkName;
use crate::time::parse_duration;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStore {
    pub path: Option<String>,
    /// A PostgreSQL store instead of the SQLite file (`postgresql://user@host:port/db`).
    pub url: Option<String>,
    /// PostgreSQL only: connections per process, shared by every user's store.
    pub pool_size: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDaemon {
    pub fetch_timeout: Option<String>,
    pub max_body_mb: Option<u64>,
    pub concurrency: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebhook {
    /// The sink's stable name (default: `webhook-` and a hash of the URL).
    pub name: Option<String>,
    pub url: String,
    pub timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommand {
    /// The sink's stable name (default: `command-` and a hash of `run`).
    pub name: Option<String>,
    pub run: Vec<String>,
    pub timeout: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEmail {
    /// The sink's stable name (default: `email-` and a hash of server, sender, recipients).
    pub name: Option<String>,
    pub host: String,
    pub port: Option<u16>,
    pub tls: Option<String>,
    pub username: Option<String>,
    pub password_env: Option<String>,
    pub from: String,
    pub to: Vec<String>,
    pub timeout: Option<String>,
}

/// How an email sink talks to its SMTP server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailTls {
    /// Plain connection upgraded with STARTTLS (port 587), the default.
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on this machine (e.g. 127.0.0.1:25).
    None,
}

/// An email sink: each alert is one message (subject = the alert's text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmailSink {
    /// Stable name (the `name` key, or `email-` and a hash of the server and recipients).
    pub name: SinkName,
    pub host: String,
    pub port: u16,
    pub tls: EmailTls,
    pub username: Option<String>,
    /// The environment variable holding the password (never the password itself).
    pub password_env: Option<String>,
    pub from: String,
    pub to: Vec<String>,
    pub timeout: StdDuration,
}

/// A webhook sink: the alert is POSTed as JSON (with a Slack-compatible `text`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookSink {
    /// Stable name (the `name` key, or `webhook-` and a hash of the URL).
    pub name: SinkName,
    pub url: String,
    pub timeout: StdDuration,
}

/// A command sink: the alert is passed as JSON on stdin and in `CALAUDIT_ALERT_*` variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandSink {
    /// Stable name (the `name` key, or `command-` and a hash of the program and arguments).
    pub name: SinkName,
    pub run: Vec<String>,
    pub timeout: StdDuration,
}

/// When the daemon sends the weekly digest (`[digest]`): on `day` at `time` (local, in the
/// config's `tz`), the digest of the ISO week before, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DigestSchedule {
    pub day: chrono::Weekday,
    pub time: chrono::NaiveTime,
}

impl Default for DigestSchedule {
    fn default() -> Self {
        DigestSchedule {
            day: chrono::Weekday::Mon,
            time: chrono::NaiveTime::from_hms_opt(8, 0, 0).expect("08:00"),
        }
    }
}

/// Everything `calaudit run`, `status` and `alerts` need beyond the report settings.
#[derive(Clone, Debug, PartialEq)]
pub struct DaemonConfig {
    /// The SQLite state file (relative paths are relative to the config file's folder).
    pub store_path: PathBuf,
    /// `[store] url`: the state lives in this PostgreSQL database instead (`store_path` is
    /// then unused).
    pub store_url: Option<crate::store::StoreUrl>,
    pub fetch_timeout: StdDuration,
    pub max_body_bytes: u64,
    /// Feeds fetched at the same time.
    pub concurrency: usize,
    /// A feed failing for this long raises an alert.
    pub feed_failure_after: StdDuration,
    /// Alert on a completed week below the people-time target.
    pub people_target_alert: bool,
    /// Alert on the playbook's 1:1 episodes (`[[reports]]`): a 1:1 or a career conversation
    /// overdue, an upcoming 1:1 cancelled, declined or turned into a group meeting, the
    /// technical crutch.
    pub playbook_alerts: bool,
    /// Alerts are printed to stdout (one line each).
    pub log: bool,
    pub webhooks: Vec<WebhookSink>,
    pub commands: Vec<CommandSink>,
    pub emails: Vec<EmailSink>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            store_path: PathBuf::from("calaudit.db"),
            store_url: None,
            fetch_timeout: StdDuration::from_secs(30),
            max_body_bytes: 64 * 1024 * 1024,
            concurrency: 4,
            feed_failure_after: StdDuration::from_secs(2 * 3600),
            people_target_alert: true,
            playbook_alerts: true,
            log: true,
            webhooks: Vec::new(),
            commands: Vec::new(),
            emails: Vec::new(),
        }
    }
}

/// The sink names given out so far, to refuse a second sink with the same name (its
/// deliveries could not be told apart).
#[derive(Default)]
struct SinkNames {
    /// Name → the config key of the sink that has it.
    taken: std::collections::HashMap<SinkName, String>,
}

impl SinkNames {
    /// The name of the sink at `key`: `given` when valid, else the `derived` default. A
    /// problem is recorded for an invalid, reserved or repeated name (never echoing a URL).
    fn claim(
        &mut self,
        key: &str,
        given: Option<&str>,
        derived: impl FnOnce() -> SinkName,
        problems: &mut Vec<String>,
    ) -> SinkName {
        let name = match given.map(|g| SinkName::parse(g.trim())) {
            Some(Ok(n)) => n,
            Some(Err(e)) => {
                problems.push(format!("key `{key}.name`: {e}"));
                return derived();
            }
            None => derived(),
        };
        if name == SinkName::log() {
            problems.push(format!(
                "key `{key}.name`: \"log\" is the name of the stdout sink (`alerts.log`); choose another"
            ));
        } else if let Some(first) = self.taken.get(&name) {
            let how = if given.is_some() {
                "is already the name of"
            } else {
                "is derived from the same target as"
            };
            problems.push(format!(
                "key `{key}.name`: the sink name \"{name}\" {how} `{first}`; give each sink its own `name`"
            ));
        } else {
            self.taken.insert(name.clone(), key.to_owned());
        }
        name
    }
}

/// The `[alerts]` keys the daemon adds (the report side reads the others).
pub struct RawAlertSinks<'a> {
    pub feed_failure_after: Option<&'a str>,
    pub people_target: Option<bool>,
    pub playbook: Option<bool>,
    pub log: Option<bool>,
    pub webhook: &'a [RawWebhook],
    pub command: &'a [RawCommand],
    pub email: &'a [RawEmail],
}

pub fn validate(
    store: &RawStore,
    daemon: &RawDaemon,
    alerts: RawAlertSinks<'_>,
    path: Option<&Path>,
    problems: &mut Vec<String>,
) -> DaemonConfig {
    let mut d = DaemonConfig::default();
    let span = |key: &str,
                v: Option<&str>,
                slot: &mut StdDuration,
                example: &str,
                problems: &mut Vec<String>| {
        if let Some(s) = v {
            match parse_duration(s) {
                Ok(x) if !x.is_zero() => *slot = x,
                _ => problems.push(format!(
                    "key `{key}`: invalid duration {s:?}; expected e.g. \"{example}\""
                )),
            }
        }
    };
    span(
        "daemon.fetch_timeout",
        daemon.fetch_timeout.as_deref(),
        &mut d.fetch_timeout,
        "30s",
        problems,
    );
    span(
        "alerts.feed_failure_after",
        alerts.feed_failure_after,
        &mut d.feed_failure_after,
        "2h",
        problems,
    );
    let mut names = SinkNames::default();
    for (i, w) in alerts.webhook.iter().enumerate() {
        let url = w.url.trim();
        let mut sink = WebhookSink {
            name: names.claim(
                &format!("alerts.webhook[{i}]"),
                w.name.as_deref(),
                || SinkName::derived("webhook", &[url]),
                problems,
            ),
            url: url.to_owned(),
            timeout: StdDuration::from_secs(10),
        };
        span(
            &format!("alerts.webhook[{i}].timeout"),
            w.timeout.as_deref(),
            &mut sink.timeout,
            "10s",
            problems,
        );
        let lower = sink.url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            // Never echo the URL: webhook URLs (Slack's) carry a token.
            problems.push(format!(
                "key `alerts.webhook[{i}].url`: expected an http:// or https:// URL"
            ));
        }
        d.webhooks.push(sink);
    }
    for (i, c) in alerts.command.iter().enumerate() {
        let run: Vec<&str> = c.run.iter().map(String::as_str).collect();
        let mut sink = CommandSink {
            name: names.claim(
                &format!("alerts.command[{i}]"),
                c.name.as_deref(),
                || SinkName::derived("command", &run),
                problems,
            ),
            run: c.run.clone(),
            timeout: StdDuration::from_secs(30),
        };
        span(
            &format!("alerts.command[{i}].timeout"),
            c.timeout.as_deref(),
            &mut sink.timeout,
            "30s",
            problems,
        );
        if c.run.first().is_none_or(|p| p.trim().is_empty()) {
            problems.push(format!(
                "key `alerts.command[{i}].run`: expected a program and its arguments, e.g. [\"notify-send\", \"calaudit\"]"
            ));
        }
        d.commands.push(sink);
    }
    for (i, e) in alerts.email.iter().enumerate() {
        let key = format!("alerts.email[{i}]");
        let tls = match e.tls.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("starttls") => EmailTls::StartTls,
            Some("tls") => EmailTls::Tls,
            Some("none") => EmailTls::None,
            Some(other) => {
                problems.push(format!("key `{key}.tls`: unknown value {other:?}; expected \"starttls\", \"tls\" or \"none\""));
                EmailTls::StartTls
            }
        };
        let host = e.host.trim();
        let port = e.port.unwrap_or(match tls {
            EmailTls::StartTls => 587,
            EmailTls::Tls => 465,
            EmailTls::None => 25,
        });
        let to: Vec<String> = e.to.iter().map(|t| t.trim().to_owned()).collect();
        let mut sink = EmailSink {
            name: names.claim(
                &key,
                e.name.as_deref(),
                || {
                    let port = port.to_string();
                    let parts: Vec<&str> = [host, port.as_str(), e.from.trim()]
                        .into_iter()
                        .chain(to.iter().map(String::as_str))
                        .collect();
                    SinkName::derived("email", &parts)
                },
                problems,
            ),
            host: host.to_owned(),
            port,
            tls,
            username: e.username.clone().filter(|u| !u.is_empty()),
            password_env: e.password_env.clone().filter(|p| !p.is_empty()),
            from: e.from.trim().to_owned(),
            to,
            timeout: StdDuration::from_secs(30),
        };
        span(
            &format!("{key}.timeout"),
            e.timeout.as_deref(),
            &mut sink.timeout,
            "30s",
            problems,
        );
        if sink.host.is_empty() {
            problems.push(format!(
                "key `{key}.host`: expected the SMTP server's host name"
            ));
        }
        for (k, addr) in
            std::iter::once(("from", &sink.from)).chain(sink.to.iter().map(|t| ("to", t)))
        {
            if addr.parse::<lettre::message::Mailbox>().is_err() {
                problems.push(format!("key `{key}.{k}`: invalid address {addr:?}; expected e.g. \"Me <me@example.com>\""));
            }
        }
        if sink.to.is_empty() {
            problems.push(format!("key `{key}.to`: expected at least one recipient"));
        }
        if sink.username.is_some() != sink.password_env.is_some() {
            problems.push(format!("key `{key}`: `username` and `password_env` go together (the password is read from that environment variable)"));
        }
        d.emails.push(sink);
    }
    if let Some(b) = alerts.people_target {
        d.people_target_alert = b;
    }
    if let Some(b) = alerts.playbook {
        d.playbook_alerts = b;
    }
    if let Some(b) = alerts.log {
        d.log = b;
    }
    if let Some(mb) = daemon.max_body_mb {
        if (1..=1024).contains(&mb) {
            d.max_body_bytes = mb * 1024 * 1024;
        } else {
            problems.push(format!(
                "key `daemon.max_body_mb`: expected megabytes between 1 and 1024, got {mb}"
            ));
        }
    }
    if let Some(n) = daemon.concurrency {
        if (1..=64).contains(&n) {
            d.concurrency = n;
        } else {
            problems.push(format!(
                "key `daemon.concurrency`: expected 1 to 64 feeds at a time, got {n}"
            ));
        }
    }
    if let Some(p) = store.path.as_deref() {
        if p.trim().is_empty() {
            problems.push(
                "key `store.path`: must not be empty; expected a file path such as \"calaudit.db\""
                    .into(),
            );
        } else {
            d.store_path = PathBuf::from(p.trim());
        }
    }
    if let Some(u) = store.url.as_deref() {
        if store.path.is_some() {
            problems.push(
                "keys `store.path` and `store.url`: give one (a SQLite file or a PostgreSQL URL), not both"
                    .into(),
            );
        }
        match crate::store::StoreUrl::parse(u) {
            Ok(u) => d.store_url = Some(u),
            Err(e) => problems.push(format!("key `store.url`: {e}")),
        }
    }
    match (store.pool_size, &mut d.store_url) {
        (None, _) => {}
        (Some(n), _) if n < 2 => problems.push(format!(
            "key `store.pool_size`: {n} is too few; a daemon needs 2 connections at least (its rounds and its lease renewals), e.g. 8"
        )),
        (Some(n), Some(u)) => *u = u.clone().with_pool_size(n),
        (Some(_), None) => problems.push(
            "key `store.pool_size`: only a PostgreSQL store (`store.url`) has a pool; remove it or give `store.url`"
                .into(),
        ),
    }
    if d.store_path.is_relative() {
        if let Some(dir) = path.and_then(Path::parent) {
            if !dir.as_os_str().is_empty() {
                d.store_path = dir.join(&d.store_path);
            }
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_daemon_key_parses_and_bad_values_name_their_key() {
        let text = "[alerts]\nfeed_failure_after = \"90m\"\npeople_target = false\nplaybook = false\nlog = false\n\
                    [[alerts.webhook]]\nurl = \"http://127.0.0.1:9000/hook\"\ntimeout = \"5s\"\n\
                    [[alerts.command]]\nrun = [\"notify-send\", \"calaudit\"]\n\
                    [store]\npath = \"state/c.db\"\n[daemon]\nfetch_timeout = \"300ms\"\nmax_body_mb = 8\nconcurrency = 2\n";
        let cfg = crate::config::Config::parse(text, Some(Path::new("/etc/calaudit/config.toml")))
            .unwrap();
        let d = cfg.daemon;
        assert_eq!(d.feed_failure_after, StdDuration::from_secs(5400));
        assert!(!d.people_target_alert && !d.playbook_alerts && !d.log);
        assert_eq!(d.webhooks[0].timeout, StdDuration::from_secs(5));
        assert_eq!(d.commands[0].run, ["notify-send", "calaudit"]);
        assert_eq!(d.store_path, PathBuf::from("/etc/calaudit/state/c.db"));
        assert_eq!(d.fetch_timeout, StdDuration::from_millis(300));
        assert_eq!((d.max_body_bytes, d.concurrency), (8 << 20, 2));

        let bad = "[alerts]\nfeed_failure_after = \"later\"\n[[alerts.webhook]]\nurl = \"ftp://h/secret-token\"\n\
                   [[alerts.command]]\nrun = []\n[daemon]\nmax_body_mb = 0\n[store]\npath = \"\"\n";
        let msg = crate::config::Config::parse(bad, Some(Path::new("c.toml")))
            .err()
            .unwrap()
            .to_string();
        for key in [
            "c.toml",
            "`alerts.feed_failure_after`",
            "`alerts.webhook[0].url`",
            "`alerts.command[0].run`",
            "`daemon.max_body_mb`",
            "`store.path`",
        ] {
            assert!(msg.contains(key), "{key} missing in {msg}");
        }
        assert!(!msg.contains("secret-token"), "{msg}");
        let email = "[[alerts.email]]\nhost = \"smtp.example.com\"\nfrom = \"calaudit <me@example.com>\"\nto = [\"me@example.com\"]\nusername = \"me\"\npassword_env = \"PW\"\n";
        let e = &crate::config::Config::parse(email, None)
            .unwrap()
            .daemon
            .emails[0];
        assert_eq!(
            (e.port, e.tls, e.password_env.as_deref()),
            (587, EmailTls::StartTls, Some("PW"))
        );
        let bad_email = "[[alerts.email]]\nhost = \"\"\ntls = \"ssl3\"\nfrom = \"not an address\"\nto = []\nusername = \"me\"\n";
        let msg = crate::config::Config::parse(bad_email, None)
            .err()
            .unwrap()
            .to_string();
        for key in [
            "`alerts.email[0].host`",
            "`alerts.email[0].tls`",
            "`alerts.email[0].from`",
            "`alerts.email[0].to`",
            "`username` and `password_env`",
        ] {
            assert!(msg.contains(key), "{key} missing in {msg}");
        }
        let msg = crate::config::Config::parse("[store]\npaht = \"x\"\n", None)
            .err()
            .unwrap()
            .to_string();
        assert!(
            msg.contains(
                "<built-in config>:2: unknown key `paht` in [store]; did you mean `path`?"
            ),
            "{msg}"
        );
    }

    /// `[store] url` selects PostgreSQL; a bad one, or one beside `path`, names its key and
    /// never repeats the URL (it may hold a password).
    #[test]
    fn store_url_selects_postgres_and_bad_ones_name_their_key() {
        let d = crate::config::Config::parse(
            "[store]\nurl = \"postgresql://ci:pw@127.0.0.1:54329/calaudit\"\n",
            None,
        )
        .unwrap()
        .daemon;
        assert_eq!(
            d.store_url.as_ref().map(|u| u.shown()).as_deref(),
            Some("postgresql://ci@127.0.0.1:54329/calaudit")
        );
        for bad in [
            "[store]\nurl = \"mysql://ci:pw@h/db\"\n",
            "[store]\npath = \"c.db\"\nurl = \"postgresql://ci:pw@h/db\"\n",
        ] {
            let msg = crate::config::Config::parse(bad, None)
                .err()
                .unwrap()
                .to_string();
            assert!(msg.contains("`store.url`"), "{msg}");
            assert!(!msg.contains("pw@"), "{msg}");
        }
    }

    #[test]
    fn the_pool_size_is_read_and_checked() {
        let parse = |text: &str| crate::config::Config::parse(text, None);
        let url = "[store]\nurl = \"postgresql://ci@127.0.0.1/calaudit\"\n";
        let d = parse(url).unwrap().daemon;
        assert_eq!(
            d.store_url.map(|u| u.pool_size()),
            Some(crate::store::DEFAULT_POOL_SIZE)
        );
        let d = parse(&format!("{url}pool_size = 3\n")).unwrap().daemon;
        assert_eq!(d.store_url.map(|u| u.pool_size()), Some(3));
        for (bad, says) in [
            (format!("{url}pool_size = 1\n"), "too few"),
            (
                "[store]\npool_size = 4\n".to_owned(),
                "only a PostgreSQL store",
            ),
        ] {
            let msg = parse(&bad).err().unwrap().to_string();
            assert!(
                msg.contains("`store.pool_size`") && msg.contains(says),
                "{msg}"
            );
        }
    }

    #[test]
    fn sinks_get_stable_names_given_or_derived() {
        let text = "[[alerts.webhook]]\nname = \"team-chat\"\nurl = \"https://hooks.example.com/T0/secret\"\n\
                    [[alerts.webhook]]\nurl = \"https://hooks.example.com/T1/other\"\n\
                    [[alerts.command]]\nrun = [\"notify-send\", \"calaudit\"]\n";
        let d = crate::config::Config::parse(text, None).unwrap().daemon;
        assert_eq!(d.webhooks[0].name.as_str(), "team-chat");
        assert_eq!(
            d.webhooks[1].name,
            SinkName::derived("webhook", &["https://hooks.example.com/T1/other"])
        );
        assert_eq!(
            d.commands[0].name,
            SinkName::derived("command", &["notify-send", "calaudit"])
        );
        // The same sinks in another order keep their names.
        let swapped = "[[alerts.webhook]]\nurl = \"https://hooks.example.com/T1/other\"\n\
                       [[alerts.webhook]]\nname = \"team-chat\"\nurl = \"https://hooks.example.com/T0/secret\"\n";
        let e = crate::config::Config::parse(swapped, None).unwrap().daemon;
        assert_eq!(
            (&e.webhooks[0].name, &e.webhooks[1].name),
            (&d.webhooks[1].name, &d.webhooks[0].name)
        );
    }

    #[test]
    fn sink_names_must_be_valid_and_unique() {
        let text = "[[alerts.webhook]]\nurl = \"https://h.example.com/secret-token\"\n\
                    [[alerts.webhook]]\nurl = \"https://h.example.com/secret-token\"\n\
                    [[alerts.command]]\nname = \"log\"\nrun = [\"true\"]\n\
                    [[alerts.command]]\nname = \"pager\"\nrun = [\"a\"]\n\
                    [[alerts.command]]\nname = \"pager\"\nrun = [\"b\"]\n\
                    [[alerts.command]]\nname = \"my pager\"\nrun = [\"c\"]\n";
        let msg = crate::config::Config::parse(text, None)
            .err()
            .unwrap()
            .to_string();
        for part in [
            "`alerts.webhook[1].name`: the sink name \"webhook-",
            "is derived from the same target as `alerts.webhook[0]`",
            "`alerts.command[0].name`: \"log\" is the name of the stdout sink",
            "`alerts.command[2].name`: the sink name \"pager\" is already the name of `alerts.command[1]`",
            "`alerts.command[3].name`: invalid sink name \"my pager\"",
        ] {
            assert!(msg.contains(part), "{part} missing in {msg}");
        }
        assert!(!msg.contains("secret-token"), "{msg}");
    }
}
