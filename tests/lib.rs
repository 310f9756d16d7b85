//! All integration tests build as one binary (faster to link); modules by theme.

mod charts;
mod classify_defaults;
mod classify_eval;
mod cli;
mod conformance;
mod daemon;
mod dashboard;
mod fixtures;
mod playbook;
mod rrule_vectors;
mod server;
mod truth;
mod util;
