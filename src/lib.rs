//! calaudit: where did a new manager's week go?
//!
//! # Layout
//! The pipeline, one module per stage, I/O only at the edges:
//! - [`feed`]: get calendar bytes (paths, `file://`, `http(s)://`, `webcal://`) with one
//!   [`feed::Fetcher`], checking that they are a calendar.
//! - [`ics`]: parse RFC 5545 text and expand events into occurrences in a window.
//! - [`classify`]: rules from `config.toml` give each event a category, with the reason.
//! - [`pipeline`]: the stages above run in order over every feed, into one [`pipeline::Analysis`].
//! - [`report`]: weekly aggregation (union of busy time, category priority), targets and
//!   protected-time violations.
//! - [`playbook`]: the manager's habits: 1:1s with each direct report and their cadence.
//! - [`chart`]: the trend charts (PNG and SVG), drawn from the weekly report.
//! - [`alert`]: violations and feed failures turned into alerts, and their delivery (sinks).
//! - [`store`]: the daemon's state database (feeds, history, alerts, deliveries).
//! - [`daemon`]: `calaudit run`: pull feeds on their intervals, analyse, alert.
//! - [`server`]: the dashboard and its JSON API, served from a snapshot.
//!
//! Around the pipeline:
//! - [`config`]: the documented `config.toml`, parsed and validated.
//! - [`time`]: config durations, ISO week labels, UTC timestamps as we write them.
//! - [`cli`]: the command line, parsed and dispatched; `main.rs` only calls [`cli::run`].
//! - [`cmd`]: one file per command, each `run(args) -> Result<ExitCode>`.
//! - [`untrusted`]: feed text made safe for terminals and logs; [`logging`]: the subscriber
//!   that keeps the HTTP libraries' secret-bearing lines out.

pub mod alert;
pub mod chart;
pub mod classify;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod daemon;
pub mod digest;
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
