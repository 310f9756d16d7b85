//! Test table for the TZIDs that the shared conformance corpus (`shared/ics-corpus`) uses, with the
//! VTIMEZONE pieces each one needs re-typed here (the corpus files are never copied into the project)
//! and the UTC instants the reference oracle lists for them.

use chrono::NaiveDateTime;

use super::tests::{resolver, t, OUTLOOK_PACIFIC};

// --- What the shared corpus needs ---

/// One TZID use from `shared/ics-corpus`: file stem, TZID as written in the property, the file's
/// VTIMEZONE for it (re-typed here; the corpus files are never copied), a local time, and the UTC
/// start the oracle lists (`None`: the TZID must not resolve). `in_oracle`: the value appears in
/// `NAME.expected.jsonl` (false where the event lies outside the oracle's window or its series was
/// skipped; the value is then worked out by hand from the VTIMEZONE).
struct CorpusCase {
    file: &'static str,
    tzid: &'static str,
    vtimezone: Option<&'static str>,
    local: &'static str,
    utc: Option<&'static str>,
    in_oracle: bool,
}

const VTZ_WESTERN_CENTRAL: &str = "
    BEGIN:VTIMEZONE
    TZID:Western/Central Europe
    BEGIN:STANDARD
    DTSTART:19501029T020000
    RRULE:FREQ=YEARLY;BYMINUTE=0;BYHOUR=2;BYDAY=-1SU;BYMONTH=10
    TZOFFSETFROM:+0200
    TZOFFSETTO:+0100
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:19500326T020000
    RRULE:FREQ=YEARLY;BYMINUTE=0;BYHOUR=2;BYDAY=-1SU;BYMONTH=3
    TZOFFSETFROM:+0100
    TZOFFSETTO:+0200
    END:DAYLIGHT
    END:VTIMEZONE";

const VTZ_EASTERN_1950: &str = "
    BEGIN:VTIMEZONE
    TZID:Eastern
    BEGIN:STANDARD
    DTSTART:19501029T020000
    TZOFFSETFROM:-0400
    TZOFFSETTO:-0500
    RRULE:FREQ=YEARLY;BYMINUTE=0;BYHOUR=2;BYDAY=-1SU;BYMONTH=10
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:19500402T020000
    TZOFFSETFROM:-0500
    TZOFFSETTO:-0400
    RRULE:FREQ=YEARLY;BYMINUTE=0;BYHOUR=2;BYDAY=1SU;BYMONTH=4
    END:DAYLIGHT
    END:VTIMEZONE";

const VTZ_LIBICAL_SANJOSE: &str = "
    BEGIN:VTIMEZONE
    TZID:America-SanJose
    BEGIN:STANDARD
    DTSTART:19671029T020000
    RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
    TZOFFSETFROM:-0700
    TZOFFSETTO:-0800
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:19870405T020000
    RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
    TZOFFSETFROM:-0800
    TZOFFSETTO:-0700
    END:DAYLIGHT
    END:VTIMEZONE";

const VTZ_LIBICAL_CHICAGO: &str = "
    BEGIN:VTIMEZONE
    TZID:America-Chicago
    BEGIN:STANDARD
    DTSTART:19671029T020000
    RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
    TZOFFSETFROM:-0500
    TZOFFSETTO:-0600
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:19870405T020000
    RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4
    TZOFFSETFROM:-0600
    TZOFFSETTO:-0500
    END:DAYLIGHT
    END:VTIMEZONE";

/// Google's export with place names anonymised: the TZID says Lisbon, the rules say CET.
const VTZ_LISBON_CET: &str = "
    BEGIN:VTIMEZONE
    TZID:Europe/lisbon
    X-LIC-LOCATION:Europe/lisbon
    BEGIN:DAYLIGHT
    TZOFFSETFROM:+0100
    TZOFFSETTO:+0200
    DTSTART:19700329T020000
    RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
    END:DAYLIGHT
    BEGIN:STANDARD
    TZOFFSETFROM:+0200
    TZOFFSETTO:+0100
    DTSTART:19701025T030000
    RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
    END:STANDARD
    END:VTIMEZONE";

