-- Each claim of an Idempotency-Key carries a token of the run that holds it (a new random uuid per run), so a run
-- gives back or completes only its own claim. A run that failed because a store was down gives its key back as soon
-- as PostgreSQL answers again, possibly long after the outage began (apps/api/src/idempotency/idempotency-store.ts):
-- by then another run may have taken the claim over (a stale claim), and a release by key alone would free that
-- run's claim for a third one, letting two runs of one key go on at once.
-- The functions of 0012 stay for processes of the previous version during a rolling deploy; their claims have no
-- token, and only go stale as before.
ALTER TABLE idempotency_records ADD COLUMN IF NOT EXISTS claim_token uuid;

-- 0012's idempotency_claim, recording p_token with the claim (inserted or taken over); a pending claim that already
-- carries p_token is the caller's own.
CREATE OR REPLACE FUNCTION idempotency_claim(
  p_service     text,
  p_actor       text,
  p_key         text,
  p_fingerprint text,
  p_stale_ms    double precision,
  p_token       uuid
) RETURNS TABLE (outcome text, status_code integer, response_body jsonb, response_headers jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  r idempotency_records%ROWTYPE;
BEGIN
  FOR attempt IN 1..3 LOOP
    INSERT INTO idempotency_records (service, actor_id, idempotency_key, request_fingerprint, state, claim_token)
    VALUES (p_service, p_actor, p_key, p_fingerprint, 'pending', p_token) ON CONFLICT DO NOTHING;
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
      -- The run's own claim counts as claimed: an append that claimed with it may have committed after its caller lost
      -- the connection, and the run then asks again to learn whether the key is its to give back.
      ELSIF r.state = 'completed' OR r.claim_token = p_token OR r.created_at < now() - make_interval(secs => p_stale_ms / 1000) THEN
        UPDATE idempotency_records i SET created_at = now(), claim_token = p_token
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

-- 0012's es_append_claimed, claiming with p_token.
CREATE OR REPLACE FUNCTION es_append_claimed(
  p_service       text,
  p_actor         text,
  p_key           text,
  p_fingerprint   text,
  p_stale_ms      double precision,
  p_token         uuid,
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
  SELECT * INTO c FROM idempotency_claim(p_service, p_actor, p_key, p_fingerprint, p_stale_ms, p_token);
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

-- 0012's idempotency_claim_and_complete, claiming with p_token.
CREATE OR REPLACE FUNCTION idempotency_claim_and_complete(
  p_service          text,
  p_actor            text,
  p_key              text,
  p_fingerprint      text,
  p_stale_ms         double precision,
  p_token            uuid,
  p_status_code      integer,
  p_response_body    jsonb,
  p_response_headers jsonb,
  p_subject_id       uuid
) RETURNS TABLE (outcome text, status_code integer, response_body jsonb, response_headers jsonb)
LANGUAGE plpgsql AS $$
DECLARE
  c record;
BEGIN
  SELECT * INTO c FROM idempotency_claim(p_service, p_actor, p_key, p_fingerprint, p_stale_ms, p_token);
  IF c.outcome = 'claimed' THEN
    UPDATE idempotency_records i
       SET state = 'completed', status_code = p_status_code, response_body = p_response_body,
           response_headers = p_response_headers, subject_id = p_subject_id, completed_at = now()
     WHERE i.service = p_service AND i.actor_id = p_actor AND i.idempotency_key = p_key;
  END IF;
  RETURN QUERY SELECT c.outcome, c.status_code, c.response_body, c.response_headers;
END;
$$;
