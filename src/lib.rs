//! calaudit: where did a new manager's week go?
//!
//! # Layout
//! The pipeline, one module per stage, I/O only at the edges:
//! - [`feed`]: fetch calendar bytes (paths, `file://`, `http(s)://`, `webcal://`).
//! - [`ics`]: parse RFC 5545 text and expand events into occurrences in a window.
//! - [`classify`]: rules from `config.toml` give each event a category, with the reason.
//! - [`report`]: weekly aggregation (union of busy time, category priority) and targets.
//! - [`playbook`]: the manager's habits: 1:1s with each direct report and their cadence.
//! - [`config`]: the documented `config.toml`, parsed and validated.
//! - [`cli`]: the command line; `main.rs` only calls [`cli::run`].
//! - [`untrusted`]: feed text made safe for terminals and logs; [`logging`]: the subscriber
//!   that keeps the HTTP libraries' secret-bearing lines out.

pub mod alert;
pub mod chart;
pub mod classify;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod daemon;
pub mod feed;
pub mod ics;
pub mod logging;
pub mod pipeline;
pub mod playbook;
pub mod report;
pub mod server;
pub mod store;
pub mod time;
pub mod untrusted;