const VTZ_TMEHER: &str = "
    BEGIN:VTIMEZONE
    TZID:Pacific Time (US & Canada)\\, Tijuana
    BEGIN:STANDARD
    DTSTART:16010101T020000
    TZOFFSETFROM:-0700
    TZOFFSETTO:-0800
    RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=10;BYDAY=-1SU
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:16010101T020000
    TZOFFSETFROM:-0800
    TZOFFSETTO:-0700
    RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=4;BYDAY=1SU
    END:DAYLIGHT
    END:VTIMEZONE";

const VTZ_BRASILIA: &str = "
    BEGIN:VTIMEZONE
    TZID:(UTC-03:00) Brasília
    BEGIN:STANDARD
    DTSTART:16010101T235959
    TZOFFSETFROM:-0200
    TZOFFSETTO:-0300
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=3SA;BYMONTH=2
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:16010101T235959
    TZOFFSETFROM:-0300
    TZOFFSETTO:-0200
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SA;BYMONTH=10
    END:DAYLIGHT
    END:VTIMEZONE";

const VTZ_EASTERN_1601: &str = "
    BEGIN:VTIMEZONE
    TZID:Eastern Standard Time
    BEGIN:STANDARD
    DTSTART:16010101T020000
    TZOFFSETFROM:-0400
    TZOFFSETTO:-0500
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:16010101T020000
    TZOFFSETFROM:-0500
    TZOFFSETTO:-0400
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=2SU;BYMONTH=3
    END:DAYLIGHT
    END:VTIMEZONE";

/// Outlook's `GMT +0100 (Standard) / GMT +0200 (Daylight)`: DTSTART does not match the RRULE.
const VTZ_GMT_PLUS_ONE: &str = "
    BEGIN:VTIMEZONE
    TZID:GMT +0100 (Standard) / GMT +0200 (Daylight)
    BEGIN:STANDARD
    DTSTART:16010101T030000
    TZOFFSETFROM:+0200
    TZOFFSETTO:+0100
    RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=10;BYDAY=-1SU
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:16010101T020000
    TZOFFSETFROM:+0100
    TZOFFSETTO:+0200
    RRULE:FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=3;BYDAY=-1SU
    END:DAYLIGHT
    END:VTIMEZONE";

/// Abridged: the Fiji rules that matter for 2014, plus the LMT observance with a seconds offset.
const VTZ_FIJI: &str = "
    BEGIN:VTIMEZONE
    TZID:custom_Pacific/Fiji
    X-LIC-LOCATION:Pacific/Fiji
    BEGIN:DAYLIGHT
    TZOFFSETFROM:+1200
    TZOFFSETTO:+1300
    DTSTART:20101024T020000
    RRULE:FREQ=YEARLY;BYMONTH=10;BYMONTHDAY=21,22,23,24,25,26,27;BYDAY=SU
    END:DAYLIGHT
    BEGIN:STANDARD
    TZOFFSETFROM:+1300
    TZOFFSETTO:+1200
    DTSTART:20140119T020000
    RRULE:FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=18,19,20,21,22,23,24;BYDAY=SU
    END:STANDARD
    BEGIN:STANDARD
    TZOFFSETFROM:+115544
    TZOFFSETTO:+1200
    DTSTART:19151026T000000
    RDATE:19151026T000000
    END:STANDARD
    END:VTIMEZONE";

/// Abridged: the 1987-2006 rules (finished, UNTIL in UTC) and the 2007 rules.
const VTZ_NY_FORWARD: &str = "
    BEGIN:VTIMEZONE
    TZID:custom_America/New_York_Forward_reference
    BEGIN:DAYLIGHT
    DTSTART:19870405T020000
    RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060402T070000Z
    TZOFFSETFROM:-0500
    TZOFFSETTO:-0400
    END:DAYLIGHT
    BEGIN:STANDARD
    DTSTART:19671029T020000
    RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061029T060000Z
    TZOFFSETFROM:-0400
    TZOFFSETTO:-0500
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART:20070311T020000
    RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
    TZOFFSETFROM:-0500
    TZOFFSETTO:-0400
    END:DAYLIGHT
    BEGIN:STANDARD
    DTSTART:20071104T020000
    RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
    TZOFFSETFROM:-0400
    TZOFFSETTO:-0500
    END:STANDARD
    END:VTIMEZONE";

