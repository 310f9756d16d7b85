//! Where alerts go: stdout (log), a JSON webhook, a command, email over SMTP. Each delivery either succeeds
//! (the sink acknowledged it: HTTP 2xx, exit status 0) or fails with a reason; the outbox retries.

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

/// An environment value: NUL bytes (which no environment variable can hold: the command would
/// never start, on every retry) become U+FFFD; long values are cut.
fn env_value(s: &str, max_chars: usize) -> String {
    s.chars()
        .take(max_chars)
        .map(|c| if c == '\0' { '\u{fffd}' } else { c })
        .collect()
}

pub enum Sink {
    Log,
    Webhook(WebhookSink),
    Command(CommandSink),
    Email(EmailSink),
}

/// The configured sinks with their stable names (`log`, `webhook[0]`, `command[0]`).
pub fn from_config(d: &DaemonConfig) -> Vec<(String, Sink)> {
    let mut out = Vec::new();
    if d.log {
        out.push(("log".to_string(), Sink::Log));
    }
    for (i, w) in d.webhooks.iter().enumerate() {
        out.push((format!("webhook[{i}]"), Sink::Webhook(w.clone())));
    }
    for (i, c) in d.commands.iter().enumerate() {
        out.push((format!("command[{i}]"), Sink::Command(c.clone())));
    }
    for (i, e) in d.emails.iter().enumerate() {
        out.push((format!("email[{i}]"), Sink::Email(e.clone())));
    }
    out
}

impl Sink {
    /// Delivers one alert message (JSON text). The error never contains a webhook URL's path.
    pub fn deliver(&self, payload: &str) -> Result<(), String> {
        let v: serde_json::Value = serde_json::from_str(payload).map_err(|e| e.to_string())?;
        let field = |k: &str| v[k].as_str().unwrap_or("").to_owned();
        match self {
            Sink::Log => {
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
                    .map_err(|e| e.to_string())
            }
            Sink::Email(e) => send_email(e, &v, &field("text"), &field("state")),
            Sink::Webhook(w) => {
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
                    .send(payload)
                    .map_err(|e| {
                        crate::feed::source_scrub(&e.to_string(), &w.url)
                            .replace(&w.url, &redact(&w.url))
                    })?;
                let status = resp.status().as_u16();
                if (200..300).contains(&status) {
                    Ok(())
                } else {
                    Err(format!("{} answered HTTP {status}", redact(&w.url)))
                }
            }
            Sink::Command(c) => run_command(c, payload, &v),
        }
    }
}

fn run_command(c: &CommandSink, payload: &str, v: &serde_json::Value) -> Result<(), String> {
    let Some((prog, args)) = c.run.split_first() else {
        return Err("empty command".into());
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
        .map_err(|e| format!("cannot start {prog:?}: {e}"))?;
    // Written from a thread: a command that never reads its stdin would block a large write
    // until it exits, and the timeout below would never be checked. A command that ignores
    // stdin closes it early; that is not a failure.
    let writer = child.stdin.take().map(|mut stdin| {
        let bytes = payload.as_bytes().to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    // The writer ends when the command exits or is killed (its stdin closes).
    let _writer = writer;
    let deadline = Instant::now() + c.timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("{prog:?} exited with {status}")),
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{prog:?} timed out after {:?}", c.timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// One alert as one email: the subject is the alert's one-line text, the body the text and
/// the full JSON (with the alert's id, so a reader can match repeats).
fn send_email(
    e: &EmailSink,
    alert: &serde_json::Value,
    text: &str,
    state: &str,
) -> Result<(), String> {
    use lettre::message::{header::ContentType, Mailbox};
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{Message, SmtpTransport, Transport};

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
    let body = format!(
        "{text}\n\n{}\n",
        serde_json::to_string_pretty(alert).unwrap_or_default()
    );
    let msg = msg
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|err| format!("cannot build the email: {err}"))?;
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
        Sink::Command(CommandSink {
            run: vec!["sh".into(), "-c".into(), script.into()],
            timeout,
        })
    }

    /// Issue 12, item 9: a command that never reads its stdin, given an alert larger than
    /// the pipe's buffer, blocked the daemon in the write until the command exited on its
    /// own; the timeout was only checked afterwards.
    #[test]
    fn a_command_that_ignores_a_large_alert_still_times_out() {
        let big = serde_json::json!({"id": "1-open-1", "text": "x".repeat(100_000)}).to_string();
        let r = command("sleep 3", Duration::from_millis(200)).deliver(&big);
        assert!(r.as_ref().is_err_and(|e| e.contains("timed out")), "{r:?}");
    }

    /// Issue 12, item 9: a megabyte title went into the environment whole and the command
    /// could not start (E2BIG), on every retry.
    #[test]
    fn a_megabyte_alert_reaches_a_command() {
        let big = serde_json::json!({"id": "1-open-1", "text": "x".repeat(1 << 20)}).to_string();
        let r = command("cat > /dev/null", Duration::from_secs(20)).deliver(&big);
        assert_eq!(r, Ok(()));
    }
}
