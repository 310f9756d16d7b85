//! TEMPORARY stand-in until the real RRULE engine lands (same API).
use chrono::{NaiveDate, NaiveDateTime};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freq {
    Secondly,
    Minutely,
    Hourly,
    Daily,
    Weekly,
    Monthly,
    Yearly,
}
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    Date(NaiveDate),
    Local(NaiveDateTime),
    Utc(NaiveDateTime),
}
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(String);
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    freq: Freq,
    count: Option<u32>,
    until: Option<Until>,
}
impl Rule {
    pub fn parse(value: &str) -> Result<Rule, RuleError> {
        let freq = if value.to_ascii_uppercase().contains("FREQ=DAILY") {
            Freq::Daily
        } else {
            Freq::Weekly
        };
        Ok(Rule {
            freq,
            count: None,
            until: None,
        })
    }
    pub fn freq(&self) -> Freq {
        self.freq
    }
    pub fn count(&self) -> Option<u32> {
        self.count
    }
    pub fn until(&self) -> Option<Until> {
        self.until
    }
    pub fn iter(
        &self,
        dtstart: NaiveDateTime,
        _date_only: bool,
        until: Option<NaiveDateTime>,
        _from: Option<NaiveDateTime>,
    ) -> RuleIter {
        RuleIter {
            next: dtstart,
            step: if self.freq == Freq::Daily { 1 } else { 7 },
            until,
            n: 0,
        }
    }
}
pub struct RuleIter {
    next: NaiveDateTime,
    step: i64,
    until: Option<NaiveDateTime>,
    n: u32,
}
impl Iterator for RuleIter {
    type Item = NaiveDateTime;
    fn next(&mut self) -> Option<NaiveDateTime> {
        if self.n > 5000 || self.until.is_some_and(|u| self.next > u) {
            return None;
        }
        let r = self.next;
        self.next += chrono::Duration::days(self.step);
        self.n += 1;
        Some(r)
    }
}
