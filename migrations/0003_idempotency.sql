-- Idempotency records: the first response to each (calling service, Idempotency-Key), so a repeat returns it
-- and appends nothing, across restarts and whichever event store is configured.
-- `request_fingerprint` is an HMAC (never a plain hash: request bodies hold passwords) of method, path and body.
-- `subject_id` names the person a response is about, so erasure can delete their records; records expire anyway.
CREATE TABLE IF NOT EXISTS idempotency_records (
  service             text        NOT NULL,
  idempotency_key     text        NOT NULL,
  request_fingerprint text        NOT NULL,
  state               text        NOT NULL CHECK (state IN ('pending', 'completed')),
  status_code         integer,
  response_body       jsonb,
  response_headers    jsonb,
  subject_id          uuid,
  created_at          timestamptz NOT NULL DEFAULT now(),
  completed_at        timestamptz,
  PRIMARY KEY (service, idempotency_key)
);

CREATE INDEX IF NOT EXISTS idempotency_records_subject ON idempotency_records (subject_id) WHERE subject_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS idempotency_records_created ON idempotency_records (created_at);
