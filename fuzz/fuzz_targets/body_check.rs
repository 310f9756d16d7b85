//! The check a downloaded feed body passes before it replaces the last good copy (HTML sign-in
//! pages, non-calendars and truncated downloads are refused), on any bytes and any
//! Content-Type: never panics; an accepted body parses; a refusal names the feed and echoes
//! none of the body (a stranger's text never reaches a log line unescaped through it).
#![no_main]

use libfuzzer_sys::fuzz_target;

const SHOWN: &str = "https://calendar.example.com/…";

fuzz_target!(|data: &[u8]| {
    let (head, body) = data.split_at(data.len().min(1));
    let content_type = match head.first().copied().unwrap_or(0) % 4 {
        0 => None,
        1 => Some("text/calendar; charset=utf-8"),
        2 => Some("text/html"),
        _ => Some("application/octet-stream"),
    };
    match calaudit::feed::check_calendar(body, content_type, SHOWN) {
        Ok(()) => {
            let _ = calaudit::ics::parse(body);
            let _ = calaudit::feed::fingerprint(body);
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.contains(SHOWN), "{msg}");
            assert!(msg.len() < 400, "a refusal stays one short line: {msg}");
        }
    }
});
