//! Pipeline benchmarks (divan): parse, expand, classify and aggregate, each on its own.
//!
//!     cargo bench --bench pipeline
//!
//! The workloads are the benchmark kit's realistic manager calendars
//! (`../shared/bench/gen_calendar.py`): a Google-style and an Outlook-style year and a
//! Google-style five years. They are taken from `bench/work/` when `bench/compare.sh` already
//! made them, else generated into the target dir. Without the kit (a user's clone) the
//! project's `fixtures/sample-manager.ics` repeated stands in, so the benchmarks still run.
//! Parse reports bytes per second; the other stages report items (events or occurrences).
//! Timing targets live here and in `bench/compare.sh`, never in tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use calaudit::classify::{Classifier, ClassifyCache};
use calaudit::config::WeekSettings;
use calaudit::ics::expand::{self, ExpandLimits, ExpandOptions};
use calaudit::ics::zone::Zone;
use calaudit::ics::Calendar;
use calaudit::pipeline::{self, FeedInput, Settings};
use calaudit::report::Window;
use divan::counter::{BytesCount, ItemsCount};
use divan::{black_box, Bencher};

fn main() {
    divan::main();
}

/// One benchmark calendar: its bytes and the window that covers its whole span.
struct Workload {
    bytes: Vec<u8>,
    from: &'static str,
    to: &'static str,
}

const TZ: &str = "America/Los_Angeles";
const ME: &str = "me@example.com";

/// (name, generator arguments, span)
const KIT: &[(&str, &[&str], &str, &str)] = &[
    (
        "cal_1y",
        &["--years", "1", "--style", "google"],
        "2025-01-01",
        "2026-01-01",
    ),
    (
        "cal_1y_outlook",
        &["--years", "1", "--style", "outlook"],
        "2025-01-01",
        "2026-01-01",
    ),
    (
        "cal_5y",
        &["--years", "5", "--style", "google"],
        "2021-01-01",
        "2026-01-01",
    ),
];

fn workload(name: &str) -> &'static Workload {
    static ALL: OnceLock<Vec<(&'static str, Workload)>> = OnceLock::new();
    let all = ALL.get_or_init(|| KIT.iter().map(|k| (k.0, load(k))).collect());
    match all.iter().find(|(n, _)| *n == name) {
        Some((_, w)) => w,
        None => panic!("no workload {name}"),
    }
}

fn load(&(name, args, from, to): &(&'static str, &[&str], &'static str, &'static str)) -> Workload {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let made = root.join("bench").join("work").join(format!("{name}.ics"));
    if let Ok(bytes) = std::fs::read(&made) {
        return Workload { bytes, from, to };
    }
    let kit = root
        .join("..")
        .join("shared")
        .join("bench")
        .join("gen_calendar.py");
    let dir = target_dir().join("bench-data");
    let out = dir.join(format!("{name}.ics"));
    if !out.exists() && kit.exists() {
        let _ = std::fs::create_dir_all(&dir);
        let ok = Command::new("python3")
            .arg(&kit)
            .args(args)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("pipeline bench: gen_calendar.py failed for {name}; using the fixture");
        }
    }
    match std::fs::read(&out) {
        Ok(bytes) => Workload { bytes, from, to },
        Err(_) => fallback(from, to),
    }
}

/// The sample fixture, repeated: every copy is its own VCALENDAR (RFC 5545 allows several in
/// one file), so events multiply without colliding.
fn fallback(from: &'static str, to: &'static str) -> Workload {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("sample-manager.ics");
    let one = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let bytes = one.repeat(200);
    Workload { bytes, from, to }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"))
}

fn window(from: &str, to: &str) -> Window {
    Window {
        tz: TZ.parse().expect("bench zone"),
        from: from.parse().expect("bench date"),
        to: to.parse().expect("bench date"),
    }
}

fn options(w: Window) -> ExpandOptions {
    ExpandOptions {
        window_start: w.start(),
        window_end: w.end(),
        user_zone: Zone::Iana(w.tz),
        ignore_x_wr_timezone: false,
        limits: ExpandLimits::default(),
    }
}

