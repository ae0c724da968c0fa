-- The PostgreSQL event store.
--
-- Every event row records the id of the transaction that wrote it (xid8). Readers of $all only read rows of
-- transactions older than the oldest one still running (pg_snapshot_xmin), ordered by (transaction id, sequence):
-- a transaction that commits late cannot slip an event in behind a position a reader has already passed, because
-- readers never pass a transaction that may still commit. A position is (transaction_id, global_sequence).

CREATE TABLE IF NOT EXISTS es_streams (
  stream_name text    PRIMARY KEY,
  -- revision of the stream's last event; -1 while the stream has none (only inside an append)
  revision    bigint  NOT NULL,
  deleted     boolean NOT NULL DEFAULT false
);

CREATE TABLE IF NOT EXISTS es_events (
  global_sequence bigint      GENERATED ALWAYS AS IDENTITY,
  transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
  event_id        uuid        NOT NULL,
  stream_name     text        NOT NULL,
  stream_revision bigint      NOT NULL,
  event_type      text        NOT NULL,
  data            jsonb       NOT NULL,
  metadata        jsonb       NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (transaction_id, global_sequence),
  UNIQUE (stream_name, stream_revision),
  UNIQUE (event_id)
);

-- Appends one batch of events to one stream, atomically, in one round trip. Raises (so the whole append rolls back)
-- with MESSAGE 'wrong_expected_revision' (DETAIL: the actual revision, -1 for no stream), 'stream_deleted' or
-- 'event_id_conflict'. An append whose event ids are all already in the stream is a repeat: it appends nothing and
-- returns the first append's result (outcome 'duplicate').
CREATE OR REPLACE FUNCTION es_append(
  p_stream        text,
  p_expected_kind text,   -- 'any' | 'no_stream' | 'stream_exists' | 'exact'
  p_expected      bigint, -- the revision, when p_expected_kind = 'exact'
  p_ids           uuid[],
  p_types         text[],
  p_data          jsonb[],
  p_metadata      jsonb[]
) RETURNS TABLE (outcome text, last_revision bigint, last_transaction_id xid8, last_sequence bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_count    integer := cardinality(p_ids);
  v_revision bigint;
  v_deleted  boolean;
  v_found    integer;
BEGIN
  -- Serialise appends to this stream with an advisory lock, which (unlike a row lock) does not assign a transaction
  -- id: the id is assigned by the first write below, after the lock is held. So a later append to the same stream
  -- always has a later transaction id, and $all's (transaction id, sequence) order keeps each stream in revision
  -- order. (A row lock or an INSERT ... ON CONFLICT takes its id before waiting, so a waiter could end up ordered
  -- before the append it waited for.) Hash collisions only serialise two unrelated streams now and then.
  PERFORM pg_advisory_xact_lock(hashtextextended(p_stream, 0));

  SELECT s.revision, s.deleted INTO v_revision, v_deleted FROM es_streams s WHERE s.stream_name = p_stream;
  IF NOT FOUND THEN
    v_revision := -1;
    v_deleted := false;
  END IF;
  IF v_deleted THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'stream_deleted';
  END IF;

  -- A repeat of an earlier append (same event ids): report its result, append nothing.
  IF v_revision >= 0 THEN
    SELECT count(*) INTO v_found FROM es_events e WHERE e.event_id = ANY (p_ids);
    IF v_found > 0 THEN
      IF v_found = v_count AND NOT EXISTS (
           SELECT 1 FROM es_events e WHERE e.event_id = ANY (p_ids) AND e.stream_name <> p_stream) THEN
        RETURN QUERY
          SELECT 'duplicate'::text, e.stream_revision, e.transaction_id, e.global_sequence
            FROM es_events e WHERE e.event_id = ANY (p_ids)
           ORDER BY e.stream_revision DESC LIMIT 1;
        RETURN;
      END IF;
      RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'event_id_conflict';
    END IF;
  END IF;

  IF (p_expected_kind = 'no_stream' AND v_revision <> -1)
     OR (p_expected_kind = 'stream_exists' AND v_revision = -1)
     OR (p_expected_kind = 'exact' AND v_revision <> p_expected) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'wrong_expected_revision', DETAIL = v_revision::text;
  END IF;

  IF v_revision = -1 THEN
    INSERT INTO es_streams (stream_name, revision) VALUES (p_stream, v_count - 1);
  ELSE
    UPDATE es_streams SET revision = v_revision + v_count WHERE stream_name = p_stream;
  END IF;

  -- (A new stream skips the duplicate check: event ids already used elsewhere fail here on es_events_event_id_key,
  -- which the adapter reports like 'event_id_conflict'. No EXCEPTION block: it would cost a subtransaction per append.)
  RETURN QUERY
    WITH inserted AS (
      INSERT INTO es_events (event_id, stream_name, stream_revision, event_type, data, metadata)
      SELECT u.id, p_stream, v_revision + u.ord, u.type, u.data, u.metadata
        FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u (id, type, data, metadata, ord)
       ORDER BY u.ord
      RETURNING stream_revision, transaction_id, global_sequence
    )
    SELECT 'appended'::text, i.stream_revision, i.transaction_id, i.global_sequence
      FROM inserted i ORDER BY i.stream_revision DESC LIMIT 1;
END;
$$;
