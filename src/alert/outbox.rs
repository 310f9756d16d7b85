//! The values of the durable outbox: an alert's state, one delivery of it to one sink, and the
//! rows the store hands back. They belong to the alert domain, not to SQLite, so any store
//! engine reads and writes the same types; [`crate::store`] is the engine we have.

use std::fmt;

use chrono::{DateTime, Utc};

use super::key::{AlertKey, AlertKind};
use super::sink::SinkName;

/// Whether an alert stands. A resolved alert seen again is opened again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlertState {
    Open,
    Resolved,
}

impl AlertState {
    /// The stored and delivered text (`open`, `resolved`).
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Resolved => "resolved",
        }
    }

    /// The state named `s`; `None` for any other text.
    pub fn parse(s: &str) -> Option<AlertState> {
        [AlertState::Open, AlertState::Resolved]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a delivery announces: the alert opening (or opening again) or its resolution. An
/// alert opened a second time is a new event (`open:2`), so every sink hears of it again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DeliveryEvent {
    pub state: AlertState,
    /// Which opening of the alert (1 for the first); a resolution carries the opening it ends.
    pub opening: i64,
}

impl DeliveryEvent {
    /// `open:N` or `resolved:N`, as stored; `None` for any other text.
    pub fn parse(s: &str) -> Option<DeliveryEvent> {
        let (state, n) = s.split_once(':')?;
        Some(DeliveryEvent {
            state: AlertState::parse(state)?,
            opening: n.parse().ok()?,
        })
    }

    /// The message id sinks receive (`{alert}-open-{N}`), also the webhook's
    /// `Idempotency-Key`: the same for every retry of this event.
    pub fn message_id(self, alert_id: i64) -> String {
        format!("{alert_id}-{}-{}", self.state, self.opening)
    }
}

impl fmt::Display for DeliveryEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.state, self.opening)
    }
}

/// Whether a delivery still has to be sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryState {
    Pending,
    /// The sink acknowledged it (HTTP 2xx, exit status 0, SMTP accepted).
    Delivered,
}

impl DeliveryState {
    /// The stored text (`pending`, `delivered`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Delivered => "delivered",
        }
    }

    /// The state named `s`; `None` for any other text.
    pub fn parse(s: &str) -> Option<DeliveryState> {
        [DeliveryState::Pending, DeliveryState::Delivered]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A delivery whose time has come: one event of one alert, for one sink.
#[derive(Clone, Debug, PartialEq)]
pub struct Delivery {
    pub id: i64,
    pub alert_id: i64,
    pub sink: SinkName,
    pub event: DeliveryEvent,
    /// Attempts made so far (0 for a first try).
    pub attempts: i64,
    /// The JSON message, exactly as the sink gets it.
    pub payload: String,
}

/// One delivery as `calaudit alerts` and the dashboard list it.
#[derive(Clone, Debug, PartialEq)]
pub struct DeliveryStatus {
    pub sink: SinkName,
    pub event: DeliveryEvent,
    pub state: DeliveryState,
    pub attempts: i64,
    /// Why the last attempt failed (cleared once delivered).
    pub last_error: Option<String>,
}

/// An alert with its deliveries, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRecord {
    pub id: i64,
    pub key: AlertKey,
    pub kind: AlertKind,
    pub state: AlertState,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// After this instant the alert is about the past and is no longer resolved.
    pub relevant_until: Option<DateTime<Utc>>,
    /// What the sinks were given when it opened (its `text` is the alert's message).
    pub payload: serde_json::Value,
    pub deliveries: Vec<DeliveryStatus>,
}

/// An open alert, for deciding whether it is resolved now.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenAlert {
    pub key: AlertKey,
    pub payload: serde_json::Value,
    pub relevant_until: Option<DateTime<Utc>>,
}

/// The `text` of an alert's payload ("" when it has none).
pub fn payload_text(payload: &serde_json::Value) -> &str {
    payload["text"].as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_and_events_round_trip_as_stored() {
        for s in [AlertState::Open, AlertState::Resolved] {
            assert_eq!(AlertState::parse(s.as_str()), Some(s));
        }
        for s in [DeliveryState::Pending, DeliveryState::Delivered] {
            assert_eq!(DeliveryState::parse(s.as_str()), Some(s));
        }
        let e = DeliveryEvent {
            state: AlertState::Resolved,
            opening: 2,
        };
        assert_eq!(e.to_string(), "resolved:2");
        assert_eq!(DeliveryEvent::parse("resolved:2"), Some(e));
        assert_eq!(e.message_id(7), "7-resolved-2");
        for bad in ["open", "open:x", "closed:1", ""] {
            assert_eq!(DeliveryEvent::parse(bad), None, "{bad}");
        }
    }
}
