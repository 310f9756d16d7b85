-- 2: workers and their leases on feeds (issue 14). A feed is pulled by the worker holding an
-- unexpired lease on it; a dead worker's leases expire and are claimed by another. One daemon
-- on SQLite holds every lease itself. Times are UTC Unix seconds.
CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    heartbeat INTEGER NOT NULL
);
CREATE TABLE feed_leases (
    feed TEXT PRIMARY KEY,
    worker TEXT,
    expires_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX feed_leases_worker ON feed_leases (worker);
