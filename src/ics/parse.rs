//! RFC 5545 text → [`Calendar`]: a single streaming pass over the bytes.
//!
//! The parser is lenient in what it reads and precise in what it reports. Real producers
//! fold lines with CRLF or bare LF (and split UTF-8 sequences while doing so), write
//! lowercase names, put several VCALENDARs in one file, prepend a BOM or leave stray lines.
//! A malformed component is dropped with a [`Warning`] naming its line; everything else in
//! the feed is kept. Nothing here panics, whatever the bytes (see the fuzz test below).
//!
//! Only what the pipeline needs is extracted (VEVENT, VTIMEZONE and their time, recurrence,
//! status and people properties); other components are skipped without allocation. Names of
//! properties are compared case-insensitively in place, and a logical line is only copied
//! when it was folded, so most lines cost a `memchr` and a few comparisons.

use std::borrow::Cow;

use super::event::{
    Addresses, Attendee, Calendar, Event, PartStat, PeriodEnd, RDate, Section, Warning,
};
use super::rrule::Rule;
use super::value::{
    normalize_address, parse_date, parse_date_time, parse_duration, split_text_list, unescape_text,
    DateValue,
};
use super::zone::{Observance, ObservanceKind, VTimezone};

/// Components that live directly in a VCALENDAR and never inside each other.
/// Component names seen in every feed, upper-cased without allocating (see [`upper_known`]).
const COMPONENT_NAMES: &[&str] = &[
    "VEVENT",
    "VCALENDAR",
    "VALARM",
    "VTIMEZONE",
    "STANDARD",
    "DAYLIGHT",
];

const CALENDAR_LEVEL: &[&str] = &[
    "VEVENT",
    "VTODO",
    "VJOURNAL",
    "VFREEBUSY",
    "VTIMEZONE",
    "VAVAILABILITY",
];

/// Deeper nesting than this is not a calendar; components below it are skipped with a warning.
const MAX_DEPTH: usize = 64;
/// Cap on stored warnings per feed, so a garbage feed cannot grow memory without bound.
const MAX_WARNINGS: usize = 1000;

/// What to extract besides what expansion and exclusion need.
#[derive(Clone, Copy, Debug)]
pub struct ParseOptions {
    /// Keep DESCRIPTION text. It is often a third of an export's bytes, and only
    /// classification rules on descriptions read it (see `Classifier::reads_description`).
    pub descriptions: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { descriptions: true }
    }
}

/// Parses a whole feed. Never fails: problems become [`Calendar::warnings`].
pub fn parse(bytes: &[u8]) -> Calendar {
    parse_with(bytes, ParseOptions::default())
}

/// [`parse`], keeping only what `opts` asks for.
pub fn parse_with(bytes: &[u8], opts: ParseOptions) -> Calendar {
    let mut p = Parser::new(opts);
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut lines = LogicalLines::new(bytes);
    while let Some((line_no, line)) = lines.next_unless(|first| p.ignores(first)) {
        p.line(line_no, line);
    }
    p.finish()
}

/// Size of the window [`parse_reader`] reads through. Big enough that the per-read costs
/// vanish, small enough to stay in cache and to add nothing to the peak memory of a large
/// file (a 50 MB export read whole was half of the process's peak RSS, and faulting in the
/// fresh pages of that buffer cost more than copying the bytes).
const READ_CHUNK: usize = 256 * 1024;

/// [`parse_with`] over a reader, holding only a window of the input in memory. The result is
/// the same as parsing all the bytes at once: each window ends where a logical line begins
/// (after a line break not followed by a fold), so no line is split, and line numbers go on
/// across windows. A logical line longer than the window grows it.
pub fn parse_reader<R: std::io::Read>(reader: R, opts: ParseOptions) -> std::io::Result<Calendar> {
    let mut p = Parser::new(opts);
    read_lines(&mut p, reader, 0, true)?;
    Ok(p.finish())
}

/// Feeds every logical line of `reader` to `p`, reading through a [`READ_CHUNK`] window;
/// `line_no` is the number of physical lines before the reader's first byte. Returns the
/// number of physical lines after its last byte. The parser is not finished, so that another
/// part of the same input can follow (see [`parse_file`]).
fn read_lines<R: std::io::Read>(
    p: &mut Parser,
    mut reader: R,
    mut line_no: u32,
    strip_bom: bool,
) -> std::io::Result<u32> {
    let mut buf = vec![0u8; READ_CHUNK];
    let mut filled = 0;
    let mut at_start = strip_bom;
    loop {
        // Fill the window (a read may return less than asked).
        let mut eof = false;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    eof = true;
                    break;
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        let mut from = 0;
        if at_start {
            at_start = false;
            if buf[..filled].starts_with(b"\xEF\xBB\xBF") {
                from = 3;
            }
        }
        let cut = if eof {
            filled
        } else {
            match last_line_start(&buf[from..filled]) {
                Some(c) => from + c,
                None => {
                    // One logical line fills the window: make room and read on.
                    let grown = buf.len() * 2;
                    buf.resize(grown, 0);
                    if from > 0 {
                        buf.copy_within(from..filled, 0);
                        filled -= from;
                    }
                    continue;
                }
            }
        };
        let mut lines = LogicalLines::new(&buf[from..cut]);
        lines.line_no = line_no;
        while let Some((n, line)) = lines.next_unless(|first| p.ignores(first)) {
            p.line(n, line);
        }
        line_no = lines.line_no;
        if eof {
            return Ok(line_no);
        }
        buf.copy_within(cut..filled, 0);
        filled -= cut;
    }
}

