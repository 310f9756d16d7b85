//! The fallback: a small linear model that decides when no rule matches.
//!
//! Rules are what a user reads and edits, but no list of keywords covers every way people name
//! meetings. When none matches, a multinomial logistic model over the title's words and the
//! invite's shape (how many others, who organised it, length, recurrence) picks the outcome.
//! It is trained by `cargo run --example train_fallback` from the tuning half of the labelled
//! set only, and shipped as data (`fallback_model.tsv`): no network, nothing downloaded.
//!
//! It stays explainable: every decision names the features that weighed most for it
//! ("sync", "one other person"), and `occurrences` shows them as the rule.
//!
//! It decides `personal`, which takes the time out of the totals, only on evidence from the
//! title ([`PersonalGate`]): a second, title-only score (personal against any work, fitted on
//! the title's features alone, so the invite's shape cannot stand in for it) must clear a
//! margin, no word of the title may be work vocabulary, and no colleague may be on the invite.
//! The shape can then only allow it, never make it: a feed without attendee lines ("Tuesday
//! sync", nobody invited) stays work time.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::fold::fold;
use super::subject::OrganizerKind;
use super::{Outcome, Subject};

/// The shipped model, trained from `tests/data/classify-eval/tuning.tsv`.
pub const MODEL_TSV: &str = include_str!("fallback_model.tsv");

/// How many outcomes the model scores, in [`Outcome::ALL`] order.
pub const CLASSES: usize = 5;

/// Per-class weights.
pub type Weights = [f32; CLASSES];

/// What the fallback decided and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Because {
    /// Up to three features that weighed most for the outcome, in human words.
    pub features: [Option<&'static str>; 3],
}

impl Because {
    /// `"sync" + one other person`-style text for listings.
    pub fn describe(&self) -> String {
        let parts: Vec<&str> = self.features.iter().flatten().copied().collect();
        if parts.is_empty() {
            "no strong signal".to_owned()
        } else {
            parts.join(" + ")
        }
    }
}

/// The shipped model's weights as a table sorted by feature, compiled from `fallback_model.tsv`
/// by `build.rs`: `BIAS` and `FEATURES`, each with the title-only personal weight last.
#[allow(clippy::approx_constant, clippy::unreadable_literal)]
mod compiled {
    include!(concat!(env!("OUT_DIR"), "/fallback_model.rs"));
}

/// A trained model: a bias and a weight vector per feature.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub bias: Weights,
    /// Weights per feature (a model read or trained at run time).
    pub weights: HashMap<String, Weights>,
    /// The title-only personal score's bias (log-odds of personal against any work outcome).
    pub title_personal_bias: f32,
    /// The title-only personal score's weight per title feature (features not listed: 0).
    pub title_personal: HashMap<String, f32>,
    /// More weights per feature, sorted by feature (the shipped model, compiled in), the
    /// title-only personal weight last.
    table: &'static [(&'static str, [f32; CLASSES + 1])],
    /// When it may decide personal.
    pub personal: PersonalGate,
}

/// Splits a compiled row's weights into the model's and the title-only personal weight.
fn split(w: &[f32; CLASSES + 1]) -> (&Weights, f32) {
    let (head, tail) = w.split_at(CLASSES);
    (head.try_into().unwrap_or(&[0.0; CLASSES]), tail[0])
}

/// When the fallback may decide `personal`: only on evidence from the title. The thresholds
/// are in the model's score units (log-odds) and were chosen by `train_fallback --cv`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PersonalGate {
    /// Whether it may decide personal at all (`false`: only work outcomes).
    pub enabled: bool,
    /// What the title-only personal score (log-odds) must exceed.
    pub title_margin: f32,
    /// How much more personal must score than the best work outcome in the model with
    /// everything counted (negative: personal may be a little behind there).
    pub margin: f32,
    /// A title word (or pair of words) whose title-only personal weight is this far below 0
    /// is work vocabulary ("sync", "review"), and the title is then never personal.
    pub work_word: f32,
    /// Whether an invite whose one other person is an outside organiser (a booking system)
    /// may be personal too, besides a block only I am on.
    pub outside_organiser: bool,
}

impl PersonalGate {
    /// The shipped gate.
    pub const SHIPPED: PersonalGate = PersonalGate {
        enabled: true,
        title_margin: 0.5,
        margin: 0.0,
        work_word: 1.0,
        outside_organiser: true,
    };

