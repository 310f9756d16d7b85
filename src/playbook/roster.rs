//! Which events are 1:1s with which direct report.
//!
//! A 1:1 with a report is an event whose people, leaving out me and rooms or resources
//! (`CUTYPE=ROOM|RESOURCE`, or a Google room address), are exactly that report: one or more
//! of their addresses and nobody else. The organizer is one of the people (Outlook leaves the
//! organizer out of the attendee list, so a 1:1 a report sent me lists only me). An event with
//! no people besides me is a 1:1 when its title has a 1:1 marker and names exactly one report
//! (full name, else first name). Whether it was held, cancelled or declined is decided per
//! occurrence in [`super::one_on_one`].

use std::collections::{HashMap, HashSet};

use super::words;
use crate::config::DirectReport;
use crate::ics::{Calendar, Event};

/// Google lists booked rooms as attendees at this domain, often without a CUTYPE.
const GOOGLE_RESOURCE_DOMAIN: &str = "@resource.calendar.google.com";

/// The configured reports, indexed for matching.
pub struct Roster<'a> {
    pub reports: &'a [DirectReport],
    /// Normalised address → report.
    by_addr: HashMap<&'a str, usize>,
    /// Lowercase full name and first name of each report, for titles.
    names: Vec<(String, String)>,
}

