-- Webhook deliveries. Each endpoint's delivery projector keeps its checkpoint in projection_checkpoints (projection
-- `webhook:<endpoint id>`), so operators see its lag beside every other projection; these tables record what it did.

-- Every attempt: which integration event, when, and how it ended (the HTTP status, or the error's class when there
-- was no answer), how long it took, and when it is tried again. Written by the delivery process; callers read it at
-- GET /v1/webhooks/{id}/deliveries. No request body is kept, and of the answer at most a short excerpt.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
  id                bigserial   PRIMARY KEY,
  endpoint_id       uuid        NOT NULL,
  event_id          text        NOT NULL,
  event_type        text        NOT NULL,
  -- When the event happened (its occurredAt): a replay from a time starts at the first event since then.
  event_occurred_at timestamptz NOT NULL,
  position_commit   bigint      NOT NULL,
  position_prepare  bigint      NOT NULL,
  attempt           integer     NOT NULL,
  attempted_at      timestamptz NOT NULL,
  status            text        NOT NULL CHECK (status IN ('succeeded', 'failed', 'endpoint_disabled')),
  http_status       integer,
  error             text,
  duration_ms       integer     NOT NULL,
  next_retry_at     timestamptz,
  response_excerpt  text
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_event ON webhook_deliveries (endpoint_id, event_id);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_time ON webhook_deliveries (endpoint_id, event_occurred_at);

-- The endpoint's event now failing, and since when: the retry window survives a restart of the delivery process.
CREATE TABLE IF NOT EXISTS webhook_failures (
  endpoint_id   uuid        PRIMARY KEY,
  event_id      text        NOT NULL,
  failing_since timestamptz NOT NULL,
  attempts      integer     NOT NULL
);
