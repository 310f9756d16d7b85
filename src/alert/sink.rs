//! Where alerts go: stdout (log), a JSON webhook, a command, email over SMTP. Each delivery either succeeds
//! (the sink acknowledged it: HTTP 2xx, exit status 0) or fails with a [`SinkError`]; the outbox retries.
//!
//! Each sink has a [`SinkName`], under which the outbox keeps its deliveries. The name is the
//! `name` key of its config table, or derived from what the sink is (its kind and a short hash
//! of its URL, command or SMTP server and recipients), so reordering the config, or adding a
//! sink before it, never orphans a pending delivery.

use std::fmt;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::config::{CommandSink, DaemonConfig, EmailSink, EmailTls, WebhookSink};
use crate::feed::source_redact as redact;
use crate::untrusted::{one_line, shown};

/// Longest alert text put in `CALAUDIT_ALERT_TEXT`; the whole alert is on stdin.
const ENV_TEXT_CHARS: usize = 4000;
/// `CALAUDIT_ALERT_JSON` is left empty above this size (one environment string may not
/// exceed 128 KiB on Linux, and the command could not start at all); stdin has it whole.
const ENV_JSON_BYTES: usize = 64 * 1024;

/// The longest sink name accepted in the config.
const NAME_MAX_CHARS: usize = 64;

/// An environment value: NUL bytes (which no environment variable can hold: the command would
/// never start, on every retry) become U+FFFD; long values are cut.
fn env_value(s: &str, max_chars: usize) -> String {
    s.chars()
        .take(max_chars)
        .map(|c| if c == '\0' { '\u{fffd}' } else { c })
        .collect()
}

/// A sink's stable name: what the outbox files its deliveries under, and what logs and
/// `calaudit alerts` show. Never the webhook URL (it often carries a token).
///
/// # Example
/// ```
/// use calaudit::alert::SinkName;
/// let a = SinkName::derived("webhook", &["https://hooks.example.com/T0/secret"]);
/// assert!(a.as_str().starts_with("webhook-") && !a.as_str().contains("secret"));
/// assert_eq!(a, SinkName::derived("webhook", &["https://hooks.example.com/T0/secret"]));
/// assert!(SinkName::parse("team chat").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SinkName(String);

impl SinkName {
    /// The stdout sink (`alerts.log`).
    pub fn log() -> SinkName {
        SinkName("log".into())
    }

    /// A name given in the config: 1 to 64 ASCII letters, digits, `-`, `_` or `.`.
    /// The error is a fragment for "key `…name`: {error}".
    pub fn parse(s: &str) -> Result<SinkName, String> {
        let ok = !s.is_empty()
            && s.chars().count() <= NAME_MAX_CHARS
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if ok {
            Ok(SinkName(s.to_owned()))
        } else {
            Err(format!(
                "invalid sink name {s:?}; expected 1 to {NAME_MAX_CHARS} letters, digits, `-`, `_` or `.`"
            ))
        }
    }

    /// The default name of a sink of `kind` (`webhook`, `command`, `email`) identified by
    /// `parts`: the kind and the first 8 hex digits of a 64-bit FNV-1a hash of the parts.
    /// Stable across versions and platforms; the parts themselves never appear in it.
    pub fn derived(kind: &str, parts: &[&str]) -> SinkName {
        use std::hash::Hasher;
        let mut h = fnv::FnvHasher::default();
        for (i, part) in parts.iter().enumerate() {
            // A separator no part can hold, so ["ab", "c"] and ["a", "bc"] differ.
            if i > 0 {
                h.write(b"\0");
            }
            h.write(part.as_bytes());
        }
        SinkName(format!("{kind}-{:08x}", h.finish() >> 32))
    }

    /// The name the outbox used before sinks had stable names: the sink's kind and its
    /// position in the config (`webhook[0]`). Only for finding such deliveries in old stores.
    pub fn positional(kind: &str, index: usize) -> SinkName {
        SinkName(format!("{kind}[{index}]"))
    }

    /// A name as the store holds it (maybe a positional one written by an earlier version).
    pub fn from_stored(s: String) -> SinkName {
        SinkName(s)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SinkName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Why a delivery failed; stored as the delivery's last error and retried with backoff.
/// No variant holds a webhook URL's path or an SMTP password.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SinkError {
    /// The stored message is not JSON (it is written by us, so this is a damaged store).
    #[error("{0}")]
    Payload(String),
    #[error("{0}")]
    Stdout(String),
    /// The request did not complete (connection refused, timeout, TLS); the URL is redacted.
    #[error("{0}")]
    Http(String),
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        /// Scheme and host only.
        url: String,
        status: u16,
    },
    #[error("empty command")]
    EmptyCommand,
    #[error("cannot start {program:?}: {reason}")]
    CommandStart { program: String, reason: String },
    #[error("{program:?} exited with {status}")]
    CommandExit { program: String, status: String },
    #[error("{program:?} timed out after {after:?}")]
    CommandTimeout { program: String, after: Duration },
    #[error("{0}")]
    CommandWait(String),
    /// Building or sending the email failed (bad address, SMTP error, password not set).
    #[error("{0}")]
    Email(String),
}

