//! Shared helpers: the corpus location, running the pipeline on bytes, running the binary.

use std::path::PathBuf;
use std::process::{Command, Output};

use calaudit::classify::Classifier;
use calaudit::config::WeekSettings;
use calaudit::pipeline::{self, Analysis, FeedInput, Settings};
use calaudit::report::Window;

/// Says that a test (or a part of it) did not run, and why, in the normal `cargo test` output:
/// written to the process's stderr directly, which the test harness does not capture (it
/// captures `print!` and `eprint!`, so a notice printed with them shows only with
/// `--nocapture`).
pub fn skip(why: impl std::fmt::Display) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipping: {why}");
}

/// `../shared/<sub>` next to the project, or None (with a printed notice) in a user's clone.
pub fn shared(sub: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("shared")
        .join(sub);
    if p.exists() {
        Some(p)
    } else {
        skip(format!(
            "{} not found (../shared is only present in the team's checkout)",
            p.display()
        ));
        None
    }
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

pub fn window(tz: &str, from: &str, to: &str) -> Window {
    Window {
        tz: tz.parse().expect("test zone"),
        from: from.parse().expect("test date"),
        to: to.parse().expect("test date"),
    }
}

/// Runs the pure pipeline (built-in rules, default week) on one feed's bytes.
pub fn analyze(bytes: Vec<u8>, w: Window, me: &[&str]) -> Analysis {
    analyze_with(bytes, w, me, &Classifier::builtin())
}

/// [`analyze`] with every event counted as "other": for tests of calendar math against a
/// reference that knows nothing of classification (personal appointments would leave the
/// totals).
pub fn analyze_unclassified(bytes: Vec<u8>, w: Window, me: &[&str]) -> Analysis {
    let none = Classifier::from_rules(&[])
        .expect("no rules")
        .with_fallback(false);
    analyze_with(bytes, w, me, &none)
}

pub fn analyze_with(bytes: Vec<u8>, w: Window, me: &[&str], classifier: &Classifier) -> Analysis {
    let me: Vec<String> = me
        .iter()
        .map(|s| calaudit::ics::value::normalize_address(s))
        .collect();
    let week = WeekSettings::default();
    let s = Settings::new(w, &me, classifier, &week);
    pipeline::analyze(
        vec![FeedInput {
            name: "test".into(),
            bytes,
        }],
        &s,
    )
}

/// Runs the real binary with `args` in `dir` (default: a fresh temp dir, so no config.toml is found).
pub fn calaudit(args: &[&str], dir: Option<&std::path::Path>) -> Output {
    let tmp = tempdir();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_calaudit"));
    cmd.args(args)
        .current_dir(dir.unwrap_or(&tmp))
        .env_remove("CALAUDIT_CONFIG")
        .env("XDG_CONFIG_HOME", &tmp)
        .env("TZ", "UTC");
    cmd.output().expect("run calaudit")
}

/// A fresh empty directory under the target dir (kept for inspection after a failure).
pub fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let p = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "t{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&p);
    std::fs::create_dir_all(&p).expect("create temp dir");
    p
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The weekly report of an analysis made by [`analyze`] (built-in rules, default week).
pub fn report(a: &Analysis, w: Window) -> calaudit::report::Report {
    let classifier = Classifier::builtin();
    let week = WeekSettings::default();
    let s = Settings::new(w, &[], &classifier, &week);
    pipeline::report(a, &s)
}
