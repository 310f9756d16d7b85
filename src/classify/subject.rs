//! What a rule can look at.

/// One event as the classifier sees it.
///
/// Classification is per event: every occurrence of a recurring series (and
/// every moved instance that keeps the series' fields) reuses the decision.
/// The `ics` stage fills this in; the classifier only borrows it, so building
/// a `Subject` costs no allocation.
#[derive(Clone, Copy, Debug, Default)]
pub struct Subject<'a> {
    /// SUMMARY, unescaped.
    pub summary: &'a str,
    /// DESCRIPTION, unescaped (often long: agendas and conference boilerplate).
    pub description: &'a str,
    /// LOCATION, unescaped.
    pub location: &'a str,
    /// CATEGORIES values, split on commas, trimmed.
    pub categories: &'a [String],
    /// The organizer's address: lowercase, without `mailto:`.
    pub organizer: Option<&'a str>,
    /// Attendee addresses: lowercase, without `mailto:`, as listed. Outlook
    /// leaves the organizer out of this list and Google puts it in, so
    /// counting goes through [`Subject::participants_up_to`].
    pub attendees: &'a dyn AttendeeList,
    /// The name of the feed the event came from.
    pub feed: &'a str,
    /// My addresses (lowercase, without `mailto:`): configured as `me`, or guessed from the
    /// feed. Empty when unknown; then "others" counts every participant but one (the owner
    /// of a calendar is on nearly every event in it, as organizer or attendee).
    pub me: &'a [String],
    /// The event's nominal length in minutes, when it has an end or a duration.
    pub minutes: Option<u32>,
    /// Whether the event is a recurring series (RRULE or RDATE) or an instance of one.
    pub recurring: bool,
    /// [`Subject::others`] computed once by whoever built the subject (the pipeline does, so
    /// that rules with count matchers do not each count the attendees again); `None`: count
    /// when asked.
    pub others_known: Option<usize>,
}

/// Who organised an event, seen from the calendar owner's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrganizerKind {
    /// I did (my own block, or a meeting I called).
    Me,
    /// A colleague: an address in one of my addresses' domains.
    Internal,
    /// Someone at another domain: a candidate's scheduler, a vendor, a customer, a doctor.
    External,
    /// No organizer at all (a personal event in Apple Calendar, most imported events).
    None,
}

impl OrganizerKind {
    /// The names rules use (`organizer_kind = "internal"`).
    pub const NAMES: [(&'static str, OrganizerKind); 4] = [
        ("me", OrganizerKind::Me),
        ("internal", OrganizerKind::Internal),
        ("external", OrganizerKind::External),
        ("none", OrganizerKind::None),
    ];

    /// The kind a rule or file names (`"internal"`), surrounding spaces and case ignored.
    pub fn from_name(name: &str) -> Option<OrganizerKind> {
        OrganizerKind::NAMES
            .iter()
            .find(|(n, _)| name.trim().eq_ignore_ascii_case(n))
            .map(|&(_, kind)| kind)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrganizerKind::Me => "me",
            OrganizerKind::Internal => "internal",
            OrganizerKind::External => "external",
            OrganizerKind::None => "none",
        }
    }
}

/// A list of attendee addresses, whatever holds them: the pipeline lends a parsed event's
/// own attendee list (copying every address into a `Vec<String>` per event was a fortieth
/// of a five-year report), tests and callers a `Vec<String>` or an array.
pub trait AttendeeList: std::fmt::Debug {
    fn count(&self) -> usize;
    /// The `i`-th address (`i < count()`).
    fn address(&self, i: usize) -> &str;
    /// Whether the `i`-th attendee is a room or a resource (`CUTYPE=ROOM|RESOURCE`).
    fn is_resource(&self, _i: usize) -> bool {
        false
    }
}

/// Google lists booked rooms as attendees at this domain, often without a CUTYPE.
const GOOGLE_RESOURCE_DOMAIN: &str = "@resource.calendar.google.com";

fn is_google_resource(addr: &str) -> bool {
    addr.len()
        .checked_sub(GOOGLE_RESOURCE_DOMAIN.len())
        .and_then(|i| addr.get(i..))
        .is_some_and(|tail| tail.eq_ignore_ascii_case(GOOGLE_RESOURCE_DOMAIN))
}

