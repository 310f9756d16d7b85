//! Why an event got its category: the rules tried, in order, and what each
//! one missed on.

use super::{Classifier, Decision, Outcome, Subject};

/// One rule tried while classifying an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step<'c> {
    /// The rule's name.
    pub rule: &'c str,
    /// The outcome it would have given.
    pub outcome: Outcome,
    /// The config key of the first matcher that did not match, or `None` for
    /// the rule that matched (always the last step, if any rule matched).
    pub missed_on: Option<&'static str>,
}

/// The full story of one decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation<'c> {
    /// The decision, same as [`Classifier::classify`] gives.
    pub decision: Decision<'c>,
    /// Every rule tried, up to and including the one that matched.
    pub steps: Vec<Step<'c>>,
}

impl Classifier {
    /// Classifies `s` like [`Classifier::classify`], recording each rule
    /// tried. Allocates; meant for `--explain`, not the hot path.
    pub fn explain(&self, s: &Subject) -> Explanation<'_> {
        let mut steps = Vec::new();
        for rule in self.rule_list() {
            let missed_on = rule.first_miss(s);
            steps.push(Step {
                rule: rule.name(),
                outcome: rule.outcome(),
                missed_on,
            });
            if missed_on.is_none() {
                break;
            }
        }
        Explanation {
            decision: self.classify(s),
            steps,
        }
    }
}