    /// Never personal.
    pub const OFF: PersonalGate = PersonalGate {
        enabled: false,
        ..PersonalGate::SHIPPED
    };
}

impl Default for PersonalGate {
    fn default() -> Self {
        PersonalGate::OFF
    }
}

/// A title's share of the score (the title's features' weights summed), which a cache keeps
/// per title.
#[derive(Clone, Debug, Default)]
pub struct TitleScore {
    scores: Weights,
    /// The title-only personal score (log-odds), its bias included.
    personal: f32,
    /// Whether a word of the title is work vocabulary to the title-only personal score.
    work_word: bool,
    /// The title's features known to the model, as (feature, weights, title-only personal
    /// weight).
    features: Vec<(String, Weights, f32)>,
}

impl Model {
    /// The shipped model, read once. It is checked by this module's tests, so a released build
    /// cannot fail here; if it did, that is a bug in calaudit, and the fallback is then off
    /// (an empty model decides "other" with no signal) rather than the program crashing.
    pub fn builtin() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model {
            bias: *split(&compiled::BIAS).0,
            title_personal_bias: split(&compiled::BIAS).1,
            weights: HashMap::new(),
            title_personal: HashMap::new(),
            table: &compiled::FEATURES,
            personal: PersonalGate::SHIPPED,
        })
    }

    /// A feature's weights, with the feature's name as the model keeps it.
    fn get(&self, feature: &str) -> Option<(&str, &Weights)> {
        self.get_both(feature).map(|(k, w, _)| (k, w))
    }

    /// A feature's weights and its title-only personal weight.
    fn get_both(&self, feature: &str) -> Option<(&str, &Weights, f32)> {
        const NONE: &Weights = &[0.0; CLASSES];
        match self.table.binary_search_by(|(k, _)| (*k).cmp(feature)) {
            Ok(i) => {
                let (w, p) = split(&self.table[i].1);
                Some((self.table[i].0, w, p))
            }
            Err(_) => {
                let p = self.title_personal.get_key_value(feature);
                match (self.weights.get_key_value(feature), p) {
                    (Some((k, w)), p) => Some((k.as_str(), w, p.map_or(0.0, |(_, p)| *p))),
                    (None, Some((k, p))) => Some((k.as_str(), NONE, *p)),
                    (None, None) => None,
                }
            }
        }
    }

    /// How many features have weights.
    pub fn len(&self) -> usize {
        let extra = self
            .title_personal
            .keys()
            .filter(|k| !self.weights.contains_key(*k))
            .count();
        self.table.len() + self.weights.len() + extra
    }

    /// Whether no feature has weights.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Reads a model: `bias` then one `feature` line each, a weight per class, then the
    /// title-only personal weight (optional, 0 when left out), tab-separated.
    pub fn parse(text: &str) -> Result<Model, String> {
        let mut model = Model::default();
        for (i, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let name = cols.next().unwrap_or_default();
            let mut w = [0f32; CLASSES];
            for slot in &mut w {
                *slot = cols
                    .next()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| format!("line {}: expected {CLASSES} weights", i + 1))?;
            }
            let p = match cols.next() {
                None => 0.0,
                Some(v) => v
                    .parse()
                    .map_err(|_| format!("line {}: bad title-only personal weight", i + 1))?,
            };
            if name == "bias" {
                model.bias = w;
                model.title_personal_bias = p;
            } else {
                model.weights.insert(name.to_owned(), w);
                if p != 0.0 {
                    model.title_personal.insert(name.to_owned(), p);
                }
            }
        }
        Ok(model)
    }

    /// The model as [`Model::parse`] reads it, features sorted.
    pub fn to_tsv(&self) -> String {
        let header = Outcome::ALL.map(Outcome::as_str).join("\t");
        let mut out = format!("# feature\t{header}\ttitle-only personal\n");
        let line = |name: &str, w: &Weights, p: f32| {
            let ws: Vec<String> = w.iter().map(|x| format!("{x:.3}")).collect();
            format!("{name}\t{}\t{p:.3}\n", ws.join("\t"))
        };
        out.push_str(&line("bias", &self.bias, self.title_personal_bias));
        let mut names: Vec<&String> = self
            .weights
            .keys()
            .chain(self.title_personal.keys())
            .collect();
        names.sort();
        names.dedup();
        for name in names {
            let w = self.weights.get(name).copied().unwrap_or_default();
            let p = self.title_personal.get(name).copied().unwrap_or(0.0);
            out.push_str(&line(name, &w, p));
        }
        out
    }

    /// The title's share of the score.
    pub fn title_score(&self, title: &str) -> TitleScore {
        let mut score = TitleScore {
            personal: self.title_personal_bias,
            ..TitleScore::default()
        };
        for f in title_features(title) {
            if let Some((_, w, p)) = self.get_both(&f) {
                add(&mut score.scores, w);
                score.personal += p;
                score.work_word |= is_word(&f) && p < -self.personal.work_word;
                score.features.push((f, *w, p));
            }
        }
        score
    }

    /// The outcome for `s`, with the title's score computed here.
    pub fn predict(&'static self, s: &Subject) -> (Outcome, Because) {
        self.predict_with(&self.title_score(s.summary), s)
    }

    /// The outcome for `s`, given its title's score.
    pub fn predict_with(&'static self, title: &TitleScore, s: &Subject) -> (Outcome, Because) {
        let mut scores = self.bias;
        add(&mut scores, &title.scores);
        let shape = shape_features(s);
        let shape_weights: Vec<(&'static str, &Weights)> =
            shape.iter().filter_map(|f| self.get(f)).collect();
        for (_, w) in &shape_weights {
            add(&mut scores, w);
        }
        let best = self.choose(title, &scores, s);
        // A feature's pull towards the outcome: its weight there against its mean weight.
        let pull = |w: &Weights| w[best] - w.iter().sum::<f32>() / CLASSES as f32;
        let mut pulls: Vec<(f32, &'static str)> = if best == PERSONAL {
            // Personal is decided by the title alone: its words that say so.
            title
                .features
                .iter()
                .filter_map(|(k, _, p)| self.get_both(k).map(|(k, _, _)| (*p, k)))
                .filter(|(p, _)| *p > 0.0)
                .collect()
        } else {
            shape_weights
                .iter()
                .map(|&(k, w)| (pull(w), k))
                .chain(
                    title
                        .features
                        .iter()
                        .filter_map(|(k, w, _)| self.get(k).map(|(k, _)| (pull(w), k))),
                )
                .filter(|(p, _)| *p > 0.0)
                .collect()
        };
        pulls.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut because = Because {
            features: [None; 3],
        };
        for (slot, (_, name)) in because.features.iter_mut().zip(pulls) {
            *slot = Some(name);
        }
        (Outcome::ALL[best], because)
    }
}

