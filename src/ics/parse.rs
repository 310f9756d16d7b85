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
//!
//! The work is in four parts: `read` turns bytes into logical lines, `lex` splits a line
//! into name, parameters and value, `build` is the component state machine that makes the
//! [`Calendar`], and `split` parses a large file on two threads with the same result.

mod build;
mod lex;
mod read;
mod split;

use super::event::Calendar;
use build::Parser;
pub use read::ReadAt;
use read::{read_lines, LogicalLines, Range};

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

/// [`parse_with`] over a reader, holding only a window of the input in memory. The result is
/// the same as parsing all the bytes at once: each window ends where a logical line begins
/// (after a line break not followed by a fold), so no line is split, and line numbers go on
/// across windows. A logical line longer than the window grows it.
pub fn parse_reader<R: std::io::Read>(reader: R, opts: ParseOptions) -> std::io::Result<Calendar> {
    let mut p = Parser::new(opts);
    read_lines(&mut p, reader, 0, true)?;
    Ok(p.finish())
}

/// [`parse_reader`] over a whole file, parsing it in two parts on two threads when it is
/// large (see `split`). The result is the same as [`parse_reader`]'s, event order, line
/// numbers and warnings included (tested against it).
pub fn parse_file<S: ReadAt + ?Sized>(src: &S, opts: ParseOptions) -> std::io::Result<Calendar> {
    let len = src.size()?;
    match split::cut(src, len)? {
        Some(at) => split::parse_split_at(src, len, at, opts),
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

#[cfg(test)]
mod tests {
    use super::lex::Prop;
    use super::read::READ_CHUNK;
    use super::split::{find_split, parse_split_at, PARALLEL_MIN_BYTES};
    use super::*;
    use crate::ics::event::{PartStat, PeriodEnd};
    use crate::ics::value::DateValue;

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
