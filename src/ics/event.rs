//! The parsed calendar model: what [`super::parse`] produces and [`super::expand`] consumes.
//! Values are kept as written (local times with their TZID index, DATEs as dates), so no
//! information is lost before expansion decides what they mean.

use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::sync::Arc;

use super::rrule::Rule;
use super::value::{DateValue, Duration};
use super::zone::VTimezone;

/// Everything read from one feed's bytes. A file may hold several VCALENDARs; each is a
/// [`Section`] and is expanded on its own, as RFC 5545 treats them as separate objects.
#[derive(Debug, Default)]
pub struct Calendar {
    pub events: Vec<Event>,
    /// Interned TZID strings, indexed by [`DateValue::Zoned`].
    pub tzids: Vec<String>,
    pub sections: Vec<Section>,
    /// Problems found while parsing; each names its line. Parsing never fails as a whole.
    pub warnings: Vec<Warning>,
}

/// One VCALENDAR (or the loose components outside any VCALENDAR).
#[derive(Debug, Default)]
pub struct Section {
    /// Line of `BEGIN:VCALENDAR` (0 for loose components).
    pub line: u32,
    /// `X-WR-TIMEZONE`: Google's calendar-wide zone for floating and UTC times.
    pub x_wr_timezone: Option<String>,
    /// `X-WR-CALNAME`, shown in listings.
    pub name: Option<String>,
    pub vtimezones: Vec<VTimezone>,
    /// `CALSCALE` other than GREGORIAN makes the section unusable.
    pub calscale: Option<String>,
    /// Whether `END:VCALENDAR` was seen (a truncated download lacks it).
    pub closed: bool,
}

/// A problem in the input, with the 1-based line where the offending content line starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub line: u32,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartStat {
    NeedsAction,
    Accepted,
    Declined,
    Tentative,
    Delegated,
    Other,
}

impl PartStat {
    /// The RFC 5545 names, upper case, of all but [`PartStat::Other`]. The parser matches
    /// PARTSTAT values against these same strings, so [`Attendee::with`] can tell a name by
    /// its address.
    pub(crate) const NAMES: [&'static str; 5] = [
        "NEEDS-ACTION",
        "ACCEPTED",
        "DECLINED",
        "TENTATIVE",
        "DELEGATED",
    ];

    /// The RFC 5545 name, upper case (`None` for [`PartStat::Other`]).
    pub fn name(self) -> Option<&'static str> {
        let i = match self {
            PartStat::NeedsAction => 0,
            PartStat::Accepted => 1,
            PartStat::Declined => 2,
            PartStat::Tentative => 3,
            PartStat::Delegated => 4,
            PartStat::Other => return None,
        };
        Some(PartStat::NAMES[i])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attendee {
    /// Normalised address: lowercase, without `mailto:`. Shared between the attendees of a
    /// feed (see [`Addresses`]): a team calendar names a few dozen people a hundred thousand
    /// times, and one allocation per mention was a tenth of the parse's memory.
    pub addr: Arc<str>,
    /// `None` when the PARTSTAT parameter is absent (RFC default: NEEDS-ACTION).
    pub partstat: Option<PartStat>,
    /// Whether the raw PARTSTAT is the name of `partstat` (see [`Attendee::partstat_raw`]),
    /// as it nearly always is: then it is not stored.
    raw_is_name: bool,
    /// `CUTYPE=ROOM` or `CUTYPE=RESOURCE`: a meeting room or a piece of equipment, not a
    /// person (it never counts as one when classifying or matching 1:1s).
    pub resource: bool,
    /// What almost no attendee has, out of line: an attendee is 32 bytes instead of 64, and
    /// large feeds list over a hundred thousand of them.
    rare: Option<Box<RareAttendee>>,
}

/// The parts of an [`Attendee`] that are seldom set.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RareAttendee {
    /// The address as written, kept only when it is not `mailto:` followed by `addr`: that
    /// is how almost every export writes it, and [`Attendee::raw`] rebuilds it, which saves
    /// one allocation per attendee.
    written: Option<Box<str>>,
    /// The raw upper-cased PARTSTAT text when it is not the name of the attendee's
    /// [`PartStat`] (an X- or IANA value).
    partstat_raw: Option<Box<str>>,
}

/// The attendee addresses of a feed, each stored once (see [`Attendee::addr`]).
#[derive(Debug, Default)]
pub struct Addresses(FxHashMap<Box<[u8]>, Arc<str>>);

