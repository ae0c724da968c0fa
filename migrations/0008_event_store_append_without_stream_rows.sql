-- Appends no longer write an es_streams row. A stream's revision is read from its last event, through the unique
-- (stream_name, stream_revision) index, under the same per-stream advisory lock; es_streams now only records
-- tombstones (deleted streams). One heap row and one index entry fewer per append (issue #7: appends with 16 writers
-- against plain INSERT). Rows written by the earlier function stay and are read only for their `deleted` flag.
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
  v_found    integer;
BEGIN
  -- The per-stream lock comes first and assigns no transaction id (see 0001_event_store.sql): the id is assigned by
  -- the INSERT below, after the lock is held, so $all keeps each stream in revision order. Each statement below takes
  -- a fresh snapshot (READ COMMITTED), so it sees every append that held the lock before this one.
  PERFORM pg_advisory_xact_lock(hashtextextended(p_stream, 0));

  IF EXISTS (SELECT 1 FROM es_streams s WHERE s.stream_name = p_stream AND s.deleted) THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'stream_deleted';
  END IF;
  SELECT coalesce(max(e.stream_revision), -1) INTO v_revision FROM es_events e WHERE e.stream_name = p_stream;

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

  -- (A new stream skips the duplicate check: event ids already used elsewhere fail on es_events_event_id_key, which
  -- the adapter reports like 'event_id_conflict'. If two appends to a new stream raced past a hash collision of the
  -- lock, the unique (stream_name, stream_revision) index refuses the second.)
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
