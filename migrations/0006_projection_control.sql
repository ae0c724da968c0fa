-- Operating the projections: blue/green rebuilds, pauses, leases and operator requests. The versions of a projection
-- live in projection_checkpoints (one row per version, `live`, `building` or `retired`); this migration adds what
-- operators and the projector processes need to coordinate through PostgreSQL.

-- When a version was started and when it went live: the rebuild's duration, shown to operators.
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS created_at   timestamptz NOT NULL DEFAULT now();
ALTER TABLE projection_checkpoints ADD COLUMN IF NOT EXISTS activated_at timestamptz;

-- At most one version of a projection is live, and at most one is being built.
CREATE UNIQUE INDEX IF NOT EXISTS projection_checkpoints_one_live ON projection_checkpoints (projection) WHERE state = 'live';
CREATE UNIQUE INDEX IF NOT EXISTS projection_checkpoints_one_building ON projection_checkpoints (projection) WHERE state = 'building';

-- Who runs each projection. Exclusion itself is a session-level advisory lock held by the running process (released
-- by PostgreSQL the moment that process's connection ends); this row only tells operators which process it is.
CREATE TABLE IF NOT EXISTS projection_leases (
  projection    text        PRIMARY KEY,
  holder        text        NOT NULL,
  acquired_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at  timestamptz NOT NULL DEFAULT now()
);

-- Work an operator asked of the process that runs a projection (it alone may write the projection's store).
CREATE TABLE IF NOT EXISTS projection_requests (
  id            bigserial   PRIMARY KEY,
  projection    text        NOT NULL,
  kind          text        NOT NULL CHECK (kind IN ('retry_dead_letters')),
  requested_by  text        NOT NULL,
  requested_at  timestamptz NOT NULL DEFAULT now(),
  finished_at   timestamptz,
  outcome       jsonb
);
CREATE INDEX IF NOT EXISTS projection_requests_pending ON projection_requests (projection, id) WHERE finished_at IS NULL;
