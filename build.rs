//! Compiles the fallback model's weights (`src/classify/fallback_model.tsv`) into a sorted
//! table, so a run looks features up in static data instead of parsing and hashing thousands
//! of lines at start-up. The TSV stays the readable source that the trainer writes.

use std::fmt::Write as _;
use std::path::Path;

const MODEL: &str = "src/classify/fallback_model.tsv";

fn main() {
    println!("cargo:rerun-if-changed={MODEL}");
    println!("cargo:rerun-if-changed=build.rs");
    let text = std::fs::read_to_string(MODEL).expect("read the fallback model");
    let mut bias = None;
    let mut rows: Vec<(String, Vec<f32>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.split('\t');
        let name = cols.next().unwrap_or_default().to_owned();
        let mut w: Vec<f32> = cols
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{MODEL}:{}: bad weight {v:?}", i + 1))
            })
            .collect();
        // Five class weights, then the title-only personal weight (0 when left out).
        assert!(
            w.len() == 5 || w.len() == 6,
            "{MODEL}:{}: expected 5 or 6 weights",
            i + 1
        );
        w.resize(6, 0.0);
        if name == "bias" {
            bias = Some(w);
        } else {
            rows.push((name, w));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.dedup_by(|a, b| a.0 == b.0);
    let weights = |w: &[f32]| {
        let parts: Vec<String> = w.iter().map(|x| format!("{x:?}f32")).collect();
        format!("[{}]", parts.join(", "))
    };
    let mut out = String::new();
    let bias = bias.expect("the model has a bias line");
    writeln!(
        out,
        "pub(crate) static BIAS: [f32; 6] = {};",
        weights(&bias)
    )
    .unwrap();
    writeln!(
        out,
        "pub(crate) static FEATURES: [(&str, [f32; 6]); {}] = [",
        rows.len()
    )
    .unwrap();
    for (name, w) in &rows {
        writeln!(out, "    ({name:?}, {}),", weights(w)).unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("fallback_model.rs");
    std::fs::write(dest, out).expect("write the compiled model");
}