impl Model {
    /// The outcome (an index in [`Outcome::ALL`]) for an event whose title scores `title` and
    /// whose whole score (bias, title and shape) is `scores`: the best work outcome, unless
    /// [`Model::personal_from_title`] holds and personal then beats it by the gate's margin.
    pub fn choose(&self, title: &TitleScore, scores: &Weights, s: &Subject) -> usize {
        let best = argmax_work(scores);
        let p = PERSONAL;
        if self.personal_from_title(title)
            && no_colleague(s, self.personal.outside_organiser)
            && scores[p] > scores[best] + self.personal.margin
        {
            p
        } else {
            best
        }
    }

    /// Whether the title alone reads as personal: its title-only personal score clears the
    /// gate's `title_margin`, and none of its words is work vocabulary.
    pub fn personal_from_title(&self, title: &TitleScore) -> bool {
        self.personal.enabled && !title.work_word && title.personal > self.personal.title_margin
    }
}

/// Where personal is in [`Outcome::ALL`].
const PERSONAL: usize = 4;

/// Whether `feature` is a whole title word or pair of words (`"sync"`, `"design review"`), not
/// a character n-gram (`"*sync"`) or a shape feature.
fn is_word(feature: &str) -> bool {
    feature.len() > 2 && feature.starts_with('"') && !feature.contains('*')
}

/// Whether no colleague is on the invite: only I am on it, or (when `outside` allows it) the
/// one other is an outside organiser (a booking system for a doctor or a gym).
fn no_colleague(s: &Subject, outside: bool) -> bool {
    match s.others_up_to(2) {
        0 => true,
        1 => outside && s.organizer_kind() == OrganizerKind::External,
        _ => false,
    }
}

