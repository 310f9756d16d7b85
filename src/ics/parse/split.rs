//! The two-thread parse of a large file: where to cut it, the second half's parser that
//! starts inside a VCALENDAR, and merging its result into the first half's.
//!
//! The cut is at a `BEGIN:VEVENT` line past the middle, so the second half starts between
//! two components of (normally) the same VCALENDAR. Its parser starts as if inside a
//! VCALENDAR, collecting that calendar's properties and VTIMEZONEs in a stand-in section
//! that is merged into the real one afterwards; later VCALENDARs become sections of their
//! own. Line numbers in the second half count from the cut and are shifted by the first
//! half's line count, and its TZIDs are re-interned into the first half's table.
//!
//! Where that guess cannot be shown to equal one sequential pass (the first half does not
//! end inside exactly one VCALENDAR, the second half ends inside a component, created a
//! loose section, or has warnings, whose messages may quote line numbers), the second
//! half's result is dropped and the first half's parser reads on through it instead:
//! unusual files cost more time, never a different result.
//!
//! None of this changes what a file parses to (tested against one pass in `parse`'s tests);
//! the RFC reading is in `build`.

use super::build::{Frame, Parser};
use super::read::{read_lines, Range, ReadAt};
use super::ParseOptions;
use crate::ics::event::{Calendar, PeriodEnd, Section};
use crate::ics::value::DateValue;
use crate::ics::zone::VTimezone;

/// Files smaller than this are parsed on one thread. A second thread saves wall time but
/// costs CPU (its start, its own window, the merge): on cal_5y (5.6 MB) it cut the wall time
/// by a tenth and added about as much CPU, and CPU is what matters at that size.
pub(super) const PARALLEL_MIN_BYTES: u64 = 16 << 20;

/// How far past the middle of a file [`parse_file`] looks for a `BEGIN:VEVENT` line to cut
/// at, and in steps of how much; a file without one there is parsed on one thread.
const SPLIT_SEARCH_BYTES: u64 = 1 << 20;
const SPLIT_SEARCH_STEP: usize = 64 * 1024;

/// Where to cut a file of `len` bytes for two threads: `None` to parse it on one (it is
/// small, or has no `BEGIN:VEVENT` line near its middle).
pub(super) fn cut<S: ReadAt + ?Sized>(src: &S, len: u64) -> std::io::Result<Option<u64>> {
    if len >= PARALLEL_MIN_BYTES {
        find_split(src, len / 2)
    } else {
        Ok(None)
    }
}

/// The offset of the first `BEGIN:VEVENT` line that starts after `from` (within
/// [`SPLIT_SEARCH_BYTES`]). A line break followed by `B` starts a new logical line, so the
/// cut never falls inside a folded line.
pub(super) fn find_split<S: ReadAt + ?Sized>(src: &S, from: u64) -> std::io::Result<Option<u64>> {
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

pub(super) fn parse_split_at<S: ReadAt + ?Sized>(
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

impl Parser {
    /// A parser for the second part of a file cut by [`parse_file`]: inside a VCALENDAR whose
    /// properties and VTIMEZONEs go to section 0, a stand-in for the real section.
    pub(super) fn continuing_calendar(opts: ParseOptions) -> Parser {
        let mut p = Parser::new(opts);
        p.cal.sections.push(Section::default());
        p.current_section = Some(0);
        p.stack.push((Frame::Calendar, 0));
        p
    }

    /// Whether [`Parser::take`] of `tail` (from [`Parser::continuing_calendar`]) gives what
    /// this parser would have made reading on through the same lines.
    pub(super) fn can_take(&self, tail: &Parser) -> bool {
        matches!(self.stack.as_slice(), [(Frame::Calendar, _)])
            && self.current_section.is_some()
            && tail.stack.is_empty()
            && tail.loose_section.is_none()
            && tail.cal.warnings.is_empty()
            && tail.dropped_warnings == 0
    }

    /// Appends what `tail` parsed, `lines` physical lines after this parser's first line.
    pub(super) fn take(&mut self, tail: Parser, lines: u32) {
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
}