/// A configured sink and where it sends.
#[derive(Clone, Debug)]
pub struct Sink {
    pub name: SinkName,
    pub target: Target,
}

/// The kinds of sink.
#[derive(Clone, Debug)]
pub enum Target {
    Log,
    Webhook(WebhookSink),
    Command(CommandSink),
    Email(EmailSink),
}

/// The configured sinks: `log` first (when on), then webhooks, commands and emails in config
/// order, each under the name the config gave it (see [`SinkName`]).
pub fn from_config(d: &DaemonConfig) -> Vec<Sink> {
    let mut out = Vec::new();
    if d.log {
        out.push(Sink {
            name: SinkName::log(),
            target: Target::Log,
        });
    }
    for w in &d.webhooks {
        out.push(Sink {
            name: w.name.clone(),
            target: Target::Webhook(w.clone()),
        });
    }
    for c in &d.commands {
        out.push(Sink {
            name: c.name.clone(),
            target: Target::Command(c.clone()),
        });
    }
    for e in &d.emails {
        out.push(Sink {
            name: e.name.clone(),
            target: Target::Email(e.clone()),
        });
    }
    out
}

/// For each configured webhook, command and email sink: the positional name an earlier
/// version gave it (`webhook[0]`) and its name now. Positions are read from the current config.
pub fn positional_renames(d: &DaemonConfig) -> Vec<(SinkName, SinkName)> {
    let webhooks = d.webhooks.iter().map(|w| &w.name).enumerate();
    let commands = d.commands.iter().map(|c| &c.name).enumerate();
    let emails = d.emails.iter().map(|e| &e.name).enumerate();
    webhooks
        .map(|(i, n)| (SinkName::positional("webhook", i), n.clone()))
        .chain(commands.map(|(i, n)| (SinkName::positional("command", i), n.clone())))
        .chain(emails.map(|(i, n)| (SinkName::positional("email", i), n.clone())))
        .collect()
}

impl Sink {
    /// The longest one delivery to this sink may take (its configured timeout; a log line
    /// takes none). A worker's claim on a delivery outlasts it, so no one else sends the
    /// delivery while an attempt may still succeed.
    pub fn timeout(&self) -> std::time::Duration {
        match &self.target {
            Target::Log => std::time::Duration::ZERO,
            Target::Webhook(w) => w.timeout,
            Target::Command(c) => c.timeout,
            Target::Email(e) => e.timeout,
        }
    }

    /// Delivers one alert message (JSON text). The error never contains a webhook URL's path.
    pub fn deliver(&self, payload: &str) -> Result<(), SinkError> {
        let v: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| SinkError::Payload(e.to_string()))?;
        let field = |k: &str| v[k].as_str().unwrap_or("").to_owned();
        match &self.target {
            Target::Log => {
                // One alert, one line: a title's newline or escape sequence is shown escaped.
                let line = format!(
                    "{} {} {}: {}",
                    if field("state") == "resolved" {
                        "RESOLVED"
                    } else {
                        "ALERT"
                    },
                    shown(&field("id")),
                    shown(&field("kind")),
                    one_line(&field("text"), 2000)
                );
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}")
                    .and_then(|_| out.flush())
                    .map_err(|e| SinkError::Stdout(e.to_string()))
            }
            Target::Email(e) => {
                send_email(e, &v, &field("text"), &field("state")).map_err(SinkError::Email)
            }
            Target::Webhook(w) => {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .timeout_global(Some(w.timeout))
                    .http_status_as_error(false)
                    .max_redirects(0)
                    .build()
                    .into();
                let resp = agent
                    .post(&w.url)
                    .header("Content-Type", "application/json")
                    .header("Idempotency-Key", &field("id"))
                    .header(
                        "User-Agent",
                        concat!("calaudit/", env!("CARGO_PKG_VERSION")),
                    )
                    .send(&*without_html(payload, &v))
                    .map_err(|e| {
                        SinkError::Http(
                            crate::feed::source_scrub(&e.to_string(), &w.url)
                                .replace(&w.url, &redact(&w.url)),
                        )
                    })?;
                let status = resp.status().as_u16();
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    Err(SinkError::HttpStatus {
                        url: redact(&w.url),
                        status,
                    })
                }
            }
            Target::Command(c) => run_command(c, &without_html(payload, &v), &v),
        }
    }
}