fn add(into: &mut Weights, w: &Weights) {
    for (a, b) in into.iter_mut().zip(w) {
        *a += b;
    }
}

/// The index of the highest score among the work outcomes (every class but personal).
pub fn argmax_work(scores: &Weights) -> usize {
    let personal = Outcome::ALL
        .iter()
        .position(|o| *o == Outcome::Personal)
        .unwrap_or(CLASSES);
    let mut best = if personal == 0 { 1 } else { 0 };
    for (i, s) in scores.iter().enumerate() {
        if i != personal && *s > scores[best] {
            best = i;
        }
    }
    best
}

/// The index of the highest score (the first on ties: classes are in [`Outcome::ALL`] order).
pub fn argmax(scores: &Weights) -> usize {
    let mut best = 0;
    for (i, s) in scores.iter().enumerate() {
        if *s > scores[best] {
            best = i;
        }
    }
    best
}

/// The lengths of the character n-grams taken from each title word (see [`title_features`]).
pub const GRAMS: &[usize] = &[4];

/// The title's features: its words (accent- and case-folded, a plural `s` taken off), each
/// pair of neighbouring words, the character n-grams of each word (so compounds and unseen
/// inflections share features with the words they are made of: "Architekturbesprechung"
/// with "architecture"), and marks that pair titles use (`<>`, `/`, `&`, `x`).
/// Features read as text: `"catch up"`, `"sync"`, `"arch*"`, `"*itek*"`, `<>`.
pub fn title_features(title: &str) -> Vec<String> {
    title_features_with(title, GRAMS)
}

/// [`title_features`] with n-grams of the given lengths (the trainer tries others).
pub fn title_features_with(title: &str, grams: &[usize]) -> Vec<String> {
    let folded = fold(title);
    let folded = unwrap_invite(&folded);
    let raw: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .flat_map(split_scripts)
        .collect();
    let words: Vec<String> = raw.iter().map(|w| stem(w)).collect();
    let mut out: Vec<String> = Vec::with_capacity(words.len() * 8 + 2);
    for w in &words {
        out.push(format!("\"{w}\""));
    }
    for pair in words.windows(2) {
        out.push(format!("\"{} {}\"", pair[0], pair[1]));
    }
    for w in &raw {
        if w.chars().next().is_some_and(is_cjk) {
            push_cjk_pairs(w, &mut out);
        } else {
            push_grams(w, grams, &mut out);
        }
    }
    for mark in ["<>", "/", "&", "+", "|"] {
        if folded.contains(mark) {
            out.push(mark.to_owned());
        }
    }
    if words.is_empty() {
        out.push("no title words".to_owned());
    }
    out.sort();
    out.dedup();
    out
}

/// The words calendar apps wrap a title in when they mail or list an invite ("Accepted:",
/// "Updated invitation:", "FW:"): they say what happened to the invite, not what the meeting
/// is.
const INVITE_WRAPPERS: &[&str] = &[
    "updated invitation with note:",
    "invitation with note:",
    "updated invitation:",
    "invitation:",
    "accepted:",
    "tentative:",
    "tentatively accepted:",
    "declined:",
    "canceled event:",
    "cancelled event:",
    "canceled:",
    "cancelled:",
    "new event:",
    "updated event:",
    "fwd:",
    "fw:",
    "re:",
];

/// `folded` without the invite wrappers at its start, and, when there was one, without the
/// time Google mails after an ` @ ` ("Invitation: Design review @ Tue Mar 10, 2026 2pm").
fn unwrap_invite(folded: &str) -> &str {
    let mut t = folded.trim_start();
    let mut wrapped = false;
    'strip: loop {
        for w in INVITE_WRAPPERS {
            if let Some(rest) = t.strip_prefix(w) {
                t = rest.trim_start();
                wrapped = true;
                continue 'strip;
            }
        }
        break;
    }
    if wrapped {
        if let Some(at) = t.find(" @ ") {
            t = &t[..at];
        }
    }
    t
}

/// Whether `c` is written in a script without spaces between words (Han, kana, Hangul), whose
/// words the model reads as pairs of characters.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF66..=0xFF9F
        | 0xAC00..=0xD7AF)
}

