-- Projection bookkeeping. Each projector owns its tables and one checkpoint row per version; the row is updated in
-- the same transaction as the batch's effect, so a crash never loses or doubles an effect.
CREATE TABLE IF NOT EXISTS projection_checkpoints (
  projection        text        NOT NULL,
  version           integer     NOT NULL,
  position_commit   bigint,
  position_prepare  bigint,
  events_processed  bigint      NOT NULL DEFAULT 0,
  state             text        NOT NULL DEFAULT 'building' CHECK (state IN ('building', 'live', 'retired')),
  paused            boolean     NOT NULL DEFAULT false,
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (projection, version)
);

-- Events a projector could not apply. It records them and goes on; operators retry them after a fix.
-- `error` holds the error's class and code only: driver messages can quote the offending values.
CREATE TABLE IF NOT EXISTS projection_dead_letters (
  id                bigserial   PRIMARY KEY,
  projection        text        NOT NULL,
  version           integer     NOT NULL,
  event_id          uuid        NOT NULL,
  event_type        text        NOT NULL,
  stream_name       text        NOT NULL,
  position_commit   bigint      NOT NULL,
  position_prepare  bigint      NOT NULL,
  error             text        NOT NULL,
  failed_at         timestamptz NOT NULL DEFAULT now(),
  resolved_at       timestamptz,
  UNIQUE (projection, version, event_id)
);