#[divan::bench(args = ["cal_1y", "cal_1y_outlook", "cal_5y"])]
fn parse(b: Bencher, name: &str) {
    let w = workload(name);
    b.counter(BytesCount::of_slice(&w.bytes))
        .bench(|| calaudit::ics::parse(black_box(&w.bytes)));
}

/// The window that the expansion covers: one week, one year, or the file's whole span.
/// Expansion cost should follow the window, not the length of the calendar's history.
#[divan::bench(args = ["week", "year", "span"])]
fn expand_cal_5y(b: Bencher, span: &str) {
    let w = workload("cal_5y");
    let win = match span {
        "week" => window("2025-06-02", "2025-06-09"),
        "year" => window("2025-01-01", "2026-01-01"),
        _ => window(w.from, w.to),
    };
    let mut cal = calaudit::ics::parse(&w.bytes);
    let (resolvers, _) = expand::resolvers(&mut cal);
    let opts = options(win);
    let n = expand::expand(&cal, &resolvers, &opts).0.len();
    b.counter(ItemsCount::new(n))
        .bench(|| expand::expand(black_box(&cal), &resolvers, &opts));
}

/// The built-in rules on every event of five years (each event is classified once; its
/// occurrences share the decision), as the pipeline does it: one [`ClassifyCache`] for the
/// run, so a title seen before is not matched again. `uncached` is [`Classifier::classify`]
/// alone, each event matched from scratch.
#[divan::bench(args = ["cached", "uncached"])]
fn classify_cal_5y(b: Bencher, mode: &str) {
    let w = workload("cal_5y");
    let cal: Calendar = calaudit::ics::parse(&w.bytes);
    let classifier = Classifier::builtin();
    // Whose calendar it is, as the pipeline guesses it when `me` is not configured.
    let me: Vec<String> = calaudit::pipeline::guess_owner(&cal).into_iter().collect();
    let subject = |i: usize| calaudit::pipeline::subject(&cal.events[i], "bench", &me);
    b.counter(ItemsCount::new(cal.events.len())).bench(|| {
        let mut cache = ClassifyCache::new();
        for i in 0..cal.events.len() {
            let s = subject(i);
            if mode == "cached" {
                black_box(classifier.classify_cached(black_box(&s), &mut cache));
            } else {
                black_box(classifier.classify(black_box(&s)));
            }
        }
    });
}

/// Weekly aggregation (union of busy time, category priority, exclusions) of five years of
/// classified occurrences.
#[divan::bench]
fn aggregate_cal_5y(b: Bencher) {
    let w = workload("cal_5y");
    let me = vec![ME.to_owned()];
    let classifier = Classifier::builtin();
    let week = WeekSettings::default();
    let s = Settings::new(window(w.from, w.to), &me, &classifier, &week);
    let a = pipeline::analyze(
        vec![FeedInput {
            name: "bench".into(),
            bytes: w.bytes.clone(),
        }],
        &s,
    );
    b.counter(ItemsCount::new(a.rows.len()))
        .bench(|| pipeline::report(black_box(&a), &s));
}

/// Everything but reading the file and printing: parse → expand → classify → report.
#[divan::bench(args = ["cal_1y", "cal_1y_outlook", "cal_5y"])]
fn pipeline_whole_span(b: Bencher, name: &str) {
    let w = workload(name);
    let me = vec![ME.to_owned()];
    let classifier = Classifier::builtin();
    let week = WeekSettings::default();
    let s = Settings::new(window(w.from, w.to), &me, &classifier, &week);
    b.counter(BytesCount::of_slice(&w.bytes))
        .with_inputs(|| {
            vec![FeedInput {
                name: "bench".into(),
                bytes: w.bytes.clone(),
            }]
        })
        .bench_values(|feeds| {
            let a = pipeline::analyze(feeds, &s);
            pipeline::report(&a, &s)
        });
}
