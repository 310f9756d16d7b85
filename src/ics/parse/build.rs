//! Content lines → [`Calendar`]: the component state machine of RFC 5545 3.4–3.6.
//!
//! A stack of open components (no recursion, depth-capped), the VEVENT draft being filled,
//! VTIMEZONE observances, sections for each VCALENDAR and for loose components, interned
//! TZIDs and attendee addresses, and the warnings (capped) that a malformed component leaves.
//! Lines come from `read`, split by `lex`.

use super::lex::*;
use super::ParseOptions;
use crate::ics::event::{
    Addresses, Attendee, Calendar, Event, PartStat, PeriodEnd, RDate, Section, Warning,
};
use crate::ics::rrule::Rule;
use crate::ics::value::{
    normalize_address, parse_date, parse_date_time, parse_duration, split_text_list, unescape_text,
    DateValue,
};
use crate::ics::zone::{Observance, ObservanceKind, VTimezone};

/// Components that live directly in a VCALENDAR and never inside each other.
/// Component names seen in every feed, upper-cased without allocating (see [`upper_known`]).
pub(super) const COMPONENT_NAMES: &[&str] = &[
    "VEVENT",
    "VCALENDAR",
    "VALARM",
    "VTIMEZONE",
    "STANDARD",
    "DAYLIGHT",
];

pub(super) const CALENDAR_LEVEL: &[&str] = &[
    "VEVENT",
    "VTODO",
    "VJOURNAL",
    "VFREEBUSY",
    "VTIMEZONE",
    "VAVAILABILITY",
];

/// Deeper nesting than this is not a calendar; components below it are skipped with a warning.
pub(super) const MAX_DEPTH: usize = 64;
/// Cap on stored warnings per feed, so a garbage feed cannot grow memory without bound.
pub(super) const MAX_WARNINGS: usize = 1000;

pub(super) const STATUS_VALUES: &[&str] = &["CONFIRMED", "TENTATIVE", "CANCELLED"];
pub(super) const TRANSP_VALUES: &[&str] = &["OPAQUE", "TRANSPARENT"];
pub(super) const PARTSTAT_VALUES: &[&str] = &PartStat::NAMES;

pub(super) enum Frame {
    Calendar,
    Event(Box<Draft>),
    Timezone(VTimezone),
    Observance(Observance),
    /// Any other component (VALARM, VTODO, X-…): its content is skipped.
    Other(Vec<u8>),
}

/// A VEVENT being read: the event, and its lists while they grow (the event holds them as
/// boxed slices). A closed event's draft is kept for the next one (see [`Parser::spare`]),
/// so the lists' buffers are reused and each event's slices are allocated once at their
/// length, instead of each event allocating a draft and growing its lists by doubling.
#[derive(Default)]
pub(super) struct Draft {
    ev: Event,
    categories: Vec<String>,
    attendees: Vec<Attendee>,
    rrules: Vec<Rule>,
    exrules: Vec<Rule>,
    rdates: Vec<RDate>,
    exdates: Vec<DateValue>,
}

impl Draft {
    /// The event with its lists, leaving the draft empty for the next event.
    pub(super) fn take_event(&mut self) -> Event {
        /// The list's items, exactly allocated; most lists are empty, which needs no work.
        fn boxed<T>(v: &mut Vec<T>) -> Box<[T]> {
            if v.is_empty() {
                Box::default()
            } else {
                v.drain(..).collect()
            }
        }
        let mut ev = std::mem::take(&mut self.ev);
        ev.categories = boxed(&mut self.categories);
        ev.attendees = boxed(&mut self.attendees);
        ev.rrules = boxed(&mut self.rrules);
        ev.exrules = boxed(&mut self.exrules);
        ev.rdates = boxed(&mut self.rdates);
        ev.exdates = boxed(&mut self.exdates);
        ev
    }
}

