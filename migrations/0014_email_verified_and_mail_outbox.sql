-- issue #16. `email_verified` on every version of the read model's users table that exists already (new versions
-- create it themselves, read-model-tables.ts), and the `users` view re-pointed so that it shows the new column (a
-- view's `*` is fixed when it is created). No address was verified before this feature, so false is true of every row.
DO $$
DECLARE
  t record;
  live integer;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename ~ '^users_v[0-9]+$' LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS email_verified boolean NOT NULL DEFAULT false', t.tablename);
  END LOOP;
  SELECT version INTO live FROM projection_checkpoints WHERE projection = 'read_model' AND state = 'live';
  IF live IS NOT NULL AND to_regclass(format('users_v%s', live)) IS NOT NULL THEN
    EXECUTE format('CREATE OR REPLACE VIEW users AS SELECT * FROM users_v%s', live);
  END IF;
END $$;

-- The mail outbox (projections/src/mail/): one row per mail an event asks for, written by the `mail` projection in
-- the transaction that moves its checkpoint, delivered by its sender. One table for every version of the projection,
-- keyed by the event: a rebuild derives the same rows, which exist already, so it sends nothing again. A row holds
-- ids only: the address is read from the event that carries it (`address_stream`, `address_revision`), opened only
-- to send, and the token is recreated from `token_id` (libs/privacy emailed-token.ts).
CREATE TABLE IF NOT EXISTS mail_outbox (
  event_id         uuid        PRIMARY KEY,
  event_type       text        NOT NULL,
  stream_name      text        NOT NULL,
  position_commit  bigint      NOT NULL,
  position_prepare bigint      NOT NULL,
  kind             text        NOT NULL CHECK (kind IN ('email-verification', 'password-reset', 'invitation')),
  subject_id       uuid        NOT NULL,
  token_id         uuid        NOT NULL,
  expires_at       timestamptz NOT NULL,
  address_stream   text        NOT NULL,
  address_revision bigint      NOT NULL,
  status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'dead', 'dropped')),
  attempts         integer     NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL DEFAULT now(),
  last_error       text,
  -- The projection version that parked it: a retry of that version's dead letters queues it again, a rebuild never.
  dead_version     integer,
  created_at       timestamptz NOT NULL DEFAULT now(),
  sent_at          timestamptz
);
CREATE INDEX IF NOT EXISTS mail_outbox_due ON mail_outbox (next_attempt_at, position_commit, position_prepare) WHERE status = 'pending';
