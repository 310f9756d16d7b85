//! What an alert is about: its [`AlertKind`] and its [`AlertKey`].
//!
//! The key is the alert's identity in the store (UNIQUE there), so its text must never change
//! for the same thing: stores written by earlier versions hold keys in exactly this `|`-joined
//! form, and a key spelled differently would raise every open alert again. The text is built
//! only by the constructors here and read back only through [`AlertKey::from_stored`].

use chrono::{DateTime, Utc};
use std::fmt;

/// The kinds of alert the daemon raises; the text is what sinks and the store see.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertKind {
    /// An upcoming meeting breaks protected time (a no-fly window or a deep-work block).
    NoFly,
    /// A protected deep-work block was deleted, moved or shortened.
    BlockChanged,
    /// A completed week ended below the people-time target.
    TargetMissed,
    /// A feed has failed for longer than `alerts.feed_failure_after`.
    FeedFailing,
    /// A direct report's 1:1s fell behind their cadence (issue 10).
    OneOnOneOverdue,
    /// No career conversation with a report within their `career` interval.
    CareerOverdue,
    /// An upcoming 1:1 was cancelled, declined or turned into a group meeting.
    OneOnOneChanged,
    /// The last two held 1:1s with a report read as technical reviews (the technical crutch).
    TechnicalCrutch,
    /// The weekly digest (`[digest]`): one per ISO week.
    Digest,
}

impl AlertKind {
    pub const ALL: [AlertKind; 9] = [
        AlertKind::NoFly,
        AlertKind::BlockChanged,
        AlertKind::TargetMissed,
        AlertKind::FeedFailing,
        AlertKind::OneOnOneOverdue,
        AlertKind::CareerOverdue,
        AlertKind::OneOnOneChanged,
        AlertKind::TechnicalCrutch,
        AlertKind::Digest,
    ];

