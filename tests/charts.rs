//! Charts are drawn from the same numbers as `report`: tested as data, smoke-tested as files.

use calaudit::chart::{self, ChartKind};
use calaudit::pipeline;
use serde_json::Value;

use crate::util::{self, calaudit, stderr, stdout};

fn sample() -> String {
    util::fixture("sample-manager.ics").display().to_string()
}

#[test]
fn chart_series_equal_the_report_numbers() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let args = ["--from", "2026-01-05", "--to", "2026-03-02"];
    let o = calaudit(
        &[&["report", "--format", "json"][..], &args[..]].concat(),
        Some(root),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rep: Value = serde_json::from_str(&stdout(&o)).expect("report json");

    let cfg = calaudit::config::Config::load(&root.join("config.toml")).expect("config");
    let w = util::window("America/Los_Angeles", "2026-01-05", "2026-03-02");
    let me = cfg.me.clone();
    let s = pipeline::Settings::from_config(&cfg, w, &me);
    let bytes = std::fs::read(util::fixture("sample-manager.ics")).expect("sample");
    let a = pipeline::analyze(
        vec![pipeline::FeedInput {
            name: "sample".into(),
            bytes,
        }],
        &s,
    );
    let r = pipeline::report(&a, &s);
    let input = pipeline::chart_input(&a, &r, &s, s.window.end());

    let weeks = rep["weeks"].as_array().expect("weeks");
    assert_eq!(weeks.len(), input.weeks.len());
    let alloc = chart::series(ChartKind::Allocation, &input);
    let by_name = |name: &str| {
        alloc
            .iter()
            .find(|x| x.name.to_lowercase().starts_with(name))
            .unwrap_or_else(|| {
                panic!(
                    "series {name}: {:?}",
                    alloc.iter().map(|x| &x.name).collect::<Vec<_>>()
                )
            })
    };
    for (i, wk) in weeks.iter().enumerate() {
        for (key, name) in [
            ("people", "people"),
            ("technical", "technical"),
            ("deep_work", "deep work"),
            ("other", "other"),
        ] {
            let minutes = wk["minutes"][key].as_f64().expect("minutes");
            let drawn = by_name(name).points[i].1;
            assert!(
                (drawn - minutes / 60.0).abs() < 1e-9,
                "{} {key}: chart {drawn} vs report {minutes} min",
                wk["week"]
            );
        }
    }
    let share = chart::series(ChartKind::PeopleShare, &input);
    let weekly = &share[0].points;
    for (i, wk) in weeks.iter().enumerate() {
        let pct = wk["people_share"].as_f64().expect("share") * 100.0;
        assert!(
            (weekly[i].1 - pct).abs() < 0.01,
            "{}: {} vs {pct}",
            wk["week"],
            weekly[i].1
        );
    }
    let deep = chart::series(ChartKind::DeepWork, &input);
    let violations = deep
        .iter()
        .find(|x| x.name.contains("violation"))
        .expect("violations series");
    let from_report: Vec<f64> = weeks
        .iter()
        .map(|w| w["no_fly_violations"].as_f64().unwrap_or(-1.0))
        .collect();
    let drawn: Vec<f64> = violations.points.iter().map(|p| p.1).collect();
    assert_eq!(drawn, from_report);
    assert!(
        from_report.iter().sum::<f64>() >= 1.0,
        "the sample has a meeting in a no-fly window"
    );
}

#[test]
fn charts_command_writes_png_and_svg() {
    let dir = util::tempdir();
    let out = dir.join("charts");
    let o = calaudit(
        &[
            "charts",
            "--feed",
            &sample(),
            "--from",
            "2026-01-05",
            "--to",
            "2026-03-02",
            "--tz",
            "America/Los_Angeles",
            "--out",
            out.to_str().unwrap_or(""),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    for kind in ChartKind::ALL {
        let png =
            std::fs::read(out.join(format!("{}.png", kind.file_stem()))).expect("png written");
        let decoder = png::Decoder::new(std::io::Cursor::new(png));
        let reader = decoder.read_info().expect("valid png");
        let info = reader.info();
        assert_eq!((info.width, info.height), chart::PNG_SIZE);
        let svg = std::fs::read_to_string(out.join(format!("{}.svg", kind.file_stem())))
            .expect("svg written");
        let doc = roxmltree::Document::parse(&svg).expect("svg is xml");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert!(svg.contains("America/Los_Angeles"));
    }
}

/// The `one-on-ones` chart of the sample, 2026-01-05 .. 2026-03-02 (W02–W09, in the past, so
/// every counted 1:1 is held): weekly 1:1s with all five reports, except Alex's of 02-09,
/// which was cancelled (the 02-02 one moved to 02-03, still W06).
#[test]
fn one_on_ones_series_follow_the_sample() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cfg = calaudit::config::Config::load(&root.join("config.toml")).expect("config");
    let w = util::window("America/Los_Angeles", "2026-01-05", "2026-03-02");
    let me = cfg.me.clone();
    let s = pipeline::Settings::from_config(&cfg, w, &me);
    let bytes = std::fs::read(util::fixture("sample-manager.ics")).expect("sample");
    let a = pipeline::analyze(
        vec![pipeline::FeedInput {
            name: "sample".into(),
            bytes,
        }],
        &s,
    );
    let r = pipeline::report(&a, &s);
    let input = pipeline::chart_input(&a, &r, &s, s.window.end());
    let data = chart::series(ChartKind::OneOnOnes, &input);
    let names: Vec<&str> = data.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["Alex", "Priya", "Jordan", "Mei", "Tomas"]);
    let weeks: Vec<&str> = data[0].points.iter().map(|p| p.0.as_str()).collect();
    assert_eq!(
        weeks,
        [
            "2026-W02", "2026-W03", "2026-W04", "2026-W05", "2026-W06", "2026-W07", "2026-W08",
            "2026-W09"
        ]
    );
    let values = |i: usize| data[i].points.iter().map(|p| p.1).collect::<Vec<_>>();
    assert_eq!(values(0), [3.0, 3.0, 3.0, 3.0, 3.0, 1.0, 3.0, 3.0]);
    for (series, name) in data.iter().zip(&names).skip(1) {
        let v: Vec<f64> = series.points.iter().map(|p| p.1).collect();
        assert_eq!(v, [3.0; 8], "{name}");
    }
}
