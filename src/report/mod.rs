//! The `report` stage: counted occurrences → one row per ISO week, with the people-time
//! target. Pure functions over plain data; rendering lives in [`render`].

pub mod fragment;
pub mod hours;
pub mod nofly;
pub mod render;
pub mod suggest;
mod summary;
mod week;

pub use summary::RecordedWeek;
pub use week::{build, Entry, EntryKind, Exclusion, Report, WeekSummary, Window};
