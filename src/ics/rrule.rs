//! The RFC 5545 recurrence rule engine: parses an RRULE/EXRULE value into a [`Rule`] and
//! expands it into instances with [`Rule::iter`].
//!
//! It owns RFC 5545 3.3.10 semantics: every FREQ, the BYxxx expand/limit table, BYDAY
//! ordinals, negative positions, BYSETPOS, WKST, and defaults taken from DTSTART. It works on
//! local wall-clock times only (`chrono::NaiveDateTime`) and is pure and synchronous.
//!
//! It does not own, and leaves to the event layer (`ics::expand`):
//! - adding DTSTART as the first instance when it does not match the rule (RFC 5545 3.8.5.3);
//! - RDATE, EXDATE, RECURRENCE-ID overrides, and merging several RRULEs;
//! - time zones: converting UNTIL into the event's wall-clock time before calling
//!   [`Rule::iter`], and each instance into an instant afterwards (DST gaps and folds).
//!
//! Where implementations disagree (BYWEEKNO, YEARLY+BYMONTHDAY, time parts on a DATE, ...)
//! the choices are written down in `docs/rrule-choices.md`.

mod cal;
mod iter;
mod rule;

pub use iter::RuleIter;
pub use rule::{Freq, Rule, RuleError, RuleErrorKind, Until, WeekdayNum};