impl Addresses {
    /// The shared copy of `addr`.
    pub fn get(&mut self, addr: &str) -> Arc<str> {
        self.get_bytes(addr.as_bytes())
    }

    /// [`Addresses::get`] by bytes, so that the parser need not validate an address it has
    /// already checked is ASCII (see [`Attendee::plain_mailto`]). Bytes that are not UTF-8
    /// are stored as [`String::from_utf8_lossy`] makes them.
    pub fn get_bytes(&mut self, addr: &[u8]) -> Arc<str> {
        if let Some(a) = self.0.get(addr) {
            return Arc::clone(a);
        }
        let a: Arc<str> = Arc::from(String::from_utf8_lossy(addr));
        self.0.insert(addr.into(), Arc::clone(&a));
        a
    }
}

impl Attendee {
    /// An attendee written as `raw` (trimmed) in the file.
    pub fn new(
        raw: &str,
        partstat: Option<PartStat>,
        partstat_raw: Option<Cow<'static, str>>,
    ) -> Attendee {
        Attendee::new_in(raw, partstat, partstat_raw, &mut Addresses::default())
    }

    /// [`Attendee::new`], sharing the address with the other attendees in `addrs`.
    pub fn new_in(
        raw: &str,
        partstat: Option<PartStat>,
        partstat_raw: Option<Cow<'static, str>>,
        addrs: &mut Addresses,
    ) -> Attendee {
        // Fast path for how exports write nearly every attendee: `mailto:` and an address
        // that is already normalised (ASCII, no upper case, nothing to trim). One scan and a
        // copy instead of trimming, lower-casing and comparing with `raw`; same result.
        if let Some(rest) = Attendee::plain_mailto(raw.as_bytes()) {
            return Attendee::mailto(addrs.get_bytes(rest), partstat, partstat_raw);
        }
        let addr = super::value::normalize_address(raw);
        let rebuilt = raw.strip_prefix("mailto:").is_some_and(|rest| rest == addr);
        Attendee::with(
            addrs.get(&addr),
            (!rebuilt).then(|| raw.into()),
            partstat,
            partstat_raw,
        )
    }

    /// An attendee from its parts (inlined: the parser calls it for every attendee), storing the raw PARTSTAT only when it is not the name of
    /// `partstat`, and the rare parts only when there are any.
    #[inline]
    fn with(
        addr: Arc<str>,
        written: Option<Box<str>>,
        partstat: Option<PartStat>,
        partstat_raw: Option<Cow<'static, str>>,
    ) -> Attendee {
        let raw_is_name = match (&partstat_raw, partstat.and_then(PartStat::name)) {
            // The parser passes the very string that `name` returns (one literal, as a rule):
            // then no comparison of the text is needed. Otherwise the texts are compared.
            (Some(Cow::Borrowed(r)), Some(n)) if std::ptr::eq(*r, n) => true,
            (Some(r), Some(n)) => r == n,
            _ => false,
        };
        let partstat_raw = partstat_raw
            .filter(|_| !raw_is_name)
            .map(|r| Box::<str>::from(r.as_ref()));
        let rare = (written.is_some() || partstat_raw.is_some()).then(|| {
            Box::new(RareAttendee {
                written,
                partstat_raw,
            })
        });
        Attendee {
            addr,
            partstat,
            raw_is_name,
            resource: false,
            rare,
        }
    }

    /// The same attendee, marked as a room or resource (`CUTYPE=ROOM|RESOURCE`).
    pub fn into_resource(self) -> Attendee {
        Attendee {
            resource: true,
            ..self
        }
    }

    /// The raw upper-cased PARTSTAT text, if the parameter is present.
    pub fn partstat_raw(&self) -> Option<&str> {
        if self.raw_is_name {
            return self.partstat.and_then(PartStat::name);
        }
        self.rare.as_ref().and_then(|r| r.partstat_raw.as_deref())
    }

