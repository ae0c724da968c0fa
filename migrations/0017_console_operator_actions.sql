-- What operators did from the console, under their own user id: projections' pause, resume and rebuild record no
-- actor of their own (retries do, in projection_requests.requested_by), so the console keeps this trail beside them.
CREATE TABLE IF NOT EXISTS console_operator_actions (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid NOT NULL,
  action text NOT NULL,
  projection text NOT NULL
);
CREATE INDEX IF NOT EXISTS console_operator_actions_at ON console_operator_actions (at DESC);
