//! `[[reports]]`: the user's direct reports, for the 1:1 and career-conversation cadence that
//! `calaudit reports` checks (issue 10). Read as written ([`RawDirectReport`], with the span of
//! every value so that a problem can name its line), then checked into [`DirectReport`]s. The
//! matching of meetings to reports lives in [`crate::playbook`].

use serde::Deserialize;
use toml::Spanned;

use crate::time::parse_duration;

/// One `[[reports]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDirectReport {
    pub name: Spanned<String>,
    /// One or more addresses; a meeting with any of them is a meeting with this person.
    pub emails: Spanned<Vec<Spanned<String>>>,
    /// Expected time between 1:1s, e.g. `"1w"`, `"2w"`, `"10d"`.
    pub one_on_one: Option<Spanned<String>>,
    /// Expected time between career conversations, e.g. `"90d"`.
    pub career: Option<Spanned<String>>,
}

/// A direct report, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectReport {
    pub name: String,
    /// Normalised addresses (lowercase, no `mailto:`), at least one.
    pub emails: Vec<String>,
    /// Expected days between 1:1s (default 7).
    pub cadence_days: u32,
    /// Expected days between career conversations (default 90).
    pub career_days: u32,
}

pub const DEFAULT_CADENCE_DAYS: u32 = 7;
pub const DEFAULT_CAREER_DAYS: u32 = 90;
/// Ten years: a longer interval is a typo, not a cadence.
const MAX_DAYS: u32 = 3650;

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let head = text.as_bytes().get(..offset).unwrap_or(text.as_bytes());
    memchr::memchr_iter(b'\n', head).count() + 1
}

