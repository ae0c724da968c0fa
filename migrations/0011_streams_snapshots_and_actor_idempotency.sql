-- Idempotency records belong to (calling service, actor, key): another actor of the same service sending the same
-- key must never receive a stored response (issue #11). '' stands for "no X-Actor-Id". Records made before this
-- migration keep the actor '' (they expire within hours anyway).
ALTER TABLE idempotency_records ADD COLUMN IF NOT EXISTS actor_id text NOT NULL DEFAULT '';
ALTER TABLE idempotency_records DROP CONSTRAINT IF EXISTS idempotency_records_pkey;
ALTER TABLE idempotency_records ADD PRIMARY KEY (service, actor_id, idempotency_key);

-- Snapshots of aggregate state (apps/api/src/commands/snapshots.ts): a command reads the newest snapshot and the
-- events after its revision, so its cost does not grow with the stream's history. `state` is sealed with the data key
-- of `subject_id` (the user, the organization), so erasure shreds it with the rest of their data; `state_version`
-- names the state's shape, and a snapshot of another shape is never used. Whatever event store is configured, the
-- snapshots live here: a snapshot is only a shortcut, its stream stays the truth.
CREATE TABLE IF NOT EXISTS aggregate_snapshots (
  stream_name   text        PRIMARY KEY,
  revision      bigint      NOT NULL,
  state_version integer     NOT NULL,
  subject_id    uuid        NOT NULL,
  state         text        NOT NULL,
  taken_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS aggregate_snapshots_subject ON aggregate_snapshots (subject_id);
