//! `calaudit doctor`: checks a config end to end and says what to fix, one line per check.
//!
//! Each feed is fetched and must really be a calendar (an expired secret link returns a
//! sign-in page); the zone is named with where it came from; `me` must appear in the feeds
//! as an organizer or attendee (or declined meetings count as work); each alert sink must be
//! reachable (a TCP connection to a webhook's or mail server's host and port, never a fake
//! alert; a command must be an executable file). Exit 0 when every check passed, 1 when one
//! did not, 2 when the config itself cannot be read.

use std::collections::HashSet;
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Result;

use super::invocation::{Invocation, WindowDefault};
use crate::cli::CheckArgs;
use crate::feed::{FetchOptions, Fetched, Fetcher, Validators, MAX_BODY_BYTES};
use crate::untrusted::shown;

/// How long a feed or a sink may take to answer.
const TIMEOUT: Duration = Duration::from_secs(15);

/// One line of the report.
struct Line {
    ok: bool,
    what: String,
    detail: String,
}

pub fn run(args: CheckArgs) -> Result<ExitCode> {
    let lines = match team_users(&args)? {
        // A team config without --user: every user's checks, each line naming its user.
        Some(ids) => {
            let mut lines = Vec::new();
            for id in ids {
                let mut common = args.common.clone();
                common.user = Some(id.clone());
                match checks(&common) {
                    Ok(mine) => lines.extend(mine.into_iter().map(|l| Line {
                        what: format!("user {id}, {}", l.what),
                        ..l
                    })),
                    Err(e) => lines.push(Line {
                        ok: false,
                        what: format!("user {id}"),
                        detail: format!("{e:#}"),
                    }),
                }
            }
            lines
        }
        None => checks(&args.common)?,
    };
    let mut problems = 0;
    for l in &lines {
        problems += usize::from(!l.ok);
        println!(
            "{:<5} {}: {}",
            if l.ok { "ok" } else { "FIX" },
            shown(&l.what),
            shown(&l.detail)
        );
    }
    if problems == 0 {
        println!("all {} checks passed", lines.len());
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "{problems} of {} checks need a fix (lines marked FIX)",
            lines.len()
        );
        Ok(ExitCode::from(1))
    }
}

/// The user ids to check one by one: `Some` for a team config run without `--user`.
fn team_users(args: &CheckArgs) -> Result<Option<Vec<String>>> {
    if args.common.user.is_some() {
        return Ok(None);
    }
    let cfg = super::invocation::load_config(args.common.config.as_deref())?;
    Ok((!cfg.users.is_empty()).then(|| cfg.users.iter().map(|u| u.id.to_string()).collect()))
}

/// Every check of one (single-user) config.
fn checks(common: &crate::cli::Common) -> Result<Vec<Line>> {
    let inv = Invocation::load(common, WindowDefault::RecentWeeks)?;
    let mut lines = Vec::new();
    let fetcher = Fetcher::new(FetchOptions {
        timeout: TIMEOUT,
        max_body_bytes: MAX_BODY_BYTES,
    });
    // Every address the feeds name as organizer or attendee, to look `me` up in.
    let mut seen: HashSet<String> = HashSet::new();
    let mut any_feed = false;
    for (name, src) in &inv.feeds {
        let what = format!("feed {name}");
        match fetcher.fetch(src, &Validators::default()) {
            Ok(Fetched::Body { bytes, .. }) => {
                any_feed = true;
                let cal = crate::ics::parse(&bytes[..]);
                for ev in &cal.events {
                    seen.extend(ev.organizer.iter().cloned());
                    seen.extend(ev.attendees.iter().map(|a| a.addr.to_string()));
                }
                let detail = if cal.events.is_empty() {
                    "a calendar, but it has no events: is it the right one?".to_owned()
                } else {
                    format!("a calendar with {} events", cal.events.len())
                };
                lines.push(Line {
                    ok: !cal.events.is_empty(),
                    what,
                    detail,
                });
            }
            Ok(Fetched::NotModified) => lines.push(Line {
                ok: false,
                what,
                detail: "the server answered 304 to a request without validators".into(),
            }),
            Err(e) => lines.push(Line {
                ok: false,
                what,
                detail: if e.is_not_a_calendar() {
                    format!("{} {}", src.display(), super::invocation::NOT_A_CALENDAR)
                } else {
                    e.to_string()
                },
            }),
        }
    }
    lines.push(Line {
        ok: true,
        what: "zone".into(),
        detail: format!(
            "{} ({})",
            inv.tz.name(),
            if common.tz.is_some() {
                "--tz"
            } else if inv.cfg.tz_configured {
                "the config's tz"
            } else {
                "not configured: the feed's own or the system's; set tz = \"Area/City\""
            }
        ),
    });
    lines.push(me_line(&inv.me, &seen, any_feed));
    lines.extend(sink_lines(&inv));
    Ok(lines)
}

