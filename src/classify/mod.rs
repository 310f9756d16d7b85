//! TEMPORARY stand-in until the real classifier lands (same API).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    People,
    Technical,
    DeepWork,
    Other,
}
impl Category {
    pub fn as_str(&self) -> &'static str {
        match self {
            Category::People => "people",
            Category::Technical => "technical",
            Category::DeepWork => "deep_work",
            Category::Other => "other",
        }
    }
}
impl std::str::FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "people" => Ok(Category::People),
            "technical" => Ok(Category::Technical),
            "deep_work" => Ok(Category::DeepWork),
            "other" => Ok(Category::Other),
            _ => Err(s.into()),
        }
    }
}
pub struct Subject<'a> {
    pub summary: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub categories: &'a [String],
    pub organizer: Option<&'a str>,
    pub attendees: &'a [String],
    pub feed: &'a str,
}
pub struct Decision<'c> {
    pub category: Category,
    pub rule: &'c str,
}
#[derive(serde::Deserialize, Clone, Debug)]
pub struct RawRule {
    pub name: String,
    pub category: String,
    pub title: Option<Vec<String>>,
}
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(String);
pub struct Classifier {
    rules: Vec<(String, Category, Vec<String>)>,
}
pub const DEFAULT_RULES_TOML: &str = "";
impl Classifier {
    pub fn builtin() -> Classifier {
        Classifier {
            rules: vec![
                ("one-on-one".into(), Category::People, vec!["1:1".into()]),
                ("focus".into(), Category::DeepWork, vec!["focus".into()]),
            ],
        }
    }
    pub fn from_rules(rules: &[RawRule]) -> Result<Classifier, Vec<RuleError>> {
        Ok(Classifier {
            rules: rules
                .iter()
                .map(|r| {
                    (
                        r.name.clone(),
                        r.category.parse().unwrap_or(Category::Other),
                        r.title.clone().unwrap_or_default(),
                    )
                })
                .collect(),
        })
    }
    pub fn rules(&self) -> impl Iterator<Item = (&str, Category)> {
        self.rules.iter().map(|r| (r.0.as_str(), r.1))
    }
    pub fn classify(&self, s: &Subject) -> Decision<'_> {
        let t = s.summary.to_lowercase();
        for r in &self.rules {
            if r.2.iter().any(|k| t.contains(&k.to_lowercase())) {
                return Decision {
                    category: r.1,
                    rule: &r.0,
                };
            }
        }
        Decision {
            category: Category::Other,
            rule: "default",
        }
    }
}