/// The domain part of an address, with its `@` (`None` without one).
fn domain(addr: &str) -> Option<&str> {
    addr.rfind('@').map(|i| &addr[i..])
}

impl AttendeeList for Vec<String> {
    fn count(&self) -> usize {
        self.len()
    }
    fn address(&self, i: usize) -> &str {
        &self[i]
    }
}

impl AttendeeList for &[String] {
    fn count(&self) -> usize {
        self.len()
    }
    fn address(&self, i: usize) -> &str {
        &self[i]
    }
}

impl<const N: usize> AttendeeList for [String; N] {
    fn count(&self) -> usize {
        N
    }
    fn address(&self, i: usize) -> &str {
        &self[i]
    }
}

impl Default for &dyn AttendeeList {
    fn default() -> Self {
        const NONE: &[String; 0] = &[];
        NONE
    }
}

impl Subject<'_> {
    /// The organizer and attendees as one list of non-empty addresses, with
    /// the organizer first. It may repeat an address; callers that count
    /// use [`Subject::participants_up_to`].
    pub(crate) fn participants(&self) -> impl Iterator<Item = &str> {
        self.organizer
            .into_iter()
            .chain((0..self.attendees.count()).map(|i| self.attendees.address(i)))
            .filter(|a| !a.is_empty())
    }

    /// The organizer and attendees (non-empty addresses), organizer first, each with whether
    /// it is a room or resource by its CUTYPE.
    fn addresses(&self) -> impl Iterator<Item = (&str, bool)> {
        self.organizer
            .into_iter()
            .map(|a| (a, false))
            .chain(
                (0..self.attendees.count())
                    .map(|i| (self.attendees.address(i), self.attendees.is_resource(i))),
            )
            .filter(|(a, _)| !a.is_empty())
    }

    /// Whether `addr` is one of mine.
    pub fn is_me(&self, addr: &str) -> bool {
        self.me.iter().any(|m| m.eq_ignore_ascii_case(addr))
    }

    /// Who organised the event. Without a known `me`, an organizer cannot be told apart from
    /// a colleague: it is `Internal` when it shares a domain with an attendee, else `External`.
    pub fn organizer_kind(&self) -> OrganizerKind {
        let Some(org) = self.organizer.filter(|o| !o.is_empty()) else {
            return OrganizerKind::None;
        };
        // Without `me`, an event whose only participant is its organizer is the owner's
        // own block.
        let alone = (0..self.attendees.count())
            .map(|i| self.attendees.address(i))
            .all(|a| a.is_empty() || a.eq_ignore_ascii_case(org));
        if self.is_me(org) || (self.me.is_empty() && alone) {
            return OrganizerKind::Me;
        }
        let Some(d) = domain(org) else {
            return OrganizerKind::External;
        };
        let same = |a: &str| domain(a).is_some_and(|x| x.eq_ignore_ascii_case(d));
        let internal = if self.me.is_empty() {
            (0..self.attendees.count())
                .map(|i| self.attendees.address(i))
                .any(|a| !a.eq_ignore_ascii_case(org) && same(a))
        } else {
            self.me.iter().any(|m| same(m))
        };
        if internal {
            OrganizerKind::Internal
        } else {
            OrganizerKind::External
        }
    }

    /// The number of distinct people on the event other than me, rooms and resources left
    /// out, counting stops past `cap`. Without a known `me`, every participant but one.
    pub fn others_up_to(&self, cap: usize) -> usize {
        match self.others_known {
            Some(n) => n,
            None => self.count_others(cap),
        }
    }

    /// [`Subject::others_up_to`] by comparing each participant with the ones before it:
    /// quadratic, but without allocating, which is cheaper for the usual handful of people.
    fn count_others(&self, cap: usize) -> usize {
        // Without `me`, one more is counted and then taken off for the owner.
        let unknown_me = self.me.is_empty();
        let limit = cap.saturating_add(1 + usize::from(unknown_me));
        let people = || self.addresses();
        let mut count = 0;
        for (i, (addr, resource)) in people().enumerate() {
            if count >= limit {
                break;
            }
            if resource || is_google_resource(addr) || self.is_me(addr) {
                continue;
            }
            let seen = people()
                .take(i)
                .any(|(earlier, _)| earlier.eq_ignore_ascii_case(addr));
            if !seen {
                count += 1;
            }
        }
        if unknown_me {
            count = count.saturating_sub(1);
        }
        count
    }

    /// The exact number of people other than me ([`Subject::others_up_to`] without a cap),
    /// in O(n log n): all-hands list hundreds of people.
    pub fn others(&self) -> usize {
        if let Some(n) = self.others_known {
            return n;
        }
        // Up to 16 participants, comparing pairs is cheaper than collecting and sorting.
        if self.attendees.count() < 16 {
            return self.count_others(usize::MAX);
        }
        let mut people: Vec<&str> = self
            .addresses()
            .filter(|(a, resource)| !resource && !is_google_resource(a) && !self.is_me(a))
            .map(|(a, _)| a)
            .collect();
        if people.len() > 1 {
            people.sort_unstable_by(|a, b| {
                a.bytes()
                    .map(|x| x.to_ascii_lowercase())
                    .cmp(b.bytes().map(|x| x.to_ascii_lowercase()))
            });
            people.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        }
        let n = people.len();
        if self.me.is_empty() {
            n.saturating_sub(1)
        } else {
            n
        }
    }

    /// The number of distinct people on the event (attendees plus organizer,
    /// duplicates and empty addresses ignored), counting stops at `cap`.
    ///
    /// Why the cap: distinct counting without allocating is quadratic, and an
    /// all-hands can list hundreds of addresses. A rule only needs to know
    /// whether the count is past its bound, so it never looks further than
    /// that.
    pub fn participants_up_to(&self, cap: usize) -> usize {
        let mut count = 0;
        for (i, addr) in self.participants().enumerate() {
            if count >= cap {
                break;
            }
            let seen = self
                .participants()
                .take(i)
                .any(|earlier| earlier.eq_ignore_ascii_case(addr));
            if !seen {
                count += 1;
            }
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn counts_distinct_people_whether_or_not_the_organizer_is_listed() {
        let google = strings(&["me@example.com", "alex@example.com"]);
        let outlook = strings(&["alex@example.com"]);
        let dupes = strings(&[
            "alex@example.com",
            "ALEX@example.com",
            "",
            "kim@example.com",
        ]);
        let table: [(Option<&str>, &[String], usize); 6] = [
            (Some("me@example.com"), &google, 2),
            (Some("me@example.com"), &outlook, 2),
            (None, &outlook, 1),
            (None, &[], 0),
            (Some("me@example.com"), &[], 1),
            (Some("me@example.com"), &dupes, 3),
        ];
        for (organizer, attendees, want) in table {
            let s = Subject {
                organizer,
                attendees: &attendees,
                ..Subject::default()
            };
            assert_eq!(s.participants_up_to(usize::MAX), want, "{s:?}");
        }
    }

    #[test]
    fn exact_and_capped_counts_of_others_agree() {
        let me = ["me@corp.example".to_string()];
        let lists: [Vec<String>; 4] = [
            vec![],
            vec![
                "me@corp.example".into(),
                "A@corp.example".into(),
                "a@corp.example".into(),
            ],
            (0..40)
                .map(|i| format!("p{}@corp.example", i % 25))
                .collect(),
            vec![
                "room1@resource.calendar.google.com".into(),
                "b@corp.example".into(),
            ],
        ];
        for list in &lists {
            for (org, me) in [
                (Some("me@corp.example"), &me[..]),
                (Some("x@corp.example"), &[][..]),
                (None, &me[..]),
            ] {
                let s = Subject {
                    organizer: org,
                    attendees: list,
                    me,
                    ..Subject::default()
                };
                assert_eq!(s.others(), s.others_up_to(usize::MAX), "{s:?}");
                let known = Subject {
                    others_known: Some(s.others()),
                    ..s
                };
                assert_eq!(known.others_up_to(3), s.others());
            }
        }
    }

    #[test]
    fn counting_stops_at_the_cap() {
        let many: Vec<String> = (0..500).map(|i| format!("p{i}@example.com")).collect();
        let s = Subject {
            attendees: &many,
            ..Subject::default()
        };
        assert_eq!(s.participants_up_to(3), 3);
        assert_eq!(s.participants_up_to(0), 0);
        assert_eq!(s.participants_up_to(usize::MAX), 500);
    }
}
