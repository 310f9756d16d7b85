//! One logical line → its parts: the property name (recognised once, as a [`Prop`]), the
//! raw parameters and the value, plus the small readers of parameters and text that the
//! builder uses. Names are compared case-insensitively in place; nothing here allocates
//! unless a value has to be unescaped or upper-cased.

use std::borrow::Cow;

/// The property names the parser acts on, recognised once per line.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Prop {
    Begin,
    End,
    DtStart,
    DtEnd,
    RecurrenceId,
    RDate,
    ExDate,
    Uid,
    Summary,
    Description,
    Location,
    Status,
    Transp,
    Categories,
    Organizer,
    Attendee,
    Sequence,
    Duration,
    RRule,
    ExRule,
    /// CREATED: when the event was first put in the calendar (the reactive share).
    Created,
    /// Anything else (DTSTAMP, X-…): read by no component, or only by rare ones.
    Other,
}

impl Prop {
    /// Dispatches on the length first, so most names cost one or two comparisons instead of
    /// a walk down a chain of case-insensitive compares.
    pub(super) fn of(name: &[u8]) -> Prop {
        // Names as nearly every producer writes them (upper case) are matched exactly first:
        // a whole-slice compare instead of a case-folding loop, on every line.
        match name {
            b"END" => return Prop::End,
            b"UID" => return Prop::Uid,
            b"BEGIN" => return Prop::Begin,
            b"DTEND" => return Prop::DtEnd,
            b"DTSTART" => return Prop::DtStart,
            b"SUMMARY" => return Prop::Summary,
            b"STATUS" => return Prop::Status,
            b"TRANSP" => return Prop::Transp,
            b"ATTENDEE" => return Prop::Attendee,
            b"LOCATION" => return Prop::Location,
            b"SEQUENCE" => return Prop::Sequence,
            b"ORGANIZER" => return Prop::Organizer,
            b"DESCRIPTION" => return Prop::Description,
            b"CREATED" => return Prop::Created,
            b"DTSTAMP" | b"LAST-MODIFIED" => return Prop::Other,
            _ => {}
        }
        let is = |s: &[u8]| name.eq_ignore_ascii_case(s);
        match name.len() {
            3 if is(b"END") => Prop::End,
            3 if is(b"UID") => Prop::Uid,
            5 if is(b"BEGIN") => Prop::Begin,
            5 if is(b"DTEND") => Prop::DtEnd,
            5 if is(b"RDATE") => Prop::RDate,
            5 if is(b"RRULE") => Prop::RRule,
            6 if is(b"EXDATE") => Prop::ExDate,
            6 if is(b"STATUS") => Prop::Status,
            6 if is(b"TRANSP") => Prop::Transp,
            6 if is(b"EXRULE") => Prop::ExRule,
            7 if is(b"DTSTART") => Prop::DtStart,
            7 if is(b"SUMMARY") => Prop::Summary,
            7 if is(b"CREATED") => Prop::Created,
            8 if is(b"LOCATION") => Prop::Location,
            8 if is(b"ATTENDEE") => Prop::Attendee,
            8 if is(b"SEQUENCE") => Prop::Sequence,
            8 if is(b"DURATION") => Prop::Duration,
            9 if is(b"ORGANIZER") => Prop::Organizer,
            10 if is(b"CATEGORIES") => Prop::Categories,
            11 if is(b"DESCRIPTION") => Prop::Description,
            13 if is(b"RECURRENCE-ID") => Prop::RecurrenceId,
            _ => Prop::Other,
        }
    }
}

/// A content line split into name, parameters and value (all still raw bytes).
pub(super) struct ContentLine<'l> {
    pub(super) kind: Prop,
    pub(super) name: &'l [u8],
    pub(super) params: &'l [u8],
    pub(super) value: &'l [u8],
}

pub(super) fn split_content_line(line: &[u8]) -> Option<ContentLine<'_>> {
    // memchr jumps rather than a test per byte: ATTENDEE lines carry a hundred bytes of
    // parameters, and this was the larger part of reading a line.
    let name_end = memchr::memchr2(b';', b':', line)?;
    let name = &line[..name_end];
    if name.is_empty() {
        return None;
    }
    let kind = Prop::of(name);
    if line[name_end] == b':' {
        return Some(ContentLine {
            kind,
            name,
            params: &[],
            value: &line[name_end + 1..],
        });
    }
    let mut in_quotes = false;
    let mut at = name_end + 1;
    while let Some(off) = memchr::memchr2(b'"', b':', line.get(at..)?) {
        let i = at + off;
        if line[i] == b'"' {
            in_quotes = !in_quotes;
        } else if !in_quotes {
            return Some(ContentLine {
                kind,
                name,
                params: &line[name_end + 1..i],
                value: &line[i + 1..],
            });
        }
        at = i + 1;
    }
    None
}