/// Files smaller than this are parsed on one thread. A second thread saves wall time but
/// costs CPU (its start, its own window, the merge): on cal_5y (5.6 MB) it cut the wall time
/// by a tenth and added about as much CPU, and CPU is what matters at that size.
const PARALLEL_MIN_BYTES: u64 = 16 << 20;

/// How far past the middle of a file [`parse_file`] looks for a `BEGIN:VEVENT` line to cut
/// at, and in steps of how much; a file without one there is parsed on one thread.
const SPLIT_SEARCH_BYTES: u64 = 1 << 20;
const SPLIT_SEARCH_STEP: usize = 64 * 1024;

/// Input that can be read at any offset without a shared cursor, so that two threads can
/// read two parts of it at once: a file (`pread`) or, in tests, bytes in memory.
pub trait ReadAt: Sync {
    fn size(&self) -> std::io::Result<u64>;
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize>;
}

#[cfg(unix)]
impl ReadAt for std::fs::File {
    fn size(&self) -> std::io::Result<u64> {
        Ok(self.metadata()?.len())
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        std::os::unix::fs::FileExt::read_at(self, buf, offset)
    }
}

impl ReadAt for [u8] {
    fn size(&self) -> std::io::Result<u64> {
        Ok(<[u8]>::len(self) as u64)
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(<[u8]>::len(self));
        let n = buf.len().min(<[u8]>::len(self) - start);
        buf[..n].copy_from_slice(&self[start..start + n]);
        Ok(n)
    }
}

/// `[start, end)` of a [`ReadAt`] as a [`std::io::Read`].
struct Range<'a, S: ?Sized> {
    src: &'a S,
    pos: u64,
    end: u64,
}

impl<S: ReadAt + ?Sized> std::io::Read for Range<'_, S> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let left = usize::try_from(self.end.saturating_sub(self.pos)).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = self.src.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// [`parse_reader`] over a whole file, parsing its two halves on two threads when it is
/// large. The result is the same as [`parse_reader`]'s, event order, line numbers and
/// warnings included (tested against it):
///
/// - The cut is at a `BEGIN:VEVENT` line past the middle, so the second half starts between
///   two components of (normally) the same VCALENDAR. Its parser starts as if inside a
///   VCALENDAR, collecting that calendar's properties and VTIMEZONEs in a stand-in section
///   that is merged into the real one afterwards; later VCALENDARs become sections of their
///   own. Line numbers in the second half count from the cut and are shifted by the first
///   half's line count, and its TZIDs are re-interned into the first half's table.
/// - Where that guess cannot be shown to equal one sequential pass (the first half does not
///   end inside exactly one VCALENDAR, the second half ends inside a component, created a
///   loose section, or has warnings, whose messages may quote line numbers), the second
///   half's result is dropped and the first half's parser reads on through it instead:
///   unusual files cost more time, never a different result.
pub fn parse_file<S: ReadAt + ?Sized>(src: &S, opts: ParseOptions) -> std::io::Result<Calendar> {
    let len = src.size()?;
    let split = if len >= PARALLEL_MIN_BYTES {
        find_split(src, len / 2)?
    } else {
        None
    };
    match split {
        Some(at) => parse_split_at(src, len, at, opts),
        None => parse_reader(
            Range {
                src,
                pos: 0,
                end: len,
            },
            opts,
        ),
    }
}

/// The offset of the first `BEGIN:VEVENT` line that starts after `from` (within
/// [`SPLIT_SEARCH_BYTES`]). A line break followed by `B` starts a new logical line, so the
/// cut never falls inside a folded line.
fn find_split<S: ReadAt + ?Sized>(src: &S, from: u64) -> std::io::Result<Option<u64>> {
    const NEEDLE: &[u8] = b"\nBEGIN:VEVENT";
    // Each step re-reads the needle's length before it, so a match across steps is found.
    let mut buf = vec![0u8; SPLIT_SEARCH_STEP + NEEDLE.len()];
    let mut at = from;
    while at < from + SPLIT_SEARCH_BYTES {
        let mut filled = 0;
        while filled < buf.len() {
            let n = src.read_at(&mut buf[filled..], at + filled as u64)?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        let hay = &buf[..filled];
        for i in memchr::memmem::find_iter(hay, NEEDLE) {
            match hay.get(i + NEEDLE.len()) {
                Some(b'\r') | Some(b'\n') => return Ok(Some(at + i as u64 + 1)),
                // The line may go on in the next step: look again there.
                None => break,
                Some(_) => {}
            }
        }
        if filled < buf.len() {
            return Ok(None);
        }
        at += SPLIT_SEARCH_STEP as u64;
    }
    Ok(None)
}

fn parse_split_at<S: ReadAt + ?Sized>(
    src: &S,
    len: u64,
    at: u64,
    opts: ParseOptions,
) -> std::io::Result<Calendar> {
    let first = Range {
        src,
        pos: 0,
        end: at,
    };
    let second = || Range {
        src,
        pos: at,
        end: len,
    };
    let (p1, p2) = std::thread::scope(|scope| {
        let tail = scope.spawn(|| {
            let mut p = Parser::continuing_calendar(opts);
            read_lines(&mut p, second(), 0, false).map(|_| p)
        });
        let mut p = Parser::new(opts);
        let head = read_lines(&mut p, first, 0, true).map(|lines| (p, lines));
        // A panic in the parser is a bug; pass it on rather than hide it.
        let tail = tail.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
        (head, tail)
    });
    let (mut p1, lines1) = p1?;
    let p2 = p2?;
    if p1.can_take(&p2) {
        p1.take(p2, lines1);
    } else {
        read_lines(&mut p1, second(), lines1, false)?;
    }
    Ok(p1.finish())
}

/// The offset just after the last line break in `bytes` that is followed by a byte that does
/// not continue a folded line: everything before it is complete logical lines.
fn last_line_start(bytes: &[u8]) -> Option<usize> {
    let mut end = bytes.len();
    while let Some(i) = memchr::memrchr(b'\n', &bytes[..end]) {
        match bytes.get(i + 1) {
            Some(b' ') | Some(b'\t') | None => end = i,
            Some(_) => return Some(i + 1),
        }
    }
    None
}

/// Iterates logical (unfolded) lines with the number of their first physical line.
struct LogicalLines<'a> {
    rest: &'a [u8],
    line_no: u32,
    /// Where folded lines are joined; reused, so a folded line costs a copy, not an allocation
    /// (a Google export folds about a third of its lines).
    joined: Vec<u8>,
}