impl<'a> Roster<'a> {
    pub fn new(reports: &'a [DirectReport]) -> Roster<'a> {
        let mut by_addr = HashMap::new();
        for (i, r) in reports.iter().enumerate() {
            for e in &r.emails {
                by_addr.insert(e.as_str(), i);
            }
        }
        let names = reports
            .iter()
            .map(|r| {
                let full = r.name.trim().to_lowercase();
                let first = full.split_whitespace().next().unwrap_or("").to_owned();
                (full, first)
            })
            .collect();
        Roster {
            reports,
            by_addr,
            names,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.reports.is_empty()
    }

    /// The report this event is a 1:1 with, if any. `me` holds normalised addresses.
    pub fn one_on_one_with(&self, ev: &Event, me: &[String]) -> Option<usize> {
        let is_me = |a: &str| me.iter().any(|m| m == a);
        let people = ev
            .attendees
            .iter()
            .filter(|a| !a.resource && !is_google_resource(&a.addr))
            .map(|a| &*a.addr)
            .chain(ev.organizer.as_deref())
            .filter(|a| !a.is_empty() && !is_me(a));
        let mut who = None;
        let mut anyone = false;
        for addr in people {
            anyone = true;
            match self.by_addr.get(addr) {
                Some(&i) if who.is_none_or(|w| w == i) => who = Some(i),
                // Someone who is not a report, or a second report: not a 1:1 with a report.
                _ => return None,
            }
        }
        if anyone {
            return who;
        }
        let title = ev.summary.as_deref()?.to_lowercase();
        if !words::is_one_on_one_title(&title) {
            return None;
        }
        self.named_in(&title)
    }

    /// The one report a lowercase title names. A report is named by its full name, or by its
    /// first name unless that first name belongs to a report named in full ("Alex Kim 1:1"
    /// names Alex Kim, not also Alex Moreau). Two reports named, or a first name two reports
    /// share with neither named in full: no one.
    fn named_in(&self, title: &str) -> Option<usize> {
        let full: Vec<usize> = (0..self.names.len())
            .filter(|&i| words::has_word(title, &self.names[i].0))
            .collect();
        let mut named = full.clone();
        for (i, (_, first)) in self.names.iter().enumerate() {
            let taken = full.iter().any(|&j| self.names[j].1 == *first);
            if !first.is_empty() && !taken && words::has_word(title, first) {
                named.push(i);
            }
        }
        (named.len() == 1).then(|| named[0])
    }

    /// [`Roster::one_on_one_with`] for every event of `cal`, except that an override with no
    /// attendees at all is what its series is: a cancelled instance is often written as a stub
    /// with UID, RECURRENCE-ID and STATUS only, and is still a skipped 1:1.
    pub fn matches(&self, cal: &Calendar, me: &[String]) -> Vec<Option<usize>> {
        let mut out: Vec<Option<usize>> = cal
            .events
            .iter()
            .map(|ev| self.one_on_one_with(ev, me))
            .collect();
        let series: HashMap<(u32, &str), Option<usize>> = cal
            .events
            .iter()
            .zip(&out)
            .filter(|(ev, _)| ev.recurrence_id.is_none() && !ev.uid.is_empty())
            .map(|(ev, m)| ((ev.section, ev.uid.as_str()), *m))
            .collect();
        for (ev, m) in cal.events.iter().zip(&mut out) {
            if ev.recurrence_id.is_some() && ev.attendees.is_empty() {
                if let Some(&master) = series.get(&(ev.section, ev.uid.as_str())) {
                    *m = master.or(*m);
                }
            }
        }
        out
    }

    /// The calendar reduced to what can hold a 1:1 with a report: every event that is one,
    /// and every other event sharing a UID with one (the master of an override that is a 1:1,
    /// an override that turned a 1:1 into a group meeting). Everything else is dropped
    /// before expansion, so `reports` expands a handful of series over the whole feed instead
    /// of the whole feed. Zones, sections and warnings are kept.
    pub fn candidates(&self, cal: Calendar, me: &[String]) -> Calendar {
        self.candidates_keeping(cal, me, &HashSet::new())
    }

    /// [`Roster::candidates`], also keeping every event whose UID is in `keep`.
    pub fn candidates_keeping(
        &self,
        mut cal: Calendar,
        me: &[String],
        keep: &HashSet<&str>,
    ) -> Calendar {
        let me = whose(&cal, me);
        let matched: Vec<bool> = self
            .matches(&cal, &me)
            .into_iter()
            .map(|m| m.is_some())
            .collect();
        let uids: HashSet<String> = cal
            .events
            .iter()
            .zip(&matched)
            .filter(|(ev, &m)| m && !ev.uid.is_empty())
            .map(|(ev, _)| ev.uid.clone())
            .collect();
        let events = std::mem::take(&mut cal.events);
        cal.events = events
            .into_iter()
            .zip(matched)
            .filter(|(ev, m)| {
                *m || (!ev.uid.is_empty()
                    && (uids.contains(&ev.uid) || keep.contains(ev.uid.as_str())))
            })
            .map(|(ev, _)| ev)
            .collect();
        cal
    }
}

/// Whose calendar `cal` is: `me` when configured, else the owner guessed as the pipeline
/// guesses it ([`crate::pipeline::guess_owner`]).
pub(crate) fn whose(cal: &Calendar, me: &[String]) -> Vec<String> {
    if me.is_empty() {
        crate::pipeline::guess_owner(cal).into_iter().collect()
    } else {
        me.to_vec()
    }
}

pub(crate) fn is_google_resource(addr: &str) -> bool {
    addr.len()
        .checked_sub(GOOGLE_RESOURCE_DOMAIN.len())
        .and_then(|i| addr.get(i..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(GOOGLE_RESOURCE_DOMAIN))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ics::Attendee;

    fn roster() -> Vec<DirectReport> {
        let r = |name: &str, emails: &[&str]| DirectReport {
            name: name.into(),
            emails: emails.iter().map(|e| e.to_string()).collect(),
            cadence_days: 7,
            career_days: 90,
        };
        vec![
            r("Priya Shah", &["priya@corp.example", "priya@home.example"]),
            r("Alex Kim", &["alex@corp.example"]),
            r("Alex Moreau", &["amoreau@corp.example"]),
        ]
    }

    fn event(summary: &str, organizer: Option<&str>, attendees: &[(&str, bool)]) -> Event {
        Event {
            summary: Some(summary.into()),
            organizer: organizer.map(String::from),
            attendees: attendees
                .iter()
                .map(|&(a, room)| {
                    let a = Attendee::new(&format!("mailto:{a}"), None, None);
                    if room {
                        a.into_resource()
                    } else {
                        a
                    }
                })
                .collect(),
            ..Event::default()
        }
    }

    #[test]
    fn attendees_decide_when_there_are_any() {
        let reports = roster();
        let r = Roster::new(&reports);
        let me = vec!["me@corp.example".to_owned()];
        // (title, organizer, attendees with their room flag, the report it is a 1:1 with)
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            &'a [(&'a str, bool)],
            Option<usize>,
        );
        let cases: &[Case<'_>] = &[
            // Me and a report.
            (
                "sync",
                Some("me@corp.example"),
                &[("me@corp.example", false), ("alex@corp.example", false)],
                Some(1),
            ),
            // Both addresses of one report, a room by CUTYPE and a Google room address.
            (
                "sync",
                None,
                &[
                    ("me@corp.example", false),
                    ("priya@corp.example", false),
                    ("priya@home.example", false),
                    ("room-4@corp.example", true),
                    ("c_188@resource.calendar.google.com", false),
                ],
                Some(0),
            ),
            // Outlook: the report organized it and lists only me.
            (
                "sync",
                Some("priya@corp.example"),
                &[("me@corp.example", false)],
                Some(0),
            ),
            // A group meeting with a report, and with two reports.
            (
                "sync",
                None,
                &[
                    ("me@corp.example", false),
                    ("priya@corp.example", false),
                    ("staff@corp.example", false),
                ],
                None,
            ),
            (
                "sync",
                None,
                &[("alex@corp.example", false), ("priya@corp.example", false)],
                None,
            ),
            // My own manager: a two-person meeting with someone who is not a report.
            (
                "1:1 Priya",
                Some("boss@corp.example"),
                &[("me@corp.example", false)],
                None,
            ),
        ];
        for (i, (summary, org, att, want)) in cases.iter().enumerate() {
            assert_eq!(
                r.one_on_one_with(&event(summary, *org, att), &me),
                *want,
                "case {i}"
            );
        }
    }

    #[test]
    fn titles_decide_without_people() {
        let reports = roster();
        let r = Roster::new(&reports);
        let me = vec!["me@corp.example".to_owned()];
        let only_me: &[(&str, bool)] = &[("me@corp.example", false)];
        for (title, want) in [
            ("1:1 Priya", Some(0)),
            ("priya shah one-on-one", Some(0)),
            ("Alex Kim 1-1", Some(1)),
            // Two reports are called Alex.
            ("Alex 1:1", None),
            ("Priya", None),
            ("1:1 prep", None),
            ("1:1 Priya + Alex Kim", None),
            ("1:1 Priyanka", None),
        ] {
            assert_eq!(
                r.one_on_one_with(&event(title, Some("me@corp.example"), only_me), &me),
                want,
                "{title}"
            );
            assert_eq!(
                r.one_on_one_with(&event(title, None, &[]), &me),
                want,
                "{title}"
            );
        }
    }
}
