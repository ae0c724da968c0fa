-- A command in one round trip to PostgreSQL, plus one to store its response (issue #13: adding a member made five).
-- `idempotency_claim` is the claim of apps/api/src/idempotency/idempotency-store.ts in one call; `es_append_claimed`
-- claims the command's Idempotency-Key, checks the facts the command assumed, and appends with the expected revision,
-- all in one transaction: a refused check (a wrong revision, a fact that no longer holds) rolls the claim back with
-- the append, so a key is never left claimed by a command that appended nothing.

-- Outcomes: 'claimed' (the caller may run the command), 'replay' (the stored response: return it), 'fingerprint_mismatch'
-- (the key was used with another request), 'in_flight' (another run holds the key). A completed record whose response
-- is the re-run marker ({"$rerun": true}: logins) is claimed again, since such a command is run again on every repeat.
-- A pending record older than p_stale_ms belongs to a run that died: it is taken over.
CREATE OR REPLACE FUNCTION idempotency_claim(
  p_service     text,
  p_actor       text,
  p_key         text,
  p_fingerprint text,
  p_stale_ms    double precision
) RETURNS TABLE (outcome text, status_code integer, response_body jsonb, response_headers jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  r idempotency_records%ROWTYPE;
BEGIN
  FOR attempt IN 1..3 LOOP
    INSERT INTO idempotency_records (service, actor_id, idempotency_key, request_fingerprint, state)
    VALUES (p_service, p_actor, p_key, p_fingerprint, 'pending') ON CONFLICT DO NOTHING;
    IF FOUND THEN
      RETURN QUERY SELECT 'claimed'::text, NULL::integer, NULL::jsonb, NULL::jsonb;
      RETURN;
    END IF;
    SELECT * INTO r FROM idempotency_records i
     WHERE i.service = p_service AND i.actor_id = p_actor AND i.idempotency_key = p_key FOR UPDATE;
    IF FOUND THEN
      IF r.request_fingerprint <> p_fingerprint THEN
        RETURN QUERY SELECT 'fingerprint_mismatch'::text, NULL::integer, NULL::jsonb, NULL::jsonb;
      ELSIF r.state = 'completed' AND coalesce(r.response_body ->> '$rerun', '') <> 'true' THEN
        RETURN QUERY SELECT 'replay'::text, r.status_code, r.response_body, r.response_headers;
      ELSIF r.state = 'completed' OR r.created_at < now() - make_interval(secs => p_stale_ms / 1000) THEN
        UPDATE idempotency_records i SET created_at = now()
         WHERE i.service = p_service AND i.actor_id = p_actor AND i.idempotency_key = p_key;
        RETURN QUERY SELECT 'claimed'::text, NULL::integer, NULL::jsonb, NULL::jsonb;
      ELSE
        RETURN QUERY SELECT 'in_flight'::text, NULL::integer, NULL::jsonb, NULL::jsonb;
      END IF;
      RETURN;
    END IF;
    -- Expired and deleted between the two statements: insert again.
  END LOOP;
  RETURN QUERY SELECT 'in_flight'::text, NULL::integer, NULL::jsonb, NULL::jsonb;
END;
$$;

-- Claim, check the assumed facts, append. The facts are streams the command assumed to exist and not to end in one of
-- p_ended_by (a user it was told is active: not erased); one that does not hold raises 'assumed_fact_failed' with the
-- stream in DETAIL, and the caller decides again with the facts read. Appending is es_append's (0008), unchanged;
-- when the claim is not 'claimed' nothing is appended and the claim's outcome is returned.
CREATE OR REPLACE FUNCTION es_append_claimed(
  p_service       text,
  p_actor         text,
  p_key           text,
  p_fingerprint   text,
  p_stale_ms      double precision,
  p_fact_streams  text[],
  p_ended_by      text[],
  p_stream        text,
  p_expected_kind text,
  p_expected      bigint,
  p_ids           uuid[],
  p_types         text[],
  p_data          jsonb[],
  p_metadata      jsonb[]
) RETURNS TABLE (claim text, status_code integer, response_body jsonb, response_headers jsonb,
                 outcome text, last_revision bigint, last_transaction_id xid8, last_sequence bigint)
LANGUAGE plpgsql AS $$
DECLARE
  c        record;
  v_broken text;
BEGIN
  SELECT * INTO c FROM idempotency_claim(p_service, p_actor, p_key, p_fingerprint, p_stale_ms);
  IF c.outcome <> 'claimed' THEN
    RETURN QUERY SELECT c.outcome, c.status_code, c.response_body, c.response_headers, NULL::text, NULL::bigint, NULL::xid8, NULL::bigint;
    RETURN;
  END IF;

  SELECT f.stream INTO v_broken FROM unnest(p_fact_streams) AS f (stream)
   WHERE coalesce((SELECT e.event_type FROM es_events e WHERE e.stream_name = f.stream ORDER BY e.stream_revision DESC LIMIT 1) <> ALL (p_ended_by), false) = false
   LIMIT 1;
  IF v_broken IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'P0001', MESSAGE = 'assumed_fact_failed', DETAIL = v_broken;
  END IF;

  RETURN QUERY
    SELECT 'claimed'::text, NULL::integer, NULL::jsonb, NULL::jsonb, a.outcome, a.last_revision, a.last_transaction_id, a.last_sequence
      FROM es_append(p_stream, p_expected_kind, p_expected, p_ids, p_types, p_data, p_metadata) AS a;
END;
$$;

-- A command that appended nothing (a refusal, nothing to do, a repeat recognised by its event ids): claim the key and
-- store the response in one call. A key already claimed or completed gives the claim's outcome and stores nothing.
CREATE OR REPLACE FUNCTION idempotency_claim_and_complete(
  p_service          text,
  p_actor            text,
  p_key              text,
  p_fingerprint      text,
  p_stale_ms         double precision,
  p_status_code      integer,
  p_response_body    jsonb,
  p_response_headers jsonb,
  p_subject_id       uuid
) RETURNS TABLE (outcome text, status_code integer, response_body jsonb, response_headers jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  c record;
BEGIN
  SELECT * INTO c FROM idempotency_claim(p_service, p_actor, p_key, p_fingerprint, p_stale_ms);
  IF c.outcome = 'claimed' THEN
    UPDATE idempotency_records i
       SET state = 'completed', status_code = p_status_code, response_body = p_response_body,
           response_headers = p_response_headers, subject_id = p_subject_id, completed_at = now()
     WHERE i.service = p_service AND i.actor_id = p_actor AND i.idempotency_key = p_key;
  END IF;
  RETURN QUERY SELECT c.outcome, c.status_code, c.response_body, c.response_headers;
END;
$$;
