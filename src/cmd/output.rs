//! Writing a command's answer: stdout (a closed pipe is not an error), `--verbose` timings,
//! and leaving big values to the operating system at exit.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, Result};

/// Writes `s` to stdout and flushes. A closed pipe (`| head`) is not an error.
pub fn print_out(s: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(s.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("cannot write to stdout"),
    }
}

/// The process is about to exit: freeing the parsed calendars and compiled rules one
/// allocation at a time would cost more than a tenth of a large run (measured on the 50 MB
/// benchmark calendar), and the operating system reclaims it all at once anyway.
pub fn skip_teardown<T>(done: T) {
    std::mem::forget(done);
}

/// A duration in milliseconds for the `--verbose` timing lines.
pub fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}