/// Iterates `NAME=value` parameters, with surrounding quotes removed from the value.
pub(super) fn params(raw: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        while !rest.is_empty() {
            // Jump between quotes and semicolons (memchr) rather than testing every byte:
            // ATTENDEE parameters (CN, ROLE, RSVP, …) are long and read once per lookup.
            let mut in_quotes = false;
            let mut end = rest.len();
            let mut at = 0;
            while let Some(off) = memchr::memchr2(b'"', b';', &rest[at..]) {
                let i = at + off;
                if rest[i] == b'"' {
                    in_quotes = !in_quotes;
                } else if !in_quotes {
                    end = i;
                    break;
                }
                at = i + 1;
            }
            let item = &rest[..end];
            rest = if end < rest.len() {
                &rest[end + 1..]
            } else {
                &[]
            };
            if let Some(eq) = item.iter().position(|&b| b == b'=') {
                let value = &item[eq + 1..];
                let value = value
                    .strip_prefix(b"\"")
                    .and_then(|v| v.strip_suffix(b"\""))
                    .unwrap_or(value);
                return Some((&item[..eq], value));
            }
        }
        None
    })
}

/// Whether the raw parameters may hold a CUTYPE (in upper or lower case, as producers write
/// it; a mixed-case name is missed, which only loses the room mark).
pub(super) fn has_cutype(raw: &[u8]) -> bool {
    use std::sync::OnceLock;
    static FINDERS: OnceLock<[memchr::memmem::Finder<'static>; 2]> = OnceLock::new();
    let [upper, lower] = FINDERS.get_or_init(|| {
        [
            memchr::memmem::Finder::new(b"CUTYPE"),
            memchr::memmem::Finder::new(b"cutype"),
        ]
    });
    upper.find(raw).is_some() || lower.find(raw).is_some()
}

pub(super) fn param<'l>(raw: &'l [u8], name: &str) -> Option<&'l [u8]> {
    params(raw).find_map(|(n, v)| is_name(n, name.as_bytes()).then_some(v))
}

/// Whether the parameter or property name `n` is `name` (upper case), in any case. The exact
/// comparison first settles the names as producers write them for a fraction of the cost.
pub(super) fn is_name(n: &[u8], name: &[u8]) -> bool {
    n == name || n.eq_ignore_ascii_case(name)
}

/// `VALUE` and `TZID` (each the first given, as [`param`] finds them) in one pass: every
/// DTSTART and DTEND asks for both.
pub(super) fn value_and_tzid(raw: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
    let (mut value, mut tzid) = (None, None);
    if raw.is_empty() {
        return (value, tzid);
    }
    for (n, v) in params(raw) {
        if value.is_none() && is_name(n, b"VALUE") {
            value = Some(v);
        } else if tzid.is_none() && is_name(n, b"TZID") {
            tzid = Some(v);
        }
        if value.is_some() && tzid.is_some() {
            break;
        }
    }
    (value, tzid)
}

pub(super) fn text(b: &[u8]) -> Cow<'_, str> {
    // `from_utf8` has a fast path for ASCII that the lossy conversion lacks; almost every
    // value is valid UTF-8, so the lossy one only runs on the rest.
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

pub(super) fn upper(b: &[u8]) -> String {
    text(b).trim().to_ascii_uppercase()
}

/// [`upper`] for an enumerated value: one of `known` (upper case) is returned without
/// allocating, anything else upper-cased. Every event has a STATUS and TRANSP and every
/// attendee a PARTSTAT, so this saves a few allocations per event.
pub(super) fn upper_known(b: &[u8], known: &[&'static str]) -> Cow<'static, str> {
    let t = b.trim_ascii();
    // Exact comparisons first: producers write these values upper case, and a plain compare
    // is a fraction of a case-insensitive one (the `known` values are distinct and upper
    // case, so an exact match is the case-insensitive match too).
    if let Some(k) = known.iter().find(|k| k.as_bytes() == t) {
        return Cow::Borrowed(k);
    }
    match known.iter().find(|k| t.eq_ignore_ascii_case(k.as_bytes())) {
        Some(k) => Cow::Borrowed(k),
        None => Cow::Owned(upper(b)),
    }
}

/// The VALUE=PERIOD parameter must not make the period's start parse as a DATE.
pub(super) fn strip_value_param(p: &[u8]) -> &[u8] {
    if param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case(b"PERIOD"))
        && param(p, "TZID").is_none()
    {
        &[]
    } else {
        p
    }
}
