//! The manager playbook (issue 10): habits rather than hours. This module owns the 1:1s with
//! direct reports (`[[reports]]` in the config): which meetings are 1:1s with whom
//! ([`roster`]), what each report's cadence looks like as of a given time ([`one_on_one`]),
//! how that is printed ([`render`]), and week by week ([`weeks`]: the dashboard's strip
//! and the `one-on-ones` chart); [`plan`] proposes the no-fly blocks and 1:1 series the
//! calendar lacks, and [`plan_ics`] writes them as an ICS file to import. It reads an [`crate::pipeline::Analysis`] and
//! does no I/O; the `calaudit reports` command in [`crate::cli`] fetches, parses and prints.
//! Fragmentation of the week (focus blocks, switches, reactive share) is part of the weekly
//! report, in [`crate::report::fragment`].

pub mod episodes;
pub mod one_on_one;
pub mod plan;
pub mod plan_ics;
pub mod render;
pub mod roster;
pub mod weeks;
mod words;

pub use one_on_one::{one_on_ones, summarize, OneOnOne, Playbook, ReportStatus, State};
pub use roster::Roster;
pub use weeks::{Cell, Mark};
