//! Alerts: detection is pure ([`detect`]: previous snapshot + current analysis + now → alert
//! candidates with stable keys); delivery is I/O ([`sink`]: log, webhook, command). The durable
//! outbox between the two lives in [`crate::store`].

pub mod detect;
pub mod sink;

pub use detect::{Block, Candidate};
pub use sink::Sink;