#[derive(Default)]
pub(super) struct Parser {
    pub(super) cal: Calendar,
    pub(super) stack: Vec<(Frame, u32)>,
    /// Index of the section collecting loose components, created on first use.
    pub(super) loose_section: Option<u32>,
    pub(super) current_section: Option<u32>,
    pub(super) dropped_warnings: usize,
    /// [`ParseOptions::descriptions`].
    pub(super) keep_descriptions: bool,
    /// Attendee addresses seen so far, shared by the events that name them.
    pub(super) addrs: Addresses,
    /// The last closed event's draft, empty, for the next event to reuse (see [`Draft`]).
    pub(super) spare: Option<Box<Draft>>,
}

impl Parser {
    pub(super) fn new(opts: ParseOptions) -> Parser {
        Parser {
            keep_descriptions: opts.descriptions,
            ..Parser::default()
        }
    }

    pub(super) fn warn(&mut self, line: u32, message: String) {
        if self.cal.warnings.len() < MAX_WARNINGS {
            self.cal.warnings.push(Warning { line, message });
        } else {
            self.dropped_warnings += 1;
        }
    }

    pub(super) fn section(&mut self) -> u32 {
        if let Some(s) = self.current_section {
            return s;
        }
        if let Some(s) = self.loose_section {
            return s;
        }
        let idx = self.cal.sections.len() as u32;
        self.cal.sections.push(Section {
            closed: true,
            ..Section::default()
        });
        self.loose_section = Some(idx);
        idx
    }

    pub(super) fn intern_tzid(&mut self, tzid: &[u8]) -> u32 {
        // Nearly always the bytes are a TZID already stored (which is trimmed text): found
        // without converting and trimming them first. The stored TZIDs are distinct.
        if let Some(i) = self.cal.tzids.iter().position(|t| t.as_bytes() == tzid) {
            return i as u32;
        }
        let tzid = text(tzid);
        let tzid = tzid.trim();
        if let Some(i) = self.cal.tzids.iter().position(|t| t == tzid) {
            return i as u32;
        }
        self.cal.tzids.push(tzid.to_owned());
        (self.cal.tzids.len() - 1) as u32
    }

    /// Reads a DATE or DATE-TIME property value (the first of a list) with its parameters.
    pub(super) fn date_value(&mut self, params_raw: &[u8], value: &[u8]) -> Option<DateValue> {
        let v = text(value);
        let first = v.split(',').next().unwrap_or("");
        self.date_value_str(params_raw, first)
    }

    pub(super) fn date_value_str(&mut self, params_raw: &[u8], v: &str) -> Option<DateValue> {
        let (value, tzid) = value_and_tzid(params_raw);
        let is_date = value.is_some_and(|t| t.eq_ignore_ascii_case(b"DATE"));
        let v = v.trim();
        // A TZID that starts with a visible ASCII character is not blank: decided without
        // converting it (the usual case); others are trimmed as text to see.
        let tzid = tzid
            .filter(|t| t.first().is_some_and(u8::is_ascii_graphic) || !text(t).trim().is_empty());
        if !is_date && v.len() == 8 {
            // A bare date with a TZID (old Google exports): midnight in that zone, as meant.
            if let (Some(tz), Some(d)) = (tzid, parse_date(v)) {
                return Some(DateValue::Zoned(
                    d.and_time(chrono::NaiveTime::MIN),
                    self.intern_tzid(tz),
                ));
            }
        }
        if is_date || v.len() == 8 {
            if let Some(d) = parse_date(v) {
                return Some(DateValue::Date(d));
            }
            if is_date {
                // VALUE=DATE with a DATE-TIME value: read the date part, as producers mean it.
                return parse_date_time(v).map(|(t, _)| DateValue::Date(t.date()));
            }
        }
        let (t, utc) = parse_date_time(v)?;
        // A TZID on a value ending in Z is invalid; the producers that write it (ownCloud)
        // mean the wall-clock time in that zone, so the TZID wins.
        match tzid {
            Some(tz) => Some(DateValue::Zoned(t, self.intern_tzid(tz))),
            None if utc => Some(DateValue::Utc(t)),
            None => Some(DateValue::Floating(t)),
        }
    }