    /// The address in `value` if it is `mailto:` and an address that is already normalised:
    /// ASCII, no upper case, nothing to trim. That is how exports write nearly every
    /// attendee; then the value needs no UTF-8 validation, trimming or lower-casing, and
    /// [`Attendee::new`] of it is [`Attendee::mailto`] of the address.
    pub fn plain_mailto(value: &[u8]) -> Option<&[u8]> {
        let b = value.strip_prefix(b"mailto:")?;
        // Trimming also removes U+000B, which `is_ascii_whitespace` does not cover: it is
        // refused anywhere, with upper case and non-ASCII bytes.
        let normal = b.first().is_some_and(|c| !c.is_ascii_whitespace())
            && b.last().is_some_and(|c| !c.is_ascii_whitespace())
            // No early exit, so the compiler can test many bytes at once.
            && !b.iter().fold(false, |bad, &c| {
                bad | !c.is_ascii() | c.is_ascii_uppercase() | (c == 0x0b)
            });
        normal.then_some(b)
    }

    /// An attendee written `mailto:` followed by `addr` (already normalised).
    pub fn mailto(
        addr: Arc<str>,
        partstat: Option<PartStat>,
        partstat_raw: Option<Cow<'static, str>>,
    ) -> Attendee {
        Attendee::with(addr, None, partstat, partstat_raw)
    }

    /// The address as written (for output that mirrors the file).
    pub fn raw(&self) -> Cow<'_, str> {
        match self.rare.as_ref().and_then(|r| r.written.as_deref()) {
            Some(w) => Cow::Borrowed(w),
            None => Cow::Owned(format!("mailto:{}", self.addr)),
        }
    }
}

/// The end of an RDATE period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodEnd {
    End(DateValue),
    Duration(Duration),
}

/// One RDATE value: a start, optionally with its own end (`VALUE=PERIOD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RDate {
    pub start: DateValue,
    pub end: Option<PeriodEnd>,
}

/// A VEVENT as written: a series master, a single event, or an override of one instance
/// (`recurrence_id` set).
///
/// The lists are boxed slices rather than `Vec`s: they are complete once the event is, and
/// a slice is a word smaller. A large feed holds tens of thousands of events, and their size
/// is most of the parse's memory and page faults (the parser collects them in `Vec`s).
#[derive(Clone, Debug, Default)]
pub struct Event {
    /// Index of its [`Section`] in [`Calendar::sections`].
    pub section: u32,
    /// Line of its `BEGIN:VEVENT`.
    pub line: u32,
    /// Empty when the event has no UID (then it is never merged with another).
    pub uid: String,
    pub summary: Option<String>,
    pub description: String,
    pub location: String,
    pub categories: Box<[String]>,
    /// Normalised organizer address.
    pub organizer: Option<String>,
    pub attendees: Box<[Attendee]>,
    /// Raw upper-cased STATUS, if present (the RFC's values are not allocated).
    pub status: Option<Cow<'static, str>>,
    /// Raw upper-cased TRANSP, if present (the RFC's values are not allocated).
    pub transp: Option<Cow<'static, str>>,
    pub sequence: i64,
    /// CREATED, when written in UTC as RFC 5545 requires (`None` otherwise).
    pub created: Option<chrono::NaiveDateTime>,
    pub dtstart: Option<DateValue>,
    pub dtend: Option<DateValue>,
    pub duration: Option<Duration>,
    pub rrules: Box<[Rule]>,
    pub exrules: Box<[Rule]>,
    pub rdates: Box<[RDate]>,
    pub exdates: Box<[DateValue]>,
    pub recurrence_id: Option<DateValue>,
    /// `RANGE=THISANDFUTURE` on the RECURRENCE-ID.
    pub this_and_future: bool,
}

impl Event {
    pub fn is_cancelled(&self) -> bool {
        self.status.as_deref() == Some("CANCELLED")
    }

    pub fn is_transparent(&self) -> bool {
        self.transp.as_deref() == Some("TRANSPARENT")
    }

    /// Whether one of `me` (normalised addresses) declined this event.
    pub fn declined_by(&self, me: &[String]) -> bool {
        self.attendees
            .iter()
            .any(|a| a.partstat == Some(PartStat::Declined) && me.iter().any(|m| **m == *a.addr))
    }

    pub fn is_recurring(&self) -> bool {
        !self.rrules.is_empty() || !self.rdates.is_empty()
    }