/// A run of letters cut where it changes between a spaced script and [`is_cjk`] text
/// ("Kubernetes入門" is two words).
fn split_scripts(run: &str) -> impl Iterator<Item = &str> {
    let mut cuts = vec![0];
    let mut prev: Option<bool> = None;
    for (i, c) in run.char_indices() {
        let cjk = is_cjk(c);
        if prev.is_some_and(|p| p != cjk) {
            cuts.push(i);
        }
        prev = Some(cjk);
    }
    cuts.push(run.len());
    (0..cuts.len() - 1).map(move |k| &run[cuts[k]..cuts[k + 1]])
}

/// Each pair of neighbouring characters of a CJK word, written `"*面接*"`: a title like
/// "一次面接" shares "面接" with "面接：エンジニア" though neither has spaces.
fn push_cjk_pairs(word: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = word.chars().collect();
    for pair in chars.windows(2) {
        out.push(format!("\"*{}{}*\"", pair[0], pair[1]));
    }
}

/// The character n-grams of `word` (padded at both ends), written as keyword patterns: an
/// n-gram at the start of the word is `"arch*"`, at its end `"*ung"`, inside it `"*itek*"`.
/// Words of digits and words no longer than an n-gram give none (the word itself is a feature).
fn push_grams(word: &str, grams: &[usize], out: &mut Vec<String>) {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return;
    }
    let chars: Vec<char> = word.chars().collect();
    for &n in grams {
        // With the two pads there are len + 3 - n grams; a word of n - 1 letters or fewer
        // would only repeat itself.
        if chars.len() < n {
            continue;
        }
        let padded = chars.len() + 2;
        for start in 0..=padded - n {
            let end = start + n;
            let open_left = start > 0;
            let open_right = end < padded;
            let from = start.saturating_sub(1);
            let to = (end - 1).min(chars.len());
            let mut g = String::with_capacity(n + 4);
            g.push('"');
            if open_left {
                g.push('*');
            }
            g.extend(&chars[from..to]);
            if open_right {
                g.push('*');
            }
            g.push('"');
            out.push(g);
        }
    }
}

/// A word as a feature: numbers become one token, a plural -s goes.
fn stem(w: &str) -> String {
    if w.chars().all(|c| c.is_ascii_digit()) {
        return if w.len() <= 2 {
            w.to_owned()
        } else {
            "#".to_owned()
        };
    }
    match w.strip_suffix('s') {
        Some(base) if base.chars().count() >= 3 && !base.ends_with('s') => base.to_owned(),
        _ => w.to_owned(),
    }
}

/// How many others an invite has, as [`shape_features`] names it.
const OTHERS: [&str; 6] = [
    "no one else",
    "one other person",
    "2-3 others",
    "4-9 others",
    "10-29 others",
    "30+ others",
];

/// Who organised it, in [`OrganizerKind`] order (me, a colleague, outside, nobody).
const ORGANIZERS: [&str; 4] = [
    "organised by me",
    "organised by a colleague",
    "organised outside",
    "no organiser",
];

/// Both together: one other person invited by a colleague is a 1:1, by a scheduling tool
/// outside it is a call with a vendor or a candidate.
const OTHERS_AND_ORGANIZER: [[&str; 4]; 6] = [
    [
        "no one else, by me",
        "no one else, by a colleague",
        "no one else, from outside",
        "no one else, no organiser",
    ],
    [
        "one other, by me",
        "one other, by a colleague",
        "one other, from outside",
        "one other, no organiser",
    ],
    [
        "2-3 others, by me",
        "2-3 others, by a colleague",
        "2-3 others, from outside",
        "2-3 others, no organiser",
    ],
    [
        "4-9 others, by me",
        "4-9 others, by a colleague",
        "4-9 others, from outside",
        "4-9 others, no organiser",
    ],
    [
        "10-29 others, by me",
        "10-29 others, by a colleague",
        "10-29 others, from outside",
        "10-29 others, no organiser",
    ],
    [
        "30+ others, by me",
        "30+ others, by a colleague",
        "30+ others, from outside",
        "30+ others, no organiser",
    ],
];

