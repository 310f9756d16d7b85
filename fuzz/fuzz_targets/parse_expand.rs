//! Parse, then expand over a window chosen by the first bytes: never panics, and the output
//! respects the default limits (so no input can ask for unbounded memory).
#![no_main]

use calaudit::ics::expand::{self, ExpandLimits, ExpandOptions};
use calaudit::ics::zone::Zone;
use chrono::{Duration, NaiveDate, NaiveTime};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(3));
    let pick = |i: usize| head.get(i).copied().unwrap_or(0);
    // A window of 1 to 64 days, starting between 1960 and 2090.
    let Some(start) = NaiveDate::from_ymd_opt(1960 + i32::from(pick(0) % 130), 1, 1) else {
        return;
    };
    let start = start.and_time(NaiveTime::MIN) + Duration::days(i64::from(pick(1)));
    let end = start + Duration::days(1 + i64::from(pick(2) % 64));
    let user_zone = match pick(1) % 3 {
        0 => Zone::Utc,
        1 => Zone::Iana(chrono_tz::Europe::Berlin),
        _ => Zone::Iana(chrono_tz::America::Los_Angeles),
    };
    let mut cal = calaudit::ics::parse(body);
    let (resolvers, _) = expand::resolvers(&mut cal);
    // Small limits, so that a run spends its time on variety rather than on big outputs.
    let limits = ExpandLimits {
        instances_per_series: 5_000,
        occurrences_per_feed: 20_000,
        rule_steps_per_feed: 200_000,
    };
    let opts = ExpandOptions {
        window_start: start.and_utc(),
        window_end: end.and_utc(),
        user_zone,
        ignore_x_wr_timezone: pick(2) & 0x80 != 0,
        limits,
    };
    let (occs, _) = expand::expand(&cal, &resolvers, &opts);
    assert!(occs.len() <= limits.occurrences_per_feed);
    for o in &occs {
        assert!(o.end >= o.start);
        assert!((o.event as usize) < cal.events.len());
    }
});
