-- 2: workers and their leases on feeds (issue 14), as migrations/sqlite/0002_leases.sql. Claims
-- take free or expired rows with SELECT … FOR UPDATE SKIP LOCKED, so workers claiming at once
-- never wait for each other or claim the same feed.
CREATE TABLE workers (
    id TEXT PRIMARY KEY,
    started_at BIGINT NOT NULL,
    heartbeat BIGINT NOT NULL
);
CREATE TABLE feed_leases (
    feed TEXT PRIMARY KEY,
    worker TEXT,
    expires_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX feed_leases_worker ON feed_leases (worker);