/// The invite's shape as features, named in human words.
pub fn shape_features(s: &Subject) -> [&'static str; 5] {
    let others = match s.others_up_to(30) {
        0 => 0,
        1 => 1,
        2..=3 => 2,
        4..=9 => 3,
        10..=29 => 4,
        _ => 5,
    };
    let organizer = match s.organizer_kind() {
        OrganizerKind::Me => 0,
        OrganizerKind::Internal => 1,
        OrganizerKind::External => 2,
        OrganizerKind::None => 3,
    };
    let length = match s.minutes {
        None => "no length",
        Some(0..=30) => "30 min or less",
        Some(31..=60) => "31-60 min",
        Some(61..=150) => "1-2.5 h",
        Some(_) => "over 2.5 h",
    };
    let recurring = if s.recurring { "recurring" } else { "one-off" };
    [
        OTHERS[others],
        ORGANIZERS[organizer],
        OTHERS_AND_ORGANIZER[others][organizer],
        length,
        recurring,
    ]
}

/// Every feature of an event, title and shape (what the trainer learns from).
pub fn features(s: &Subject) -> Vec<String> {
    features_with(s, GRAMS)
}

/// [`features`] with n-grams of the given lengths.
pub fn features_with(s: &Subject, grams: &[usize]) -> Vec<String> {
    let mut f = title_features_with(s.summary, grams);
    f.extend(shape_features(s).iter().map(|x| (*x).to_owned()));
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_model_reads_and_round_trips() {
        let m = Model::parse(MODEL_TSV).expect("fallback_model.tsv");
        assert!(m.weights.len() > 100, "{} features", m.weights.len());
        let again = Model::parse(&m.to_tsv()).unwrap();
        assert_eq!(again.weights.len(), m.weights.len());
        assert_eq!(again.bias, m.bias);
        // What build.rs compiled in is the file.
        let built = Model::builtin();
        assert_eq!(built.bias, m.bias);
        assert_eq!(built.len(), m.weights.len());
        assert_eq!(built.title_personal_bias, m.title_personal_bias);
        assert!(!m.title_personal.is_empty());
        for (name, w) in &m.weights {
            let p = m.title_personal.get(name).copied().unwrap_or(0.0);
            assert_eq!(built.get_both(name), Some((name.as_str(), w, p)), "{name}");
        }
    }

    #[test]
    fn title_features_fold_and_pair_words() {
        let f = title_features("Café ☕ Chats w/ Zoë <> Sam");
        for want in [
            "\"cafe\"",
            "\"chat\"",
            "\"zoe\"",
            "\"cafe chat\"",
            "<>",
            "/",
        ] {
            assert!(f.contains(&want.to_owned()), "{want} in {f:?}");
        }
        assert_eq!(title_features("🎯"), vec!["no title words".to_owned()]);
        assert!(title_features("INC-48213 follow-ups").contains(&"\"#\"".to_owned()));
    }

    #[test]
    fn invite_wrappers_and_mailed_times_are_not_features() {
        let f = title_features("Updated invitation: Design review @ Tue Mar 10, 2026 2pm (PST)");
        assert_eq!(f, title_features("Design review"));
        assert_eq!(
            title_features("FW: Re: Offer call"),
            title_features("Offer call")
        );
        // Without a wrapper, an "@" is part of the title.
        assert!(title_features("Lunch @ Rosa's").contains(&"\"rosa\"".to_owned()));
    }

    #[test]
    fn cjk_words_are_read_as_character_pairs() {
        let f = title_features("一次面接：Kubernetes入門");
        for want in ["\"*面接*\"", "\"*入門*\"", "\"kubernete\"", "\"一次面接\""] {
            assert!(f.contains(&want.to_owned()), "{want} in {f:?}");
        }
        assert!(title_features("面接").contains(&"\"*面接*\"".to_owned()));
    }

    #[test]
    fn personal_is_where_outcome_all_says() {
        assert_eq!(Outcome::ALL[PERSONAL], Outcome::Personal);
    }

    /// An event as a feed without ORGANIZER or ATTENDEE lines gives it.
    fn bare(title: &str) -> Subject<'_> {
        Subject {
            summary: title,
            ..Subject::default()
        }
    }

    #[test]
    fn work_titles_without_attendees_are_never_personal() {
        let c = super::super::Classifier::builtin();
        let model = Model::builtin();
        for title in [
            "Tuesday sync",
            "Design review",
            "Sync",
            "Weekly",
            "Planning",
            "Meeting",
            "Q3 roadmap",
            "Alex / Sam",
        ] {
            let s = bare(title);
            assert_ne!(c.classify(&s).outcome, Outcome::Personal, "{title}");
            assert_ne!(model.predict(&s).0, Outcome::Personal, "{title}");
            assert!(
                !model.personal_from_title(&model.title_score(title)),
                "{title}"
            );
        }
    }

    #[test]
    fn personal_titles_without_attendees_are_personal() {
        let c = super::super::Classifier::builtin();
        let model = Model::builtin();
        for title in ["Dentist", "Zahnarzt", "Flight to SFO", "School pickup"] {
            let s = bare(title);
            assert_eq!(c.classify(&s).outcome, Outcome::Personal, "{title}");
            // The fallback alone reads them so too, and says which words made it.
            let (outcome, because) = model.predict(&s);
            assert_eq!(outcome, Outcome::Personal, "{title}");
            assert!(because.features[0].is_some(), "{title}");
        }
    }

    #[test]
    fn personal_needs_the_title_and_no_colleague() {
        let mut m = Model {
            personal: PersonalGate::SHIPPED,
            ..Model::default()
        };
        m.weights
            .insert("\"dentist\"".into(), [0.0, 0.0, 0.0, 0.0, 3.0]);
        m.weights
            .insert("no one else".into(), [0.0, 0.0, 1.0, 0.0, 4.0]);
        m.title_personal.insert("\"dentist\"".into(), 2.0);
        m.title_personal.insert("\"sync\"".into(), -1.5);
        let m: &'static Model = Box::leak(Box::new(m));
        // The title says so: personal, explained by its word.
        let (outcome, because) = m.predict(&bare("Dentist"));
        assert_eq!(outcome, Outcome::Personal);
        assert_eq!(because.describe(), "\"dentist\"");
        // The shape alone cannot make it personal.
        assert_ne!(m.predict(&bare("Quarterly thing")).0, Outcome::Personal);
        // Nor a title with a work word in it.
        assert_ne!(m.predict(&bare("Dentist sync")).0, Outcome::Personal);
        // Nor an invite with colleagues on it.
        use super::super::labelled::{parse, HEADER, ME};
        let rows = parse(&format!(
            "{HEADER}\npersonal\t3\t0\tinternal\t30\tn\tDentist\n\
             personal\t1\t0\texternal\t30\tn\tDentist\n"
        ))
        .unwrap();
        let me = vec![ME.to_owned()];
        let invite = rows[0].invite();
        assert_ne!(
            m.predict(&rows[0].subject(&invite, &me)).0,
            Outcome::Personal
        );
        // A booking system outside is not a colleague.
        let invite = rows[1].invite();
        assert_eq!(
            m.predict(&rows[1].subject(&invite, &me)).0,
            Outcome::Personal
        );
        // Off, never.
        let mut off = m.clone();
        off.personal = PersonalGate::OFF;
        let off: &'static Model = Box::leak(Box::new(off));
        assert_ne!(off.predict(&bare("Dentist")).0, Outcome::Personal);
    }

    #[test]
    fn a_decision_names_what_weighed_most() {
        let mut m = Model::default();
        m.weights
            .insert("\"dentist\"".into(), [0.0, 0.0, 0.0, 0.0, 3.0]);
        m.weights
            .insert("no one else".into(), [0.0, 0.0, 1.0, 0.0, 1.0]);
        m.weights
            .insert("\"sync\"".into(), [2.0, 1.0, 0.0, 0.5, 0.0]);
        let m: &'static Model = Box::leak(Box::new(m));
        let s = Subject {
            summary: "Dentist",
            ..Subject::default()
        };
        // Personal scores highest, but the fallback only chooses among work outcomes.
        let (outcome, because) = m.predict(&s);
        assert_eq!(outcome, Outcome::Work(super::super::Category::DeepWork));
        assert_eq!(because.describe(), "no one else");
        let s = Subject {
            summary: "Quick sync",
            ..Subject::default()
        };
        let (outcome, because) = m.predict(&s);
        assert_eq!(outcome, Outcome::Work(super::super::Category::People));
        assert_eq!(because.features[0], Some("\"sync\""));
    }
}
