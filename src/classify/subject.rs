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
}

/// A list of attendee addresses, whatever holds them: the pipeline lends a parsed event's
/// own attendee list (copying every address into a `Vec<String>` per event was a fortieth
/// of a five-year report), tests and callers a `Vec<String>` or an array.
pub trait AttendeeList: std::fmt::Debug {
    fn count(&self) -> usize;
    /// The `i`-th address (`i < count()`).
    fn address(&self, i: usize) -> &str;
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