    /// Whether a logical line starting with the physical line `first` would be dropped by
    /// [`Parser::line`] without effect, so that it need not be unfolded. Only says so when
    /// the name ends at a `:` within `first` (then the line is a content line whatever
    /// follows, and no warning can come of it) and the open component ignores the property.
    pub(super) fn ignores(&self, first: &[u8]) -> bool {
        let Some((top, _)) = self.stack.last() else {
            return false;
        };
        let Some(end) = memchr::memchr2(b';', b':', first) else {
            return false;
        };
        if end == 0 || first[end] != b':' {
            return false;
        }
        let kind = Prop::of(&first[..end]);
        match top {
            Frame::Event(_) => {
                kind == Prop::Other || (kind == Prop::Description && !self.keep_descriptions)
            }
            Frame::Other(_) => !matches!(kind, Prop::Begin | Prop::End),
            _ => false,
        }
    }

    pub(super) fn line(&mut self, line_no: u32, line: &[u8]) {
        let Some(cl) = split_content_line(line) else {
            if self.stack.is_empty() && line.iter().all(u8::is_ascii_whitespace) {
                return;
            }
            let shown: String = text(line).chars().take(40).collect();
            self.warn(line_no, format!("not a content line (no ':'): {shown:?}"));
            return;
        };
        match cl.kind {
            Prop::Begin => self.begin(line_no, cl.value),
            Prop::End => self.end(line_no, cl.value),
            _ => self.property(line_no, &cl),
        }
    }

    pub(super) fn begin(&mut self, line_no: u32, value: &[u8]) {
        let name = upper_known(value, COMPONENT_NAMES);
        if self.stack.len() >= MAX_DEPTH {
            self.warn(
                line_no,
                format!("component BEGIN:{name} nested deeper than {MAX_DEPTH} levels: skipped"),
            );
            self.stack
                .push((Frame::Other(name.into_owned().into_bytes()), line_no));
            return;
        }
        if CALENDAR_LEVEL.contains(&name.as_ref()) {
            self.close_unclosed_siblings(line_no, &name);
        }
        let inside_other = self.stack.iter().any(|(f, _)| matches!(f, Frame::Other(_)));
        let parent_is_tz = matches!(self.stack.last(), Some((Frame::Timezone(_), _)));
        let frame = match name.as_ref() {
            _ if inside_other => Frame::Other(name.into_owned().into_bytes()),
            "VCALENDAR" => {
                let idx = self.cal.sections.len() as u32;
                self.cal.sections.push(Section {
                    line: line_no,
                    ..Section::default()
                });
                self.current_section = Some(idx);
                Frame::Calendar
            }
            "VEVENT" => {
                let section = self.section();
                let mut draft = self.spare.take().unwrap_or_default();
                draft.ev.section = section;
                draft.ev.line = line_no;
                Frame::Event(draft)
            }
            "VTIMEZONE" => Frame::Timezone(VTimezone {
                tzid: String::new(),
                line: line_no as usize,
                x_lic_location: None,
                observances: Vec::new(),
            }),
            "STANDARD" | "DAYLIGHT" if parent_is_tz => Frame::Observance(Observance {
                kind: if name == "STANDARD" {
                    ObservanceKind::Standard
                } else {
                    ObservanceKind::Daylight
                },
                line: line_no as usize,
                dtstart: String::new(),
                offset_from: String::new(),
                offset_to: String::new(),
                rrule: None,
                rdates: Vec::new(),
            }),
            _ => Frame::Other(name.into_owned().into_bytes()),
        };
        self.stack.push((frame, line_no));
    }