fn me_line(me: &[String], seen: &HashSet<String>, any_feed: bool) -> Line {
    let what = "me".to_owned();
    if me.is_empty() {
        return Line {
            ok: false,
            what,
            detail: "not set: meetings you declined count as work; set me = [\"you@company.example\"] (every address your calendar uses)".into(),
        };
    }
    let found: Vec<&String> = me.iter().filter(|m| seen.contains(*m)).collect();
    if found.is_empty() && any_feed {
        return Line {
            ok: false,
            what,
            detail: format!(
                "{} appears in no feed as organizer or attendee: use the address your calendar invites you with",
                me.join(", ")
            ),
        };
    }
    Line {
        ok: true,
        what,
        detail: if any_feed {
            format!(
                "{} found in the feeds",
                found
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else {
            format!("{} (no feed could be read to look for it)", me.join(", "))
        },
    }
}

/// `host:port` of an http(s) URL, without its path, query or credentials (webhook URLs carry
/// secrets in all three).
fn host_port(url: &str) -> Option<(String, u16)> {
    let (scheme, host, port) = crate::feed::authority(url)?;
    let default = match scheme.to_ascii_lowercase().as_str() {
        "https" => 443,
        "http" => 80,
        _ => return None,
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => default,
    };
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

fn reachable(host: &str, port: u16) -> Result<(), String> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let mut last = format!("{host} has no address");
    for a in addrs {
        match TcpStream::connect_timeout(&a, TIMEOUT) {
            Ok(_) => return Ok(()),
            Err(e) => last = format!("cannot connect to {host}:{port}: {e}"),
        }
    }
    Err(last)
}

fn sink_lines(inv: &Invocation) -> Vec<Line> {
    let d = &inv.cfg.daemon;
    let mut out = Vec::new();
    for w in &d.webhooks {
        let what = format!("webhook {}", w.name);
        out.push(match host_port(&w.url) {
            None => Line {
                ok: false,
                what,
                detail: "the URL is not http(s)://host…".into(),
            },
            Some((host, port)) => match reachable(&host, port) {
                Ok(()) => Line {
                    ok: true,
                    what,
                    detail: format!("{host}:{port} accepts connections (no alert was sent)"),
                },
                Err(e) => Line {
                    ok: false,
                    what,
                    detail: e,
                },
            },
        });
    }
    for e in &d.emails {
        let what = format!("email {}", e.name);
        out.push(match reachable(&e.host, e.port) {
            Ok(()) => Line {
                ok: true,
                what,
                detail: format!(
                    "{}:{} accepts connections (no mail was sent)",
                    e.host, e.port
                ),
            },
            Err(err) => Line {
                ok: false,
                what,
                detail: err,
            },
        });
    }
    for c in &d.commands {
        let what = format!("command {}", c.name);
        let program = c.run.first().map(String::as_str).unwrap_or_default();
        out.push(if executable(program) {
            Line {
                ok: true,
                what,
                detail: format!("{program} is an executable"),
            }
        } else {
            Line {
                ok: false,
                what,
                detail: format!("{program} is not an executable file here or on PATH"),
            }
        });
    }
    out
}

fn executable(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let is_exec = |p: &Path| {
        p.metadata()
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return is_exec(Path::new(program));
    }
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|d| is_exec(&d.join(program))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_keeps_neither_path_nor_credentials() {
        assert_eq!(
            host_port("https://hooks.slack.com/services/T0/B0/secret"),
            Some(("hooks.slack.com".into(), 443))
        );
        assert_eq!(
            host_port("http://user:pw@127.0.0.1:8080/x?token=y"),
            Some(("127.0.0.1".into(), 8080))
        );
        assert_eq!(host_port("http://[::1]:9/x"), Some(("::1".into(), 9)));
        assert_eq!(host_port("ftp://h/x"), None);
        assert_eq!(host_port("https:///x"), None);
        assert_eq!(host_port("https://h:port/x"), None);
    }
}
