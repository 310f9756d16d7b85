//! Alerts: detection is pure ([`detect`]: previous snapshot + current analysis + now → alert
//! candidates with stable keys); delivery is I/O ([`sink`]: log, webhook, command, email). The
//! durable outbox between the two is stored by [`crate::store`]; its values ([`AlertKey`],
//! [`AlertState`], [`Delivery`], …) are defined here, so the store speaks the alert domain's
//! types rather than strings and tuples.

pub mod detect;
pub mod key;
pub mod outbox;
pub mod playbook;
pub mod sink;

pub use detect::{Block, Candidate};
pub use key::{AlertKey, AlertKind};
pub use outbox::{
    AlertRecord, AlertState, Delivery, DeliveryEvent, DeliveryState, DeliveryStatus, OpenAlert,
};
pub use sink::{Sink, SinkError, SinkName};