    /// A calendar-level component cannot nest inside another one: a BEGIN:VEVENT while a
    /// VTODO (or VEVENT) is still open means the earlier one lost its END line (a typo such
    /// as `END:VTOOD`, or a broken export). Close it here instead of swallowing the rest.
    pub(super) fn close_unclosed_siblings(&mut self, line_no: u32, name: &str) {
        while let Some((frame, begin_line)) = self.stack.last() {
            // Compared as bytes first: the name is only needed as text for the warning.
            let open = frame_name(frame);
            if !CALENDAR_LEVEL.iter().any(|c| c.as_bytes() == open) {
                return;
            }
            let open = String::from_utf8_lossy(open).into_owned();
            let begin_line = *begin_line;
            self.warn(
                begin_line,
                format!("BEGIN:{open} is not closed before BEGIN:{name} on line {line_no}: closed there"),
            );
            if let Some((frame, begin_line)) = self.stack.pop() {
                self.close(frame, begin_line);
            }
        }
    }

    pub(super) fn end(&mut self, line_no: u32, value: &[u8]) {
        let name = upper_known(value, COMPONENT_NAMES);
        let Some(pos) = self
            .stack
            .iter()
            .rposition(|(f, _)| frame_name(f) == name.as_bytes())
        else {
            self.warn(
                line_no,
                format!("END:{name} without a matching BEGIN: ignored"),
            );
            return;
        };
        // Components opened after the one being closed were never closed: drop them.
        while self.stack.len() > pos + 1 {
            if let Some((frame, begin_line)) = self.stack.pop() {
                let inner = String::from_utf8_lossy(frame_name(&frame)).into_owned();
                self.warn(
                    begin_line,
                    format!("BEGIN:{inner} is not closed before END:{name} on line {line_no}: component dropped"),
                );
            }
        }
        if let Some((frame, begin_line)) = self.stack.pop() {
            self.close(frame, begin_line);
        }
    }

    pub(super) fn close(&mut self, frame: Frame, begin_line: u32) {
        match frame {
            Frame::Calendar => {
                if let Some(s) = self.current_section.take() {
                    if let Some(sec) = self.cal.sections.get_mut(s as usize) {
                        sec.closed = true;
                    }
                }
            }
            Frame::Event(mut draft) => {
                let ev = draft.take_event();
                self.spare = Some(draft);
                self.finish_event(ev);
            }
            Frame::Timezone(tz) => {
                if tz.tzid.is_empty() {
                    self.warn(begin_line, "VTIMEZONE without TZID: ignored".into());
                    return;
                }
                let s = self.section();
                if let Some(sec) = self.cal.sections.get_mut(s as usize) {
                    sec.vtimezones.push(tz);
                }
            }
            Frame::Observance(obs) => {
                if let Some((Frame::Timezone(tz), _)) = self.stack.last_mut() {
                    tz.observances.push(obs);
                }
            }
            Frame::Other(_) => {}
        }
    }

