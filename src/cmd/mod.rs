//! The commands, one file each: `run(args) -> Result<ExitCode>` takes what [`crate::cli`]
//! parsed, does the work through the library stages and prints. What several commands share
//! lives beside them: [`invocation`] resolves flags and config into feeds, a zone and a
//! window and runs the analysis; [`output`] writes to stdout.
//!
//! The daemon's commands (`run`, `status`, `history`, `alerts`) call into
//! [`crate::daemon::cmd`], where their work still lives.

pub mod alerts;
pub mod charts;
pub mod check;
pub mod digest;
pub mod doctor;
pub mod history;
pub mod init;
pub mod invocation;
pub mod occurrences;
pub mod output;
pub mod plan;
pub mod report;
pub mod reports;
pub mod rules;
pub mod run;
pub mod serve;
pub mod status;
pub mod token;
