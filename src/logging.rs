//! The tracing subscriber: `CALAUDIT_LOG` (an `EnvFilter`, default `warn`) to stderr.
//!
//! IMPORTANT: the HTTP and TLS libraries log request lines, headers and URLs at debug and
//! trace level: a Google feed's secret token, Basic credentials, a webhook's secret path.
//! Their targets are dropped whatever `CALAUDIT_LOG` says (issue 12, item 9); our own lines
//! about fetches and deliveries carry redacted addresses instead.

use std::io::IsTerminal;

use tracing_subscriber::filter::FilterFn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Targets (and their children) never logged: they may carry secrets.
const SECRET_BEARING: &[&str] = &[
    "ureq",
    "ureq_proto",
    "rustls",
    "webpki",
    "lettre",
    "hyper",
    "h2",
    "http",
    "axum",
    "tower_http",
];

/// True for a target of a library that may log secrets.
pub fn is_secret_bearing(target: &str) -> bool {
    let root = target.split("::").next().unwrap_or(target);
    SECRET_BEARING.contains(&root)
}

/// Installs the subscriber (once, from `main`). Problems with `CALAUDIT_LOG` fall back to
/// the default level.
pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CALAUDIT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        // No colour codes in journald or redirected logs.
        .with_ansi(std::io::stderr().is_terminal())
        .with_filter(filter)
        .with_filter(FilterFn::new(|m| !is_secret_bearing(m.target())));
    let _ = tracing_subscriber::registry().with(layer).try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_targets() {
        assert!(is_secret_bearing("ureq::unversioned::transport"));
        assert!(is_secret_bearing("rustls"));
        assert!(!is_secret_bearing("calaudit::daemon"));
        assert!(!is_secret_bearing("ureqx"));
    }
}
