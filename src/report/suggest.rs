//! `calaudit rules suggest`: the titles no rule decided, biggest first, each with a rule to
//! paste into `config.toml`.
//!
//! The built-in rules cannot know a team's own vocabulary ("Mercury sync", "Tuesday
//! huddle"). The events that fell to the fallback model (or to "other" when it is off) are
//! where a user's own rule helps most, and the minutes say which ones matter.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::classify::{DEFAULT_RULE_NAME, FALLBACK_RULE_NAME};
use crate::pipeline::Analysis;

/// One title no rule decided.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Suggestion {
    pub title: String,
    /// Counted minutes of its occurrences in the window.
    pub minutes: i64,
    pub occurrences: usize,
    /// What it was counted as (the fallback's guess, or "other").
    pub guess: String,
    /// The decision as `occurrences` names it (with the fallback's reasons).
    pub decided_by: String,
    /// A `[[rules]]` table that gives the title its guessed category; edit and paste.
    pub rule_toml: String,
}

/// Titles whose occurrences no rule decided, by counted minutes (then title), at most `limit`.
pub fn suggest(a: &Analysis, limit: usize) -> Vec<Suggestion> {
    let mut by_title: HashMap<&str, Suggestion> = HashMap::new();
    for row in &a.rows {
        let rule = a.rule_name(row);
        let undecided = rule == DEFAULT_RULE_NAME || rule.starts_with(FALLBACK_RULE_NAME);
        if !undecided {
            continue;
        }
        let title = a.event(row).summary.as_deref().unwrap_or("").trim();
        if title.is_empty() {
            continue;
        }
        let minutes = if a.counted(row) {
            (row.occ.end - row.occ.start).num_minutes()
        } else {
            0
        };
        let s = by_title.entry(title).or_insert_with(|| Suggestion {
            title: title.to_owned(),
            minutes: 0,
            occurrences: 0,
            guess: row.label().to_owned(),
            decided_by: rule.to_owned(),
            rule_toml: rule_toml(title, row.label()),
        });
        s.minutes += minutes;
        s.occurrences += 1;
    }
    let mut out: Vec<Suggestion> = by_title.into_values().collect();
    out.sort_by(|a, b| {
        b.minutes
            .cmp(&a.minutes)
            .then_with(|| a.title.cmp(&b.title))
    });
    out.truncate(limit);
    out
}

/// A rule for exactly this title, as TOML (the title quoted by the TOML writer, so any text
/// is safe to paste).
fn rule_toml(title: &str, category: &str) -> String {
    let slug: String = crate::classify::fold(title)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|w| !w.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let name = toml::Value::String(format!(
        "my-{}",
        if slug.is_empty() { "rule" } else { &slug }
    ));
    let title = toml::Value::String(title.to_owned());
    let category = toml::Value::String(category.to_owned());
    format!("[[rules]]\nname = {name}\ncategory = {category}\ntitle = [{title}]\n")
}

/// The suggestions as text: a table, then the rules to paste.
pub fn suggest_table(list: &[Suggestion]) -> String {
    let mut s = String::new();
    if list.is_empty() {
        s.push_str("Every event in the window was decided by a rule; nothing to suggest.\n");
        return s;
    }
    let _ = writeln!(
        s,
        "{:>8} {:>5}  {:<10} {:<40} decided by",
        "minutes", "times", "counted as", "title"
    );
    for x in list {
        // Titles and reasons are strangers' text: one line, cut with "…" so columns line up.
        let _ = writeln!(
            s,
            "{:>8} {:>5}  {:<10} {} {}",
            x.minutes,
            x.occurrences,
            x.guess,
            super::render::fit(&crate::untrusted::shown(&x.title), 40),
            super::render::clip(
                &crate::untrusted::shown(&x.decided_by),
                super::render::TITLE_WIDTH
            )
        );
    }
    s.push_str("\n# Rules to paste into config.toml ([[rules]] there replace the built-in ones:\n# copy src/classify/default_rules.toml's rules too, or `calaudit init` writes them).\n");
    for x in list {
        s.push('\n');
        s.push_str(&x.rule_toml);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_toml_is_valid_toml_for_any_title() {
        for title in ["Mercury sync", "Say \"hi\" \\ bye", "Réunion 🎯 [x]", "'''"] {
            let text = rule_toml(title, "people");
            let rules = crate::classify::parse_rules_document(&text).expect("valid rules");
            assert_eq!(
                rules[0].title.as_deref(),
                Some(&[title.to_owned()][..]),
                "{text}"
            );
            assert!(
                crate::classify::Classifier::from_rules(&rules).is_ok(),
                "{text}"
            );
        }
    }
}
