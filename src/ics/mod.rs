//! The `ics` stage: bytes → [`Calendar`] (parse) → occurrences in a window (expand).
//! It knows nothing of classification, reports or where the bytes came from.

pub mod event;
pub mod expand;
pub mod parse;
pub mod rrule;
pub mod value;
pub mod zone;

pub use event::{Attendee, Calendar, Event, PartStat, Section, Warning};
pub use expand::{expand, ExpandOptions, Occurrence, OccurrenceTime};
pub use parse::parse;