    /// The stored and delivered name (`no_fly`, `block_changed`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::NoFly => "no_fly",
            AlertKind::BlockChanged => "block_changed",
            AlertKind::TargetMissed => "people_target_missed",
            AlertKind::FeedFailing => "feed_failing",
            AlertKind::OneOnOneOverdue => "one_on_one_overdue",
            AlertKind::CareerOverdue => "career_overdue",
            AlertKind::OneOnOneChanged => "one_on_one_changed",
            AlertKind::TechnicalCrutch => "technical_crutch",
            AlertKind::Digest => "digest",
        }
    }

    /// The kind in words, for people (`status`, `alerts`, the dashboard): "protected time
    /// broken" where the stored name is `no_fly`.
    pub fn describe(self) -> &'static str {
        match self {
            AlertKind::NoFly => "protected time broken",
            AlertKind::BlockChanged => "deep-work block changed",
            AlertKind::TargetMissed => "people target missed",
            AlertKind::FeedFailing => "feed failing",
            AlertKind::OneOnOneOverdue => "1:1 overdue",
            AlertKind::CareerOverdue => "career talk overdue",
            AlertKind::OneOnOneChanged => "1:1 changed",
            AlertKind::TechnicalCrutch => "technical crutch",
            AlertKind::Digest => "weekly digest",
        }
    }

    /// The kind named `s`, as [`AlertKind::as_str`] writes it; `None` for any other text.
    pub fn parse(s: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The stable identity of an alert: the same thing seen again gives the same key (so the
/// store creates nothing), a changed thing a new one.
///
/// # Example
/// ```
/// use calaudit::alert::{AlertKey, AlertKind};
/// let since = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
/// let k = AlertKey::feed_failing("work", since);
/// assert_eq!(k.kind(), Some(AlertKind::FeedFailing));
/// assert!(k.is_feed_failing_of("work"));
/// assert!(!k.is_feed_failing_of("wor"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AlertKey(String);

impl AlertKey {
    /// A meeting (feed, UID, recurrence id, start and end) breaking the protected interval
    /// that starts at `protected_start`. Times are UTC Unix seconds.
    pub fn no_fly(
        feed: &str,
        uid: &str,
        rid: &str,
        protected_start: i64,
        start: i64,
        end: i64,
    ) -> AlertKey {
        AlertKey(format!(
            "{}|{feed}|{uid}|{rid}|{protected_start}|{start}|{end}",
            AlertKind::NoFly
        ))
    }

    /// For a [`AlertKey::no_fly`] key, the meeting occurrence it is about (feed, UID,
    /// recurrence id, start, end: every field but the protected interval's start); `None`
    /// for other keys. Two keys with the same meeting are the same broken meeting.
    pub fn no_fly_meeting(&self) -> Option<(String, String, String)> {
        let rest = self
            .0
            .strip_prefix(AlertKind::NoFly.as_str())?
            .strip_prefix('|')?;
        // The last three fields are numbers without `|`; feed, UID and rid come before.
        let mut tail = rest.rsplitn(4, '|');
        let (end, start, protected, head) =
            (tail.next()?, tail.next()?, tail.next()?, tail.next()?);
        protected.parse::<i64>().ok()?;
        Some((head.to_owned(), start.to_owned(), end.to_owned()))
    }

    /// A deep-work block (feed, UID, recurrence id, start, end) that changed (`deleted`,
    /// `shortened`, `moved`) to `now` (start, end; `(0, 0)` when deleted).
    pub fn block_changed(
        feed: &str,
        uid: &str,
        rid: &str,
        (start, end): (i64, i64),
        change: &str,
        now: (i64, i64),
    ) -> AlertKey {
        AlertKey(format!(
            "{}|{feed}|{uid}|{rid}|{start}|{end}|{change}|{}|{}",
            AlertKind::BlockChanged,
            now.0,
            now.1
        ))
    }

    /// A completed ISO week (`2026-W09`) below the people-time target.
    pub fn target_missed(week: &str) -> AlertKey {
        AlertKey(format!("{}|{week}", AlertKind::TargetMissed))
    }

    /// A feed's failure streak that began at `since` (UTC Unix seconds): one alert per streak.
    pub fn feed_failing(feed: &str, since: DateTime<Utc>) -> AlertKey {
        let since = since.timestamp();
        AlertKey(format!("{}|{feed}|{since}", AlertKind::FeedFailing))
    }

    /// A report's 1:1s overdue since the last held one (its start, UTC Unix seconds; `none`
    /// when there never was one): one alert per gap, a new held 1:1 starts a new episode.
    pub fn one_on_one_overdue(report: &str, last_held: Option<i64>) -> AlertKey {
        AlertKey(format!(
            "{}|{report}|{}",
            AlertKind::OneOnOneOverdue,
            opt(last_held)
        ))
    }

    /// A report's career conversation overdue since the last one (its start, UTC Unix
    /// seconds; `none` when there never was one).
    pub fn career_overdue(report: &str, last_career: Option<i64>) -> AlertKey {
        AlertKey(format!(
            "{}|{report}|{}",
            AlertKind::CareerOverdue,
            opt(last_career)
        ))
    }

    /// An upcoming 1:1 occurrence (feed, UID, recurrence id) with a report that changed
    /// (`cancelled`, `declined`, `declined_by_report`, `group`).
    pub fn one_on_one_changed(
        report: &str,
        feed: &str,
        uid: &str,
        rid: &str,
        change: &str,
    ) -> AlertKey {
        AlertKey(format!(
            "{}|{report}|{feed}|{uid}|{rid}|{change}",
            AlertKind::OneOnOneChanged
        ))
    }

    /// The technical crutch with a report, as of the second of two technical 1:1s in a row
    /// (its start, UTC Unix seconds).
    pub fn technical_crutch(report: &str, second: i64) -> AlertKey {
        AlertKey(format!("{}|{report}|{second}", AlertKind::TechnicalCrutch))
    }

    /// The digest of an ISO week (`2026-W09`).
    pub fn digest(week: &str) -> AlertKey {
        AlertKey(format!("{}|{week}", AlertKind::Digest))
    }

    /// A key as the store holds it (written by one of the constructors, maybe by an earlier
    /// version of calaudit). Not for building new keys.
    pub fn from_stored(text: String) -> AlertKey {
        AlertKey(text)
    }

    /// The key's text, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind the key was built for; `None` for text no constructor writes.
    pub fn kind(&self) -> Option<AlertKind> {
        AlertKind::parse(self.0.split('|').next()?)
    }

    /// True when this is a [`AlertKey::feed_failing`] key of exactly `feed`. The failure
    /// streak's start is the last field and has no `|`, so the feed name is everything
    /// between: a feed `a` never claims the alert of a feed named `a|b`.
    pub fn is_feed_failing_of(&self, feed: &str) -> bool {
        let Some(rest) = self
            .0
            .strip_prefix(AlertKind::FeedFailing.as_str())
            .and_then(|r| r.strip_prefix('|'))
        else {
            return false;
        };
        match rest.rsplit_once('|') {
            Some((name, since)) => name == feed && since.parse::<i64>().is_ok(),
            None => false,
        }
    }
}

fn opt(t: Option<i64>) -> String {
    t.map_or_else(|| "none".to_owned(), |t| t.to_string())
}

impl fmt::Display for AlertKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_unix(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(secs, 0).expect("in range")
    }

    /// The key text is what stores already hold: it must not change.
    #[test]
    fn keys_keep_the_text_earlier_versions_stored() {
        assert_eq!(
            AlertKey::no_fly("work", "u@x", "20260303T103000Z", 1, 2, 3).as_str(),
            "no_fly|work|u@x|20260303T103000Z|1|2|3"
        );
        assert_eq!(
            AlertKey::block_changed("work", "f", "", (10, 20), "moved", (30, 40)).as_str(),
            "block_changed|work|f||10|20|moved|30|40"
        );
        assert_eq!(
            AlertKey::target_missed("2026-W09").as_str(),
            "people_target_missed|2026-W09"
        );
        assert_eq!(
            AlertKey::feed_failing("work", from_unix(-5)).as_str(),
            "feed_failing|work|-5"
        );
    }

    #[test]
    fn playbook_and_digest_keys_are_stable_text() {
        assert_eq!(
            AlertKey::one_on_one_overdue("Priya", Some(5)).as_str(),
            "one_on_one_overdue|Priya|5"
        );
        assert_eq!(
            AlertKey::career_overdue("Priya", None).as_str(),
            "career_overdue|Priya|none"
        );
        assert_eq!(
            AlertKey::one_on_one_changed("Mei", "work", "u", "20260303T103000Z", "group").as_str(),
            "one_on_one_changed|Mei|work|u|20260303T103000Z|group"
        );
        assert_eq!(
            AlertKey::technical_crutch("Jordan", 9).as_str(),
            "technical_crutch|Jordan|9"
        );
        assert_eq!(AlertKey::digest("2026-W09").as_str(), "digest|2026-W09");
    }

    #[test]
    fn kinds_round_trip_and_keys_know_theirs() {
        for k in AlertKind::ALL {
            assert_eq!(AlertKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(AlertKind::parse("nope"), None);
        assert_eq!(
            AlertKey::target_missed("2026-W09").kind(),
            Some(AlertKind::TargetMissed)
        );
        assert_eq!(AlertKey::from_stored("x|y".into()).kind(), None);
    }

    /// Issue 11 item 3: keys for one meeting occurrence differ only in the protected start.
    #[test]
    fn no_fly_keys_name_their_meeting() {
        let a = AlertKey::no_fly("work", "u|x", "r", 100, 200, 300);
        let b = AlertKey::no_fly("work", "u|x", "r", 150, 200, 300);
        let c = AlertKey::no_fly("work", "u|x", "r", 100, 200, 360);
        assert_eq!(a.no_fly_meeting(), b.no_fly_meeting());
        assert_ne!(a.no_fly_meeting(), c.no_fly_meeting());
        assert_eq!(AlertKey::digest("2026-W09").no_fly_meeting(), None);
    }

    /// The old prefix match (`feed_failing|a|`) also matched the alert of a feed `a|b`.
    #[test]
    fn a_feed_failing_key_belongs_to_exactly_one_feed() {
        let ab = AlertKey::feed_failing("a|b", from_unix(7));
        assert!(ab.is_feed_failing_of("a|b"));
        assert!(!ab.is_feed_failing_of("a"));
        assert!(!AlertKey::feed_failing("ab", from_unix(7)).is_feed_failing_of("a"));
        assert!(!AlertKey::target_missed("a|7").is_feed_failing_of("a"));
    }
}
