//! All integration tests build as one binary (faster to link); modules by theme.

mod charts;
mod classify_defaults;
mod cli;
mod conformance;
mod daemon;
mod dashboard;
mod fixtures;
mod hostile;
mod properties;
mod rrule_vectors;
mod server;
mod truth;
mod util;
