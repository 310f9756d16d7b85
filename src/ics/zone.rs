//! TEMPORARY stand-in until the real zone module lands (same API).
use chrono::{NaiveDateTime, TimeZone};
use std::sync::Arc;

pub struct VTimezone {
    pub tzid: String,
    pub line: usize,
    pub x_lic_location: Option<String>,
    pub observances: Vec<Observance>,
}
#[derive(Debug, Clone, Copy)]
pub enum ObservanceKind {
    Standard,
    Daylight,
}
pub struct Observance {
    pub kind: ObservanceKind,
    pub line: usize,
    pub dtstart: String,
    pub offset_from: String,
    pub offset_to: String,
    pub rrule: Option<String>,
    pub rdates: Vec<String>,
}
impl std::fmt::Debug for VTimezone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "VTimezone({})", self.tzid)
    }
}
#[derive(Debug)]
pub struct CustomZone;
#[derive(Clone, Debug)]
pub enum Zone {
    Utc,
    Iana(chrono_tz::Tz),
    Custom(Arc<CustomZone>),
}
impl Zone {
    pub fn to_utc(&self, local: NaiveDateTime) -> NaiveDateTime {
        match self {
            Zone::Iana(tz) => match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) | chrono::LocalResult::Ambiguous(t, _) => {
                    t.naive_utc()
                }
                chrono::LocalResult::None => tz
                    .from_local_datetime(&(local - chrono::Duration::hours(1)))
                    .earliest()
                    .map(|t| t.naive_utc() + chrono::Duration::hours(1))
                    .unwrap_or(local),
            },
            _ => local,
        }
    }
    pub fn to_local(&self, utc: NaiveDateTime) -> NaiveDateTime {
        match self {
            Zone::Iana(tz) => tz.from_utc_datetime(&utc).naive_local(),
            _ => utc,
        }
    }
    pub fn name(&self) -> &str {
        match self {
            Zone::Iana(tz) => tz.name(),
            _ => "UTC",
        }
    }
}
pub struct ZoneResolver;
impl ZoneResolver {
    pub fn new(_v: Vec<VTimezone>) -> (ZoneResolver, Vec<String>) {
        (ZoneResolver, vec![])
    }
    pub fn resolve(&self, tzid: &str) -> Option<Zone> {
        tzid.parse().ok().map(Zone::Iana)
    }
}
pub fn windows_to_iana(_name: &str) -> Option<chrono_tz::Tz> {
    None
}