const VTZ_VADUZ: &str = "
    BEGIN:VTIMEZONE
    TZID:posix/Europe/Vaduz
    BEGIN:STANDARD
    TZOFFSETFROM:+002946
    TZOFFSETTO:+0100
    DTSTART:19011213T211538
    RDATE;VALUE=DATE-TIME:19011213T211538
    END:STANDARD
    BEGIN:DAYLIGHT
    TZOFFSETFROM:+0100
    TZOFFSETTO:+0200
    DTSTART:19810329T020000
    RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
    END:DAYLIGHT
    BEGIN:STANDARD
    TZOFFSETFROM:+0200
    TZOFFSETTO:+0100
    DTSTART:19961027T030000
    RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
    END:STANDARD
    END:VTIMEZONE";

const VTZ_MYTIMEZONE: &str = "
    BEGIN:VTIMEZONE
    TZID:MyTimezone
    BEGIN:STANDARD
    TZOFFSETFROM:+1000
    TZOFFSETTO:+1200
    DTSTART:20240101T000000
    END:STANDARD
    BEGIN:DAYLIGHT
    TZOFFSETFROM:+1200
    TZOFFSETTO:+1000
    DTSTART:20240505T080000
    END:DAYLIGHT
    END:VTIMEZONE";

const VTZ_ARABIAN: &str = "
    BEGIN:VTIMEZONE
    TZID:Arabian Standard Time
    BEGIN:STANDARD
    DTSTART;VALUE=DATE:20200101
    TZOFFSETFROM:+0400
    TZOFFSETTO:+0400
    END:STANDARD
    END:VTIMEZONE";

const VTZ_KHAL_NZ: &str = "
    BEGIN:VTIMEZONE
    TZID:New Zealand Standard Time
    BEGIN:STANDARD
    DTSTART;VALUE=DATE-TIME:20191027T020000
    TZOFFSETFROM:+0200
    TZOFFSETTO:+0100
    END:STANDARD
    BEGIN:DAYLIGHT
    DTSTART;VALUE=DATE-TIME:20200329T030000
    TZOFFSETFROM:+1200
    TZOFFSETTO:+1300
    END:DAYLIGHT
    END:VTIMEZONE";

const VTZ_KUALA_LUMPUR: &str = "
    BEGIN:VTIMEZONE
    TZID:Kuala Lumpur\\, Singapore
    BEGIN:STANDARD
    DTSTART:16010101T000000
    TZOFFSETFROM:+0900
    TZOFFSETTO:+0800
    END:STANDARD
    END:VTIMEZONE";

/// The TZID of this VTIMEZONE really ends in a colon, so it does not match the events' TZID.
const VTZ_PST_COLON: &str = "
    BEGIN:VTIMEZONE
    TZID:Pacific Standard Time:
    BEGIN:STANDARD
    DTSTART:16010101T020000
    TZOFFSETFROM:-0700
    TZOFFSETTO:-0800
    RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=1SU;BYMONTH=11
    END:STANDARD
    END:VTIMEZONE";