    pub(super) fn finish_event(&mut self, mut ev: Event) {
        let line = ev.line;
        // Built only for a warning: formatting it for every event cost an allocation each.
        let label = |ev: &Event| {
            if ev.uid.is_empty() {
                String::from("VEVENT")
            } else {
                format!("VEVENT UID={:?}", ev.uid)
            }
        };
        let Some(start) = ev.dtstart else {
            self.warn(
                line,
                format!("{} has no valid DTSTART: skipped", label(&ev)),
            );
            return;
        };
        // Normalise mixed value kinds the way producers mean them (and as the reference does):
        // a floating end takes the start's zone; a DATE start with a DATE-TIME end becomes a
        // DATE-TIME at midnight; an end before the start is swapped.
        if let (DateValue::Floating(st), Some(end)) = (start, ev.dtend) {
            // A floating start with a zoned end takes the end's zone (and vice versa below).
            match end {
                DateValue::Zoned(_, tz) => ev.dtstart = Some(DateValue::Zoned(st, tz)),
                DateValue::Utc(_) => ev.dtstart = Some(DateValue::Utc(st)),
                _ => {}
            }
        }
        let start = ev.dtstart.unwrap_or(start);
        if let Some(end) = ev.dtend {
            ev.dtend = Some(match (start, end) {
                (DateValue::Zoned(_, tz), DateValue::Floating(e)) => DateValue::Zoned(e, tz),
                (DateValue::Utc(_), DateValue::Floating(e)) => DateValue::Utc(e),
                (DateValue::Date(_), DateValue::Date(_)) | (_, _) => end,
            });
            if let (DateValue::Date(d), Some(e)) = (start, ev.dtend) {
                if !e.is_date() {
                    let midnight = d.and_time(chrono::NaiveTime::MIN);
                    ev.dtstart = Some(match e {
                        DateValue::Zoned(_, tz) => DateValue::Zoned(midnight, tz),
                        DateValue::Utc(_) => DateValue::Utc(midnight),
                        _ => DateValue::Floating(midnight),
                    });
                }
            } else if let (Some(e), false) = (ev.dtend, start.is_date()) {
                if e.is_date() {
                    // DATE end on a DATE-TIME start: read it as midnight in the start's zone.
                    let midnight = e.naive();
                    ev.dtend = Some(match start {
                        DateValue::Zoned(_, tz) => DateValue::Zoned(midnight, tz),
                        DateValue::Utc(_) => DateValue::Utc(midnight),
                        _ => DateValue::Floating(midnight),
                    });
                }
            }
        }
        // DTEND before DTSTART (RFC 5545 forbids it): producers mean the span between them.
        if let (Some(s), Some(e)) = (ev.dtstart, ev.dtend) {
            let same_zone = std::mem::discriminant(&s) == std::mem::discriminant(&e)
                && match (s, e) {
                    (DateValue::Zoned(_, a), DateValue::Zoned(_, b)) => a == b,
                    _ => true,
                };
            if same_zone && e.naive() < s.naive() {
                self.warn(
                    line,
                    format!("{} has DTEND before DTSTART: swapped", label(&ev)),
                );
                ev.dtstart = Some(e);
                ev.dtend = Some(s);
            }
        }
        if let (Some(DateValue::Date(d)), None, Some(dur)) = (ev.dtstart, ev.dtend, ev.duration) {
            if dur.seconds % 86_400 != 0 {
                // A DATE start with an hours DURATION: a timed event from local midnight.
                // (Whole days written in seconds, as old Google exports do, stay all-day.)
                ev.dtstart = Some(DateValue::Floating(d.and_time(chrono::NaiveTime::MIN)));
            }
        }
        if let Some(d) = ev.duration {
            if ev.dtend.is_some() {
                self.warn(
                    line,
                    format!(
                        "{} has both DTEND and DURATION: DURATION ignored",
                        label(&ev)
                    ),
                );
                ev.duration = None;
            } else if d.negative {
                self.warn(
                    line,
                    format!(
                        "{} has a negative DURATION: treated as positive",
                        label(&ev)
                    ),
                );
                ev.duration = Some(crate::ics::value::Duration {
                    negative: false,
                    ..d
                });
            }
        }
        self.cal.events.push(ev);
    }

    pub(super) fn property(&mut self, line_no: u32, cl: &ContentLine<'_>) {
        let Some((top, _)) = self.stack.last() else {
            // A property outside any component: stray text between calendars.
            return;
        };
        match top {
            Frame::Event(_) => self.event_property(line_no, cl),
            Frame::Calendar => self.calendar_property(cl),
            Frame::Timezone(_) => self.timezone_property(cl),
            Frame::Observance(_) => self.observance_property(cl),
            Frame::Other(_) => {}
        }
    }