/// The payload for webhooks and commands: the digest's `html` version is for email only
/// (its inline chart is large); they get the text and Markdown.
fn without_html<'a>(payload: &'a str, v: &serde_json::Value) -> std::borrow::Cow<'a, str> {
    match v {
        serde_json::Value::Object(m) if m.contains_key("html") => {
            let mut m = m.clone();
            m.remove("html");
            std::borrow::Cow::Owned(serde_json::Value::Object(m).to_string())
        }
        _ => std::borrow::Cow::Borrowed(payload),
    }
}

fn run_command(c: &CommandSink, payload: &str, v: &serde_json::Value) -> Result<(), SinkError> {
    let Some((prog, args)) = c.run.split_first() else {
        return Err(SinkError::EmptyCommand);
    };
    let env = |k: &str| {
        let raw = match &v[k] {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => String::new(),
            other => other.to_string(),
        };
        env_value(&raw, ENV_TEXT_CHARS)
    };
    let json_env = if payload.len() <= ENV_JSON_BYTES {
        payload
    } else {
        ""
    };
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .env("CALAUDIT_ALERT_ID", env("id"))
        .env("CALAUDIT_ALERT_KIND", env("kind"))
        .env("CALAUDIT_ALERT_STATE", env("state"))
        .env("CALAUDIT_ALERT_TEXT", env("text"))
        .env("CALAUDIT_ALERT_FEED", env("feed"))
        .env("CALAUDIT_ALERT_JSON", json_env)
        .spawn()
        .map_err(|e| SinkError::CommandStart {
            program: prog.clone(),
            reason: e.to_string(),
        })?;
    // Written from a thread: a command that never reads its stdin would block a large write
    // until it exits, and the timeout below would never be checked. A command that ignores
    // stdin closes it early; that is not a failure. The writer ends when the command exits or
    // is killed (its stdin closes); it is never joined.
    let _writer = child.stdin.take().map(|mut stdin| {
        let bytes = payload.as_bytes().to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    let deadline = Instant::now() + c.timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(SinkError::CommandExit {
                    program: prog.clone(),
                    status: status.to_string(),
                })
            }
            Ok(None) if Instant::now() >= deadline => {
                // Best effort: the command may have exited between the check and the kill.
                let _ = child.kill();
                let _ = child.wait();
                return Err(SinkError::CommandTimeout {
                    program: prog.clone(),
                    after: c.timeout,
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(SinkError::CommandWait(e.to_string())),
        }
    }
}

/// The email for one alert (see [`send_email`]). A message with a `body` of its own (the
/// weekly digest) is sent as that text; with an `html` version too, as
/// `multipart/alternative` with both (the HTML carries its chart inline).
pub fn email_message(
    e: &EmailSink,
    alert: &serde_json::Value,
    text: &str,
    state: &str,
) -> Result<lettre::Message, String> {
    use lettre::message::header::{ContentTransferEncoding, ContentType};
    use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
    use lettre::Message;

    let parse = |a: &str| {
        a.parse::<Mailbox>()
            .map_err(|err| format!("invalid address {a:?}: {err}"))
    };
    let prefix = if state == "resolved" {
        "resolved: "
    } else {
        ""
    };
    let subject: String = format!("calaudit {prefix}{text}")
        .chars()
        .take(200)
        .collect();
    let mut msg = Message::builder().from(parse(&e.from)?).subject(subject);
    for to in &e.to {
        msg = msg.to(parse(to)?);
    }
    let body = match alert["body"].as_str() {
        Some(b) => format!("{b}\n"),
        None => format!(
            "{text}\n\n{}\n",
            serde_json::to_string_pretty(alert).unwrap_or_else(|err| {
                tracing::warn!(error = %err, "alert JSON not serialisable; the email has the text only");
                String::new()
            })
        ),
    };
    let built = match alert["html"].as_str() {
        // Quoted-printable: readable in the raw message, safe for long SVG lines.
        Some(html) => {
            let part = |ct: ContentType, s: String| {
                Body::new_with_encoding(s, ContentTransferEncoding::QuotedPrintable)
                    .map(|b| SinglePart::builder().header(ct).body(b))
                    .map_err(|_| "cannot encode the email body as quoted-printable".to_owned())
            };
            let plain = part(ContentType::TEXT_PLAIN, body)?;
            let html = part(ContentType::TEXT_HTML, html.to_owned())?;
            msg.multipart(MultiPart::alternative().singlepart(plain).singlepart(html))
        }
        None => msg.header(ContentType::TEXT_PLAIN).body(body),
    };
    built.map_err(|err| format!("cannot build the email: {err}"))
}

/// One alert as one email: the subject is the alert's one-line text, the body the text and
/// the full JSON (with the alert's id, so a reader can match repeats).
fn send_email(
    e: &EmailSink,
    alert: &serde_json::Value,
    text: &str,
    state: &str,
) -> Result<(), String> {
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{SmtpTransport, Transport};

    let msg = email_message(e, alert, text, state)?;
    let builder = match e.tls {
        EmailTls::None => SmtpTransport::builder_dangerous(&e.host),
        EmailTls::StartTls => SmtpTransport::starttls_relay(&e.host)
            .map_err(|err| format!("smtp {}: {err}", e.host))?,
        EmailTls::Tls => {
            SmtpTransport::relay(&e.host).map_err(|err| format!("smtp {}: {err}", e.host))?
        }
    };
    let mut builder = builder.port(e.port).timeout(Some(e.timeout));
    if let (Some(user), Some(var)) = (&e.username, &e.password_env) {
        // The password lives in the environment, never in config or messages.
        let pw = std::env::var(var)
            .map_err(|_| format!("environment variable {var} (the SMTP password) is not set"))?;
        builder = builder.credentials(Credentials::new(user.clone(), pw));
    }
    builder
        .build()
        .send(&msg)
        .map(|_| ())
        .map_err(|err| format!("smtp {}:{}: {err}", e.host, e.port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(script: &str, timeout: Duration) -> Sink {
        let run = vec!["sh".into(), "-c".into(), script.into()];
        Sink {
            name: SinkName::derived("command", &["sh", "-c", script]),
            target: Target::Command(CommandSink {
                name: SinkName::derived("command", &["sh", "-c", script]),
                run,
                timeout,
            }),
        }
    }

    /// Issue 12, item 9: a command that never reads its stdin, given an alert larger than
    /// the pipe's buffer, blocked the daemon in the write until the command exited on its
    /// own; the timeout was only checked afterwards.
    #[test]
    fn a_command_that_ignores_a_large_alert_still_times_out() {
        let big = serde_json::json!({"id": "1-open-1", "text": "x".repeat(100_000)}).to_string();
        let r = command("sleep 3", Duration::from_millis(200)).deliver(&big);
        assert!(matches!(r, Err(SinkError::CommandTimeout { .. })), "{r:?}");
        assert!(r.is_err_and(|e| e.to_string().contains("timed out")));
    }

    /// Issue 12, item 9: a megabyte title went into the environment whole and the command
    /// could not start (E2BIG), on every retry.
    #[test]
    fn a_megabyte_alert_reaches_a_command() {
        let big = serde_json::json!({"id": "1-open-1", "text": "x".repeat(1 << 20)}).to_string();
        let r = command("cat > /dev/null", Duration::from_secs(20)).deliver(&big);
        assert_eq!(r, Ok(()));
    }

    /// The derived name is a function of what the sink is, not of where it sits in the
    /// config; changing the timeout keeps it, changing the URL does not.
    #[test]
    fn derived_names_are_stable_and_hide_their_source() {
        let url = "https://hooks.slack.com/services/T000/B000/XXXXsecret";
        let a = SinkName::derived("webhook", &[url]);
        assert_eq!(a.as_str().len(), "webhook-".len() + 8);
        assert!(!a.as_str().contains("XXXX"), "{a}");
        assert_eq!(a, SinkName::derived("webhook", &[url]));
        assert_ne!(
            a,
            SinkName::derived("webhook", &["https://example.com/other"])
        );
        assert_ne!(
            SinkName::derived("command", &["ab", "c"]),
            SinkName::derived("command", &["a", "bc"])
        );
        // Pinned: a changed hash would orphan every pending delivery under a derived name.
        assert_eq!(
            SinkName::derived("webhook", &["http://127.0.0.1:9000/hook"]).as_str(),
            PINNED_WEBHOOK_NAME
        );
    }

    const PINNED_WEBHOOK_NAME: &str = "webhook-c38442c0";

    #[test]
    fn config_names_are_checked() {
        for ok in ["team-chat", "ops_pager.2", "A"] {
            assert_eq!(SinkName::parse(ok).map(|n| n.to_string()), Ok(ok.into()));
        }
        let long = "x".repeat(65);
        for bad in ["", "team chat", "webhook[0]", "a/b", long.as_str()] {
            assert!(SinkName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
