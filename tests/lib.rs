//! All integration tests build as one binary (faster to link); modules by theme.

mod charts;
mod classify_defaults;
mod classify_eval;
mod cli;
mod conformance;
mod daemon;
mod dashboard;
mod digest;
mod fault_harness;
mod fixtures;
mod hostile;
mod plan;
mod playbook;
mod playbook_alerts;
mod properties;
mod rrule_vectors;
mod server;
mod store_faults;
mod team;
mod truth;
mod untrusted;
mod util;
mod workers;