    pub(super) fn calendar_property(&mut self, cl: &ContentLine<'_>) {
        let Some(idx) = self.current_section else {
            return;
        };
        let Some(sec) = self.cal.sections.get_mut(idx as usize) else {
            return;
        };
        let n = cl.name;
        if n.eq_ignore_ascii_case(b"X-WR-TIMEZONE") {
            let v = unescape_text(text(cl.value).trim());
            if !v.is_empty() {
                sec.x_wr_timezone = Some(v);
            }
        } else if n.eq_ignore_ascii_case(b"X-WR-CALNAME") {
            sec.name = Some(unescape_text(text(cl.value).trim()));
        } else if n.eq_ignore_ascii_case(b"CALSCALE") {
            sec.calscale = Some(upper(cl.value));
        }
    }

    pub(super) fn timezone_property(&mut self, cl: &ContentLine<'_>) {
        let Some((Frame::Timezone(tz), _)) = self.stack.last_mut() else {
            return;
        };
        if cl.name.eq_ignore_ascii_case(b"TZID") {
            tz.tzid = unescape_text(text(cl.value).trim());
        } else if cl.name.eq_ignore_ascii_case(b"X-LIC-LOCATION") {
            tz.x_lic_location = Some(unescape_text(text(cl.value).trim()));
        }
    }

    pub(super) fn observance_property(&mut self, cl: &ContentLine<'_>) {
        let Some((Frame::Observance(o), _)) = self.stack.last_mut() else {
            return;
        };
        let v = || text(cl.value).trim().to_owned();
        let n = cl.name;
        if n.eq_ignore_ascii_case(b"DTSTART") {
            o.dtstart = v();
        } else if n.eq_ignore_ascii_case(b"TZOFFSETFROM") {
            o.offset_from = v();
        } else if n.eq_ignore_ascii_case(b"TZOFFSETTO") {
            o.offset_to = v();
        } else if n.eq_ignore_ascii_case(b"RRULE") {
            o.rrule = Some(v());
        } else if n.eq_ignore_ascii_case(b"RDATE") {
            o.rdates.push(v());
        }
    }

    pub(super) fn event_property(&mut self, line_no: u32, cl: &ContentLine<'_>) {
        // Values that need `self` (TZID interning, warnings) are computed before borrowing the event.
        enum Set {
            Start(Option<DateValue>),
            End(Option<DateValue>),
            RecurrenceId(Option<DateValue>, bool),
            RDates(Vec<RDate>),
            ExDates(Vec<DateValue>),
            None,
        }
        let set = match cl.kind {
            Prop::Other => return,
            Prop::Description if !self.keep_descriptions => return,
            Prop::DtStart => Set::Start(self.date_value(cl.params, cl.value)),
            Prop::DtEnd => Set::End(self.date_value(cl.params, cl.value)),
            Prop::RecurrenceId => {
                let future = param(cl.params, "RANGE")
                    .is_some_and(|r| r.eq_ignore_ascii_case(b"THISANDFUTURE"));
                Set::RecurrenceId(self.date_value(cl.params, cl.value), future)
            }
            Prop::RDate => Set::RDates(self.rdates(line_no, cl)),
            Prop::ExDate => {
                let v = text(cl.value).into_owned();
                let mut out = Vec::new();
                for item in v.split(',').filter(|s| !s.trim().is_empty()) {
                    match self.date_value_str(cl.params, item) {
                        Some(d) => out.push(d),
                        None => self.warn(
                            line_no,
                            format!("invalid EXDATE value {:?}: ignored", item.trim()),
                        ),
                    }
                }
                Set::ExDates(out)
            }
            _ => Set::None,
        };
        let mut warning = None;
        {
            let Some((Frame::Event(draft), _)) = self.stack.last_mut() else {
                return;
            };
            let ev = &mut draft.ev;
            match set {
                Set::Start(v) => {
                    if v.is_none() {
                        warning = Some(format!("invalid DTSTART value {:?}", text(cl.value)));
                    }
                    ev.dtstart = v;
                }
                Set::End(v) => match v {
                    Some(v) => ev.dtend = Some(v),
                    None => {
                        warning = Some(format!("invalid DTEND value {:?}: ignored", text(cl.value)))
                    }
                },
                Set::RecurrenceId(v, future) => match v {
                    Some(v) => {
                        ev.recurrence_id = Some(v);
                        ev.this_and_future = future;
                    }
                    None => {
                        warning = Some(format!("invalid RECURRENCE-ID value {:?}", text(cl.value)))
                    }
                },
                Set::RDates(v) => draft.rdates.extend(v),
                Set::ExDates(v) => draft.exdates.extend(v),
                Set::None => {
                    warning = event_simple_property(draft, cl, &mut self.addrs);
                }
            }
        }
        if let Some(w) = warning {
            self.warn(line_no, w);
        }
    }

