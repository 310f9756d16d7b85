//! Trains the fallback model from the tuning half of the labelled set and writes it to
//! `src/classify/fallback_model.tsv` (see `src/classify/fallback.rs`).
//!
//! `cargo run --release --example train_fallback` (add `-- --cv` to print a 5-fold
//! cross-validation accuracy on the tuning half instead of writing the model). The held-out
//! half is never read here: it only measures (tests/classify_eval.rs).
//!
//! The model is a multinomial logistic regression over the features `fallback::features`
//! gives, fitted by full-batch gradient descent with AdaGrad steps and an L2 penalty. The
//! training is deterministic: same data, same model.

use std::collections::HashMap;
use std::error::Error;

use calaudit::classify::fallback::{self, argmax, Model, Weights, CLASSES};
use calaudit::classify::labelled::{self, Labelled, ME};
use calaudit::classify::Outcome;

const TUNING: &str = "tests/data/classify-eval/tuning.tsv";
const OUT: &str = "src/classify/fallback_model.tsv";
const EPOCHS: usize = 400;
const STEP: f32 = 0.5;
const L2: f32 = 0.002;
/// Weights smaller than this everywhere are left out of the shipped file.
const PRUNE: f32 = 0.02;

/// One row as feature indices and its class.
struct Example {
    features: Vec<usize>,
    class: usize,
}

fn class_of(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

fn examples(rows: &[Labelled], vocab: &mut HashMap<String, usize>, grow: bool) -> Vec<Example> {
    let me = vec![ME.to_owned()];
    rows.iter()
        .map(|r| {
            let invite = r.invite();
            let s = r.subject(&invite, &me);
            let mut features = Vec::new();
            for f in fallback::features(&s) {
                let next = vocab.len();
                match vocab.get(&f) {
                    Some(&i) => features.push(i),
                    None if grow => {
                        vocab.insert(f, next);
                        features.push(next);
                    }
                    None => {}
                }
            }
            Example {
                features,
                class: class_of(r.label),
            }
        })
        .collect()
}

/// Fits (bias, weights per feature index).
fn train(data: &[Example], n_features: usize) -> (Weights, Vec<Weights>) {
    let mut bias = [0f32; CLASSES];
    let mut w = vec![[0f32; CLASSES]; n_features];
    let mut g2_bias = [1e-8f32; CLASSES];
    let mut g2 = vec![[1e-8f32; CLASSES]; n_features];
    let n = data.len() as f32;
    for _ in 0..EPOCHS {
        let mut grad_bias = [0f32; CLASSES];
        let mut grad = vec![[0f32; CLASSES]; n_features];
        for ex in data {
            let p = softmax(&score(&bias, &w, &ex.features));
            for c in 0..CLASSES {
                let d = p[c] - if c == ex.class { 1.0 } else { 0.0 };
                grad_bias[c] += d / n;
                for &f in &ex.features {
                    grad[f][c] += d / n;
                }
            }
        }
        for c in 0..CLASSES {
            g2_bias[c] += grad_bias[c] * grad_bias[c];
            bias[c] -= STEP * grad_bias[c] / g2_bias[c].sqrt();
        }
        for (f, g) in grad.iter().enumerate() {
            for c in 0..CLASSES {
                let gc = g[c] + L2 * w[f][c];
                g2[f][c] += gc * gc;
                w[f][c] -= STEP * gc / g2[f][c].sqrt();
            }
        }
    }
    (bias, w)
}

fn score(bias: &Weights, w: &[Weights], features: &[usize]) -> Weights {
    let mut s = *bias;
    for &f in features {
        for c in 0..CLASSES {
            s[c] += w[f][c];
        }
    }
    s
}

fn softmax(s: &Weights) -> Weights {
    let max = s.iter().copied().fold(f32::MIN, f32::max);
    let mut e = s.map(|x| (x - max).exp());
    let sum: f32 = e.iter().sum();
    for x in &mut e {
        *x /= sum;
    }
    e
}

fn main() -> Result<(), Box<dyn Error>> {
    let text = std::fs::read_to_string(TUNING)?;
    let rows = labelled::parse(&text).map_err(|e| format!("{TUNING}: {e}"))?;
    if std::env::args().any(|a| a == "--cv") {
        let folds = 5;
        let mut right = 0;
        for k in 0..folds {
            let train_rows: Vec<Labelled> = rows
                .iter()
                .enumerate()
                .filter(|(i, _)| i % folds != k)
                .map(|(_, r)| r.clone())
                .collect();
            let test_rows: Vec<Labelled> = rows
                .iter()
                .enumerate()
                .filter(|(i, _)| i % folds == k)
                .map(|(_, r)| r.clone())
                .collect();
            let mut vocab = HashMap::new();
            let train_ex = examples(&train_rows, &mut vocab, true);
            let (bias, w) = train(&train_ex, vocab.len());
            for ex in examples(&test_rows, &mut vocab, false) {
                if argmax(&score(&bias, &w, &ex.features)) == ex.class {
                    right += 1;
                }
            }
        }
        println!(
            "5-fold cross-validation on the tuning half: {right}/{} = {:.1}%",
            rows.len(),
            100.0 * right as f64 / rows.len() as f64
        );
        return Ok(());
    }
    let mut vocab = HashMap::new();
    let data = examples(&rows, &mut vocab, true);
    let (bias, w) = train(&data, vocab.len());
    let mut model = Model {
        bias,
        ..Model::default()
    };
    for (name, i) in vocab {
        if w[i].iter().any(|x| x.abs() >= PRUNE) {
            model.weights.insert(name, w[i]);
        }
    }
    let right = data
        .iter()
        .filter(|ex| argmax(&score(&bias, &w, &ex.features)) == ex.class)
        .count();
    std::fs::write(OUT, model.to_tsv())?;
    println!(
        "trained on {} rows of {TUNING}: {} features kept, training accuracy {:.1}%; wrote {OUT}",
        rows.len(),
        model.weights.len(),
        100.0 * right as f64 / data.len() as f64
    );
    Ok(())
}
