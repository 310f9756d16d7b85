//! Trains the fallback model from the tuning half of the labelled set and writes it to
//! `src/classify/fallback_model.tsv` (see `src/classify/fallback.rs`).
//!
//! `cargo run --release --example train_fallback` (add `-- --cv` to print 5-fold
//! cross-validation accuracies on the tuning half instead of writing the model: the model
//! alone on every row, and the built-in rules with a model fitted on the other folds, which is
//! what ships). The held-out half is never read here: it only measures (tests/classify_eval.rs).
//!
//! The model is a multinomial logistic regression over the features `fallback::features`
//! gives, fitted by full-batch gradient descent with AdaGrad steps and an L2 penalty. The
//! training is deterministic: same data, same model.
//!
//! For experiments, `GRAMS=3,4` (n-gram lengths, model-only cross-validation), `L2=0.001`
//! and `EPOCHS=600` override the shipped settings.

use std::collections::{BTreeMap, HashMap};
use std::error::Error;

use calaudit::classify::fallback::{self, argmax, Model, Weights, CLASSES};
use calaudit::classify::labelled::{self, Labelled, ME};
use calaudit::classify::{Classifier, Outcome};

const TUNING: &str = "tests/data/classify-eval/tuning.tsv";
const OUT: &str = "src/classify/fallback_model.tsv";
const EPOCHS: usize = 400;
const STEP: f32 = 0.5;
const L2: f32 = 0.002;
/// Weights smaller than this everywhere are left out of the shipped file.
const PRUNE: f32 = 0.02;

struct Settings {
    grams: Vec<usize>,
    l2: f32,
    epochs: usize,
}

impl Settings {
    fn from_env() -> Settings {
        let var = |k: &str| std::env::var(k).ok();
        Settings {
            grams: var("GRAMS").map_or_else(
                || fallback::GRAMS.to_vec(),
                |v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect(),
            ),
            l2: var("L2").and_then(|v| v.parse().ok()).unwrap_or(L2),
            epochs: var("EPOCHS").and_then(|v| v.parse().ok()).unwrap_or(EPOCHS),
        }
    }
}

/// One row as feature indices and its class.
struct Example {
    features: Vec<usize>,
    class: usize,
}

fn class_of(o: Outcome) -> usize {
    Outcome::ALL.iter().position(|x| *x == o).unwrap_or(0)
}

fn examples(
    rows: &[Labelled],
    vocab: &mut HashMap<String, usize>,
    grow: bool,
    grams: &[usize],
) -> Vec<Example> {
    let me = vec![ME.to_owned()];
    rows.iter()
        .map(|r| {
            let invite = r.invite();
            let s = r.subject(&invite, &me);
            let mut features = Vec::new();
            for f in fallback::features_with(&s, grams) {
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
fn train(data: &[Example], n_features: usize, set: &Settings) -> (Weights, Vec<Weights>) {
    let mut bias = [0f32; CLASSES];
    let mut w = vec![[0f32; CLASSES]; n_features];
    let mut g2_bias = [1e-8f32; CLASSES];
    let mut g2 = vec![[1e-8f32; CLASSES]; n_features];
    let n = data.len() as f32;
    for _ in 0..set.epochs {
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
                let gc = g[c] + set.l2 * w[f][c];
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

/// The model fitted on `rows`, pruned as shipped; and its accuracy on them.
fn fit(rows: &[Labelled], set: &Settings) -> (Model, f64) {
    let mut vocab = HashMap::new();
    let data = examples(rows, &mut vocab, true, &set.grams);
    let (bias, w) = train(&data, vocab.len(), set);
    let mut model = Model::default();
    model.bias = bias;
    for (name, i) in vocab {
        if w[i].iter().any(|x| x.abs() >= PRUNE) {
            model.weights.insert(name, w[i]);
        }
    }
    let right = data
        .iter()
        .filter(|ex| argmax(&score(&bias, &w, &ex.features)) == ex.class)
        .count();
    (model, right as f64 / data.len().max(1) as f64)
}

fn cross_validate(rows: &[Labelled], set: &Settings) {
    let folds = 5;
    let me = vec![ME.to_owned()];
    let rules = Classifier::builtin();
    let (mut model_right, mut pipeline_right) = (0, 0);
    // Per deciding rule: (right, total).
    let mut by_rule: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for k in 0..folds {
        let (train_rows, test_rows): (Vec<_>, Vec<_>) = rows
            .iter()
            .enumerate()
            .partition::<Vec<_>, _>(|(i, _)| i % folds != k);
        let train_rows: Vec<Labelled> = train_rows.into_iter().map(|(_, r)| r.clone()).collect();
        let test_rows: Vec<Labelled> = test_rows.into_iter().map(|(_, r)| r.clone()).collect();
        let mut vocab = HashMap::new();
        let train_ex = examples(&train_rows, &mut vocab, true, &set.grams);
        let (bias, w) = train(&train_ex, vocab.len(), set);
        for ex in examples(&test_rows, &mut vocab, false, &set.grams) {
            if argmax(&score(&bias, &w, &ex.features)) == ex.class {
                model_right += 1;
            }
        }
        let model: &'static Model = Box::leak(Box::new(fit(&train_rows, set).0));
        let c = rules.clone().with_model(model);
        for r in &test_rows {
            let invite = r.invite();
            let d = c.classify(&r.subject(&invite, &me));
            let e = by_rule.entry(d.rule.to_owned()).or_default();
            e.1 += 1;
            if d.outcome == r.label {
                e.0 += 1;
                pipeline_right += 1;
            }
        }
    }
    let pct = |n: usize| 100.0 * n as f64 / rows.len() as f64;
    println!(
        "5-fold cross-validation on the tuning half (grams {:?}, L2 {}, {} epochs):",
        set.grams, set.l2, set.epochs
    );
    println!(
        "  model alone: {model_right}/{} = {:.1}%",
        rows.len(),
        pct(model_right)
    );
    println!(
        "  rules + model: {pipeline_right}/{} = {:.1}%",
        rows.len(),
        pct(pipeline_right)
    );
    for (rule, (right, total)) in by_rule {
        println!("    {rule:<40} {right:>4}/{total:<4}");
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let text = std::fs::read_to_string(TUNING)?;
    let rows = labelled::parse(&text).map_err(|e| format!("{TUNING}: {e}"))?;
    let set = Settings::from_env();
    if std::env::args().any(|a| a == "--cv") {
        cross_validate(&rows, &set);
        return Ok(());
    }
    if set.grams != fallback::GRAMS {
        return Err(format!(
            "GRAMS={:?} differs from fallback::GRAMS={:?}: the shipped model must use the \
             features the classifier computes",
            set.grams,
            fallback::GRAMS
        )
        .into());
    }
    let (model, training) = fit(&rows, &set);
    std::fs::write(OUT, model.to_tsv())?;
    println!(
        "trained on {} rows of {TUNING}: {} features kept, training accuracy {:.1}%; wrote {OUT}",
        rows.len(),
        model.weights.len(),
        100.0 * training
    );
    Ok(())
}