    pub(super) fn rdates(&mut self, line_no: u32, cl: &ContentLine<'_>) -> Vec<RDate> {
        let is_period =
            param(cl.params, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case(b"PERIOD"));
        let v = text(cl.value).into_owned();
        let mut out = Vec::new();
        for item in v.split(',').filter(|s| !s.trim().is_empty()) {
            let item = item.trim();
            let parsed = if let Some((a, b)) = item.split_once('/') {
                let start = self.date_value_str(strip_value_param(cl.params), a);
                let end = if b.starts_with(['P', 'p', '+', '-']) {
                    parse_duration(b).map(PeriodEnd::Duration)
                } else {
                    self.date_value_str(strip_value_param(cl.params), b)
                        .map(PeriodEnd::End)
                };
                match (start, end) {
                    (Some(s), Some(e)) => Some(RDate {
                        start: s,
                        end: Some(e),
                    }),
                    _ => None,
                }
            } else if is_period {
                None
            } else {
                self.date_value_str(cl.params, item).map(|s| RDate {
                    start: s,
                    end: None,
                })
            };
            match parsed {
                Some(r) => out.push(r),
                None => self.warn(line_no, format!("invalid RDATE value {item:?}: ignored")),
            }
        }
        out
    }

    pub(super) fn finish(mut self) -> Calendar {
        while let Some((frame, begin_line)) = self.stack.pop() {
            let name = String::from_utf8_lossy(frame_name(&frame)).into_owned();
            match frame {
                Frame::Calendar => self.warn(
                    begin_line,
                    "BEGIN:VCALENDAR is never closed (truncated file?): its complete components are kept".into(),
                ),
                Frame::Event(draft) => self.warn(
                    begin_line,
                    format!(
                        "BEGIN:VEVENT{} is never closed (truncated file?): component dropped",
                        if draft.ev.uid.is_empty() { String::new() } else { format!(" UID={:?}", draft.ev.uid) }
                    ),
                ),
                _ => self.warn(begin_line, format!("BEGIN:{name} is never closed: dropped")),
            }
        }
        if self.dropped_warnings > 0 {
            let n = self.dropped_warnings;
            self.cal.warnings.push(Warning {
                line: 0,
                message: format!("{n} more warnings not shown"),
            });
        }
        self.cal
    }
}

pub(super) fn frame_name(f: &Frame) -> &[u8] {
    match f {
        Frame::Calendar => b"VCALENDAR",
        Frame::Event(_) => b"VEVENT",
        Frame::Timezone(_) => b"VTIMEZONE",
        Frame::Observance(o) => match o.kind {
            ObservanceKind::Standard => b"STANDARD",
            ObservanceKind::Daylight => b"DAYLIGHT",
        },
        Frame::Other(name) => name,
    }
}

