-- 3: several workers, one truth (issue 14, §3). A pending delivery is claimed by one worker
-- until `claimed_until` (UTC Unix seconds; 0 = free) before it is sent, so two workers never
-- send the same delivery, and a dead worker's claim runs out and another retries it. Each
-- worker also keeps its counters (JSON) beside its heartbeat, for `status`.
ALTER TABLE deliveries ADD COLUMN claimed_by TEXT;
ALTER TABLE deliveries ADD COLUMN claimed_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workers ADD COLUMN stats TEXT;