    /// The event's length in minutes as written (DTEND − DTSTART by their written clocks, or
    /// DURATION), for classification: "a 25-minute meeting", not an exact span. An all-day
    /// DTSTART with neither lasts one day (RFC 5545, 3.6.1), as an expanded occurrence does.
    /// `None` for a timed start without an end, or for lengths that are negative or over a year.
    pub fn nominal_minutes(&self) -> Option<u32> {
        let start = self.dtstart.as_ref()?;
        let minutes = match (&self.duration, &self.dtend) {
            (Some(d), _) => {
                let m = d.days.checked_mul(1440)?.checked_add(d.seconds / 60)?;
                if d.negative {
                    return None;
                }
                m
            }
            (None, Some(end)) => {
                let wall = |v: &DateValue| match *v {
                    DateValue::Date(d) => d.and_time(chrono::NaiveTime::MIN),
                    DateValue::Floating(t) | DateValue::Utc(t) | DateValue::Zoned(t, _) => t,
                };
                (wall(end) - wall(start)).num_minutes()
            }
            (None, None) => match start {
                DateValue::Date(_) => 1440,
                _ => return None,
            },
        };
        u32::try_from(minutes).ok().filter(|&m| m <= 366 * 1440)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_event(ics: &str) -> Event {
        let cal = crate::ics::parse::parse(ics.as_bytes());
        cal.events.into_iter().next().expect("one event")
    }

    fn vevent(lines: &str) -> String {
        format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:u\r\n{lines}END:VEVENT\r\n\
             END:VCALENDAR\r\n"
        )
    }

    /// RFC 5545 3.6.1: a DATE start without DTEND or DURATION is one day long; a timed one
    /// without either has no length to classify by.
    #[test]
    fn nominal_minutes_of_an_all_day_start_without_end_is_a_day() {
        let day = first_event(&vevent("DTSTART;VALUE=DATE:20261207\r\n"));
        assert_eq!(day.nominal_minutes(), Some(1440));
        let two = first_event(&vevent(
            "DTSTART;VALUE=DATE:20261207\r\nDTEND;VALUE=DATE:20261209\r\n",
        ));
        assert_eq!(two.nominal_minutes(), Some(2880));
        let timed = first_event(&vevent("DTSTART:20261207T090000Z\r\n"));
        assert_eq!(timed.nominal_minutes(), None);
        let half = first_event(&vevent("DTSTART:20261207T090000Z\r\nDURATION:PT30M\r\n"));
        assert_eq!(half.nominal_minutes(), Some(30));
    }

    /// The fast path of [`Attendee::new`] gives what normalising and comparing gives.
    #[test]
    fn attendee_fast_path_matches_normalising() {
        for raw in [
            "mailto:a@example.com",
            "mailto:a@example.com ",
            " mailto:a@example.com",
            "mailto:A@example.com",
            "MAILTO:a@example.com",
            "mailto:",
            "mailto: a@example.com",
            "mailto:a@example.com\u{b}",
            "mailto:\u{b}a@example.com",
            "mailto:a\u{b}b@example.com",
            "mailto:a@example.com\u{a0}",
            "mailto:é@example.com",
            "a@example.com",
        ] {
            let a = Attendee::new(raw, None, None);
            if let Some(rest) = Attendee::plain_mailto(raw.as_bytes()) {
                let b = Attendee::mailto(Addresses::default().get_bytes(rest), None, None);
                assert_eq!(a, b, "{raw:?}");
            }
            let addr = crate::ics::value::normalize_address(raw);
            assert_eq!(*a.addr, addr, "{raw:?}");
            assert_eq!(a.raw(), raw, "{raw:?}");
        }
    }

    /// The raw PARTSTAT reads back as given, whether or not it is stored.
    #[test]
    fn partstat_raw_round_trips() {
        let cases: [(Option<PartStat>, Option<&'static str>); 7] = [
            (None, None),
            (Some(PartStat::Accepted), Some("ACCEPTED")),
            (Some(PartStat::Declined), Some("DECLINED")),
            (Some(PartStat::NeedsAction), Some("NEEDS-ACTION")),
            (Some(PartStat::Other), Some("X-MAYBE")),
            (Some(PartStat::Accepted), None),
            (Some(PartStat::Accepted), Some("DECLINED")),
        ];
        for (ps, raw) in cases {
            for written in ["mailto:a@example.com", "A@example.com"] {
                let a = Attendee::new(written, ps, raw.map(Cow::Borrowed));
                assert_eq!((a.partstat, a.partstat_raw()), (ps, raw), "{ps:?} {raw:?}");
                assert_eq!(a.raw(), written);
                let owned = Attendee::new(written, ps, raw.map(|r| Cow::Owned(r.to_owned())));
                assert_eq!(owned, a);
            }
        }
        assert_eq!(std::mem::size_of::<Attendee>(), 32);
    }
}