#[rustfmt::skip]
const CORPUS_CASES: &[CorpusCase] = &[
    CorpusCase { file: "khal__tz_windows_format", tzid: "New Zealand Standard Time", vtimezone: Some(VTZ_KHAL_NZ), local: "2019-11-20T13:00", utc: Some("2019-11-20T12:00:00Z"), in_oracle: true },
    CorpusCase { file: "ical4j__evolution2", tzid: "Arabian Standard Time", vtimezone: Some(VTZ_ARABIAN), local: "2021-03-31T14:00", utc: Some("2021-03-31T10:00:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_722_timezone_transition_ambiguity", tzid: "MyTimezone", vtimezone: Some(VTZ_MYTIMEZONE), local: "2024-03-03T08:00", utc: Some("2024-03-02T20:00:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_722_timezone_transition_ambiguity", tzid: "MyTimezone", vtimezone: Some(VTZ_MYTIMEZONE), local: "2024-08-03T08:00", utc: Some("2024-08-02T22:00:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_722_timezone_transition_ambiguity", tzid: "MyTimezone", vtimezone: Some(VTZ_MYTIMEZONE), local: "2024-05-05T08:00:01", utc: Some("2024-05-04T22:00:01Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_722_timezone_transition_ambiguity", tzid: "MyTimezone", vtimezone: Some(VTZ_MYTIMEZONE), local: "2024-05-05T07:00:01", utc: Some("2024-05-04T19:00:01Z"), in_oracle: true },
    CorpusCase { file: "ical4j__2207678", tzid: "\"Kuala Lumpur, Singapore\"", vtimezone: Some(VTZ_KUALA_LUMPUR), local: "2008-10-31T09:30", utc: Some("2008-10-31T01:30:00Z"), in_oracle: true },
    CorpusCase { file: "ical4j__tmeher", tzid: "\"Pacific Time (US & Canada), Tijuana\"", vtimezone: Some(VTZ_TMEHER), local: "2004-10-11T22:30", utc: Some("2004-10-12T05:30:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__timezone_rdate", tzid: "posix/Europe/Vaduz", vtimezone: Some(VTZ_VADUZ), local: "2012-02-13T10:00", utc: Some("2012-02-13T09:00:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_156_RDATE_with_PERIOD_TZID_khal_2", tzid: "\"Western/Central Europe\"", vtimezone: Some(VTZ_WESTERN_CENTRAL), local: "2021-11-01T16:00", utc: Some("2021-11-01T15:00:00Z"), in_oracle: true },
    CorpusCase { file: "ical4j__calconnect6", tzid: "Eastern", vtimezone: Some(VTZ_EASTERN_1950), local: "2005-04-26T10:00", utc: Some("2005-04-26T14:00:00Z"), in_oracle: true },
    CorpusCase { file: "libical__2446", tzid: "America-SanJose", vtimezone: Some(VTZ_LIBICAL_SANJOSE), local: "1997-07-01T14:00", utc: Some("1997-07-01T21:00:00Z"), in_oracle: true },
    CorpusCase { file: "libical__2446", tzid: "America-Chicago", vtimezone: Some(VTZ_LIBICAL_CHICAGO), local: "1997-07-02T16:00", utc: Some("1997-07-02T21:00:00Z"), in_oracle: false },
    CorpusCase { file: "rie__issue42", tzid: "Europe/lisbon", vtimezone: Some(VTZ_LISBON_CET), local: "2019-12-01T17:30", utc: Some("2019-12-01T16:30:00Z"), in_oracle: true },
    CorpusCase { file: "rie__issue_107_omitting_last_event", tzid: "Pacific Standard Time", vtimezone: Some(VTZ_PST_COLON), local: "2023-01-05T10:00", utc: Some("2023-01-05T18:00:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__timezone_same_start", tzid: "\"Pacific Standard Time\"", vtimezone: Some(OUTLOOK_PACIFIC), local: "2017-02-24T12:00", utc: Some("2017-02-24T20:00:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_836_do_not_quote_tzid", tzid: "Eastern Standard Time", vtimezone: Some(VTZ_EASTERN_1601), local: "2024-10-28T17:00", utc: Some("2024-10-28T21:00:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_237_fail_to_parse_timezone_with_non_ascii_tzid", tzid: "\"(UTC-03:00) Brasília\"", vtimezone: Some(VTZ_BRASILIA), local: "2017-05-11T13:30", utc: Some("2017-05-11T16:30:00Z"), in_oracle: true },
    CorpusCase { file: "icalendar__issue_165_missing_event", tzid: "\"GMT +0100 (Standard) / GMT +0200 (Daylight)\"", vtimezone: Some(VTZ_GMT_PLUS_ONE), local: "2015-07-03T10:00", utc: Some("2015-07-03T08:00:00Z"), in_oracle: false },
    CorpusCase { file: "icalendar__pacific_fiji", tzid: "custom_Pacific/Fiji", vtimezone: Some(VTZ_FIJI), local: "2014-08-29T08:00", utc: Some("2014-08-28T20:00:00Z"), in_oracle: false },
    CorpusCase { file: "icalendar__pacific_fiji", tzid: "custom_Pacific/Fiji", vtimezone: Some(VTZ_FIJI), local: "2014-12-01T08:00", utc: Some("2014-11-30T19:00:00Z"), in_oracle: false },
    CorpusCase { file: "icalendar__america_new_york_forward_reference", tzid: "custom_America/New_York_Forward_reference", vtimezone: Some(VTZ_NY_FORWARD), local: "2014-08-29T08:00", utc: Some("2014-08-29T12:00:00Z"), in_oracle: false },
    CorpusCase { file: "icalendar__america_new_york_forward_reference", tzid: "custom_America/New_York_Forward_reference", vtimezone: Some(VTZ_NY_FORWARD), local: "2006-10-29T01:30", utc: Some("2006-10-29T05:30:00Z"), in_oracle: false },
    // Without a VTIMEZONE: the oracle goes floating (read in America/New_York); the display name maps to New York, so the instant agrees.
    CorpusCase { file: "icsparser__ICal", tzid: "\"(UTC-05:00) Eastern Time (US & Canada)\"", vtimezone: None, local: "2016-04-09T09:00", utc: Some("2016-04-09T13:00:00Z"), in_oracle: false },
    CorpusCase { file: "khal__event_rrule_recuid_invalid_tzid", tzid: "foo", vtimezone: None, local: "2014-06-30T07:00", utc: None, in_oracle: false },
    CorpusCase { file: "icsparser__ICal", tzid: "Germany/Berlin", vtimezone: None, local: "2017-01-23T00:00", utc: None, in_oracle: false },
    CorpusCase { file: "libical__zday", tzid: "\"a\"", vtimezone: None, local: "1864-05-09T13:37:26", utc: None, in_oracle: false },
    CorpusCase { file: "ical4j__blankTzid", tzid: "", vtimezone: None, local: "2010-01-01T00:00", utc: None, in_oracle: false },
];

fn fmt_utc(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

#[test]
fn corpus_tzids_resolve_like_the_oracle() {
    for case in CORPUS_CASES {
        let vtimezones: Vec<&str> = case.vtimezone.into_iter().collect();
        let (r, warnings) = resolver(&vtimezones);
        assert!(warnings.is_empty(), "{}: {warnings:?}", case.file);
        let got = r
            .resolve(case.tzid)
            .map(|z| fmt_utc(z.to_utc(t(case.local))));
        assert_eq!(
            got.as_deref(),
            case.utc,
            "{} {} {}",
            case.file,
            case.tzid,
            case.local
        );
    }
}

/// Checks the hard-coded expectations above against the oracle's own output, so the table cannot
/// drift from the reference. Skipped (with a notice) where `shared/` is not laid out beside us.
#[test]
fn corpus_table_agrees_with_oracle_files() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/ics-corpus");
    if !dir.is_dir() {
        eprintln!(
            "notice: {} not found; oracle cross-check skipped",
            dir.display()
        );
        return;
    }
    for case in CORPUS_CASES.iter().filter(|c| c.in_oracle) {
        let path = dir.join(format!("{}.expected.jsonl", case.file));
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("notice: {} not readable; skipped", path.display());
            continue;
        };
        let want = format!("\"start\": \"{}\"", case.utc.unwrap_or("none"));
        assert!(text.contains(&want), "{}: oracle has no {want}", case.file);
        // And the TZID really is used in that file.
        let ics = std::fs::read(dir.join(format!("{}.ics", case.file))).unwrap_or_default();
        let needle = format!("TZID={}", case.tzid);
        assert!(
            String::from_utf8_lossy(&ics).contains(&needle),
            "{}: no {needle}",
            case.file
        );
    }
}