/// Properties that need nothing but the event itself. Returns a warning, if any.
pub(super) fn event_simple_property(
    draft: &mut Draft,
    cl: &ContentLine<'_>,
    addrs: &mut Addresses,
) -> Option<String> {
    let ev = &mut draft.ev;
    match cl.kind {
        Prop::Uid => ev.uid = text(cl.value).trim().to_owned(),
        Prop::Summary => ev.summary = Some(unescape_text(&text(cl.value))),
        Prop::Description => ev.description = unescape_text(&text(cl.value)),
        Prop::Location => ev.location = unescape_text(&text(cl.value)),
        Prop::Status => ev.status = Some(upper_known(cl.value, STATUS_VALUES)),
        Prop::Transp => ev.transp = Some(upper_known(cl.value, TRANSP_VALUES)),
        Prop::Categories => draft.categories.extend(split_text_list(&text(cl.value))),
        Prop::Organizer => {
            // A plain `mailto:` value normalises to the address after it (see
            // `Attendee::plain_mailto`): no conversion, trimming or lower-casing needed.
            ev.organizer = Some(match Attendee::plain_mailto(cl.value) {
                Some(addr) => String::from_utf8_lossy(addr).into_owned(),
                None => normalize_address(&text(cl.value)),
            })
        }
        Prop::Attendee => {
            let ps = param(cl.params, "PARTSTAT").map(|p| upper_known(p, PARTSTAT_VALUES));
            // Rooms and resources: nearly every attendee is CUTYPE=INDIVIDUAL or has no
            // CUTYPE, so the parameters are only read again when one may say ROOM/RESOURCE.
            // Rooms and resources (CUTYPE=ROOM|RESOURCE). Most attendees have no CUTYPE
            // (Outlook) or have it first (Google): a prebuilt search for the name, then the
            // ordinary parameter reader only when it is there.
            let resource = has_cutype(cl.params)
                && param(cl.params, "CUTYPE").is_some_and(|v| {
                    v.eq_ignore_ascii_case(b"ROOM") || v.eq_ignore_ascii_case(b"RESOURCE")
                });
            let partstat = ps.as_deref().map(|p| match p {
                "NEEDS-ACTION" => PartStat::NeedsAction,
                "ACCEPTED" => PartStat::Accepted,
                "DECLINED" => PartStat::Declined,
                "TENTATIVE" => PartStat::Tentative,
                "DELEGATED" => PartStat::Delegated,
                _ => PartStat::Other,
            });
            // Checked on the bytes first: nearly every attendee is a plain `mailto:`.
            let attendee = match Attendee::plain_mailto(cl.value) {
                Some(addr) => Attendee::mailto(addrs.get_bytes(addr), partstat, ps),
                None => Attendee::new_in(text(cl.value).trim(), partstat, ps, addrs),
            };
            draft.attendees.push(if resource {
                attendee.into_resource()
            } else {
                attendee
            });
        }
        Prop::Sequence => ev.sequence = text(cl.value).trim().parse().unwrap_or(0),
        // RFC 5545 3.8.7.1: always UTC. A value without `Z` (or unreadable) is left out, as
        // if absent: CREATED only feeds a statistic, never a time on the calendar.
        Prop::Created => {
            ev.created =
                parse_date_time(text(cl.value).trim()).and_then(|(t, utc)| utc.then_some(t));
        }
        Prop::Duration => match parse_duration(&text(cl.value)) {
            Some(d) => ev.duration = Some(d),
            None => {
                return Some(format!(
                    "invalid DURATION value {:?}: ignored",
                    text(cl.value)
                ))
            }
        },
        Prop::RRule | Prop::ExRule => {
            let is_rrule = cl.kind == Prop::RRule;
            match Rule::parse(&text(cl.value)) {
                Ok(r) if is_rrule => draft.rrules.push(r),
                Ok(r) => draft.exrules.push(r),
                Err(e) => {
                    let which = if is_rrule { "RRULE" } else { "EXRULE" };
                    return Some(format!(
                        "invalid {which} {:?}: {e}; rule ignored",
                        text(cl.value)
                    ));
                }
            }
        }
        _ => {}
    }
    None
}
