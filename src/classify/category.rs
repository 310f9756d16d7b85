//! The four buckets a meeting can land in.

use std::fmt;
use std::str::FromStr;

/// What kind of time an event is, from a new engineering manager's point of
/// view.
///
/// The order of the variants is the order reports list them in; it carries no
/// priority (rule order in `config.toml` decides which category wins).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// 1:1s, coaching, hiring, interviews, debriefs, reviews of people,
    /// career talks, skip-levels, performance and calibration.
    People,
    /// Design / architecture / code review, RFCs, incidents, postmortems,
    /// on-call, and sprint rituals (standup, planning, retro, grooming).
    Technical,
    /// Blocks kept free on purpose: focus time, deep work, no-meeting zones.
    DeepWork,
    /// Everything else: company meetings, planning, vendors, lunch, travel.
    Other,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 4] = [
        Category::People,
        Category::Technical,
        Category::DeepWork,
        Category::Other,
    ];

    /// The name used in `config.toml`, JSON output and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::People => "people",
            Category::Technical => "technical",
            Category::DeepWork => "deep_work",
            Category::Other => "other",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`Category`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("unknown category {value:?}: expected one of people, technical, deep_work, other")]
pub struct ParseCategoryError {
    /// The text that was given, as written.
    pub value: String,
}

impl FromStr for Category {
    type Err = ParseCategoryError;

    /// Accepts the [`Category::as_str`] names in any case, surrounding
    /// whitespace ignored. `deep-work` is accepted too, because the rest of
    /// the config file may use kebab-case and the slip is easy to make.
    fn from_str(s: &str) -> Result<Category, ParseCategoryError> {
        let t = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| t.eq_ignore_ascii_case(c.as_str()))
            .or_else(|| {
                t.eq_ignore_ascii_case("deep-work")
                    .then_some(Category::DeepWork)
            })
            .ok_or_else(|| ParseCategoryError {
                value: s.to_owned(),
            })
    }
}

/// What a rule decides about an event: which kind of work time it is, or that it is not
/// work time at all (a doctor's appointment, the school run, a flight home).
///
/// Personal time is listed with `excluded: "personal"` and never counts as busy work time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    Work(Category),
    Personal,
}

impl Outcome {
    /// Every outcome: the categories in report order, then personal.
    pub const ALL: [Outcome; 5] = [
        Outcome::Work(Category::People),
        Outcome::Work(Category::Technical),
        Outcome::Work(Category::DeepWork),
        Outcome::Work(Category::Other),
        Outcome::Personal,
    ];

    /// The name used in `config.toml` and outputs (`personal` or a category's name).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Work(c) => c.as_str(),
            Outcome::Personal => "personal",
        }
    }

    /// The category the time counts under, if it is work time.
    pub fn category(self) -> Option<Category> {
        match self {
            Outcome::Work(c) => Some(c),
            Outcome::Personal => None,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Category> for Outcome {
    fn from(c: Category) -> Outcome {
        Outcome::Work(c)
    }
}

impl FromStr for Outcome {
    type Err = ParseCategoryError;

    /// A category name as [`Category::from_str`] reads it, or `personal` (any case).
    fn from_str(s: &str) -> Result<Outcome, ParseCategoryError> {
        if s.trim().eq_ignore_ascii_case("personal") {
            return Ok(Outcome::Personal);
        }
        s.parse().map(Outcome::Work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_as_str_and_serde() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>(), Ok(c));
            assert_eq!(c.to_string(), c.as_str());
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(serde_json::from_str::<Category>(&json).unwrap(), c);
        }
        for o in Outcome::ALL {
            assert_eq!(o.as_str().parse::<Outcome>(), Ok(o));
        }
        assert_eq!(" Personal ".parse::<Outcome>(), Ok(Outcome::Personal));
        assert_eq!(Outcome::Personal.category(), None);
    }

    #[test]
    fn parse_is_lenient_about_case_and_spaces_only() {
        let table = [
            ("People", Ok(Category::People)),
            (" TECHNICAL ", Ok(Category::Technical)),
            ("Deep_Work", Ok(Category::DeepWork)),
            ("deep-work", Ok(Category::DeepWork)),
            ("deepwork", Err(())),
            ("", Err(())),
            ("meetings", Err(())),
        ];
        for (input, want) in table {
            let got = input.parse::<Category>().map_err(|_| ());
            assert_eq!(got, want, "input {input:?}");
        }
        let err = "meetings".parse::<Category>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown category \"meetings\": expected one of people, technical, deep_work, other"
        );
    }
}
