//! Labelled meeting titles: the evaluation set's format, and the events it stands for.
//!
//! `tests/data/classify-eval/{tuning,heldout}.tsv` hold meeting titles written the way
//! Google, Outlook and Apple calendars show them, each with what the invite says about people
//! (how many others, rooms, who organised it), its length, whether it recurs, and the outcome a
//! new engineering manager would give it. The accuracy test and the fallback model's trainer
//! (`cargo run --example train_fallback`) both read them here, and both turn a row into the same
//! [`Subject`] the pipeline would build from a real event, so what is measured is what runs.

use std::fmt;

use super::subject::OrganizerKind;
use super::{AttendeeList, Outcome, Subject};

/// The owner of the calendar in every labelled row.
pub const ME: &str = "me@corp.example";

/// One labelled row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Labelled {
    /// The 1-based line in its file.
    pub line: usize,
    pub label: Outcome,
    /// People on the invite besides me, rooms left out.
    pub others: u32,
    pub rooms: u32,
    pub organizer: OrganizerKind,
    pub minutes: u32,
    pub recurring: bool,
    pub title: String,
}

/// A problem in a labelled file: the line and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelledError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LabelledError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// The header every labelled file starts with.
pub const HEADER: &str = "label\tothers\trooms\torganizer\tminutes\trecurring\ttitle";

/// Reads a labelled TSV file's text (header, then one row a line; `#` lines are comments).
pub fn parse(text: &str) -> Result<Vec<Labelled>, LabelledError> {
    let mut rows = Vec::new();
    let mut header_seen = false;
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let err = |message: String| LabelledError { line: n, message };
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        if !header_seen {
            if line.trim_end() != HEADER {
                return Err(err(format!("expected the header {HEADER:?}")));
            }
            header_seen = true;
            continue;
        }
        let cols: Vec<&str> = line.splitn(7, '\t').collect();
        let [label, others, rooms, organizer, minutes, recurring, title] = cols[..] else {
            return Err(err(format!(
                "expected 7 tab-separated columns, found {}",
                cols.len()
            )));
        };
        let number = |key: &str, v: &str| {
            v.trim()
                .parse::<u32>()
                .map_err(|_| err(format!("`{key}` is {v:?}, not a whole number")))
        };
        rows.push(Labelled {
            line: n,
            label: label
                .parse()
                .map_err(|e: super::ParseCategoryError| err(e.to_string()))?,
            others: number("others", others)?,
            rooms: number("rooms", rooms)?,
            organizer: OrganizerKind::from_name(organizer).ok_or_else(|| {
                err(format!(
                    "`organizer` is {organizer:?}: expected me, internal, external or none"
                ))
            })?,
            minutes: number("minutes", minutes)?,
            recurring: match recurring.trim() {
                "y" => true,
                "n" => false,
                v => return Err(err(format!("`recurring` is {v:?}: expected y or n"))),
            },
            title: title.to_owned(),
        });
    }
    if !header_seen {
        return Err(LabelledError {
            line: 1,
            message: format!("empty file: expected the header {HEADER:?}"),
        });
    }
    Ok(rows)
}

/// The attendee list of a labelled row's invite, as a Google export would list it: me, the
/// organizer, the other people and the rooms (marked as resources).
#[derive(Debug)]
pub struct Invite {
    organizer: Option<String>,
    attendees: Vec<(String, bool)>,
}

impl AttendeeList for Invite {
    fn count(&self) -> usize {
        self.attendees.len()
    }
    fn address(&self, i: usize) -> &str {
        &self.attendees[i].0
    }
    fn is_resource(&self, i: usize) -> bool {
        self.attendees[i].1
    }
}

impl Labelled {
    /// The invite this row describes. Colleagues are at my domain; when the organizer is
    /// external, so are the other people (a vendor's or candidate's scheduling tool invites
    /// its own side).
    pub fn invite(&self) -> Invite {
        let domain = match self.organizer {
            OrganizerKind::External => "partner.example",
            _ => "corp.example",
        };
        let organizer = match self.organizer {
            OrganizerKind::Me => Some(ME.to_owned()),
            OrganizerKind::Internal => Some("lead@corp.example".to_owned()),
            OrganizerKind::External => Some("scheduler@partner.example".to_owned()),
            OrganizerKind::None => None,
        };
        let mut attendees = Vec::new();
        if self.others > 0 || self.rooms > 0 {
            attendees.push((ME.to_owned(), false));
            // An organizer other than me is one of the others.
            let mut left = self.others;
            if let (Some(o), false) = (&organizer, self.organizer == OrganizerKind::Me) {
                if left > 0 {
                    attendees.push((o.clone(), false));
                    left -= 1;
                }
            }
            for i in 0..left {
                attendees.push((format!("person{i}@{domain}"), false));
            }
            for i in 0..self.rooms {
                attendees.push((format!("room{i}@resource.calendar.google.com"), true));
            }
        }
        Invite {
            organizer,
            attendees,
        }
    }

    /// The event as the classifier sees it, borrowing this row's title and `invite`.
    pub fn subject<'a>(&'a self, invite: &'a Invite, me: &'a [String]) -> Subject<'a> {
        Subject {
            summary: &self.title,
            organizer: invite.organizer.as_deref(),
            attendees: invite,
            me,
            minutes: Some(self.minutes),
            recurring: self.recurring,
            ..Subject::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_the_invites_they_describe() {
        let text = format!(
            "# comment\n{HEADER}\npeople\t1\t0\tinternal\t30\ty\tCatch up\n\
             personal\t0\t0\tnone\t60\tn\tDentist\ntechnical\t6\t1\tme\t60\tn\tDesign: a\tb\n"
        );
        let rows = parse(&text).unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].title, "Design: a\tb");
        let me = vec![ME.to_owned()];
        let want = [
            (1, OrganizerKind::Internal),
            (0, OrganizerKind::None),
            (6, OrganizerKind::Me),
        ];
        for (row, (others, kind)) in rows.iter().zip(want) {
            let invite = row.invite();
            let s = row.subject(&invite, &me);
            assert_eq!(s.others_up_to(100), others, "{row:?}");
            assert_eq!(s.organizer_kind(), kind, "{row:?}");
        }
    }

    #[test]
    fn errors_name_the_line() {
        let bad = format!("{HEADER}\nfoo\t1\t0\tme\t30\ty\tx\n");
        assert_eq!(parse(&bad).unwrap_err().line, 2);
        assert_eq!(parse("nope\n").unwrap_err().line, 1);
        let short = format!("{HEADER}\npeople\t1\n");
        assert!(parse(&short)
            .unwrap_err()
            .message
            .contains("7 tab-separated"));
    }
}