/// Checks every `[[reports]]` table, adding one message per problem to `problems` (each with
/// its key and line); returns the reports that are usable. `me` (normalised) must not be
/// listed as a report.
pub(super) fn validate(
    raw: &[RawDirectReport],
    text: &str,
    me: &[String],
    problems: &mut Vec<String>,
) -> Vec<DirectReport> {
    let mut out: Vec<DirectReport> = Vec::new();
    // Which report (index into `raw`) claimed each address, and each name.
    let mut owners: Vec<(String, usize)> = Vec::new();
    let mut names: Vec<(String, usize)> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let key = |k: &str, span: std::ops::Range<usize>| {
            format!(
                "key `reports[{i}].{k}` on line {}",
                line_of(text, span.start)
            )
        };
        let mut ok = true;
        let name = r.name.get_ref().trim().to_owned();
        if name.is_empty() {
            problems.push(format!("{}: must not be empty", key("name", r.name.span())));
            ok = false;
        } else if name.chars().any(char::is_control) {
            problems.push(format!(
                "{}: must not contain control characters",
                key("name", r.name.span())
            ));
            ok = false;
        } else if let Some((_, j)) = names.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)) {
            problems.push(format!(
                "{}: {name:?} is already reports[{j}]",
                key("name", r.name.span())
            ));
            ok = false;
        } else {
            names.push((name.clone(), i));
        }
        let mut emails = Vec::new();
        if r.emails.get_ref().is_empty() {
            problems.push(format!(
                "{}: list at least one address, e.g. [\"priya@corp.example\"]",
                key("emails", r.emails.span())
            ));
            ok = false;
        }
        for (k, e) in r.emails.get_ref().iter().enumerate() {
            let addr = crate::ics::value::normalize_address(e.get_ref());
            let here = key(&format!("emails[{k}]"), e.span());
            let local_and_domain = addr
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty());
            if !local_and_domain || addr.contains(char::is_whitespace) {
                problems.push(format!(
                    "{here}: {:?} is not an address; expected e.g. \"priya@corp.example\"",
                    e.get_ref()
                ));
                ok = false;
            } else if me.contains(&addr) {
                problems.push(format!("{here}: {addr:?} is one of `me`, not a report"));
                ok = false;
            } else if let Some((_, j)) = owners.iter().find(|(a, _)| *a == addr) {
                if *j == i {
                    problems.push(format!("{here}: {addr:?} is listed twice"));
                } else {
                    problems.push(format!("{here}: {addr:?} already belongs to reports[{j}]"));
                }
                ok = false;
            } else {
                owners.push((addr.clone(), i));
                emails.push(addr);
            }
        }
        let mut days = |k: &str, v: &Option<Spanned<String>>, default: u32| -> u32 {
            let Some(v) = v else {
                return default;
            };
            match parse_duration(v.get_ref())
                .ok()
                .filter(|d| d.subsec_nanos() == 0)
                .map(|d| d.as_secs())
            {
                Some(s) if s % 86_400 == 0 && (1..=u64::from(MAX_DAYS)).contains(&(s / 86_400)) => {
                    (s / 86_400) as u32
                }
                _ => {
                    problems.push(format!(
                        "{}: invalid interval {:?}; expected whole days or weeks from \"1d\" to \"3650d\", e.g. \"1w\", \"2w\", \"90d\"",
                        key(k, v.span()),
                        v.get_ref()
                    ));
                    ok = false;
                    default
                }
            }
        };
        let cadence_days = days("one_on_one", &r.one_on_one, DEFAULT_CADENCE_DAYS);
        let career_days = days("career", &r.career, DEFAULT_CAREER_DAYS);
        if ok {
            out.push(DirectReport {
                name,
                emails,
                cadence_days,
                career_days,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;

    #[test]
    fn defaults_and_normalised_addresses() {
        let cfg = Config::parse(
            "me = [\"me@corp.example\"]\n[[reports]]\nname = \"Priya Shah\"\nemails = [\"mailto:Priya@Corp.example\", \"priya.shah@home.example\"]\n[[reports]]\nname = \"Jordan\"\nemails = [\"jordan@corp.example\"]\none_on_one = \"2w\"\ncareer = \"60d\"\n",
            None,
        )
        .expect("valid config");
        assert_eq!(cfg.reports.len(), 2);
        let p = &cfg.reports[0];
        assert_eq!(p.name, "Priya Shah");
        assert_eq!(
            p.emails,
            vec!["priya@corp.example", "priya.shah@home.example"]
        );
        assert_eq!((p.cadence_days, p.career_days), (7, 90));
        let j = &cfg.reports[1];
        assert_eq!((j.cadence_days, j.career_days), (14, 60));
    }

    /// Every problem at once, each with its key and the line of the offending value.
    #[test]
    fn all_problems_name_key_and_line() {
        let text = "me = [\"me@corp.example\"]
[[reports]]
name = \"Priya\"
emails = [\"priya@corp.example\", \"PRIYA@corp.example\"]
one_on_one = \"weekly\"
[[reports]]
name = \"  \"
emails = []
career = \"36h\"
[[reports]]
name = \"priya\"
emails = [\"me@corp.example\", \"nobody\", \"priya@corp.example\"]
";
        let err = Config::parse(text, Some(Path::new("team.toml")))
            .err()
            .expect("invalid config");
        let msg = err.to_string();
        for want in [
            "team.toml",
            "key `reports[0].emails[1]` on line 4: \"priya@corp.example\" is listed twice",
            "key `reports[0].one_on_one` on line 5: invalid interval \"weekly\"",
            "key `reports[1].name` on line 7: must not be empty",
            "key `reports[1].emails` on line 8: list at least one address",
            "key `reports[1].career` on line 9: invalid interval \"36h\"",
            "key `reports[2].name` on line 11: \"priya\" is already reports[0]",
            "key `reports[2].emails[0]` on line 12: \"me@corp.example\" is one of `me`",
            "key `reports[2].emails[1]` on line 12: \"nobody\" is not an address",
            "key `reports[2].emails[2]` on line 12: \"priya@corp.example\" already belongs to reports[0]",
        ] {
            assert!(msg.contains(want), "missing {want:?} in:\n{msg}");
        }
        assert_eq!(msg.matches("\n  ").count(), 9, "{msg}");
    }

    #[test]
    fn unknown_and_missing_keys_name_their_line() {
        let err = Config::parse(
            "[[reports]]\nname = \"A\"\nemails = [\"a@x.example\"]\ncadence = \"1w\"\n",
            None,
        )
        .err()
        .expect("unknown key");
        let msg = err.to_string();
        assert!(
            msg.contains("<built-in config>:4: unknown key `cadence` in [[reports]]"),
            "{msg}"
        );
        let err = Config::parse("[[reports]]\nname = \"A\"\n", None)
            .err()
            .expect("missing emails");
        assert!(err.to_string().contains("emails"), "{err}");
    }
}