impl<'a> LogicalLines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LogicalLines {
            rest: bytes,
            line_no: 0,
            joined: Vec::new(),
        }
    }

    fn take_physical(&mut self) -> &'a [u8] {
        let (line, rest) = match memchr::memchr(b'\n', self.rest) {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, &self.rest[self.rest.len()..]),
        };
        self.rest = rest;
        self.line_no = self.line_no.saturating_add(1);
        line.strip_suffix(b"\r").unwrap_or(line)
    }

    /// The next logical line, passing over a folded line without joining it when `ignored`
    /// says its first physical line is of a property the parser drops: a Google export's
    /// DESCRIPTIONs are a third of its bytes, folded every 75, and usually not kept.
    fn next_unless(&mut self, ignored: impl Fn(&[u8]) -> bool) -> Option<(u32, &[u8])> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let first = self.take_physical();
            let first_no = self.line_no;
            // Blank lines, and continuation lines with nothing to continue, are stray: skip them.
            if first.is_empty()
                || first[0] == b' '
                || first[0] == b'\t'
                || first.iter().all(u8::is_ascii_whitespace)
            {
                continue;
            }
            if !matches!(self.rest.first(), Some(b' ') | Some(b'\t')) {
                return Some((first_no, first));
            }
            if ignored(first) {
                while matches!(self.rest.first(), Some(b' ') | Some(b'\t')) {
                    self.take_physical();
                }
                continue;
            }
            // Folded: join at the byte level (a fold may split a UTF-8 sequence).
            self.joined.clear();
            self.joined.extend_from_slice(first);
            while matches!(self.rest.first(), Some(b' ') | Some(b'\t')) {
                let cont = self.take_physical();
                self.joined.extend_from_slice(&cont[1..]);
            }
            return Some((first_no, &self.joined));
        }
    }
}

/// The property names the parser acts on, recognised once per line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prop {
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
    fn of(name: &[u8]) -> Prop {
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
struct ContentLine<'l> {
    kind: Prop,
    name: &'l [u8],
    params: &'l [u8],
    value: &'l [u8],
}

fn split_content_line(line: &[u8]) -> Option<ContentLine<'_>> {
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
fn params(raw: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
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
fn has_cutype(raw: &[u8]) -> bool {
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

fn param<'l>(raw: &'l [u8], name: &str) -> Option<&'l [u8]> {
    params(raw).find_map(|(n, v)| is_name(n, name.as_bytes()).then_some(v))
}

/// Whether the parameter or property name `n` is `name` (upper case), in any case. The exact
/// comparison first settles the names as producers write them for a fraction of the cost.
fn is_name(n: &[u8], name: &[u8]) -> bool {
    n == name || n.eq_ignore_ascii_case(name)
}

/// `VALUE` and `TZID` (each the first given, as [`param`] finds them) in one pass: every
/// DTSTART and DTEND asks for both.
fn value_and_tzid(raw: &[u8]) -> (Option<&[u8]>, Option<&[u8]>) {
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

fn text(b: &[u8]) -> Cow<'_, str> {
    // `from_utf8` has a fast path for ASCII that the lossy conversion lacks; almost every
    // value is valid UTF-8, so the lossy one only runs on the rest.
    match std::str::from_utf8(b) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(b),
    }
}

fn upper(b: &[u8]) -> String {
    text(b).trim().to_ascii_uppercase()
}

