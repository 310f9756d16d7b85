-- 1: feed state and last good bodies, weekly history, the key-value snapshot, alerts and
-- their per-sink deliveries (the outbox). Times are UTC Unix seconds.
CREATE TABLE feed_state (
    name TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    fingerprint TEXT,
    body BLOB,
    events INTEGER,
    last_attempt INTEGER,
    last_success INTEGER,
    last_change INTEGER,
    last_error TEXT,
    error_since INTEGER,
    failures INTEGER NOT NULL DEFAULT 0,
    next_pull INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE week_history (
    week TEXT PRIMARY KEY,
    week_start TEXT NOT NULL,
    json TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    resolved_at INTEGER,
    opened INTEGER NOT NULL DEFAULT 1,
    relevant_until INTEGER,
    payload TEXT NOT NULL
);
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL REFERENCES alerts(id),
    sink TEXT NOT NULL,
    event TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_error TEXT,
    delivered_at INTEGER,
    payload TEXT NOT NULL,
    UNIQUE (alert_id, sink, event)
);
CREATE INDEX deliveries_pending ON deliveries (state, next_attempt);
