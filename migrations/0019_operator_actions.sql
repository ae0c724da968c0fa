-- One trail of what operators did to the projections, whichever door they came through: the HTTP ops routes (the
-- calling service, and X-Actor-Id when given), the console (the signed-in person) and the CLI (--actor or
-- ACCOUNTS_ACTOR_ID, when given). It is 0017's console_operator_actions generalised in place, so the console's rows
-- keep their ids and times. Ids only: no names, addresses, IPs or caller-chosen text (not even the correlation id,
-- which a caller may fill with anything).
ALTER TABLE console_operator_actions RENAME TO operator_actions;
ALTER SEQUENCE console_operator_actions_id_seq RENAME TO operator_actions_id_seq;
ALTER INDEX console_operator_actions_pkey RENAME TO operator_actions_pkey;
ALTER INDEX console_operator_actions_at RENAME TO operator_actions_at;

ALTER TABLE operator_actions
  -- The CLI, and a service that sends no X-Actor-Id, name no person.
  ALTER COLUMN actor_id DROP NOT NULL,
  -- The console's rows so far came through the console; every new row names its door (the default goes below).
  ADD COLUMN door text NOT NULL DEFAULT 'console' CHECK (door IN ('http', 'console', 'cli')),
  -- The calling service's name from SERVICE_KEYS (HTTP only).
  ADD COLUMN service text CHECK ((door = 'http') = (service IS NOT NULL)),
  -- What the action did; 'unrecorded' for the console's rows written before this migration.
  ADD COLUMN outcome text NOT NULL DEFAULT 'unrecorded'
    CHECK (outcome IN ('paused', 'already_paused', 'resumed', 'already_running', 'started', 'joined', 'requested', 'unrecorded')),
  -- The version a rebuild builds (started or joined), and a retry's projection_requests id.
  ADD COLUMN version integer,
  ADD COLUMN request_id bigint,
  ADD CONSTRAINT operator_actions_action CHECK (action IN ('rebuild', 'pause', 'resume', 'retry-dead-letters'));
ALTER TABLE operator_actions ALTER COLUMN door DROP DEFAULT, ALTER COLUMN outcome DROP DEFAULT;

-- During a rolling deploy the previous version's console still inserts into and lists console_operator_actions: a
-- view of the console's rows, whose defaults give its inserts their door and an unrecorded outcome. A later
-- migration drops it once no process of that version runs.
CREATE VIEW console_operator_actions AS
  SELECT id, at, actor_id, action, projection, door, outcome FROM operator_actions WHERE door = 'console';
ALTER VIEW console_operator_actions ALTER COLUMN door SET DEFAULT 'console';
ALTER VIEW console_operator_actions ALTER COLUMN outcome SET DEFAULT 'unrecorded';