/// [`upper`] for an enumerated value: one of `known` (upper case) is returned without
/// allocating, anything else upper-cased. Every event has a STATUS and TRANSP and every
/// attendee a PARTSTAT, so this saves a few allocations per event.
fn upper_known(b: &[u8], known: &[&'static str]) -> Cow<'static, str> {
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

const STATUS_VALUES: &[&str] = &["CONFIRMED", "TENTATIVE", "CANCELLED"];
const TRANSP_VALUES: &[&str] = &["OPAQUE", "TRANSPARENT"];
const PARTSTAT_VALUES: &[&str] = &PartStat::NAMES;

enum Frame {
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
struct Draft {
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
    fn take_event(&mut self) -> Event {
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
struct Parser {
    cal: Calendar,
    stack: Vec<(Frame, u32)>,
    /// Index of the section collecting loose components, created on first use.
    loose_section: Option<u32>,
    current_section: Option<u32>,
    dropped_warnings: usize,
    /// [`ParseOptions::descriptions`].
    keep_descriptions: bool,
    /// Attendee addresses seen so far, shared by the events that name them.
    addrs: Addresses,
    /// The last closed event's draft, empty, for the next event to reuse (see [`Draft`]).
    spare: Option<Box<Draft>>,
}

impl Parser {
    fn new(opts: ParseOptions) -> Parser {
        Parser {
            keep_descriptions: opts.descriptions,
            ..Parser::default()
        }
    }

    /// A parser for the second part of a file cut by [`parse_file`]: inside a VCALENDAR whose
    /// properties and VTIMEZONEs go to section 0, a stand-in for the real section.
    fn continuing_calendar(opts: ParseOptions) -> Parser {
        let mut p = Parser::new(opts);
        p.cal.sections.push(Section::default());
        p.current_section = Some(0);
        p.stack.push((Frame::Calendar, 0));
        p
    }

    /// Whether [`Parser::take`] of `tail` (from [`Parser::continuing_calendar`]) gives what
    /// this parser would have made reading on through the same lines.
    fn can_take(&self, tail: &Parser) -> bool {
        matches!(self.stack.as_slice(), [(Frame::Calendar, _)])
            && self.current_section.is_some()
            && tail.stack.is_empty()
            && tail.loose_section.is_none()
            && tail.cal.warnings.is_empty()
            && tail.dropped_warnings == 0
    }

    /// Appends what `tail` parsed, `lines` physical lines after this parser's first line.
    fn take(&mut self, tail: Parser, lines: u32) {
        let Some(current) = self.current_section else {
            return;
        };
        let tzids: Vec<u32> = tail
            .cal
            .tzids
            .iter()
            .map(|t| self.intern_tzid(t.as_bytes()))
            .collect();
        let zone = |v: &mut DateValue| {
            if let DateValue::Zoned(_, i) = v {
                *i = tzids.get(*i as usize).copied().unwrap_or(*i);
            }
        };
        let base = self.cal.sections.len() as u32;
        let section = |s: u32| if s == 0 { current } else { base + s - 1 };
        let shift_tz = |tz: &mut VTimezone| {
            tz.line += lines as usize;
            for o in &mut tz.observances {
                o.line += lines as usize;
            }
        };
        for (i, mut sec) in tail.cal.sections.into_iter().enumerate() {
            sec.vtimezones.iter_mut().for_each(shift_tz);
            if i > 0 {
                sec.line += lines;
                self.cal.sections.push(sec);
                continue;
            }
            let Some(cur) = self.cal.sections.get_mut(current as usize) else {
                continue;
            };
            // Later values win, as they do in one pass.
            if sec.x_wr_timezone.is_some() {
                cur.x_wr_timezone = sec.x_wr_timezone;
            }
            if sec.name.is_some() {
                cur.name = sec.name;
            }
            if sec.calscale.is_some() {
                cur.calscale = sec.calscale;
            }
            cur.vtimezones.append(&mut sec.vtimezones);
            cur.closed = sec.closed;
        }
        self.cal.events.reserve(tail.cal.events.len());
        for mut ev in tail.cal.events {
            ev.section = section(ev.section);
            ev.line += lines;
            for v in [&mut ev.dtstart, &mut ev.dtend, &mut ev.recurrence_id]
                .into_iter()
                .flatten()
            {
                zone(v);
            }
            for r in &mut ev.rdates {
                zone(&mut r.start);
                if let Some(PeriodEnd::End(e)) = &mut r.end {
                    zone(e);
                }
            }
            ev.exdates.iter_mut().for_each(zone);
            self.cal.events.push(ev);
        }
        self.stack = tail.stack;
        self.current_section = tail.current_section.map(section);
    }

    fn warn(&mut self, line: u32, message: String) {
        if self.cal.warnings.len() < MAX_WARNINGS {
            self.cal.warnings.push(Warning { line, message });
        } else {
            self.dropped_warnings += 1;
        }
    }

    fn section(&mut self) -> u32 {
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

    fn intern_tzid(&mut self, tzid: &[u8]) -> u32 {
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
    fn date_value(&mut self, params_raw: &[u8], value: &[u8]) -> Option<DateValue> {
        let v = text(value);
        let first = v.split(',').next().unwrap_or("");
        self.date_value_str(params_raw, first)
    }

    fn date_value_str(&mut self, params_raw: &[u8], v: &str) -> Option<DateValue> {
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
    fn ignores(&self, first: &[u8]) -> bool {
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

    fn line(&mut self, line_no: u32, line: &[u8]) {
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

    fn begin(&mut self, line_no: u32, value: &[u8]) {
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
    fn close_unclosed_siblings(&mut self, line_no: u32, name: &str) {
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

    fn end(&mut self, line_no: u32, value: &[u8]) {
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

    fn close(&mut self, frame: Frame, begin_line: u32) {
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

    fn finish_event(&mut self, mut ev: Event) {
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
                ev.duration = Some(super::value::Duration {
                    negative: false,
                    ..d
                });
            }
        }
        self.cal.events.push(ev);
    }

    fn property(&mut self, line_no: u32, cl: &ContentLine<'_>) {
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

    fn calendar_property(&mut self, cl: &ContentLine<'_>) {
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

    fn timezone_property(&mut self, cl: &ContentLine<'_>) {
        let Some((Frame::Timezone(tz), _)) = self.stack.last_mut() else {
            return;
        };
        if cl.name.eq_ignore_ascii_case(b"TZID") {
            tz.tzid = unescape_text(text(cl.value).trim());
        } else if cl.name.eq_ignore_ascii_case(b"X-LIC-LOCATION") {
            tz.x_lic_location = Some(unescape_text(text(cl.value).trim()));
        }
    }

    fn observance_property(&mut self, cl: &ContentLine<'_>) {
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

    fn event_property(&mut self, line_no: u32, cl: &ContentLine<'_>) {
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

    fn rdates(&mut self, line_no: u32, cl: &ContentLine<'_>) -> Vec<RDate> {
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

    fn finish(mut self) -> Calendar {
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

/// The VALUE=PERIOD parameter must not make the period's start parse as a DATE.
fn strip_value_param(p: &[u8]) -> &[u8] {
    if param(p, "VALUE").is_some_and(|v| v.eq_ignore_ascii_case(b"PERIOD"))
        && param(p, "TZID").is_none()
    {
        &[]
    } else {
        p
    }
}

fn frame_name(f: &Frame) -> &[u8] {
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
fn event_simple_property(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_and_resources_are_marked() {
        let cal = one("BEGIN:VEVENT\nUID:r\nDTSTART:20240101T100000Z\n\
             ATTENDEE;CUTYPE=ROOM;ROLE=REQ-PARTICIPANT:mailto:r1@x.com\n\
             ATTENDEE;cutype=resource:mailto:projector@x.com\n\
             ATTENDEE;CUTYPE=\"Room\";PARTSTAT=ACCEPTED:mailto:r2@x.com\n\
             ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=DECLINED:mailto:a@x.com\n\
             ATTENDEE;CN=\"Room 4 fan club\":mailto:b@x.com\nEND:VEVENT\n");
        let flags: Vec<(bool, Option<PartStat>)> = cal.events[0]
            .attendees
            .iter()
            .map(|a| (a.resource, a.partstat))
            .collect();
        assert_eq!(
            flags,
            [
                (true, None),
                (true, None),
                (true, Some(PartStat::Accepted)),
                (false, Some(PartStat::Declined)),
                (false, None)
            ]
        );
    }

    fn one(src: &str) -> Calendar {
        parse(src.as_bytes())
    }

    #[test]
    fn folding_crlf_lf_and_utf8_split() {
        // "Café" with the two bytes of 'é' split across a fold.
        let mut src = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Caf\xC3\r\n \xA9 time\r\nDTSTART:20240101T100000Z\r\nDESCRIPTION:line one\n\tline two\nEND:VEVENT\r\nEND:VCALENDAR\r\n".to_vec();
        src.splice(0..0, b"\xEF\xBB\xBF".iter().copied());
        let cal = parse(&src);
        assert!(cal.warnings.is_empty(), "{:?}", cal.warnings);
        assert_eq!(cal.events.len(), 1);
        assert_eq!(cal.events[0].summary.as_deref(), Some("Café time"));
        assert_eq!(cal.events[0].description, "line oneline two");
    }

    #[test]
    fn quoted_params_lowercase_names_and_escapes() {
        let cal = one("begin:vcalendar\nbegin:vevent\nuid:x\ndtstart;tzid=\"Pacific Standard Time\":20240102T090000\nattendee;CN=\"Doe, John: boss\";partstat=declined:MAILTO:Me@Example.com\nsummary:a\\, b\\; c\\nd\ncategories:Meeting,Planning\nend:vevent\nend:vcalendar\n");
        let ev = &cal.events[0];
        assert_eq!(cal.tzids, vec!["Pacific Standard Time"]);
        assert!(matches!(ev.dtstart, Some(DateValue::Zoned(_, 0))));
        assert_eq!(&*ev.attendees[0].addr, "me@example.com");
        assert_eq!(ev.attendees[0].partstat, Some(PartStat::Declined));
        assert_eq!(ev.summary.as_deref(), Some("a, b; c\nd"));
        assert_eq!(ev.categories.to_vec(), vec!["Meeting", "Planning"]);
    }

    #[test]
    fn malformed_component_is_skipped_rest_kept() {
        let cal = one("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:bad\nDTSTART:notadate\nEND:VEVENT\nthis line is junk\nBEGIN:VEVENT\nUID:good\nDTSTART:20240101T100000Z\nEND:VEVENT\nEND:VCALENDAR\n");
        assert_eq!(cal.events.len(), 1);
        assert_eq!(cal.events[0].uid, "good");
        let lines: Vec<u32> = cal.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![4, 2, 6], "{:?}", cal.warnings);
        assert!(cal.warnings[1].message.contains("UID=\"bad\""));
    }

    #[test]
    fn several_calendars_and_truncation() {
        let cal = one("BEGIN:VCALENDAR\nX-WR-TIMEZONE:Europe/Berlin\nBEGIN:VEVENT\nUID:a\nDTSTART:20240101T100000\nEND:VEVENT\nEND:VCALENDAR\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:b\nDTSTART:20240101T100000\nEND:VEVENT\nBEGIN:VEVENT\nUID:c\nDTSTART:2024");
        assert_eq!(cal.sections.len(), 2);
        assert_eq!(
            cal.sections[0].x_wr_timezone.as_deref(),
            Some("Europe/Berlin")
        );
        assert!(cal.sections[0].closed && !cal.sections[1].closed);
        let uids: Vec<_> = cal
            .events
            .iter()
            .map(|e| (e.uid.as_str(), e.section))
            .collect();
        assert_eq!(uids, vec![("a", 0), ("b", 1)]);
        assert!(cal
            .warnings
            .iter()
            .any(|w| w.line == 13 && w.message.contains("never closed")));
    }

    #[test]
    fn alarms_and_unknown_components_are_skipped() {
        let cal = one("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20240101\nBEGIN:VALARM\nDTSTART:19990101T000000Z\nEND:VALARM\nEND:VEVENT\nBEGIN:X-THING\nBEGIN:VALARM\nEND:VALARM\nEND:X-THING\nEND:VCALENDAR\n");
        assert_eq!(cal.events.len(), 1);
        assert!(matches!(cal.events[0].dtstart, Some(DateValue::Date(_))));
        assert!(cal.warnings.is_empty(), "{:?}", cal.warnings);
    }

    #[test]
    fn a_lost_end_line_does_not_swallow_the_next_component() {
        // `END:VTOOD` (a typo seen in the wild) leaves the VTODO open.
        let cal = one("BEGIN:VCALENDAR\nBEGIN:VTODO\nUID:t\nEND:VTOOD\nBEGIN:VEVENT\nUID:e\nDTSTART:20240101T000000Z\nEND:VEVENT\nEND:VCALENDAR\n");
        assert_eq!(cal.events.len(), 1);
        assert_eq!(cal.events[0].uid, "e");
        let lines: Vec<u32> = cal.warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, vec![4, 2], "{:?}", cal.warnings);
    }

    #[test]
    fn rdate_periods_and_exdate_lists() {
        let cal = one("BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Europe/Berlin:20240101T100000\nRDATE;VALUE=PERIOD;TZID=Europe/Berlin:20240105T100000/PT2H,20240106T100000/20240106T130000\nRDATE;VALUE=DATE:20240110,20240111\nEXDATE;TZID=Europe/Berlin:20240102T100000,20240103T100000\nRDATE;VALUE=PERIOD:garbage\nEND:VEVENT\n");
        let ev = &cal.events[0];
        assert_eq!(ev.rdates.len(), 4);
        assert!(matches!(ev.rdates[0].end, Some(PeriodEnd::Duration(_))));
        assert!(matches!(
            ev.rdates[1].end,
            Some(PeriodEnd::End(DateValue::Zoned(_, 0)))
        ));
        assert!(matches!(ev.rdates[2].start, DateValue::Date(_)));
        assert_eq!(ev.exdates.len(), 2);
        assert_eq!(cal.warnings.len(), 1, "{:?}", cal.warnings);
        assert_eq!(cal.warnings[0].line, 7);
    }

    /// A reader that hands out a few bytes at a time, to cross every kind of boundary.
    struct Trickle<'a>(&'a [u8], usize);

    impl std::io::Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            let n = self.1.min(out.len()).min(self.0.len());
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn reading_in_windows_gives_the_same_calendar() {
        // Folds, CRLF and LF, a BOM, a line longer than the window, stray and broken lines.
        let long = "x".repeat(3 * READ_CHUNK);
        let mut src = String::from("\u{FEFF}BEGIN:VCALENDAR\r\nX-WR-TIMEZONE:Europe/Berlin\r\n");
        for i in 0..3000 {
            src.push_str(&format!(
                "BEGIN:VEVENT\r\nUID:e{i}\r\nSUMMARY:Caf\u{e9} {i}\r\n  folded\r\n\tand more\nDTSTART:2024010{}T100000\n",
                i % 9 + 1
            ));
            if i == 1500 {
                src.push_str(&format!("DESCRIPTION:{long}\r\n {long}\r\njunk line\n\n"));
            }
            if i % 700 == 0 {
                src.push_str("DTEND:bad\n");
            }
            src.push_str("END:VEVENT\r\n");
        }
        src.push_str("END:VCALENDAR");
        let whole = parse(src.as_bytes());
        for step in [1 << 20, 4096, 7] {
            let streamed = parse_reader(Trickle(src.as_bytes(), step), ParseOptions::default())
                .expect("in-memory reader");
            assert_eq!(streamed.events.len(), whole.events.len());
            assert_eq!(streamed.warnings, whole.warnings);
            for (a, b) in streamed.events.iter().zip(&whole.events) {
                assert_eq!((a.line, &a.uid, &a.summary), (b.line, &b.uid, &b.summary));
                assert_eq!(a.description, b.description);
                assert_eq!(a.dtstart, b.dtstart);
            }
            assert_eq!(
                streamed.sections[0].x_wr_timezone,
                whole.sections[0].x_wr_timezone
            );
        }
        assert_eq!(whole.events[1500].description.len(), 6 * READ_CHUNK);
        assert_eq!(
            whole.events[0].summary.as_deref(),
            Some("Caf\u{e9} 0 foldedand more")
        );
    }

    #[test]
    fn parsing_in_two_halves_gives_the_same_calendar() {
        // Cut at every BEGIN:VEVENT line: the second half's zones, calendar properties,
        // VTIMEZONEs, later VCALENDARs, loose events, warnings and truncation must all come
        // out as one pass has them.
        let files = [
            // TZIDs first seen in the second half, in another order; X-WR-TIMEZONE and a
            // VTIMEZONE after the events; a second VCALENDAR with its own zone.
            "BEGIN:VCALENDAR\r\nX-WR-CALNAME:A\r\n\
             BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=Europe/Berlin:20240101T100000\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=US-Eastern:20240102T100000\r\n\
             RDATE;TZID=Asia/Tokyo:20240105T100000,20240106T100000\r\n\
             EXDATE;TZID=Europe/Berlin:20240103T100000\r\nEND:VEVENT\r\n\
             BEGIN:VEVENT\r\nUID:c\r\nRECURRENCE-ID;TZID=Asia/Tokyo:20240105T100000\r\n\
             DTSTART;TZID=US-Eastern:20240105T110000\r\nDTEND;TZID=Asia/Tokyo:20240105T120000\r\n\
             SUMMARY:folded\r\n  summary\r\nEND:VEVENT\r\n\
             X-WR-TIMEZONE:America/New_York\r\nX-WR-CALNAME:B\r\n\
             BEGIN:VTIMEZONE\r\nTZID:US-Eastern\r\nBEGIN:STANDARD\r\nDTSTART:19701101T020000\r\n\
             TZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
             END:VCALENDAR\r\n\
             BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:d\r\nDTSTART;TZID=Europe/Paris:20240101T100000\r\n\
             END:VEVENT\r\nEND:VCALENDAR\r\n",
            // Loose events before and after a calendar.
            "BEGIN:VEVENT\nUID:l1\nDTSTART:20240101T100000Z\nEND:VEVENT\n\
             BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20240101T100000Z\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:y\nDTSTART:20240101T100000Z\nEND:VEVENT\nEND:VCALENDAR\n\
             BEGIN:VEVENT\nUID:l2\nDTSTART:20240101T100000Z\nEND:VEVENT\n",
            // Warnings in both halves, an unclosed VTODO, a VEVENT inside an unknown
            // component, and a truncated end.
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:w1\nDTSTART:bad\nEND:VEVENT\n\
             BEGIN:VTODO\nUID:t\nBEGIN:VEVENT\nUID:w2\nDTSTART:20240101T100000Z\nDTEND:bad\nEND:VEVENT\n\
             BEGIN:X-THING\nBEGIN:VEVENT\nUID:hidden\nDTSTART:20240101T100000Z\nEND:VEVENT\nEND:X-THING\n\
             BEGIN:VEVENT\nUID:w3\nDTSTART:20240101T100000Z\nEND:VEVENT\n\
             BEGIN:VEVENT\nUID:w4\nDTSTART:20240101T100000Z\n",
        ];
        for src in files {
            let whole = format!("{:?}", parse(src.as_bytes()));
            let bytes = src.as_bytes();
            let cuts: Vec<usize> = memchr::memmem::find_iter(bytes, b"\nBEGIN:VEVENT")
                .map(|i| i + 1)
                .collect();
            assert!(!cuts.is_empty());
            for at in cuts {
                let len = bytes.len() as u64;
                let cal = parse_split_at(bytes, len, at as u64, ParseOptions::default())
                    .expect("in-memory input");
                assert_eq!(format!("{cal:?}"), whole, "cut at byte {at}");
            }
            let cal = parse_file(bytes, ParseOptions::default()).expect("in-memory input");
            assert_eq!(format!("{cal:?}"), whole);
        }
    }

    #[test]
    fn a_large_file_is_cut_at_an_event() {
        let mut src = String::from("BEGIN:VCALENDAR\n");
        let mut i = 0;
        while src.len() < 2 * PARALLEL_MIN_BYTES as usize {
            src.push_str(&format!(
                "BEGIN:VEVENT\nUID:e{i}\nDTSTART;TZID=Europe/Berlin:20240101T100000\nEND:VEVENT\n"
            ));
            i += 1;
        }
        src.push_str("END:VCALENDAR\n");
        let bytes = src.as_bytes();
        let at = find_split(bytes, bytes.len() as u64 / 2)
            .expect("in-memory input")
            .expect("a cut");
        assert!(src[at as usize..].starts_with("BEGIN:VEVENT\n"));
        let cal = parse_file(bytes, ParseOptions::default()).expect("in-memory input");
        assert_eq!(format!("{cal:?}"), format!("{:?}", parse(bytes)));
    }

    #[test]
    fn ignored_folded_lines_are_passed_over_alike() {
        // Folded lines the parser drops (X- properties, DESCRIPTION when not kept, anything
        // in a VALARM) are passed over without joining; line numbers, warnings and what is
        // kept must be as when they are joined and read.
        let src = "BEGIN:VCALENDAR\nX-WR-CALNAME:Fol\n ded\nBEGIN:VEVENT\nUID:a\n\
                   X-GOOGLE-CONFERENCE:https://meet\n .example/x\nDESCRIPTION:one\n two\n\
                   DTSTART:20240101T100000Z\nBEGIN:VALARM\nDESCRIPTION:al\n arm\nEND:VALARM\n\
                   X-THING;P=1\n no colon\nDESCRIP\n TION:folded name\nSUMMARY:s\n ummary\n\
                   DTEND:bad\nEND:VEVENT\nEND:VCALENDAR\n";
        for descriptions in [true, false] {
            let cal = parse_with(src.as_bytes(), ParseOptions { descriptions });
            assert_eq!(cal.sections[0].name.as_deref(), Some("Folded"));
            let ev = &cal.events[0];
            assert_eq!(ev.summary.as_deref(), Some("summary"));
            let want = if descriptions { "folded name" } else { "" };
            assert_eq!(ev.description, want);
            let lines: Vec<u32> = cal.warnings.iter().map(|w| w.line).collect();
            assert_eq!(lines, vec![15, 21], "{:?}", cal.warnings);
            let streamed = parse_reader(Trickle(src.as_bytes(), 5), ParseOptions { descriptions })
                .expect("in-memory reader");
            assert_eq!(format!("{streamed:?}"), format!("{cal:?}"));
        }
    }

    #[test]
    fn attendee_addresses_are_shared_and_lists_exact() {
        let cal = one("BEGIN:VEVENT\nUID:a\nDTSTART:20240101T100000Z\nATTENDEE:mailto:x@example.com\nATTENDEE:MAILTO:Y@example.com\nATTENDEE:mailto:z@example.com\nEND:VEVENT\nBEGIN:VEVENT\nUID:b\nDTSTART:20240101T100000Z\nATTENDEE;PARTSTAT=declined:mailto:X@Example.com\nATTENDEE:mailto:y@example.com\nEND:VEVENT\n");
        let (a, b) = (&cal.events[0].attendees, &cal.events[1].attendees);
        assert!(std::sync::Arc::ptr_eq(&a[0].addr, &b[0].addr));
        assert!(std::sync::Arc::ptr_eq(&a[1].addr, &b[1].addr));
        assert_eq!(
            (&*b[0].addr, b[0].raw().as_ref()),
            ("x@example.com", "mailto:X@Example.com")
        );
        assert_eq!(a[1].raw(), "MAILTO:Y@example.com");
        // Exact by type now (boxed slices); the lengths are still worth checking.
        assert_eq!((a.len(), b.len()), (3, 2));
    }

    #[test]
    fn property_names_match_in_any_case() {
        for name in [
            "END",
            "UID",
            "BEGIN",
            "DTEND",
            "RDATE",
            "RRULE",
            "EXDATE",
            "STATUS",
            "TRANSP",
            "EXRULE",
            "DTSTART",
            "SUMMARY",
            "LOCATION",
            "ATTENDEE",
            "SEQUENCE",
            "DURATION",
            "ORGANIZER",
            "CATEGORIES",
            "DESCRIPTION",
            "RECURRENCE-ID",
            "DTSTAMP",
            "CREATED",
            "LAST-MODIFIED",
            "X-GOOGLE-CONFERENCE",
        ] {
            let kind = Prop::of(name.as_bytes());
            for other in [
                name.to_ascii_lowercase(),
                format!("{}{}", &name[..1], name[1..].to_ascii_lowercase()),
            ] {
                assert!(Prop::of(other.as_bytes()) == kind, "{other}");
            }
        }
        assert!(Prop::of(b"ATTENDEE") == Prop::Attendee && Prop::of(b"DTSTAMP") == Prop::Other);
        assert!(Prop::of(b"Recurrence-Id") == Prop::RecurrenceId);
    }

    /// CREATED is kept when it is UTC (RFC 5545 3.8.7.1), in any case of the name; a local or
    /// unreadable value is as if absent.
    #[test]
    fn created_is_read_in_utc_only() {
        let cal = one("BEGIN:VEVENT\nUID:a\nDTSTART:20240102T100000Z\nCREATED:20240101T083000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:b\nDTSTART:20240102T100000Z\ncreated:20231231T235959Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:c\nDTSTART:20240102T100000Z\nCREATED:20240101T083000\nEND:VEVENT\nBEGIN:VEVENT\nUID:d\nDTSTART:20240102T100000Z\nCREATED:yesterday\nEND:VEVENT\nBEGIN:VEVENT\nUID:e\nDTSTART:20240102T100000Z\nEND:VEVENT\n");
        let t = |s: &str| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok();
        let created: Vec<_> = cal.events.iter().map(|e| e.created).collect();
        assert_eq!(
            created,
            vec![
                t("2024-01-01 08:30:00"),
                t("2023-12-31 23:59:59"),
                None,
                None,
                None
            ]
        );
        assert!(cal.warnings.is_empty(), "{:?}", cal.warnings);
    }

    #[test]
    fn organizer_plain_and_otherwise() {
        let cal = one("BEGIN:VEVENT\nUID:a\nDTSTART;TZID= :20240101T100000\nORGANIZER:mailto:boss@example.com\nEND:VEVENT\nBEGIN:VEVENT\nUID:b\nDTSTART;TZID=Europe/Berlin:20240101T100000\nORGANIZER;CN=B:MAILTO:Boss@Example.com \nEND:VEVENT\n");
        let orgs: Vec<_> = cal.events.iter().map(|e| e.organizer.as_deref()).collect();
        assert_eq!(
            orgs,
            vec![Some("boss@example.com"), Some("boss@example.com")]
        );
        assert!(matches!(
            cal.events[0].dtstart,
            Some(DateValue::Floating(_))
        ));
        assert_eq!(cal.tzids, vec!["Europe/Berlin"]);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let mut src = String::from("BEGIN:VCALENDAR\n");
        for _ in 0..200_000 {
            src.push_str("BEGIN:X\n");
        }
        let cal = one(&src);
        assert!(cal.events.is_empty());
        assert!(!cal.warnings.is_empty());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic generator (xorshift) mixing ICS fragments and random bytes.
        let pieces: &[&[u8]] = &[
            b"BEGIN:VCALENDAR\r\n",
            b"BEGIN:VEVENT\n",
            b"END:VEVENT\n",
            b"END:VCALENDAR\n",
            b"DTSTART;TZID=X:20240101T1000",
            b"RRULE:FREQ=DAILY;COUNT=",
            b"\n ",
            b"\r\n\t",
            b";VALUE=PERIOD:",
            b"RDATE:",
            b"/P",
            b"\"",
            b":",
            b";",
            b"\xC3",
            b"\xFF",
            b"EXDATE:",
            b"RECURRENCE-ID;RANGE=THISANDFUTURE:",
            b"BEGIN:VTIMEZONE\n",
            b"BEGIN:STANDARD\n",
        ];
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            let mut buf = Vec::new();
            for _ in 0..40 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if x % 3 == 0 {
                    buf.push((x >> 8) as u8);
                } else {
                    buf.extend_from_slice(pieces[(x >> 16) as usize % pieces.len()]);
                }
            }
            let _ = parse(&buf);
        }
    }
}
